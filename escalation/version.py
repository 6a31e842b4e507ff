"""The package version, read from the installed metadata without importing importlib.metadata.

``importlib.metadata`` costs tens of milliseconds to import; the installed ``METADATA`` file
next to this package (or in ``site-packages``) is found with a directory listing instead.
"""

from __future__ import annotations

import os
import sys

__all__ = ["__version__"]


def _installed_version() -> str:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for folder in [here, *sys.path]:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if name.startswith("escalation-") and name.endswith(".dist-info"):
                try:
                    with open(os.path.join(folder or ".", name, "METADATA"), encoding="utf-8") as f:
                        for line in f:
                            if line.startswith("Version:"):
                                return line.split(":", 1)[1].strip()
                except OSError:
                    continue
    return "0.0.0+unknown"  # a source checkout that was never installed


__version__ = _installed_version()
