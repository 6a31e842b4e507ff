from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from escalation.cli import cli
from escalation.errors import EscalationError

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_list_shows_bundled_scenarios():
    r = invoke("list")
    assert r.exit_code == 0
    names = [line.split()[0] for line in r.stdout.splitlines()]
    assert {"tutorial", "venezuela-2025", "kahn-ladder"} <= set(names)
    assert "2025-10-24" in r.stdout


def test_show_prints_ladders_and_daily_odds():
    r = invoke("show", "tutorial")
    assert r.exit_code == 0
    assert "p=0.00741052/day = 20% within 30 days" in r.stdout
    assert "*  3  alert" in r.stdout


def test_validate_accepts_bundled_and_rejects_each_bad_file():
    good = sorted((REPO / "scenarios").glob("*.yaml"))
    r = invoke("validate", *map(str, good))
    assert r.exit_code == 0 and r.stdout.count("ok: ") == len(good)
    for bad in sorted((DATA / "bad").glob("*.yaml")):
        r = invoke("validate", str(bad))
        assert r.exit_code == 2, bad.name
        lines = r.stderr.strip().splitlines()
        assert lines and all(line.startswith(str(bad)) for line in lines), (bad.name, lines)
        assert "Traceback" not in r.output


def test_validate_reports_several_files_and_warnings():
    r = invoke("validate", str(DATA / "base.yaml"), str(DATA / "bad" / "several_problems.yaml"),
               str(DATA / "warn" / "unreachable_target.yaml"))
    assert r.exit_code == 2
    assert len([x for x in r.stderr.splitlines() if "several_problems" in x]) == 3
    assert "warning: " in r.stderr and "target can never be reached" in r.stderr
    assert r.stdout.count("ok: ") == 2


def test_run_prints_the_table_and_writes_json(tmp_path):
    out = tmp_path / "r.json"
    r = invoke("run", "tutorial", "--runs", "20000", "--seed", "3", "--json", str(out), "--csv", str(tmp_path / "r.csv"))
    assert r.exit_code == 0, r.output
    assert "blue_strikes" in r.stdout and "27.73%" in r.stdout  # the exact column
    doc = json.loads(out.read_text())
    assert doc["manifest"]["seed"] == 3 and doc["targets"]["blue_strikes"]["exact"] == pytest.approx(0.2772588, abs=1e-7)
    assert (tmp_path / "r.csv").read_text().startswith("target,")


def test_run_json_to_stdout_and_target_selection():
    r = invoke("run", "tutorial", "--runs", "2000", "--seed", "1", "--json", "-", "--target", "settlement")
    doc = json.loads(r.stdout)
    assert list(doc["targets"]) == ["settlement"]


def test_run_without_seed_prints_the_seed_to_repeat():
    r = invoke("run", "tutorial", "--runs", "1000", "--method", "mc")
    assert r.exit_code == 0
    assert "repeat this run with --seed" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nowhere.yaml"], "nowhere.yaml: no such file or bundled scenario"),
        (["run", "tutorial", "--target", "nope"], "unknown target 'nope'"),
        (["run", str(DATA / "bad" / "probability_above_one.yaml")], "moves[0].p: expected a probability in [0, 1], found 1.3"),
        (["run", "tutorial", "--method", "exact", "--max-states", "3"], "may have up to 9 reachable states (the product of the rungs each actor can reach), over the limit of 3"),
        (["show", str(DATA / "bad" / "python_tag.yaml")], "cannot construct objects"),
    ],
)
def test_user_errors_are_one_line_exit_2_without_traceback(args, message):
    r = invoke(*args)
    assert r.exit_code == 2
    assert message in r.stderr
    assert "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1


def test_usage_errors_exit_2():
    assert invoke("run", "tutorial", "--runs", "0").exit_code == 2
    assert invoke("run").exit_code == 2
    assert invoke("export", "tutorial").exit_code == 2


def test_debug_shows_the_traceback():
    r = invoke("--debug", "run", "tutorial", "--target", "nope")
    assert r.exit_code != 0 and isinstance(r.exception, EscalationError)


def test_export_graphml_and_schema(tmp_path):
    r = invoke("export", "tutorial", "--graphml", str(tmp_path / "g.graphml"))
    assert r.exit_code == 0 and "7 states" in r.stdout
    assert (tmp_path / "g.graphml").read_text().startswith("<?xml")
    schema = json.loads(invoke("schema").stdout)
    assert schema["properties"]["schema"]["const"] == "escalation/1"


def test_baserates_command():
    r = invoke("baserates")
    assert r.exit_code == 0 and "full-scale war" in r.stdout
    doc = json.loads(invoke("baserates", "--json", "-").stdout)
    assert doc["n_crises"] == 486 or doc["n_crises"] == 487


def test_help_teaches():
    for command in ("run", "show", "validate", "plot", "export", "list", "baserates", "schema"):
        r = invoke(command, "--help")
        assert r.exit_code == 0 and "Usage:" in r.stdout
    assert "escalation run venezuela-2025" in invoke("--help").stdout


def test_installed_console_script_as_a_subprocess(tmp_path):
    exe = shutil.which("escalation", path=str(Path(sys.executable).parent))
    assert exe is not None, "the console script is installed next to the interpreter"
    out = tmp_path / "v.json"
    proc = subprocess.run([exe, "run", "venezuela-2025", "--runs", "20000", "--seed", "1", "--json", str(out), "-q"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "direct_strikes" in proc.stdout and proc.stderr == ""
    doc = json.loads(out.read_text())
    assert doc["manifest"]["scenario_id"] == "venezuela-2025"
    bad = subprocess.run([exe, "validate", str(DATA / "bad" / "self_move.yaml")], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_plot_writes_each_format(tmp_path):
    for ext, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF"), ("svg", b"<?xml")):
        out = tmp_path / f"odds.{ext}"
        r = invoke("plot", "tutorial", "--kind", "odds", "--out", str(out), "--runs", "2000", "--seed", "1")
        assert r.exit_code == 0, r.output
        assert out.read_bytes().startswith(magic)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odds.pdf", "odds.png", "odds.svg"]


def test_plot_all_writes_one_file_per_kind(tmp_path):
    out = tmp_path / "figs"
    r = invoke("plot", "tutorial", "--kind", "all", "--out", str(out), "--runs", "2000", "--seed", "1")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{k}.png" for k in ("ladder", "graph", "odds", "fan", "paths", "first-hit"))


def test_plot_errors(tmp_path):
    r = invoke("plot", "tutorial", "--kind", "odds", "--out", str(tmp_path / "x.txt"))
    assert r.exit_code == 2 and "expected a .png, .svg or .pdf file name" in r.stderr
    r = invoke("plot", "tutorial", "--kind", "paths", "--method", "exact", "--out", str(tmp_path / "p.png"))
    assert r.exit_code == 2 and "Traceback" not in r.output and len(r.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_plot_uncertainty_and_compare_kinds(tmp_path):
    spread = tmp_path / "spread.png"
    r = invoke("plot", "venezuela-2025", "--kind", "uncertainty", "--draws", "40", "--horizon", "30", "--seed", "1",
               "--out", str(spread))
    assert r.exit_code == 0, r.output
    assert "exact odds per draw" in r.stderr and f"wrote {spread}" in r.stdout
    assert spread.read_bytes().startswith(b"\x89PNG")
    what_if = tmp_path / "what-if.svg"
    r = invoke("plot", "tutorial", "--kind", "compare", "--set", "RED.start=mobilised", "--method", "exact",
               "--out", str(what_if))
    assert r.exit_code == 0, r.output
    text = what_if.read_text()
    assert "override: RED.start=mobilised" in r.stderr and "tutorial with 1 override" in text and "pts" in text
    r = invoke("plot", "tutorial", "--kind", "compare", "--against", "tutorial", "--method", "exact",
               "--out", str(tmp_path / "same.png"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "same.png").read_bytes().startswith(b"\x89PNG")


def test_plot_kind_option_errors(tmp_path):
    cases = [
        (["--kind", "compare"], "--kind compare needs what to compare with"),
        (["--kind", "odds", "--draws", "5"], "--draws applies to --kind uncertainty only"),
        (["--kind", "uncertainty", "--set", "RED.start=mobilised"], "--against and --set apply to --kind compare"),
        (["--kind", "uncertainty", "--method", "both"], "--uncertainty solves each draw with one engine"),
        (["--kind", "compare", "--set", "NOPE.start=x"], "NOPE"),
        (["--kind", "compare", "--against", "no-such-scenario"], "no-such-scenario"),
    ]
    for args, message in cases:
        r = invoke("plot", "tutorial", *args, "--out", str(tmp_path / "x.png"))
        assert r.exit_code == 2 and message in r.stderr and "Traceback" not in r.output, (args, r.output)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_stops_cleanly_and_writes_nothing(tmp_path):
    import signal
    import time

    exe = shutil.which("escalation", path=str(Path(sys.executable).parent))
    assert exe is not None
    out = tmp_path / "never.json"
    proc = subprocess.Popen([exe, "run", "kahn-ladder", "--method", "mc", "--runs", "50000000", "--seed", "1",
                             "--json", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4.0)  # past start-up, inside the simulation
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted; nothing was written" in stderr and "Traceback" not in stderr
    assert stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_run_races(tmp_path):
    r = invoke("run", "tutorial", "--runs", "2000", "--seed", "1", "--race", "blue_strikes,settlement",
               "--json", str(tmp_path / "r.json"))
    assert r.exit_code == 0, r.output
    assert "race blue_strikes vs settlement within 60 days: blue_strikes first" in r.stdout
    doc = json.loads((tmp_path / "r.json").read_text())
    race = doc["races"][0]
    assert (race["first"], race["second"]) == ("blue_strikes", "settlement")
    assert abs(sum(race["exact"].values()) - 1.0) < 1e-12
    bad = invoke("run", "tutorial", "--race", "blue_strikes")
    assert bad.exit_code == 2 and "--race: expected two different targets as FIRST,SECOND" in bad.stderr
