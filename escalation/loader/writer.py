"""Writing scenarios: Scenario -> plain data -> YAML that loads back equal."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from ..scenario import (
    Scenario,
)
from ._yaml import _CORE_RESOLVERS


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting also what YAML 1.2 would not read back as a string.

    Files are read by the YAML 1.2 core schema (:mod:`._yaml`); PyYAML writes by YAML 1.1,
    under which ``1e3`` and ``0o17`` are strings and would be left unquoted. With the core
    schema's resolvers added, a string either schema would read as a number, boolean or null
    is quoted, so the file reads back the same by both.
    """


for _tag, _regexp, _first in _CORE_RESOLVERS:
    _Dumper.add_implicit_resolver(_tag, _regexp, _first)

# Line breaks other than \n would be folded by the emitter's plain and single-quoted styles.
_ODD_BREAKS = re.compile("[\r\x85\u2028\u2029]")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _ODD_BREAKS.search(value) else None  # double quotes escape them
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _put_given(d: dict[str, Any], obj: object, *keys: str) -> None:
    """Copy the fields of ``obj`` that differ from their empty default (None, "", ()) into ``d``."""
    for key in keys:
        value = getattr(obj, key)
        if value is not None and value != "" and value != ():
            d[key] = list(value) if isinstance(value, tuple) else value


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data in the file format (defaults left out)."""
    out: dict[str, Any] = {"schema": scenario.schema, "id": scenario.id, "title": scenario.title}
    if scenario.as_of is not None:
        out["as_of"] = scenario.as_of
    out["horizon"] = scenario.horizon
    if scenario.description:
        out["description"] = scenario.description
    if scenario.sources:
        out["sources"] = {
            s.id: {k: getattr(s, k) for k in ("title", "url", "date", "publisher", "note") if getattr(s, k)}
            for s in scenario.sources
        }
    actors = []
    for a in scenario.actors:
        d: dict[str, Any] = {"id": a.id, "name": a.name}
        if a.kind != "party":
            d["kind"] = a.kind
        d["start"] = a.start
        if a.description:
            d["description"] = a.description
        d["ladder"] = [
            {"id": r.id, "level": r.level, "label": r.label, **({"description": r.description} if r.description else {})}
            for r in a.ladder
        ]
        actors.append(d)
    out["actors"] = actors
    moves = []
    for m in scenario.moves:
        d = {"actor": m.actor, "from": m.from_, "to": m.to}
        if m.within is not None:
            d["within"] = {"p": m.within.p, "days": m.within.days}
        else:
            d["p"] = m.p
        _put_given(d, m, "when", "range", "beta", "source", "rationale", "tags")
        moves.append(d)
    if moves:
        out["moves"] = moves
    mods = []
    for mod in scenario.modifiers:
        d = {"when": mod.when, "factor": mod.factor}
        _put_given(d, mod, "actor")
        if mod.direction != "any":
            d["direction"] = mod.direction
        _put_given(d, mod, "tags", "rationale", "source")
        mods.append(d)
    if mods:
        out["modifiers"] = mods
    if scenario.targets:
        out["targets"] = {
            t.name: ({"when": t.when, "description": t.description} if t.description else t.when)
            for t in scenario.targets
        }
    return out


def dump_scenario(scenario: Scenario, path: str | os.PathLike[str] | None = None) -> str:
    """Write a scenario as YAML such that loading it gives an equal Scenario.

    Parameters
    ----------
    scenario : Scenario
    path : str or path-like, optional
        Where to write; the file is replaced atomically (written beside it, then renamed),
        so a failure never leaves half a file.

    Returns
    -------
    str
        The YAML text.
    """
    text = yaml.dump(scenario_to_dict(scenario), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    if path is not None:
        target = Path(path)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    return text


