"""Read and write scenario files: YAML -> :class:`~escalation.scenario.Scenario` and back.

Loading has two stages. *Parse*: the bytes go through PyYAML's safe loader only (a tag that
would construct a Python object is refused), and every value's line and column are recorded.
*Build*: each field is checked against the format, all problems are collected, and the
dataclasses are constructed; errors name the file, line, field path, what was expected and
what was found. Finally the scenario is compiled (:func:`escalation.compiled.compile_model`,
cached on it for the engines) and checked without enumerating the joint space: no actor's
outgoing probabilities may exceed 1 under any combination of the conditions that apply
(:func:`escalation.compiled.check_sums`), and a target that can never hold gets a
:class:`ScenarioWarning`.

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

from ..compiled import check_sums, compile_model, unreachable_targets
from ..errors import Problem, ScenarioError, ScenarioWarning
from ..scenario import Scenario
from ._build import _build_with, _Builder
from ._yaml import Marks, _parse
from .bundled import bundled_scenarios, find_scenario
from .writer import dump_scenario, scenario_to_dict

__all__ = [
    "MAX_FILE_BYTES",
    "load_scenario",
    "loads_scenario",
    "dump_scenario",
    "scenario_to_dict",
    "bundled_scenarios",
    "find_scenario",
    "json_schema",
    "check_scenario",
]

#: Files larger than this are refused before parsing.
MAX_FILE_BYTES = 10 * 1024 * 1024
def check_scenario(scenario: Scenario) -> list[str]:
    """Compile ``scenario`` and check it without enumerating the joint space.

    Returns
    -------
    list of str
        Names of targets that can never hold (see
        :func:`~escalation.compiled.unreachable_targets`).

    Raises
    ------
    ScenarioError
        If some actor's outgoing probabilities can add up to more than 1 (see
        :func:`~escalation.compiled.check_sums`).
    """
    model = compile_model(scenario)
    check_sums(model)
    return unreachable_targets(model)


def _locate(problems: tuple[Problem, ...], file: str, marks: Marks) -> ScenarioError:
    b = _Builder(marks)
    for p in problems:
        if p.line is None:
            b.add(p)
        else:
            b.problems.append(p)
    located = sorted(b.problems, key=lambda p: (p.line or 0, p.column or 0))
    return ScenarioError([p.at(file=file, line=p.line, column=p.column) for p in located])


def loads_scenario(text: str, *, name: str = "<string>", check: bool = True, _origin: str | None = None,
                   _sha256: str | None = None) -> Scenario:
    """Load a scenario from YAML text.

    Parameters
    ----------
    text : str
        The YAML document.
    name : str, optional
        Used as the file name in error messages.
    check : bool, optional
        Also check that probabilities cannot add up to more than 1 and warn of targets that
        can never hold (a :class:`ScenarioWarning`); see :func:`check_scenario`.

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
        scenario = _build_with(b, data, origin=_origin, sha256=_sha256)
        if b.problems:
            raise ScenarioError(b.problems)
        if check:
            unreachable = check_scenario(scenario)
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
    # Provenance is given at construction: a Scenario is never mutated, not even right after loading.
    return loads_scenario(text, name=shown, check=check, _origin=str(file), _sha256=hashlib.sha256(raw).hexdigest())


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format, as shipped in the package."""
    text = resources.files("escalation").joinpath("scenario.schema.json").read_text(encoding="utf-8")
    return json.loads(text)

