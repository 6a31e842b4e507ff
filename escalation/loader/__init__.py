"""Read and write scenario files: YAML -> :class:`~escalation.scenario.Scenario` and back.

Loading has two stages. *Parse*: the bytes go through PyYAML's safe loader only (a tag that
would construct a Python object is refused), and every value's line and column are recorded.
*Build*: each field is checked against the format, all problems are collected, and the
dataclasses are constructed; errors name the file, line, field path, what was expected and
what was found. Finally the reachable joint states are searched (shared with the compiled
graph, :func:`escalation.dynamics.explore`) to check that no actor's outgoing probabilities
exceed 1 anywhere, and a target that can never hold gets a :class:`ScenarioWarning`.

Parts: ``_yaml`` (parse), ``_build`` (build), :mod:`.bundled` (scenarios shipped with the
package, by name) and :mod:`.writer` (dump); every public name is importable from here.
"""


from __future__ import annotations

import hashlib
import json
import os
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

from ..dynamics import Dynamics, explore
from ..errors import GraphTooLargeError, Problem, ScenarioError, ScenarioWarning
from ..scenario import Scenario
from ._build import _build_with, _Builder
from ._yaml import Marks, _parse
from .bundled import bundled_scenarios, find_scenario
from .writer import dump_scenario, scenario_to_dict

__all__ = [
    "MAX_FILE_BYTES",
    "CHECK_MAX_STATES",
    "load_scenario",
    "loads_scenario",
    "dump_scenario",
    "scenario_to_dict",
    "bundled_scenarios",
    "find_scenario",
    "json_schema",
    "check_reachable",
]

#: Files larger than this are refused before parsing.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: The loader's reachable-sum check enumerates at most this many joint states; past it the
#: check is left to the engines, which raise the same error on the states they visit.
CHECK_MAX_STATES = 200_000



def check_reachable(scenario: Scenario, *, max_states: int = CHECK_MAX_STATES) -> list[str]:
    """Check outgoing probabilities in every reachable joint state, and target reachability.

    Parameters
    ----------
    scenario : Scenario
    max_states : int, optional
        Enumerate at most this many joint states; past it nothing is checked here (the
        engines check the states they visit).

    Returns
    -------
    list of str
        Names of targets that hold in no reachable state (empty when not enumerated).

    Raises
    ------
    ScenarioError
        If an actor's outgoing probabilities add up to more than 1 in a reachable state.
    """
    dyn = Dynamics(scenario)
    try:
        states = explore(dyn, max_states=max_states).states
    except GraphTooLargeError:
        return []
    holds = dyn.targets_hold(states)
    return [t.name for t, h in zip(scenario.targets, holds) if not h.any()]


def _locate(problems: tuple[Problem, ...], file: str, marks: Marks) -> ScenarioError:
    b = _Builder(marks)
    for p in problems:
        if p.line is None:
            b.add(p)
        else:
            b.problems.append(p)
    located = sorted(b.problems, key=lambda p: (p.line or 0, p.column or 0))
    return ScenarioError([p.at(file=file, line=p.line, column=p.column) for p in located])


def loads_scenario(text: str, *, name: str = "<string>", check: bool = True) -> Scenario:
    """Load a scenario from YAML text.

    Parameters
    ----------
    text : str
        The YAML document.
    name : str, optional
        Used as the file name in error messages.
    check : bool, optional
        Also search the reachable joint states for probabilities adding up to more than 1
        and for targets that can never hold (a :class:`ScenarioWarning`).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Listing every problem, each as ``name:line:col: field: expected ..., found ...``.

    Examples
    --------
    >>> s = loads_scenario('''
    ... schema: escalation/1
    ... id: coin
    ... title: One actor, two rungs
    ... horizon: 30
    ... actors:
    ...   - {id: A, start: calm, ladder: [{id: calm, level: 0}, {id: war, level: 9}]}
    ... moves:
    ...   - {actor: A, from: calm, to: war, within: {p: 0.5, days: 30}}
    ... targets: {war: "A >= war"}
    ... ''')
    >>> round(s.moves[0].p, 5)
    0.02284
    """
    marks: Marks = {}
    try:
        data, marks, problems = _parse(text)
        b = _Builder(marks)
        b.problems.extend(problems)
        if data is None:
            raise ScenarioError(Problem(message="expected a scenario mapping, found an empty document"))
        scenario = _build_with(b, data)
        if b.problems:
            raise ScenarioError(b.problems)
        if check:
            unreachable = check_reachable(scenario)
            for t in unreachable:
                pos = marks.get(f"targets.{t}", (None, None))
                warnings.warn(
                    f"{name}:{pos[0]}: targets.{t}: target can never be reached from the start states",
                    ScenarioWarning, stacklevel=2,
                )
    except ScenarioError as exc:
        raise _locate(exc.problems, name, marks) from None
    return scenario


def load_scenario(path: str | os.PathLike[str], *, check: bool = True) -> Scenario:
    """Load a scenario file, or a bundled scenario by name.

    Parameters
    ----------
    path : str or path-like
        A YAML file, or the name of a bundled scenario (``venezuela-2025``, ``tutorial``).
    check : bool, optional
        See :func:`loads_scenario`.

    Returns
    -------
    Scenario
        With ``origin`` set to the file and ``sha256`` to the SHA-256 of its bytes.

    Raises
    ------
    ScenarioError
        For a missing, unreadable, oversized or invalid file.
    """
    file = find_scenario(path)
    shown = str(path) if Path(path).exists() else str(file)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(Problem(file=shown, message=f"expected a file of at most {MAX_FILE_BYTES // (1024 * 1024)} MB, found {size:,} bytes"))
        raw = file.read_bytes()
    except OSError as exc:
        raise ScenarioError(Problem(file=shown, message=f"cannot read file: {exc.strerror or exc}")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(Problem(file=shown, message=f"expected UTF-8 text, found an invalid byte at offset {exc.start}")) from None
    scenario = loads_scenario(text, name=shown, check=check)
    object.__setattr__(scenario, "origin", str(file))
    object.__setattr__(scenario, "sha256", hashlib.sha256(raw).hexdigest())
    return scenario


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format, as shipped in the package."""
    text = resources.files("escalation").joinpath("scenario.schema.json").read_text(encoding="utf-8")
    return json.loads(text)

