"""Synthetic scenarios for the scale benchmarks: A actors x R rungs, written as YAML files.

Each actor climbs one rung at a time, falls back one rung, and jumps two rungs when the next
actor stands higher (a conditional move); one modifier speeds up every escalating move once
the first actor is past the middle. Daily odds stay far below 1, so every file is valid.
The joint space is R^A states (6^12 = 2.2 x 10^9 for A = 12): only Monte Carlo can run them.

Usage::

    python benchmarks/synthetic.py 10 --rungs 6 --out /tmp/synthetic-10.yaml
"""

from __future__ import annotations

import argparse
from pathlib import Path


def synthetic_yaml(n_actors: int, n_rungs: int = 6, *, p: float = 0.01, horizon: int = 365) -> str:
    """The YAML text of an ``n_actors`` x ``n_rungs`` scenario (see the module notes)."""
    lines = [
        "schema: escalation/1",
        f"id: synthetic-{n_actors}x{n_rungs}",
        f"title: Synthetic, {n_actors} actors x {n_rungs} rungs",
        f"horizon: {horizon}",
        "actors:",
    ]
    for a in range(n_actors):
        lines.append(f"  - id: X{a}")
        lines.append("    start: r0")
        lines.append("    ladder:")
        for j in range(n_rungs):
            lines.append(f"      - {{id: r{j}, level: {min(10, 2 * j)}}}")
    lines.append("moves:")
    for a in range(n_actors):
        other = f"X{(a + 1) % n_actors}"
        for j in range(n_rungs - 1):
            lines.append(f"  - {{actor: X{a}, from: r{j}, to: r{j + 1}, p: {p}}}")
            lines.append(f"  - {{actor: X{a}, from: r{j + 1}, to: r{j}, p: {p / 2}}}")
            if j + 2 < n_rungs:
                lines.append(f"  - {{actor: X{a}, from: r{j}, to: r{j + 2}, p: {p / 2}, when: \"{other} > r{j}\"}}")
    mid = n_rungs // 2
    lines += [
        "modifiers:",
        f"  - {{when: \"X0 >= r{mid}\", direction: up, factor: 1.5}}",
        "targets:",
        "  any_top: \"" + " or ".join(f"X{a} >= r{n_rungs - 1}" for a in range(n_actors)) + "\"",
        f"  first_mid: \"X0 >= r{mid}\"",
        "  all_up: \"" + " and ".join(f"X{a} >= r1" for a in range(n_actors)) + "\"",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("actors", type=int)
    ap.add_argument("--rungs", type=int, default=6)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.write_text(synthetic_yaml(args.actors, args.rungs), encoding="utf-8")


if __name__ == "__main__":
    main()
