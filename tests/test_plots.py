"""Tests of escalation.plots on the Agg backend: assertions on the returned Axes and Figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

import escalation  # noqa: E402
from escalation import load_scenario  # noqa: E402
from escalation.plots import (  # noqa: E402
    KINDS,
    PALETTE,
    actor_colour,
    make_figure,
    needs_result,
    plot_fan,
    plot_first_hit,
    plot_graph,
    plot_ladder,
    plot_odds,
    plot_paths,
    target_levels,
)
from escalation.analysis import run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5_000
SEED = 12345

SCENARIOS = [
    "tutorial",
    pytest.param(
        "venezuela-2025",
        marks=pytest.mark.skipif(
            "venezuela-2025" not in escalation.bundled_scenarios(), reason="venezuela-2025 scenario not bundled"
        ),
    ),
]


@pytest.fixture(scope="module", params=SCENARIOS)
def result(request):
    return run(load_scenario(request.param), runs=RUNS, seed=SEED)


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario("tutorial")


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    """The plot functions make Figures outside pyplot: none may be left open there."""
    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before


def _legend_texts(legend) -> list[str]:
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def _n_rungs(scenario) -> int:
    return sum(len(a.ladder) for a in scenario.actors)


# --- ladder -----------------------------------------------------------------------------------
def test_ladder(result):
    scenario = result.scenario
    ax = plot_ladder(scenario)
    assert isinstance(ax, Axes)
    assert ax.get_title() == f"Escalation ladders: {scenario.title}"
    assert ax.get_ylabel() == "Escalation level (0-10)"
    assert ax.get_xlabel() == "Actor"
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(i) for i in range(11)]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) == len(scenario.actors)
    assert all(t.startswith(a.id) for t, a in zip(ticks, scenario.actors))
    # one ladder line and one marker per rung per actor, coloured by actor order
    assert len(ax.lines) == len(scenario.actors)
    assert len(ax.collections) == _n_rungs(scenario)
    for line, actor in zip(ax.lines, scenario.actors):
        assert to_hex(line.get_color()) == actor_colour(scenario, actor.id).lower()
    # rung labels (not ids), plus one odds annotation per arrow
    texts = [t.get_text().replace("\n", " ") for t in ax.texts]
    labels = [r.label for a in scenario.actors for r in a.ladder]
    assert texts[: len(labels)] == labels
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert 1 <= len(arrows) <= 6
    assert all(t.endswith("%/day") for t in texts[len(labels):])
    assert len(texts) == len(labels) + len(arrows)
    assert _legend_texts(ax.get_legend()) == [
        "rung (colour: actor)", "start rung", "named in a target", "likely first move (daily odds)"
    ]


def test_ladder_labels_do_not_overlap(result):
    scenario = result.scenario
    fig = make_figure("ladder", scenario)
    ax = fig.axes[0]
    fig.draw_without_rendering()
    n = _n_rungs(scenario)
    boxes = [t.get_window_extent() for t in ax.texts[:n]]
    owners = [a.id for a in scenario.actors for _ in a.ladder]
    for i in range(n):
        for j in range(i + 1, n):
            if owners[i] == owners[j]:
                assert not boxes[i].overlaps(boxes[j]), (ax.texts[i].get_text(), ax.texts[j].get_text())
    # rungs that share a level are spread apart
    ys = [tuple(c.get_offsets()[0]) for c in ax.collections]
    assert len(set(ys)) == len(ys)


def test_ladder_into_given_axes(tutorial):
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_ladder(tutorial, ax=ax, n_moves=0) is ax
    assert not any(isinstance(p, FancyArrowPatch) for p in ax.patches)
    assert len(_legend_texts(ax.get_legend())) == 3


# --- graph ------------------------------------------------------------------------------------
def test_graph(result):
    scenario = result.scenario
    from escalation.graph import compile_graph

    fig = plot_graph(scenario)
    assert isinstance(fig, Figure)
    joint = compile_graph(scenario).n_states <= 60
    assert len(fig.axes) == len(scenario.actors) + joint
    assert fig.get_suptitle() == f"Move graphs: {scenario.title}"
    assert fig.axes[0].get_ylabel() == "Escalation level (0-10)"
    for ax, actor in zip(fig.axes, scenario.actors):
        assert ax.get_title().startswith(f"{actor.id}: {actor.name}")
        assert ax.get_xlabel() == "Moves (arc width: daily odds)"
        edges = {(m.from_, m.to, m.when is not None) for m in scenario.moves if m.actor == actor.id}
        arcs = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
        assert len(arcs) == len(edges)  # one arc per (from, to, conditional)
        dashed = [p for p in arcs if p.get_linestyle() not in ("-", "solid")]
        assert len(dashed) == sum(cond for _, _, cond in edges)
        assert len(ax.collections) == 1  # the nodes
        assert len(ax.collections[0].get_offsets()) == len(actor.ladder)
        texts = {t.get_text().replace("\n", " ") for t in ax.texts}
        assert texts == {r.label for r in actor.ladder}
    if joint:
        ax = fig.axes[-1]
        assert ax.get_title().startswith("Joint chain (")
        assert ax.get_ylabel() == "Crisis level (0-10)"
        assert all(t.startswith("level ") for t in _legend_texts(ax.get_legend()))
    assert len(fig.legends) == 1
    entries = _legend_texts(fig.legends[0])
    assert entries[:4] == ["escalating move (colour: actor)", "de-escalating move", "conditional move (when ...)",
                           "start rung / state"]
    assert all(e.endswith("%/day") for e in entries[4:]) and len(entries) > 4


def test_graph_joint_panel_limit(tutorial):
    assert len(plot_graph(tutorial, max_joint=0).axes) == len(tutorial.actors)
    assert len(plot_graph(tutorial, max_joint=8).axes) == len(tutorial.actors)  # may have 9 states: not drawn
    fig = plot_graph(tutorial, max_joint=9)
    assert len(fig.axes) == len(tutorial.actors) + 1
    joint = fig.axes[-1]
    assert joint.get_title() == "Joint chain (7 states)"
    assert len(joint.collections[0].get_offsets()) == 7


# --- odds -------------------------------------------------------------------------------------
def test_odds_both_engines(result):
    scenario = result.scenario
    n = len(result.targets)
    ax = plot_odds(result)
    assert ax.get_title() == f"Cumulative odds: {scenario.title}"
    assert ax.get_xlabel() == f"Days from {scenario.as_of.isoformat()}"
    assert ax.get_ylabel() == "Probability target reached"
    assert len(ax.lines) == 2 * n  # Monte Carlo and exact per target
    assert len(ax.collections) == n  # one 95% band per target
    entries = _legend_texts(ax.get_legend())
    assert len(entries) == n + 3
    assert [e.split(" (")[0] for e in entries[:n]] == [t.name for t in result.targets]
    assert entries[n:] == [f"Monte Carlo ({RUNS:,} runs)", "95% interval", "exact"]
    # exact dashed, same colour as its Monte Carlo line; both end at the reported odds
    for k, t in enumerate(result.targets):
        mc, ex = ax.lines[2 * k], ax.lines[2 * k + 1]
        assert mc.get_color() == ex.get_color()
        assert ex.get_linestyle() == "--"
        assert mc.get_ydata()[-1] == pytest.approx(t.probability)
        assert ex.get_ydata()[-1] == pytest.approx(t.exact)
        assert len(mc.get_xdata()) == result.horizon + 1


def test_odds_single_engine_and_subset(tutorial):
    exact = run(tutorial, method="exact")
    ax = plot_odds(exact, targets=["settlement", "blue_strikes"])
    assert len(ax.lines) == 2 and len(ax.collections) == 0
    assert all(line.get_linestyle() == "-" for line in ax.lines)
    entries = _legend_texts(ax.get_legend())
    assert [e.split(" (")[0] for e in entries[:2]] == ["blue_strikes", "settlement"]  # scenario order
    assert entries[2:] == ["exact"]
    mc = run(tutorial, method="mc", runs=2_000, seed=SEED)
    ax = plot_odds(mc)
    assert len(ax.lines) == 4 and len(ax.collections) == 4
    assert _legend_texts(ax.get_legend())[4:] == ["Monte Carlo (2,000 runs)", "95% interval"]
    with pytest.raises(KeyError, match="nope"):
        plot_odds(mc, targets=["nope"])


# --- fan --------------------------------------------------------------------------------------
def test_fan(result):
    scenario = result.scenario
    ax = plot_fan(result)
    assert ax.get_title() == f"Crisis level over time (exact): {scenario.title}"
    assert ax.get_ylabel() == "Probability of crisis level"
    assert ax.get_xlabel().startswith("Days from ")
    dist = result.level_distribution()
    present = [lv for lv in range(11) if dist[:, lv].max() > 0]
    assert len(ax.collections) == len(present)
    from escalation.compiled import compile_model

    dyn = compile_model(scenario)
    start = int(dyn.crisis_level(dyn.start[None, :])[0])
    thresholds = sorted({lv for lv in target_levels(scenario).values() if lv > start})
    assert len(ax.lines) == len(thresholds)
    for line, level in zip(ax.lines, thresholds):
        np.testing.assert_allclose(line.get_ydata(), dist[:, :level].sum(axis=1))
    entries = _legend_texts(ax.get_legend())
    assert entries[: len(present)] == [f"level {lv}" for lv in reversed(present)]
    assert all(e.startswith("level >= ") for e in entries[len(present):])
    assert len(entries) == len(present) + len(thresholds)


def test_target_levels(tutorial):
    # settlement (BLUE == talks) implies no level above 0; both_escalate takes the higher part
    assert target_levels(tutorial) == {"blue_strikes": 7, "red_retaliates": 7, "both_escalate": 7}


def test_fan_monte_carlo_only(tutorial):
    ax = plot_fan(run(tutorial, method="mc", runs=2_000, seed=SEED))
    assert "(Monte Carlo)" in ax.get_title()
    assert len(ax.collections) >= 2


# --- paths ------------------------------------------------------------------------------------
def test_paths(result):
    scenario, sim = result.scenario, result.simulation
    fig = plot_paths(result, n_paths=6, n_traces=30)
    assert isinstance(fig, Figure)
    left, right = fig.axes
    assert fig.get_suptitle() == f"Escalation paths: {scenario.title}"
    assert left.get_title() == "Sample trajectories of the crisis level"
    assert left.get_ylabel() == "Crisis level (0-10)"
    assert left.get_xlabel().startswith("Days from ")
    assert len(left.lines) == 30 + 2  # traces, the mean, the legend key for traces
    assert _legend_texts(left.get_legend()) == ["mean crisis level (exact)", "30 sample runs (jittered)"]
    n = min(6, len(sim.top_paths))
    assert len(right.patches) == n
    assert right.get_xlabel() == f"Share of runs ({RUNS:,} runs)"
    assert right.get_title().startswith("Most frequent paths")
    widths = [p.get_width() for p in right.patches]
    assert widths == sorted(widths, reverse=True)
    assert widths[0] == pytest.approx(sim.top_paths[0].count / RUNS)
    labels = [t.get_text() for t in right.get_yticklabels()]
    assert len(labels) == n
    first = sim.top_paths[0].describe(scenario).split("; ")[0]
    assert labels[0].replace("\n    ", " ").startswith(first)
    entries = _legend_texts(right.get_legend())
    assert entries and all(e.endswith(" moves first") or e == "no change" for e in entries)


def test_paths_labels_not_clipped(result):
    fig = make_figure("paths", result.scenario, result)
    fig.draw_without_rendering()
    width, height = fig.bbox.width, fig.bbox.height
    for text in fig.axes[1].get_yticklabels():
        box = text.get_window_extent()
        assert box.x0 >= 0 and box.x1 <= width and box.y0 >= 0 and box.y1 <= height, text.get_text()


def test_paths_needs_monte_carlo(tutorial):
    with pytest.raises(ValueError, match="Monte Carlo"):
        plot_paths(run(tutorial, method="exact"))


# --- first hit --------------------------------------------------------------------------------
def test_first_hit(result):
    scenario = result.scenario
    n = len(result.targets)
    ax = plot_first_hit(result)
    assert ax.get_title() == f"When targets are first reached: {scenario.title}"
    assert ax.get_ylabel().startswith("Probability of first hit per day")
    assert ax.get_xlabel().startswith("Days from ")
    assert len(ax.patches) == 2 * n  # Monte Carlo and exact steps per target
    entries = _legend_texts(ax.get_legend())
    assert [e.split(" (")[0] for e in entries[:n]] == [t.name for t in result.targets]
    assert entries[n:] == [f"Monte Carlo ({RUNS:,} runs)", "exact"]
    # per-day values times bin widths add up to the odds at the horizon
    for k, t in enumerate(result.targets):
        values, edges, _ = ax.patches[2 * k].get_data()
        assert float(values @ np.diff(edges)) == pytest.approx(t.probability)


def test_first_hit_exact_daily(tutorial):
    r = run(tutorial, method="exact", horizon=20)
    ax = plot_first_hit(r, targets=["blue_strikes"], bin_days=1)
    assert len(ax.patches) == 1
    values, edges, _ = ax.patches[0].get_data()
    assert len(values) == 21
    np.testing.assert_allclose(values, r.exact.first_day_pmf("blue_strikes"))
    assert _legend_texts(ax.get_legend()) == [f"blue_strikes ({r['blue_strikes'].probability * 100:.1f}%)"]
    assert ax.get_ylabel() == "Probability of first hit per day"


# --- make_figure and files --------------------------------------------------------------------
def test_needs_result():
    assert [needs_result(k) for k in KINDS] == [False, False, True, True, True, True]
    with pytest.raises(ValueError, match="unknown figure kind"):
        needs_result("pie")


def test_make_figure_requires_result(tutorial):
    with pytest.raises(ValueError, match="needs a RunResult"):
        make_figure("odds", tutorial)


def test_given_axes_are_used(result):
    fig = Figure()
    axes = fig.subplots(1, 3)
    assert plot_odds(result, ax=axes[0]) is axes[0]
    assert plot_fan(result, ax=axes[1]) is axes[1]
    assert plot_first_hit(result, ax=axes[2]) is axes[2]
    assert len(fig.axes) == 3


MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF"}


@pytest.mark.parametrize("kind", KINDS)
def test_make_figure_saves(result, kind, tmp_path):
    fig = make_figure(kind, result.scenario, result if needs_result(kind) else None)
    assert isinstance(fig, Figure)
    w, h = fig.get_size_inches()
    assert 6 <= w <= 30 and 4 <= h <= 40
    for ax in fig.axes:
        assert ax.get_title()
    # Every format on the tutorial; PNG only on larger scenarios, to keep the suite fast.
    formats = ("png", "svg", "pdf") if result.scenario.id == "tutorial" else ("png",)
    for fmt in formats:
        path = tmp_path / f"{kind}.{fmt}"
        fig.savefig(path, bbox_inches="tight", dpi=30)
        data = path.read_bytes()
        if fmt == "svg":
            assert b"<svg" in data[:2000]
        else:
            assert data.startswith(MAGIC[fmt])
    plt.close(fig)  # what the CLI does; harmless on a Figure outside pyplot


def test_colours_follow_scenario_order(tutorial):
    assert actor_colour(tutorial, "BLUE") == PALETTE[0]
    assert actor_colour(tutorial, "RED") == PALETTE[1]


def test_import_escalation_does_not_import_matplotlib():
    code = "import sys, escalation; print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib' or m == 'escalation.plots'))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_tornado(tutorial):
    from escalation.plots import plot_tornado
    from escalation.analysis import sensitivity

    sens = sensitivity(tutorial, target="blue_strikes")
    ax = plot_tornado(sens, top=3)
    assert ax.get_title() == "Which single move matters most: blue_strikes"
    assert ax.get_xlabel() == "Probability of blue_strikes within 60 days"
    assert len(ax.get_yticklabels()) == 3
    assert len(ax.get_legend().get_texts()) == 3  # two bar series and the baseline
    assert ax.figure is not None
