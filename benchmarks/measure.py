"""Run a command in a fresh process and measure its wall time and peak resident memory.

Shared by the benchmarks. ``os.wait4`` gives the child's own resource usage, so the peak
memory (``ru_maxrss``) is that process's alone.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def escalation_exe() -> str:
    """The ``escalation`` console script of this interpreter's environment."""
    exe = shutil.which("escalation", path=str(Path(sys.executable).parent))
    if exe is None:
        raise SystemExit("install the project first: pip install '.[bench]'")
    return exe


def measure(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 1800) -> dict:
    """Wall seconds, peak MB and exit status of ``cmd`` (stdout and stderr kept, truncated)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    seconds = time.perf_counter() - started
    # communicate() has reaped the child; its rusage is in RUSAGE_CHILDREN only cumulatively, so
    # run it again under wait4 when exact memory matters: see peak_mb().
    return {"seconds": seconds, "status": proc.returncode, "stdout": out[-4000:], "stderr": err[-4000:]}


def peak_mb(cmd: list[str], *, timeout: float = 1800) -> dict:
    """Like :func:`measure`, with the child's own peak resident memory (MB) from ``wait4``."""
    started = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=devnull, text=True)
    deadline = started + timeout
    out_chunks = []
    assert proc.stdout is not None
    for line in proc.stdout:  # drain stdout so the child never blocks on a full pipe
        out_chunks.append(line)
        if time.perf_counter() > deadline:
            proc.kill()
            break
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"seconds": time.perf_counter() - started, "peak_mb": usage.ru_maxrss / 1024,
            "status": proc.returncode, "stdout": "".join(out_chunks)}


def median_of(n: int, call) -> float:
    """Median wall seconds of ``n`` calls of ``call()``."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return statistics.median(times)
