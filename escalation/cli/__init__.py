"""The ``escalation`` command line: a thin layer over the library.

Every command parses its options, calls one library function and prints or writes. User
errors (a bad scenario, an unknown target, a missing or unwritable file, a chain too large
for the exact engine) become one line each on stderr and exit status 2. Anything else is a
bug: one line saying so, exit status 1, and ``--debug`` shows the traceback. Ctrl-C exits
with status 130 and leaves no half-written file (files are written to a temporary name, then
renamed; see :mod:`escalation.outputs`).

Parts: :mod:`.base` (the group, error handling, shared options) and one module per family
of commands, each registering its commands on the group when imported.
"""

from __future__ import annotations

from . import core  # noqa: F401 - registers the commands
from . import analysis  # noqa: F401 - registers compare, sensitivity and pool
from . import evidence  # noqa: F401 - registers fit and backtest
from . import history  # noqa: F401 - registers fit-icb
from . import report  # noqa: F401 - registers the report command
from .base import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="escalation")
