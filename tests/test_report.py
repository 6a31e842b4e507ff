"""The HTML report, the `report` command, the explorer, and the report in a real browser.

The browser test drives Debian's headless ``chromium`` over the DevTools protocol (with the
``websocket-client`` package); it is skipped with a reason when either is missing, except
when the environment variable ``CI`` is set, where a missing browser is a failure.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shlex
import subprocess
import time
import urllib.request
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from escalation import load_scenario, loads_scenario, run
from escalation.analysis import format_probability, sensitivity
from escalation.cli import cli
from escalation.engines.exact import exact_odds
from escalation.errors import ScenarioError
from escalation.explorer import Explorer, explore, rank_moves
from escalation.report import (
    CONTENT_SECURITY_POLICY,
    Chart,
    Link,
    Paragraph,
    Section,
    chromium_args,
    find_chromium,
    reproduce_command,
    safe_url,
    write_report,
)

ROOT = Path(__file__).resolve().parent.parent
FIGURES = {"odds", "first-hit", "paths", "fan", "ladder", "graph"}


# --- helpers -------------------------------------------------------------------------------------
class _Page(HTMLParser):
    """Every tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _references(page: _Page) -> list[str]:
    return [v for _, attrs in page.tags for k, v in attrs.items()
            if k in ("src", "href", "xlink:href", "action", "data", "poster", "srcset") and v is not None]


@pytest.fixture(scope="module")
def tutorial_result():
    return run(load_scenario("tutorial"), runs=4_000, seed=5)


@pytest.fixture(scope="module")
def tutorial_html(tutorial_result):
    return write_report(tutorial_result, generated="fixed")


HOSTILE = """\
schema: escalation/1
id: hostile
title: "Evil <script>alert('title')</script> crisis"
as_of: 2025-01-01
horizon: 30
description: "A description with <img src=x onerror=alert(1)> and & and </section>"
sources:
  evil:
    title: "<b onmouseover=alert(2)>bold source</b>"
    url: "javascript:alert(3)"
  good:
    title: "A real source"
    url: "https://example.org/a?b=1&c=<2>"
actors:
  - id: A
    name: "A <script>alert('name')</script>"
    start: low
    ladder:
      - {id: low, level: 1, label: "<script>alert('label')</script>", description: "--> <!-- x"}
      - {id: high, level: 6, label: High, description: "</table><script>alert(4)</script>"}
  - id: B
    start: calm
    ladder: [{id: calm, level: 0}, {id: alert, level: 3}, {id: war, level: 7}]
moves:
  - actor: A
    from: low
    to: high
    p: 0.02
    source: [evil, good]
    rationale: "<script>alert('rationale')</script>"
  - {actor: B, from: calm, to: alert, p: 0.01, when: A >= high}
targets:
  up:
    when: A >= high
    description: '"><script>alert(5)</script>'
"""


# --- the report as HTML ------------------------------------------------------------------------------
def test_report_is_one_self_contained_page(tutorial_result, tutorial_html):
    html = tutorial_html
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    page = _parse(html)
    csp = [attrs for tag, attrs in page.tags if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp == [{"http-equiv": "Content-Security-Policy", "content": CONTENT_SECURITY_POLICY}]  # loads nothing
    refs = _references(page)
    assert refs, "expected at least the table of contents' links"
    assert all(r.startswith("#") for r in refs), [r for r in refs if not r.startswith("#")]
    for tag, attrs in page.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
    # One inline SVG per figure, each visible in the page's order, no image file anywhere.
    kinds = [attrs["data-figure"] for tag, attrs in page.tags if tag == "figure" and "data-figure" in attrs]
    assert set(kinds) == FIGURES and len(kinds) == len(FIGURES)
    assert html.count("<svg") == len(kinds)
    assert not any(tag in ("img", "iframe", "link", "object", "embed") for tag, _ in page.tags)
    # Several figures in one page: no id twice (matplotlib's ids are prefixed per figure).
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert len(ids) == len(set(ids)) and len(ids) > 100


def test_report_sections_and_numbers(tutorial_result, tutorial_html):
    r, html = tutorial_result, tutorial_html
    page = _parse(html)
    sections = [attrs["id"] for tag, attrs in page.tags if tag == "section"]
    assert sections == ["question", "timing", "paths", "levels", "drivers", "scenario", "baserates", "manifest"]
    text = " ".join(page.text)
    for t in r.targets:
        assert format_probability(t.probability) in text
        assert format_probability(t.exact) in text
        assert f"{format_probability(t.ci95[0])} to {format_probability(t.ci95[1])}" in text
    m = r.manifest
    assert m.scenario_sha256 in text and str(m.seed) in text and "4,000" in text
    # Every move, with its daily odds and its odds within the horizon.
    s = r.scenario
    for mv in s.moves:
        assert mv.rationale in text
        assert f"{mv.p:.3g}" in text
        assert format_probability(1 - (1 - mv.p) ** r.horizon) in text
    assert "20.00% within 30 days" in text  # move 0 as its author stated it
    assert "Illustrative numbers for the tutorial" in text  # the source (no URL: no link)
    assert "full-scale war" in text and "ICB, US a crisis actor" in text  # base rates
    assert "escalation report tutorial --runs 4000 --seed 5 --horizon 60 --method both" in text


def test_scenario_text_is_escaped(tmp_path):
    s = loads_scenario(HOSTILE, name="hostile.yaml")
    html = write_report(run(s, runs=2_000, seed=1), generated="fixed")
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<b " not in lowered
    assert "&lt;script&gt;alert(&#39;rationale&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&#34;&gt;&lt;script&gt;alert(5)&lt;/script&gt;" in html
    page = _parse(html)
    assert not [attrs for _, attrs in page.tags if any(k.startswith("on") for k in attrs)]
    refs = [r for r in _references(page) if not r.startswith("#")]
    assert refs == ["https://example.org/a?b=1&c=<2>"] * 2  # the safe link, in the move and the source list
    assert "javascript:" not in " ".join(_references(page))
    assert "&lt;b onmouseover=alert(2)&gt;bold source&lt;/b&gt;" in html  # shown, not linked
    # The text survives as text for a reader.
    text = " ".join(page.text)
    assert "<script>alert('rationale')</script>" in text


def test_links_and_charts_refuse_unsafe_content():
    assert safe_url("https://example.org/x") == "https://example.org/x"
    for bad in ("javascript:alert(1)", "data:text/html,hi", "//evil.org", "file:///etc/passwd", "http://",
                "https://a.org/\nx", "vbscript:x", ""):
        assert safe_url(bad) is None, bad
        assert Link(text="x", href=bad).href is None
    ok = '<svg xmlns="http://www.w3.org/2000/svg"><use xlink:href="#a"/></svg>'
    assert Chart(name="x", svg=ok).svg == ok
    for bad in ('<svg><script>alert(1)</script></svg>', '<svg><foreignObject/></svg>', '<svg onload="x()"></svg>',
                '<svg><image href="https://e.org/a.png"/></svg>', '<svg><a href="https://e.org">x</a></svg>',
                "<div></div>"):
        with pytest.raises(ValueError, match="chart 'x'"):
            Chart(name="x", svg=bad)


def test_optional_sections(tutorial_result, tutorial_html):
    s = tutorial_result.scenario
    sens = sensitivity(s, target="blue_strikes")
    unc = Section(id="uncertainty-odds", title="Uncertainty about the numbers",
                  blocks=(Paragraph(text="median 27% <b>"),))

    class Backtest:
        def report_section(self):
            return Section(id="backtest", title="Track record", blocks=(Paragraph(text="Brier 0.12"),))

    html = write_report(tutorial_result, sensitivity=sens, sections=[unc, Backtest()], generated="fixed")
    page = _parse(html)
    sections = [attrs["id"] for tag, attrs in page.tags if tag == "section"]
    assert sections == ["question", "timing", "paths", "levels", "drivers", "uncertainty-odds", "backtest",
                        "scenario", "baserates", "manifest"]
    assert 'data-figure="tornado"' in html and escape(sens.moves[0].label) in html
    assert "median 27% &lt;b&gt;" in html and "Brier 0.12" in html
    assert "is not propagated" not in html  # an uncertainty section replaces the note
    assert "--drivers blue_strikes" in html  # the command reproduces the sweep too
    assert "is not propagated" in tutorial_html and "No sensitivity sweep" in tutorial_html
    with pytest.raises(ValueError, match="appears twice"):
        write_report(tutorial_result, sections=[Section(id="question", title="again")])
    with pytest.raises(TypeError, match=r"sections\[0\]"):
        write_report(tutorial_result, sections=["not a section"])
    with pytest.raises(ValueError, match="section id"):
        Section(id="Bad Id", title="x")
    with pytest.raises(TypeError, match="expected a RunResult"):
        write_report(sens)


def test_uncertainty_section(tutorial_result):
    from escalation.analysis.uncertainty import uncertain_odds

    s = tutorial_result.scenario
    u = uncertain_odds(s, draws=40, seed=2, horizon=tutorial_result.horizon)
    html = write_report(tutorial_result, uncertainty=u, generated="fixed")
    page = _parse(html)
    sections = [attrs["id"] for tag, attrs in page.tags if tag == "section"]
    assert sections.index("uncertainty") == sections.index("drivers") + 1
    assert "is not propagated" not in html and 'data-figure="uncertainty"' in html
    part = html[html.index('<section id="uncertainty">'):html.index('<section id="scenario">')]
    t = u["blue_strikes"]
    assert f"{format_probability(t.low)} to {format_probability(t.high)}" in part
    assert f"40 of 40 parameter sets drawn (seed {u.manifest.seed})" in part
    with pytest.raises(ValueError, match="uncertainty: expected scenario 'tutorial' at 60 days, found 'tutorial' at 30"):
        write_report(tutorial_result, uncertainty=uncertain_odds(s, draws=5, seed=2, horizon=30))
    with pytest.raises(TypeError, match="expected an UncertainOdds"):
        write_report(tutorial_result, uncertainty=tutorial_result)


def test_report_of_one_engine_only():
    s = load_scenario("tutorial")
    exact_only = write_report(run(s, method="exact"), baserates=False, generated="fixed")
    assert 'id="baserates"' not in exact_only
    assert "Not available: paths are counted by the Monte Carlo engine" in exact_only
    assert 'data-figure="paths"' not in exact_only and "no sampling error" in exact_only
    mc_only = write_report(run(s, method="mc", runs=2_000, seed=2), generated="fixed")
    assert "need the exact engine, which did not run" in mc_only  # base rates without the level odds
    assert 'data-figure="paths"' in mc_only and "--method mc" in mc_only


def test_write_report_writes_atomically_and_checks_the_path(tmp_path, tutorial_result):
    out = tmp_path / "r.html"
    html = write_report(tutorial_result, out, generated="fixed")
    assert out.read_text(encoding="utf-8") == html
    assert "--out r.html" in html
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    from escalation.outputs import OutputError

    with pytest.raises(OutputError, match="missing"):
        write_report(tutorial_result, tmp_path / "missing" / "r.html")


def test_run_result_to_html(tmp_path, tutorial_result, tutorial_html):
    out = tmp_path / "r.html"
    html = tutorial_result.to_html(out, generated="fixed")
    assert out.read_text(encoding="utf-8") == html
    assert html == tutorial_html.replace("--out report.html", "--out r.html")


def test_reproduce_command_names_the_bundled_scenario_or_the_file(tutorial_result, tmp_path):
    assert reproduce_command(tutorial_result, out="a b.html") == (
        "escalation report tutorial --runs 4000 --seed 5 --horizon 60 --method both --out 'a b.html'")
    copy = tmp_path / "my scenario.yaml"
    copy.write_text((ROOT / "scenarios" / "tutorial.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    r = run(load_scenario(copy), method="exact", targets=["blue_strikes"], horizon=10)
    assert reproduce_command(r, drivers=["blue_strikes"]) == (
        f"escalation report {shlex.quote(str(copy))} --horizon 10 --method exact --target blue_strikes "
        f"--drivers blue_strikes --out report.html")


# --- the command -----------------------------------------------------------------------------------
def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def _headline(html: str) -> list[str]:
    section = html[html.index('<section id="question">'):html.index('<section id="timing">')]
    return re.findall(r'<td class="num">([^<]*)</td>', section)


def test_report_command_writes_a_report_that_reproduces_itself(tmp_path):
    out = tmp_path / "first.html"
    res = _invoke("report", "tutorial", "--runs", "3000", "--seed", "11", "--out", str(out), "--drivers",
                  "settlement")
    assert res.exit_code == 0, res.output
    assert f"wrote {out}" in res.output
    html = out.read_text(encoding="utf-8")
    assert 'data-figure="tornado"' in html
    command = re.search(r"<pre><code>([^<]*)</code></pre>", html).group(1)
    args = shlex.split(command.replace("&#39;", "'"))
    assert args[:3] == ["escalation", "report", "tutorial"] and "--drivers" in args
    again = tmp_path / "again.html"
    args[args.index("--out") + 1] = str(again)
    res = _invoke(*args[1:])
    assert res.exit_code == 0, res.output
    assert _headline(again.read_text(encoding="utf-8")) == _headline(html) != []


def test_report_command_with_uncertainty_from_a_nowcast_reproduces_itself(tmp_path):
    out = tmp_path / "first.html"
    res = _invoke("report", "venezuela-2025", "--runs", "3000", "--seed", "5", "--horizon", "30", "--uncertainty", "20",
                  "--events", "venezuela-2025", "--as-of", "2025-10-20", "--out", str(out))
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "starting from where the event log venezuela_2025.csv puts the actors on 2025-10-20" in html
    assert "nowcast as of" in html and "event log SHA-256" in html and 'id="uncertainty"' in html
    command = re.search(r"<pre><code>([^<]*)</code></pre>", html).group(1)
    args = shlex.split(command.replace("&#39;", "'"))
    for flag, value in (("--events", "venezuela-2025"), ("--as-of", "2025-10-20"), ("--uncertainty", "20"),
                        ("--seed", "5")):
        assert args[args.index(flag) + 1] == value
    again = tmp_path / "again.html"
    args[args.index("--out") + 1] = str(again)
    res = _invoke(*args[1:])
    assert res.exit_code == 0, res.output
    second = again.read_text(encoding="utf-8")

    def spread(page: str) -> str:
        return page[page.index('<section id="uncertainty">'):page.index("<svg", page.index('<section id="uncertainty">'))]

    assert _headline(second) == _headline(html) != [] and spread(second) == spread(html)


@pytest.mark.parametrize(("args", "message"), [
    (["--drivers", "nope"], "--drivers: unknown target 'nope'"),
    (["--target", "nope"], "--target: unknown target 'nope'"),
])
def test_report_command_user_errors(tmp_path, args, message):
    out = tmp_path / "r.html"
    res = _invoke("report", "tutorial", "--runs", "1000", "--out", str(out), *args)
    assert res.exit_code == 2 and message in res.output
    assert not out.exists()


def test_report_command_refuses_bad_outputs_before_any_work(tmp_path, monkeypatch):
    res = _invoke("report", "no-such-scenario", "--out", str(tmp_path / "missing" / "r.html"))
    assert res.exit_code == 2 and "missing" in res.output  # the output is checked first
    monkeypatch.setenv("ESCALATION_CHROMIUM", "no-such-browser-anywhere")
    res = _invoke("report", "tutorial", "--out", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.pdf"))
    assert res.exit_code == 2 and "--pdf: needs Chromium" in res.output
    assert list(tmp_path.iterdir()) == []
    res = _invoke("report", "tutorial")
    assert res.exit_code == 2 and "--out" in res.output


# --- the explorer -----------------------------------------------------------------------------------
SUMS = """\
schema: escalation/1
id: sums
title: Two moves from one rung
horizon: 20
actors:
  - id: A
    start: mid
    ladder: [{id: low, level: 1}, {id: mid, level: 3}, {id: high, level: 6}]
moves:
  - {actor: A, from: mid, to: high, p: 0.3, range: [0.1, 0.9]}
  - {actor: A, from: mid, to: low, p: 0.2}
targets:
  up: A >= high
"""


def test_rank_moves_matches_brute_force_solves(tutorial):
    ranks = rank_moves(tutorial)
    assert sorted(r.index for r in ranks) == list(range(len(tutorial.moves)))
    assert [r.swing for r in ranks] == sorted((r.swing for r in ranks), reverse=True)
    for r in ranks:
        odds = [exact_odds(tutorial.with_move_probability(r.index, r.daily(v))) for v in (r.low, r.high)]
        base = exact_odds(tutorial)
        spread = max(max(o.probability(t) for o in (*odds, base)) - min(o.probability(t) for o in (*odds, base))
                     for t in tutorial.target_names)
        np.testing.assert_allclose(r.swing, spread, atol=1e-12)
        assert r.low <= r.stated <= r.high
    top = ranks[0]  # BLUE -> talks, a beta prior (no range): its central 90%
    assert top.index == 1 and top.scale == "daily" and top.target == "settlement"
    from scipy.stats import beta

    np.testing.assert_allclose([top.low, top.high], beta.ppf([0.05, 0.95], 2, 198))
    strike = next(r for r in ranks if r.index == 0)  # stated as window odds, with a range
    assert (strike.scale, strike.days, strike.low, strike.high) == ("window", 30.0, 0.1, 0.3)


def test_explorer_solves_what_a_new_scenario_would(tutorial):
    ex = explore(tutorial, n_moves=3)
    assert isinstance(ex, Explorer) and len(ex.moves) == 3
    assert ex.odds is ex.base
    odds = ex.set(0, 0.3)  # window odds: 30% within 30 days
    expected = exact_odds(tutorial.with_move_probability(0, 1 - 0.7 ** (1 / 30)))
    for t in tutorial.target_names:
        np.testing.assert_allclose(odds.probability(t), expected.probability(t), rtol=1e-12)
    assert ex.values[0] == 0.3 and "[0] BLUE: alert -> strike: 30% within 30 days (scenario: 20%)" in str(ex)
    assert "blue_strikes" in ex.table() and "+" in ex.table()
    assert len(ex.timings) == 1 and ex.timings[0][0] > 0
    with pytest.raises(ValueError, match="expected a value in"):
        ex.set(0, 0.9)
    with pytest.raises(KeyError, match="has no slider"):
        ex.set(4, 0.01)
    assert ex.reset() is ex.base
    fig = ex.figure()
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2 * len(tutorial.targets)
    assert ax.get_ylabel() == "Probability target reached"


def test_explorer_keeps_the_last_odds_when_a_change_is_invalid():
    s = loads_scenario(SUMS, name="sums.yaml")
    ex = explore(s)
    good = ex.set(0, 0.5)
    with pytest.raises(ScenarioError, match="add up to"):
        ex.set(0, 0.9)
    assert ex.odds is good and "add up to" in ex.error
    ex.set(0, 0.4)
    assert ex.error is None and ex.odds is not good


def test_explorer_widgets_redraw_on_a_slider_change(tutorial):
    widgets = pytest.importorskip("ipywidgets")
    ex = explore(tutorial, n_moves=2)
    box = ex.widget
    assert isinstance(box, widgets.VBox)
    ui = ex._ui
    before_image, before_table = ui["image"].value, ui["table"].value
    assert before_image[:8] == b"\x89PNG\r\n\x1a\n"
    ui["sliders"][0].value = 0.25  # as a reader's drag would
    assert ex.values[0] == 0.25 and ex.odds is not ex.base
    assert ui["image"].value != before_image and ui["table"].value != before_table
    assert format_probability(ex.odds.probability("blue_strikes")) in ui["table"].value
    solve, draw = ex.timings[-1]
    assert solve > 0 and draw > 0
    ex.set(0, 0.2)  # from code: the slider follows, one solve only
    assert ui["sliders"][0].value == 0.2 and len(ex.timings) == 2
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "blue_strikes" in bundle["text/plain"]


def test_explorer_shows_why_a_slider_change_cannot_be_solved():
    pytest.importorskip("ipywidgets")
    ex = explore(loads_scenario(SUMS, name="sums.yaml"))
    ex.widget
    ex._ui["sliders"][0].value = 0.9
    assert "Not solved" in ex._ui["status"].value and "add up to" in ex._ui["status"].value
    ex._ui["sliders"][0].value = 0.35
    assert ex._ui["status"].value == ""


# --- in a real browser --------------------------------------------------------------------------------
def _need(condition: bool, reason: str) -> None:
    """Skip for a developer; fail in CI, where the browser test must run."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test (.ci/run installs chromium)")
    pytest.skip(reason)


class _DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.events: list[dict] = []
        self._id = 0

    def send(self, method: str, **params):
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e.get("method") == method:
                    return e
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {timeout} s")
            self.events.append(json.loads(self.ws.recv()))

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    exe = find_chromium()
    _need(exe is not None, "no Chromium on PATH (Debian: apt-get install chromium)")
    try:
        import websocket  # noqa: F401
    except ImportError:
        _need(False, "websocket-client is not installed (pip install websocket-client)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen([exe, *chromium_args(profile), "--remote-debugging-port=0", "--remote-allow-origins=*",
                             "--window-size=1280,900", "about:blank"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{exe} did not start (exit {proc.poll()})")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as resp:  # local DevTools
            pages = [t for t in json.load(resp) if t["type"] == "page"]
        yield pages[0]["webSocketDebuggerUrl"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_venezuela_report_in_headless_chromium(browser, tmp_path):
    result = run(load_scenario("venezuela-2025"), runs=20_000, seed=1)
    out = tmp_path / "venezuela.html"
    html = write_report(result, out)
    assert len(html.encode("utf-8")) < 3_000_000
    page = _DevTools(browser)
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        page.send("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        page.send("Page.navigate", url=out.as_uri())
        page.wait_for("Page.loadEventFired")
        probe = page.send("Runtime.evaluate", returnByValue=True, expression="""JSON.stringify({
            title: document.title,
            text: document.body.innerText,
            figures: [...document.querySelectorAll('figure.chart')].map(f => {
                const svg = f.querySelector('svg'), box = svg.getBoundingClientRect(), st = getComputedStyle(svg);
                return {name: f.dataset.figure, width: box.width, height: box.height, display: st.display,
                        visibility: st.visibility, opacity: st.opacity, shapes: svg.querySelectorAll('path').length};
            }),
            resources: performance.getEntriesByType('resource').map(e => e.name),
        })""")
        state = json.loads(probe["result"]["value"])
        metrics = page.send("Page.getLayoutMetrics")
        size = metrics["cssContentSize"]
        shot = page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 16_000),
                               "scale": 0.5})
        events = list(page.events)
    finally:
        page.close()

    png = base64.b64decode(shot["data"])
    (tmp_path / "venezuela.png").write_bytes(png)
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.width >= 600 and image.height > 2 * image.width  # the whole long page
    assert np.asarray(image).std() > 10  # not a blank page

    errors = [e for e in events if
              (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
              or e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert errors == []
    requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    assert requests == [out.as_uri()]  # the page itself, nothing else
    assert state["resources"] == []

    assert state["title"] == "US-Venezuela crisis in the Southern Caribbean: odds within 90 days"
    figures = state["figures"]
    assert {f["name"] for f in figures} == FIGURES
    for f in figures:
        assert f["width"] > 300 and f["height"] > 150, f
        assert f["display"] != "none" and f["visibility"] == "visible" and float(f["opacity"]) == 1.0, f
        assert f["shapes"] > 20, f
    text = state["text"]
    for t in result.targets:
        assert format_probability(t.probability) in text and format_probability(t.exact) in text
    assert "38.17%" in text  # direct strikes, exact
    assert result.manifest.scenario_sha256 in text
    assert "escalation report venezuela-2025 --runs 20000 --seed 1 --horizon 90 --method both" in text


def test_report_command_prints_a_pdf(browser, tmp_path):
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    res = _invoke("report", "tutorial", "--runs", "2000", "--seed", "1", "--out", str(out), "--pdf", str(pdf))
    assert res.exit_code == 0, res.output
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 20_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.pdf"]
