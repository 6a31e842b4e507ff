"""Print the odds tables of docs/scenarios.md: each bundled scenario, both engines, days 30/60/90.

Usage: ``python docs/make_tables.py [--runs 100000] [--seed 20251024]``. Output is Markdown.
"""

from __future__ import annotations

import argparse

from escalation import load_scenario
from escalation.results import format_probability, run
from escalation.stats import wilson_interval


def table(name: str, runs: int, seed: int, days: tuple[int, ...]) -> str:
    scenario = load_scenario(name)
    horizon = max(max(days), scenario.horizon)
    result = run(scenario, runs=runs, seed=seed, horizon=horizon)
    sim, ex = result.simulation, result.exact
    assert sim is not None and ex is not None
    head = "| target | " + " | ".join(f"day {d}: MC [95% CI] | day {d}: exact" for d in days) + " |"
    lines = [f"`escalation run {name} --runs {runs} --seed {seed}` (and the days below from the same run):", "",
             head, "|---" * (1 + 2 * len(days)) + "|"]
    for target in scenario.target_names:
        cells = []
        for d in days:
            hits = sim.hits(target, d)
            lo, hi = wilson_interval(hits, runs)
            cells.append(f"{format_probability(hits / runs)} [{format_probability(lo)}, {format_probability(hi)}]")
            cells.append(format_probability(ex.probability(target, d)))
        lines.append(f"| {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20251024)
    args = ap.parse_args()
    for name, days in (("venezuela-2025", (30, 60, 90)), ("kahn-ladder", (30, 90, 365)), ("tutorial", (30, 60))):
        print(f"### {name}\n")
        print(table(name, args.runs, args.seed, days))
        print()


if __name__ == "__main__":
    main()
