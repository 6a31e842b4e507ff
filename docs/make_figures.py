"""Regenerate the figures shown in the README and docs: ``python docs/make_figures.py``.

Writes ``docs/figures/<kind>.png`` for every kind in :data:`escalation.plots.KINDS`, for the
bundled ``venezuela-2025`` scenario (the ``tutorial`` scenario if it is not bundled), from
one run of both engines with a fixed seed, so the figures change only when the scenario or
the code does:

    run(scenario, runs=RUNS, seed=SEED, method="auto")

Options: ``--scenario NAME_OR_PATH``, ``--runs N``, ``--seed S``, ``--out DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # a source checkout need not be installed

from escalation import bundled_scenarios, load_scenario  # noqa: E402
from escalation.plots import KINDS, make_figure, needs_result  # noqa: E402
from escalation.results import run  # noqa: E402

#: Trajectories behind the figures: enough for smooth bands and stable top paths.
RUNS = 100_000
#: Fixed seed: the same figures every time.
SEED = 20251024
DPI = 120


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "venezuela-2025" if "venezuela-2025" in bundled_scenarios() else "tutorial"
    parser.add_argument("--scenario", default=default, help=f"bundled name or path (default {default})")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"Monte Carlo runs (default {RUNS:,})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed (default {SEED})")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures", help="output directory")
    args = parser.parse_args(argv)

    scenario = load_scenario(args.scenario)
    result = run(scenario, runs=args.runs, seed=args.seed, method="auto")
    args.out.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        fig = make_figure(kind, scenario, result if needs_result(kind) else None)
        path = args.out / f"{kind}.png"
        fig.savefig(path, dpi=DPI, bbox_inches="tight")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"{scenario.id}: {args.runs:,} runs, seed {args.seed}, engine {result.manifest.engine}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
