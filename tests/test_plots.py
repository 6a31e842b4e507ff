"""Tests of escalation.plots on the Agg backend: assertions on the returned Axes and Figures."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

import escalation  # noqa: E402
from escalation import load_scenario, loads_scenario  # noqa: E402
from escalation.analysis import run  # noqa: E402
from escalation.engines.paths import PathCount  # noqa: E402
from escalation.plots import (  # noqa: E402
    KINDS,
    LOG_KINDS,
    MAX_ARC_RUNGS,
    PALETTE,
    PATH_LABEL_LINES,
    actor_colour,
    describe_path,
    format_share,
    level_colour,
    make_figure,
    needs_result,
    path_label,
    plot_fan,
    plot_first_hit,
    plot_graph,
    plot_ladder,
    plot_odds,
    plot_paths,
    target_colour,
    target_levels,
    target_linestyle,
)

ROOT = Path(__file__).absolute().parent.parent
#: The figures of a scenario and one run (other kinds take other results).
RUN_KINDS = ("ladder", "graph", "odds", "fan", "paths", "first-hit")
RUNS = 5_000
SEED = 12345
KEY_GREY = "#555555"

SCENARIOS = [
    "tutorial",
    pytest.param(
        "venezuela-2025",
        marks=pytest.mark.skipif(
            "venezuela-2025" not in escalation.bundled_scenarios(), reason="venezuela-2025 scenario not bundled"
        ),
    ),
]
TWELVE = """
  t05: RED >= mobilised
  t06: BLUE == talks and RED == calm
  t07: RED == retaliate and BLUE == alert
  t08: BLUE == strike and RED == calm
  t09: RED >= mobilised and BLUE <= alert
  t10: BLUE == talks or RED == retaliate
  t11: RED == mobilised
  t12: BLUE == strike and RED == mobilised
"""


@pytest.fixture(scope="module", params=SCENARIOS)
def result(request):
    return run(load_scenario(request.param), runs=RUNS, seed=SEED)


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario("tutorial")


@pytest.fixture(scope="module")
def kahn():
    return load_scenario("kahn-ladder")


@pytest.fixture(scope="module")
def kahn_result(kahn):
    return run(kahn, runs=2_000, seed=SEED)


@pytest.fixture(scope="module")
def twelve():
    """The tutorial with 12 targets: the most the palette keeps apart by colour alone."""
    text = (ROOT / "scenarios" / "tutorial.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n" + TWELVE.strip("\n")
    scenario = loads_scenario(text + "\n", name="tutorial-12.yaml")
    assert len(scenario.targets) == 12
    return scenario


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


# --- colour arithmetic: CIELAB distance, with simulated colour-vision deficiencies ----------------
_DEUTAN = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 1.968881]])
_PROTAN = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]])


def _linear(rgb):
    c = np.asarray(rgb, dtype=float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(colour, deficiency=None):
    lin = _linear(to_rgb(colour))
    if deficiency is not None:  # Machado et al. (2009), severity 1, applied to linear RGB
        lin = np.clip(deficiency @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _delta_e(a, b, deficiency=None) -> float:
    return float(np.linalg.norm(_lab(a, deficiency) - _lab(b, deficiency)))


def _min_distance(colours, deficiency=None) -> float:
    return min(_delta_e(a, b, deficiency) for a, b in itertools.combinations(colours, 2))


def test_palette_keeps_twelve_apart():
    assert len(PALETTE) == 12 and len({c.lower() for c in PALETTE}) == 12
    assert _min_distance(PALETTE) > 20
    assert _min_distance(PALETTE, _DEUTAN) > 10
    assert _min_distance(PALETTE, _PROTAN) > 10
    # No palette colour is (near) grey: greys are the legend keys' colour.
    for colour in PALETTE:
        L, a, b = _lab(colour)
        assert np.hypot(a, b) > 20, colour
        assert _delta_e(colour, KEY_GREY) > 20, colour


def test_level_colours_step_apart():
    steps = [_delta_e(level_colour(k)[:3], level_colour(k + 1)[:3]) for k in range(10)]
    assert min(steps) > 12, steps
    # lightness falls with the level: the order reads without a legend
    lightness = [_lab(level_colour(k)[:3])[0] for k in range(11)]
    assert lightness == sorted(lightness, reverse=True)


def test_target_styles(twelve):
    names = twelve.target_names
    colours = [target_colour(twelve, n) for n in names]
    styles = [target_linestyle(twelve, n) for n in names]
    assert len(set(colours)) == 12
    assert styles[:6] == ["-"] * 6 and all(s != "-" for s in styles[6:])


# --- ladder -----------------------------------------------------------------------------------
def _band_of(y: float, edges: np.ndarray) -> int:
    return int(np.searchsorted(edges, y) - 1)


@pytest.fixture(scope="module", params=["tutorial", "venezuela-2025", "kahn-ladder"])
def any_scenario(request):
    return load_scenario(request.param)


def test_ladder(result):
    scenario = result.scenario
    ax = plot_ladder(scenario)
    assert isinstance(ax, Axes)
    assert ax.get_title() == f"Escalation ladders: {scenario.title}"
    assert ax.get_ylabel().startswith("Escalation level (0-10)")
    assert ax.get_xlabel() == "Actor"
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
    legend = ax.get_legend()
    assert _legend_texts(legend) == [
        "rung (colour: actor)", "start rung", "named in a target (diamond, highlighted label)",
        "likely first move (daily odds)",
    ]
    # The highlight behind target rungs' labels is in the legend too.
    highlight = {to_hex(t.get_bbox_patch().get_facecolor()) for t in ax.texts if t.get_bbox_patch() is not None
                 and t.get_text().replace("\n", " ") in labels}
    assert len(highlight) == 1
    keyed = [to_hex(h.get_facecolor()) for h in legend.legend_handles if isinstance(h, Rectangle)]
    assert highlight <= set(keyed)


def test_ladder_axis_is_honest(any_scenario):
    """Every rung lies inside the band of its level; the axis spans exactly the 11 bands."""
    scenario = any_scenario
    ax = plot_ladder(scenario)
    edges = np.asarray(ax.get_yticks())  # major ticks: band edges
    assert len(edges) == 12 and np.all(np.diff(edges) >= 1.0)
    centres = np.asarray(ax.get_yticks(minor=True))
    assert [t.get_text() for t in ax.get_yticklabels(minor=True)] == [str(k) for k in range(11)]
    np.testing.assert_allclose(centres, (edges[:-1] + edges[1:]) / 2)
    assert all(t.get_text() == "" for t in ax.get_yticklabels())
    low, high = ax.get_ylim()
    assert edges[0] - 0.2 <= low < edges[0] and edges[-1] < high <= edges[-1] + 0.2
    markers = iter(ax.collections)
    for actor in scenario.actors:
        for rung in actor.ladder:
            y = float(next(markers).get_offsets()[0][1])
            assert edges[rung.level] < y < edges[rung.level + 1], (actor.id, rung.id, rung.level, y)
            assert _band_of(y, edges) == rung.level
    stretched = bool(np.any(np.diff(edges) > 1.0))
    assert ("widened" in ax.get_ylabel()) == stretched
    if scenario.id == "kahn-ladder":
        assert stretched  # 19 rungs at level 10: its band grows, and says so


def test_ladder_labels_do_not_overlap(any_scenario):
    scenario = any_scenario
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
def _moves(scenario, actor):
    return {(m.from_, m.to, m.when is not None) for m in scenario.moves if m.actor == actor.id}


def test_graph(result):
    scenario = result.scenario
    from escalation.graph import compile_graph

    fig = plot_graph(scenario)
    assert isinstance(fig, Figure)
    joint = compile_graph(scenario).n_states <= 60
    n = len(scenario.actors)
    assert len(fig.axes) == 2 * n + joint
    assert fig.get_suptitle() == f"Move graphs: {scenario.title}"
    assert fig.axes[0].get_ylabel() == "Escalation level (0-10)"
    for k, actor in enumerate(scenario.actors):
        up_ax, down_ax = fig.axes[2 * k], fig.axes[2 * k + 1]
        assert up_ax.get_title(loc="left").replace("\n", " ").startswith(f"{actor.id}: {actor.name}")
        assert up_ax.get_xlabel().startswith("escalating") and down_ax.get_xlabel().startswith("de-escalating")
        edges = _moves(scenario, actor)
        up = {e for e in edges if actor.position(e[1]) > actor.position(e[0])}
        down = edges - up
        # Escalating moves in one panel, de-escalating in the other: one arc per (from, to, conditional).
        for ax, expected in ((up_ax, up), (down_ax, down)):
            arcs = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
            assert len(arcs) == len(expected)
            dashed = [p for p in arcs if p.get_linestyle() not in ("-", "solid")]
            assert len(dashed) == sum(cond for _, _, cond in expected)
            assert len(ax.collections) == 1  # the nodes
            assert len(ax.collections[0].get_offsets()) == len(actor.ladder)
        def colours(ax):
            return {to_hex(p.get_edgecolor()) for p in ax.patches if isinstance(p, FancyArrowPatch)}

        assert colours(up_ax) <= {actor_colour(scenario, actor.id).lower()}
        assert colours(down_ax) <= {"#777777"}
        assert {t.get_text().replace("\n", " ") for t in up_ax.texts} == {r.label for r in actor.ladder}
        assert not down_ax.texts
    if joint:
        ax = fig.axes[-1]
        assert ax.get_title().startswith("Joint chain (")
        assert ax.get_ylabel() == "Crisis level (0-10)"
        assert all(t.startswith("level ") for t in _legend_texts(ax.get_legend()))
    assert len(fig.legends) == 1
    legend = fig.legends[0]
    entries = _legend_texts(legend)
    assert entries[:4] == ["escalating move (colour: actor)", "de-escalating move", "conditional move (when ...)",
                           "start rung / state"]
    assert all(e.endswith("%/day") for e in entries[4:]) and len(entries) > 5
    # A decade of daily odds is a clear step in arc width (0.01%/day and 0.1%/day look different).
    widths = [h.get_linewidth() for h in legend.legend_handles[4:]]
    assert all(b - a >= 1.2 for a, b in zip(widths, widths[1:])), widths


def test_graph_arcs_stay_in_their_panel(result):
    fig = make_figure("graph", result.scenario)
    fig.draw_without_rendering()
    for ax in fig.axes[:-1] if len(fig.axes) % 2 else fig.axes:  # not the joint chain
        box = ax.get_window_extent()
        for arc in (p for p in ax.patches if isinstance(p, FancyArrowPatch)):
            extent = arc.get_window_extent()
            assert extent.x1 <= box.x1 + 2 and extent.x0 >= box.x0 - 2, ax.get_xlabel()


def test_graph_joint_panel_limit(tutorial):
    n = 2 * len(tutorial.actors)
    assert len(plot_graph(tutorial, max_joint=0).axes) == n
    assert len(plot_graph(tutorial, max_joint=8).axes) == n  # may have 9 states: not drawn
    fig = plot_graph(tutorial, max_joint=9)
    assert len(fig.axes) == n + 1
    joint = fig.axes[-1]
    assert joint.get_title() == "Joint chain (7 states)"
    assert len(joint.collections[0].get_offsets()) == 7


def test_graph_large_ladder_falls_back_to_bars(kahn):
    assert max(len(a.ladder) for a in kahn.actors) > MAX_ARC_RUNGS
    fig = make_figure("graph", kahn)
    assert fig.get_suptitle() == f"Moves by rung: {kahn.title}"
    assert len(fig.axes) == len(kahn.actors)
    for k, (ax, actor) in enumerate(zip(fig.axes, kahn.actors)):
        bars = [p for p in ax.patches if isinstance(p, Rectangle)]
        moves = {(m.from_, m.to, m.when is not None) for m in kahn.moves if m.actor == actor.id and m.p}
        assert len(bars) == len(moves)
        # escalating bars to the right, de-escalating to the left
        up = sum(actor.position(b) > actor.position(a) for a, b, _ in moves)
        assert sum(bar.get_width() > 0 for bar in bars) == up
        assert sum(bar.get_width() < 0 for bar in bars) == len(moves) - up
        assert ax.get_ylim()[1] - ax.get_ylim()[0] == pytest.approx(len(actor.ladder), abs=0.5)
    # Identical ladders: rung labels once, on the first panel.
    first = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(first) == 44 and first[0].startswith("Ostensible crisis")
    assert all(t.get_text() == "" for t in fig.axes[1].get_yticklabels())
    fig.draw_without_rendering()
    boxes = [t.get_window_extent() for t in fig.axes[0].get_yticklabels()]
    assert all(t.get_fontsize() >= 6.5 for t in fig.axes[0].get_yticklabels())
    assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:]))
    w, h = fig.get_size_inches()
    assert w <= 20 and h <= 14


def test_graph_layouts(tutorial):
    assert plot_graph(tutorial, layout="bars").get_suptitle().startswith("Moves by rung")
    with pytest.raises(ValueError, match="layout must be"):
        plot_graph(tutorial, layout="matrix")


# --- odds -------------------------------------------------------------------------------------
def _final(t) -> float:
    return t.exact if t.exact is not None else t.probability


def test_odds_both_engines(result):
    scenario = result.scenario
    n = len(result.targets)
    ax = plot_odds(result)
    assert ax.get_title() == f"Cumulative odds: {scenario.title}"
    assert ax.get_xlabel() == f"Days from {scenario.as_of.isoformat()}"
    assert ax.get_ylabel() == "Probability target reached"
    assert ax.get_yscale() == "linear"  # no target is rare next to the others here
    assert len(ax.lines) == n  # the exact line per target
    assert len(ax.collections) == n  # one Monte Carlo band per target
    entries = _legend_texts(ax.get_legend())
    assert len(entries) == n + 2
    assert entries[:n] == [f"{t.name} ({format_share(_final(t))})" for t in result.targets]
    assert entries[n] == "line: exact"
    assert entries[n + 1].startswith("band: Monte Carlo 95% interval") and f"{RUNS:,} runs" in entries[n + 1]
    for line, t in zip(ax.lines, result.targets):
        assert to_hex(line.get_color()) == target_colour(scenario, t.name).lower()
        assert line.get_ydata()[-1] == pytest.approx(t.exact)
        assert len(line.get_xdata()) == result.horizon + 1


def test_odds_bands_visible(result):
    """At the test's run count the bands stand out of the line, and the legend states their width."""
    ax = plot_odds(result)
    ax.figure.draw_without_rendering()
    to_points = 72.0 / ax.figure.dpi
    sim = result.simulation
    halves = []
    for line, band, t in zip(ax.lines, ax.collections, result.targets):
        assert band.get_alpha() >= 0.25
        assert band.get_zorder() < line.get_zorder()
        assert to_hex(band.get_facecolor()[0][:3]) == to_hex(line.get_color())
        low, high = sim.ci95_band(t.name)
        halves.append(float(np.max(high - low)) / 2)
        if t.probability >= 0.01:
            y0, y1 = ax.transData.transform([(result.horizon, low[-1]), (result.horizon, high[-1])])[:, 1]
            assert (y1 - y0) * to_points > line.get_linewidth(), t.name
    label = _legend_texts(ax.get_legend())[-1]
    assert f"\u00b1{100 * max(halves):.2g} pp" in label


def test_odds_twelve_targets_distinct(twelve):
    r = run(twelve, method="exact", horizon=20)
    ax = plot_odds(r)
    colours = [to_hex(line.get_color()) for line in ax.lines]
    assert len(set(colours)) == 12
    legend = ax.get_legend()
    handles = legend.legend_handles
    keys = [(to_hex(h.get_color()), str(h.get_linestyle())) for h in handles[:12]]
    assert len(set(keys)) == 12 and [c for c, _ in keys] == colours
    # The engine key is grey: it cannot be mistaken for a target.
    assert to_hex(handles[12].get_color()) == KEY_GREY
    assert all(_delta_e(KEY_GREY, c) > 20 for c in colours)


def test_odds_single_engine_and_subset(tutorial):
    exact = run(tutorial, method="exact")
    ax = plot_odds(exact, targets=["settlement", "blue_strikes"])
    assert len(ax.lines) == 2 and len(ax.collections) == 0
    entries = _legend_texts(ax.get_legend())
    assert [e.split(" (")[0] for e in entries[:2]] == ["blue_strikes", "settlement"]  # scenario order
    assert entries[2:] == ["line: exact"]
    mc = run(tutorial, method="mc", runs=2_000, seed=SEED)
    ax = plot_odds(mc)
    assert len(ax.lines) == 4 and len(ax.collections) == 4
    entries = _legend_texts(ax.get_legend())
    assert entries[4] == "line: Monte Carlo (2,000 runs)" and entries[5].startswith("band: 95% interval (at most")
    for line, t in zip(ax.lines, mc.targets):
        assert line.get_ydata()[-1] == pytest.approx(t.probability)
    with pytest.raises(KeyError, match="nope"):
        plot_odds(mc, targets=["nope"])


def test_odds_log_scale(tutorial, kahn_result):
    r = run(tutorial, method="exact")
    assert plot_odds(r, log=False).get_yscale() == "linear"
    ax = plot_odds(r, log=True)
    assert ax.get_yscale() == "symlog" and "symlog" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "0%" and labels[-1] == "100%"
    assert not any("e" in t for t in labels)  # no scientific notation
    with pytest.raises(TypeError, match="log must be"):
        plot_odds(r, log="yes")
    # Auto: the Kahn ladder's thresholds span many decades, so the axis goes symlog by itself,
    # with decades down to one in a million.
    ax = plot_odds(kahn_result)
    assert ax.get_yscale() == "symlog"
    assert "0.0001%" in [t.get_text() for t in ax.get_yticklabels()]
    # Where Monte Carlo never hit a target there is no band (it would be a [0, 3.7/runs] block).
    sim = kahn_result.simulation
    for band, t in zip(ax.collections, kahn_result.targets):
        if sim.hits(t.name) == 0:
            assert all(len(p.vertices) == 0 for p in band.get_paths())


def test_format_share():
    assert [format_share(p) for p in (0, 3e-9, 1.3e-7, 2.5e-4, 0.381653)] == ["0%", "<0.0001%", "<0.0001%",
                                                                            "0.025%", "38.2%"]


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
    h = result.horizon
    for line, level in zip(ax.lines, thresholds):
        share = dist[:, level:].sum(axis=1)
        np.testing.assert_allclose(line.get_ydata(), 1 - share)
        # Labelled as what it is: occupancy on the day, with its value at the horizon.
        assert line.get_label() == f"level \u2265 {level} on the day\n({format_share(share[-1])} on day {h})"
    entries = _legend_texts(ax.get_legend())
    assert entries[: len(present)] == [f"level {lv}" for lv in reversed(present)]
    assert entries[len(present):] == [line.get_label() for line in ax.lines]
    # The targets' odds sit beside it, named as such, never as a line's label.
    if thresholds:
        (note,) = ax.texts
        text = note.get_text()
        assert text.startswith("Not the same: the odds of reaching")
        for name, level in target_levels(scenario).items():
            if level > start:
                assert f"{name}: {format_share(result.odds.probability(name))} (level \u2265 {level})" in text
        for line in ax.lines:
            assert not any(name in line.get_label() for name in scenario.target_names)
    colours = [to_hex(c.get_facecolor()[0]) for c in ax.collections]
    assert colours == [to_hex(level_colour(lv)) for lv in present]


def test_fan_faint_levels(kahn_result):
    ax = plot_fan(kahn_result)
    entries = _legend_texts(ax.get_legend())
    faint = [e for e in entries if "under 0.05% every day" in e]
    assert faint == ["levels 9-10: under 0.05% every day"]
    assert "level 10" not in entries
    # The threshold of a level no run stands on is in the note but draws no line.
    assert len(ax.lines) < len(set(target_levels(kahn_result.scenario).values()))
    assert "city_targeting: <0.0001%" in ax.texts[0].get_text()


def test_target_levels(tutorial):
    # settlement (BLUE == talks) implies no level above 0; both_escalate takes the higher part
    assert target_levels(tutorial) == {"blue_strikes": 7, "red_retaliates": 7, "both_escalate": 7}


def test_fan_monte_carlo_only(tutorial):
    ax = plot_fan(run(tutorial, method="mc", runs=2_000, seed=SEED))
    assert "(Monte Carlo)" in ax.get_title()
    assert len(ax.collections) >= 2


# --- paths ------------------------------------------------------------------------------------
def _path(*moves, truncated=False):
    return PathCount(moves=tuple(moves), truncated=truncated, count=1)


def test_describe_path_compresses_oscillations():
    assert describe_path(_path()) == "no change"
    strikes = [("US", "strikes", "blockade"), ("US", "blockade", "strikes"), ("US", "strikes", "blockade")]
    assert describe_path(_path(*strikes)) == "US: strikes <-> blockade x3"
    assert describe_path(_path(*strikes[:2])) == "US: strikes <-> blockade x2"
    assert describe_path(_path(*strikes, ("US", "blockade", "raid"))) == "US: strikes <-> blockade x3 -> raid"
    assert describe_path(_path(("US", "a", "b"), ("US", "b", "c"), ("VEN", "x", "y"), ("US", "c", "d"))) == (
        "US: a -> b -> c, then VEN: x -> y, then US: c -> d")
    assert describe_path(_path(("US", "a", "b"), ("US", "b", "a"), ("US", "a", "c"), ("US", "c", "a"),
                               ("US", "a", "c"))) == "US: a <-> b x2 <-> c x3"
    assert describe_path(_path(("US", "a", "b"), truncated=True)) == "US: a -> b, then ..."


def test_path_labels_are_bounded(tutorial):
    long = _path(*[("BLUE", "alert", "strike") if k % 3 == 0 else ("RED", "calm", "mobilised") for k in range(12)],
                 truncated=True)
    label = path_label(long, tutorial)
    assert 1 < len(label.split("\n")) <= PATH_LABEL_LINES and label.endswith(" ...")
    assert not any(line.startswith(" ") for line in label.split("\n"))  # no hanging indents
    assert path_label(_path(("BLUE", "alert", "strike")), tutorial) == "BLUE: Forces on alert -> Limited strike"


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
    assert labels == [path_label(p, scenario) for p in sim.top_paths[:n]]
    assert all(len(label.split("\n")) <= PATH_LABEL_LINES for label in labels)
    entries = _legend_texts(right.get_legend())
    assert entries and all(e.endswith(" moves first") or e == "no change" for e in entries)


def test_paths_fold_oscillations_on_kahn(kahn_result):
    fig = plot_paths(kahn_result, n_paths=10)
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert any("<->" in label and re.search(r" x\d", label) for label in labels)
    assert all(len(label.split("\n")) <= PATH_LABEL_LINES for label in labels)


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
    assert entries[:n] == [f"{t.name} ({format_share(_final(t))})" for t in result.targets]
    assert entries[n:] == ["thick: exact", f"thin: Monte Carlo ({RUNS:,} runs)"]
    # per-day values times bin widths add up to the odds at the horizon; same colour and style per target
    for k, t in enumerate(result.targets):
        mc, ex = ax.patches[2 * k], ax.patches[2 * k + 1]
        values, edges, _ = mc.get_data()
        assert float(values @ np.diff(edges)) == pytest.approx(t.probability)
        values, edges, _ = ex.get_data()
        assert float(values @ np.diff(edges)) == pytest.approx(t.exact)
        assert to_hex(mc.get_edgecolor()) == to_hex(ex.get_edgecolor()) == target_colour(scenario, t.name).lower()
        assert ex.get_linewidth() > mc.get_linewidth()


def test_first_hit_exact_daily(tutorial):
    r = run(tutorial, method="exact", horizon=20)
    ax = plot_first_hit(r, targets=["blue_strikes"], bin_days=1)
    assert len(ax.patches) == 1
    values, edges, _ = ax.patches[0].get_data()
    assert len(values) == 21
    np.testing.assert_allclose(values, r.exact.first_day_pmf("blue_strikes"))
    assert _legend_texts(ax.get_legend()) == [f"blue_strikes ({r['blue_strikes'].probability * 100:.1f}%)", "exact"]
    assert ax.get_ylabel() == "Probability of first hit per day"
    assert plot_first_hit(r, log=True).get_yscale() == "symlog"


# --- make_figure and files --------------------------------------------------------------------
def test_needs_result():
    assert set(RUN_KINDS) <= set(KINDS)
    assert [needs_result(k) for k in RUN_KINDS] == [False, False, True, True, True, True]
    with pytest.raises(ValueError, match="unknown figure kind"):
        needs_result("pie")


def test_make_figure_requires_result(tutorial):
    with pytest.raises(ValueError, match="needs a RunResult"):
        make_figure("odds", tutorial)


def test_make_figure_log(tutorial):
    r = run(tutorial, method="exact", horizon=20)
    assert LOG_KINDS == ("odds", "first-hit")
    for kind in LOG_KINDS:
        assert make_figure(kind, tutorial, r, log=True).axes[0].get_yscale() == "symlog"
        assert make_figure(kind, tutorial, r, log=False).axes[0].get_yscale() == "linear"
    with pytest.raises(ValueError, match="no probability axis"):
        make_figure("ladder", tutorial, log=True)


def test_given_axes_are_used(result):
    fig = Figure()
    axes = fig.subplots(1, 3)
    assert plot_odds(result, ax=axes[0]) is axes[0]
    assert plot_fan(result, ax=axes[1]) is axes[1]
    assert plot_first_hit(result, ax=axes[2]) is axes[2]
    assert len(fig.axes) == 3


MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF"}


@pytest.mark.parametrize("kind", RUN_KINDS)
def test_make_figure_saves(result, kind, tmp_path):
    fig = make_figure(kind, result.scenario, result if needs_result(kind) else None)
    assert isinstance(fig, Figure)
    w, h = fig.get_size_inches()
    assert 6 <= w <= 30 and 4 <= h <= 40
    for ax in fig.axes:
        assert ax.get_title() or ax.get_title(loc="left") or ax.get_xlabel()
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
    from escalation.analysis import sensitivity
    from escalation.plots import plot_tornado

    sens = sensitivity(tutorial, target="blue_strikes")
    ax = plot_tornado(sens, top=3)
    assert ax.get_title() == "Which single move matters most: blue_strikes"
    assert ax.get_xlabel() == "Probability of blue_strikes within 60 days"
    assert len(ax.get_yticklabels()) == 3
    assert len(ax.get_legend().get_texts()) == 3  # two bar series and the baseline
    assert ax.figure is not None


# --- the figures in the README and docs -------------------------------------------------------
def _make_figures():
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _close(a, b, where: str) -> None:
    """Records equal: texts verbatim, numbers to 1e-6 relative."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: {len(a)} items, stored {len(b) if isinstance(b, list) else b}"
        for k, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{where}[{k}]")
    elif isinstance(a, float):
        assert y_close(a, b), f"{where}: fresh {a!r}, stored {b!r}"
    else:
        assert a == b, f"{where}: fresh {a!r}, stored {b!r}"


def y_close(a: float, b: object) -> bool:
    return isinstance(b, (int, float)) and abs(a - float(b)) <= 1e-6 * max(abs(a), abs(float(b))) + 1e-12


def test_docs_figures_match_a_fresh_run():
    """Every figure in the README and docs is what docs/make_figures.py draws now, at its documented seed."""
    mf = _make_figures()
    folder = ROOT / "docs" / "figures"
    made = []
    for name, fig, record in mf.figures(runs=mf.RUNS, seed=mf.SEED):
        stored = mf.read_record(folder / name)
        assert stored is not None, f"docs/figures/{name} has no record: rerun python docs/make_figures.py"
        # A JSON round trip turns tuples into lists, as in the stored record.
        _close(json.loads(json.dumps(record)), stored, name)
        made.append(name)
        plt.close(fig)
    assert sorted(p.name for p in folder.glob("*.png")) == sorted(made)  # nothing stale
    # The README and docs show only these figures, and say how they were made.
    linked = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8")):
            path = (doc.parent / target).resolve()
            assert path.is_file(), f"{doc.name}: image {target} does not exist"
            linked.append(path.name)
    assert linked and set(linked) <= set(made)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"python docs/make_figures.py` ({mf.RUNS:,} runs, seed {mf.SEED})" in readme


def test_make_figures_writes_records(tmp_path, monkeypatch):
    mf = _make_figures()
    assert [name for name, _, _ in mf.FIGURES] == ["venezuela-2025", "kahn-ladder"]
    assert mf.FIGURES[0][1] == RUN_KINDS  # every kind of a run, for the scenario the README shows
    monkeypatch.setattr(mf, "FIGURES", (("tutorial", ("odds", "ladder"), "t-"),))
    assert mf.main(["--runs", "2000", "--seed", "7", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["t-ladder.png", "t-odds.png"]
    record = mf.read_record(tmp_path / "t-odds.png")
    assert record["runs"] == 2000 and record["seed"] == 7 and record["scenario"] == "tutorial"
    assert record["axes"][0]["title"].startswith("Cumulative odds")
    assert record["axes"][0]["legend"][0].startswith("blue_strikes (")
    assert mf.read_record(tmp_path / "t-ladder.png")["kind"] == "ladder"
