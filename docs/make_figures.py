"""Regenerate the figures shown in the README and docs: ``python docs/make_figures.py``.

Writes ``docs/figures/<kind>.png`` for every kind of :data:`RUN_KINDS` (the figures of a
scenario and one run), for the bundled ``venezuela-2025`` scenario, and ``docs/figures/kahn-ladder-<kind>.png`` for the
kinds in :data:`KAHN_KINDS` (the large-ladder fallback of the graph and the symlog odds),
each from one run of both engines with a fixed seed, so the figures change only when a
scenario or the code does:

    run(scenario, runs=RUNS, seed=SEED, method="auto")

Every PNG carries, in a ``tEXt`` chunk named :data:`RECORD_KEY`, a JSON record of what it
shows: the scenario's SHA-256, the seed and runs, and the data behind each Axes (titles,
labels, legend entries, texts, and the numbers of every line, bar, band and marker).
``tests/test_plots.py`` rebuilds the figures from a fresh run at the same seed and checks
that they match the records, so a figure in the README cannot drift from the code.

Options: ``--runs N``, ``--seed S``, ``--out DIR``.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).absolute().parent.parent
if not (ROOT / "escalation").is_dir():  # pragma: no cover - run from an unusual place
    raise SystemExit(f"expected the escalation package next to docs/, found none in {ROOT}")
sys.path.insert(0, str(ROOT))  # a source checkout need not be installed

import numpy as np  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle, StepPatch  # noqa: E402

from escalation import load_scenario  # noqa: E402
from escalation.analysis import run, scenario_sha256  # noqa: E402
from escalation.plots import make_figure, needs_result  # noqa: E402

#: Trajectories behind the figures: enough for stable top paths.
RUNS = 100_000
#: Fixed seed: the same figures every time (the as-of date of venezuela-2025).
SEED = 20251024
DPI = 120
#: The kinds of :func:`escalation.plots.make_figure` drawn from a scenario and one run.
RUN_KINDS = ("ladder", "graph", "odds", "fan", "paths", "first-hit")
#: The figures of the Kahn ladder shown in docs/scenarios.md.
KAHN_KINDS = ("graph", "odds")
#: Which figures of which scenario: (scenario, kinds, file name prefix).
FIGURES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("venezuela-2025", RUN_KINDS, ""),
    ("kahn-ladder", KAHN_KINDS, "kahn-ladder-"),
)
#: Name of the PNG text chunk that holds a figure's record.
RECORD_KEY = "escalation-figure"
_DIGITS = 9  # significant digits kept of every number in a record


def figures(*, runs: int = RUNS, seed: int = SEED) -> Iterator[tuple[str, Figure, dict[str, Any]]]:
    """Every figure of :data:`FIGURES`: ``(file name, Figure, record)``, one run per scenario."""
    for name, kinds, prefix in FIGURES:
        scenario = load_scenario(name)
        result = run(scenario, runs=runs, seed=seed, method="auto")
        for kind in kinds:
            fig = make_figure(kind, scenario, result if needs_result(kind) else None)
            record = {
                "scenario": scenario.id,
                "scenario_sha256": scenario_sha256(scenario),
                "kind": kind,
                "runs": runs,
                "seed": seed,
                "engine": result.manifest.engine,
                "axes": [axes_record(ax) for ax in fig.axes],
            }
            yield f"{prefix}{kind}.png", fig, record


def _num(x: float) -> float:
    return float(f"{float(x):.{_DIGITS}g}")


def _summary(values: Any) -> list[float]:
    """``[count, sum, first, last, min, max]`` of an array, rounded: enough to notice any change."""
    a = np.asarray(values, dtype=float).ravel()
    a = a[np.isfinite(a)]
    if a.size == 0:
        return [0.0]
    return [float(a.size)] + [_num(v) for v in (a.sum(), a[0], a[-1], a.min(), a.max())]


def axes_record(ax: Any) -> dict[str, Any]:
    """The data an Axes shows: texts verbatim, numbers of its artists summarised and rounded.

    Independent of rendering (fonts, DPI, layout), so a fresh build on another machine gives
    the same record when the data and labels are the same.
    """
    legend = ax.get_legend()
    patches: list[list[float]] = []
    for p in ax.patches:
        if isinstance(p, Rectangle):
            patches.append([_num(v) for v in (p.get_x(), p.get_y(), p.get_width(), p.get_height())])
        elif isinstance(p, StepPatch):
            values, edges, _ = p.get_data()
            patches.append(_summary(values) + _summary(edges))
        elif isinstance(p, FancyArrowPatch):
            patches.append([float(p.get_linewidth())])
    collections = []
    for c in ax.collections:
        assert isinstance(c, Collection)
        vertices = [path.vertices for path in c.get_paths()]
        offsets = np.asarray(c.get_offsets())
        collections.append((_summary(np.concatenate(vertices)) if vertices else []) + _summary(offsets))
    return {
        "title": ax.get_title() or ax.get_title(loc="left"),
        "xlabel": ax.get_xlabel(),
        "ylabel": ax.get_ylabel(),
        "yscale": ax.get_yscale(),
        "legend": [t.get_text() for t in legend.get_texts()] if legend is not None else [],
        "texts": [t.get_text() for t in ax.texts],
        "lines": [_summary(line.get_ydata()) for line in ax.lines],
        "patches": patches,
        "collections": collections,
    }


def read_record(path: str | Path) -> dict[str, Any] | None:
    """The record stored in a PNG written by :func:`main` (None if it has none)."""
    data = Path(path).read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError(f"{path}: expected a PNG file, found {data[:8]!r}")
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            if key.decode("latin-1") == RECORD_KEY:
                return json.loads(value.decode("latin-1"))
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            if key.decode("latin-1") == RECORD_KEY:
                return json.loads(zlib.decompress(rest[1:]).decode("latin-1"))
        pos += 12 + length
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"Monte Carlo runs (default {RUNS:,})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed (default {SEED})")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures", help="output directory")
    args = parser.parse_args(argv)

    from escalation.outputs import atomic_path

    args.out.mkdir(parents=True, exist_ok=True)
    for name, fig, record in figures(runs=args.runs, seed=args.seed):
        path = args.out / name
        # Record as ASCII JSON: PNG text chunks are Latin-1.
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight",
                        metadata={RECORD_KEY: json.dumps(record, ensure_ascii=True, separators=(",", ":"))})
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"{args.runs:,} runs, seed {args.seed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
