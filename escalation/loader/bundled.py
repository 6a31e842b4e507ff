"""The scenarios that ship with the package, found by name."""

from __future__ import annotations

import os
import re
import stat
from importlib import resources
from pathlib import Path

from ..conditions import did_you_mean
from ..errors import Problem, ScenarioError


def _bundled_dir() -> Path:
    packaged = Path(str(resources.files("escalation"))) / "scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "scenarios"  # a source checkout


_TOP_ID = re.compile(r"""^id:[ \t]*["']?([A-Za-z0-9_.-]+)["']?[ \t]*(?:#.*)?$""", re.M)


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenarios by name: the ``id`` in each file, and its file stem as an alias.

    Returns
    -------
    dict of str to Path
        Name -> file, sorted by name; ids come first, then stems that differ from them.
    """
    found: dict[str, Path] = {}
    folder = _bundled_dir()
    if not folder.is_dir():
        return found
    for file in sorted(folder.glob("*.yaml")):
        # The top-level "id:" line names the scenario; scanning for it is enough (and far
        # cheaper than parsing every bundled file to resolve one name).
        try:
            match = _TOP_ID.search(file.read_text(encoding="utf-8"))
        except OSError:
            match = None
        found[match.group(1) if match else file.stem] = file
    for file in sorted(folder.glob("*.yaml")):
        found.setdefault(file.stem, file)
    return found


def _file_kind(mode: int) -> str:
    """What a non-regular file is, for "expected a regular file, found ..."."""
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "a special file"


def find_scenario(name_or_path: str | os.PathLike[str]) -> Path:
    """Resolve a bundled scenario name or a file path.

    Only the file's status is read (never the file itself), so a FIFO or a device given as
    the path is refused at once rather than blocking the read.

    Raises
    ------
    ScenarioError
        For a path that exists but is not a regular file (a directory, FIFO, device or
        socket), and naming the bundled scenarios when neither a file nor a bundled name
        matches.
    """
    path = Path(name_or_path)
    try:
        mode: int | None = path.stat().st_mode  # follows symbolic links
    except OSError:  # missing, a dangling link, or a name too long for the file system
        mode = None
    if mode is not None and stat.S_ISREG(mode):
        return path
    bundled = bundled_scenarios()
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    if mode is not None:
        raise ScenarioError(Problem(file=str(path), message=f"expected a regular file, found {_file_kind(mode)}"))
    names = list(dict.fromkeys({file: name for name, file in reversed(bundled.items())}.values()))
    hint = did_you_mean(str(name_or_path), names)
    raise ScenarioError(Problem(
        file=str(name_or_path),
        message=f"no such file or bundled scenario{hint or ''}; bundled: {', '.join(sorted(names)) or 'none'}",
    ))
