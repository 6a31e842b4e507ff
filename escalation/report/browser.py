"""Headless Chromium, where installed: print a report to PDF.

Nothing is downloaded: the browser is the one on this machine (Debian's ``chromium``
package, or Chrome), found by :func:`find_chromium`. It runs headless, with a fresh profile
in a temporary directory and every background service off, so printing a report makes no
network request.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import EscalationError

__all__ = ["BROWSER_ENV", "chromium_args", "find_chromium", "print_pdf"]

#: Environment variable naming the browser executable to use.
BROWSER_ENV = "ESCALATION_CHROMIUM"
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_chromium() -> str | None:
    """Path of a Chromium or Chrome executable: ``$ESCALATION_CHROMIUM``, else the first on PATH; None if none."""
    chosen = os.environ.get(BROWSER_ENV)
    if chosen:
        return shutil.which(chosen)
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_args(user_data_dir: str | os.PathLike[str]) -> list[str]:
    """Flags for a quiet headless browser with a fresh profile in ``user_data_dir``.

    ``--no-sandbox`` is added only when running as root, where Chromium refuses to start
    without it.
    """
    args = [
        "--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-default-browser-check",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--disable-default-apps", "--metrics-recording-only", "--mute-audio",
        f"--user-data-dir={os.fspath(user_data_dir)}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return args


def print_pdf(html: str | os.PathLike[str], pdf: str | os.PathLike[str], *, browser: str | None = None,
              timeout: float = 120.0) -> Path:
    """Print an HTML file to PDF with headless Chromium.

    Parameters
    ----------
    html : str or os.PathLike
        An existing HTML file (the report).
    pdf : str or os.PathLike
        Where to write the PDF (atomically, through :mod:`escalation.outputs`).
    browser : str, optional
        The executable; default :func:`find_chromium`.
    timeout : float
        Seconds before giving up.

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    EscalationError
        When no browser is found, or it fails or times out (with the end of its message).
    OutputError
        When ``pdf`` cannot be written.
    """
    from ..outputs import check_output_file, write_bytes

    check_output_file(pdf)
    exe = browser or find_chromium()
    if exe is None:
        raise EscalationError(f"PDF output needs Chromium or Chrome, found none on PATH ({', '.join(_NAMES)}); "
                              f"install one (Debian: apt-get install chromium) or set {BROWSER_ENV}")
    source = Path(html).resolve()
    if not source.is_file():
        raise EscalationError(f"{html}: expected an HTML file to print, found none")
    with tempfile.TemporaryDirectory(prefix="escalation-chromium-") as tmp:
        out = Path(tmp) / "report.pdf"
        cmd = [exe, *chromium_args(Path(tmp) / "profile"), "--no-pdf-header-footer", f"--print-to-pdf={out}",
               source.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise EscalationError(f"{exe}: printing {html} to PDF took more than {timeout:g} s; gave up") from None
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or ["no message"]
            raise EscalationError(f"{exe}: printing {html} to PDF failed (exit {proc.returncode}): {tail[0]}")
        data = out.read_bytes()
    return write_bytes(pdf, data)
