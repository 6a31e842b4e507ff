"""Exception and warning types of :mod:`escalation`.

A leaf module: it imports nothing from the package, and every other module may use it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "EscalationError",
    "Problem",
    "ScenarioError",
    "ConditionSyntaxError",
    "GraphTooLargeError",
    "MissingDependencyError",
    "ScenarioWarning",
]


class EscalationError(Exception):
    """Base class of the errors this package raises on purpose."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One thing wrong with a scenario.

    Parameters
    ----------
    message : str
        What was expected and what was found.
    field : str
        Field path inside the scenario, e.g. ``moves[3].p``; empty for the whole file.
    file : str or None
        Path of the scenario file, where the scenario came from a file.
    line, column : int or None
        1-based position in the file, where known.
    """

    message: str
    field: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"

    def within(self, prefix: str) -> "Problem":
        """Return this problem with ``prefix`` put in front of its field path."""
        if not prefix:
            return self
        if not self.field:
            field = prefix
        elif self.field.startswith("["):
            field = prefix + self.field
        else:
            field = f"{prefix}.{self.field}"
        return Problem(message=self.message, field=field, file=self.file, line=self.line, column=self.column)

    def at(self, *, file: str | None, line: int | None, column: int | None) -> "Problem":
        """Return this problem placed in a file."""
        return Problem(message=self.message, field=self.field, file=file, line=line, column=column)


class ScenarioError(EscalationError, ValueError):
    """A scenario is invalid; carries every problem found, one line each.

    Parameters
    ----------
    problems : sequence of Problem or str
        The problems; a plain string becomes a problem with no field.
    """

    def __init__(self, problems: "list[Problem] | tuple[Problem, ...] | Problem | str") -> None:
        if isinstance(problems, (str, Problem)):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(
            p if isinstance(p, Problem) else Problem(message=str(p)) for p in problems
        )
        super().__init__("\n".join(str(p) for p in self.problems))


class ConditionSyntaxError(EscalationError, ValueError):
    """A condition string does not parse.

    Parameters
    ----------
    message : str
        What was expected and what was found.
    text : str
        The condition text.
    column : int
        1-based column of the offending token in ``text``.
    """

    def __init__(self, message: str, *, text: str, column: int) -> None:
        self.text = text
        self.column = column
        self.reason = message
        super().__init__(f"column {column}: {message} in {text!r}")


class GraphTooLargeError(EscalationError):
    """The reachable joint state space exceeds the configured limit."""


class MissingDependencyError(EscalationError, ImportError):
    """An optional package a feature needs is not installed; the message says how to install it.

    Parameters
    ----------
    feature : str
        What needs it ("DOT export").
    package : str
        The package to install ("pydot").
    extra : str, optional
        The project's extra that brings it ("dask" for ``pip install "escalation[dask]"``).
    """

    def __init__(self, feature: str, package: str, extra: str | None = None) -> None:
        how = f'pip install "escalation[{extra}]"' if extra else f"pip install {package}"
        super().__init__(f"{feature} needs {package}, which is not installed: {how}")
        self.name = package


class ScenarioWarning(UserWarning):
    """Something in a scenario that is legal but probably not what its author meant."""
