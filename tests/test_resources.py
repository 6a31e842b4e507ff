"""Memory stays bounded whatever the size of the run or the scenario, and size limits hold.

These run the installed console script as a real subprocess and read its resident memory
from /proc while it works (Linux), so they check the process a user would start.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from synthetic import synthetic_yaml  # noqa: E402

from escalation import loads_scenario, run  # noqa: E402

EXE = shutil.which("escalation", path=str(Path(sys.executable).parent))
LINUX = Path("/proc/self/status").exists()
#: The bound this file promises, in MB: far below what growth with runs would reach.
MEMORY_BOUND_MB = 500


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):  # the peak so far
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


@pytest.mark.skipif(EXE is None or not LINUX, reason="needs the installed console script and /proc (Linux)")
def test_a_billion_runs_keep_memory_bounded_and_stop_cleanly_on_ctrl_c(tmp_path):
    out = tmp_path / "never.json"
    subprocess.run([EXE, "run", "tutorial", "--runs", "10", "-q"], check=True, capture_output=True)  # kernels cached
    proc = subprocess.Popen([EXE, "run", "venezuela-2025", "--method", "mc", "--runs", str(10**9), "--seed", "1",
                             "--json", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(6)  # numba loads, chunks stream through the pool
        assert proc.poll() is None, proc.communicate()
        peak = _rss_mb(proc.pid)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert peak < MEMORY_BOUND_MB, f"peak {peak:.0f} MB after 6 s of 10^9 runs"
    assert proc.returncode == 130 and "Traceback" not in err and "interrupted" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.skipif(EXE is None or not LINUX, reason="needs the installed console script and /proc (Linux)")
def test_validating_twelve_actors_takes_little_memory(tmp_path):
    file = tmp_path / "twelve.yaml"
    file.write_text(synthetic_yaml(12, 10), encoding="utf-8")  # 10^12 joint states
    # The child reports its own peak (a forked child's ru_maxrss can include the parent's).
    code = ("import atexit, sys, re; from escalation.cli import main; "
            "atexit.register(lambda: print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1], "
            "file=sys.stderr)); sys.argv = ['escalation', 'validate', sys.argv[1]]; main()")
    proc = subprocess.run([sys.executable, "-c", code, str(file)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stderr.strip().splitlines()[-1]) / 1024 < MEMORY_BOUND_MB


def test_nineteen_actors_with_a_target_true_at_the_start():
    # The int64 joint-state code of the first version wrapped around here and gave 0%.
    text = synthetic_yaml(19, 10, horizon=30)
    text = text.replace("  - id: X3\n    start: r0", "  - id: X3\n    start: r9")
    text = text.replace("  - id: X7\n    start: r0", "  - id: X7\n    start: r8")
    s = loads_scenario(text)
    assert s.n_joint_states == 10**19
    r = run(s, runs=500, seed=1)
    assert r.manifest.engine == "mc"
    assert r["any_top"].probability == 1.0 and r["any_top"].first_day_median == 0
    assert r["first_mid"].probability < 1.0


def test_twenty_five_actors_run():
    s = loads_scenario(synthetic_yaml(25, 10, horizon=20))
    r = run(s, runs=300, seed=2)
    assert 0.0 <= r["all_up"].probability <= 1.0
