"""Stage 1 of loading: YAML text -> plain data, through the safe loader, with positions."""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..errors import Problem, ScenarioError

Marks = dict[str, tuple[int, int]]


def _walk_marks(node: yaml.Node, path: str, marks: Marks, problems: list[Problem], seen: set[int]) -> None:
    # An alias is the node it names: its position is where the anchor was defined, and its
    # contents are walked only once (so nested aliases cannot blow up the walk).
    marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            sub = f"{path}.{key}" if path else key
            if key in keys:
                problems.append(Problem(
                    field=sub, message=f"duplicate key {key!r} in a mapping",
                    line=key_node.start_mark.line + 1, column=key_node.start_mark.column + 1,
                ))
            keys.add(key)
            marks[f"{sub}#key"] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk_marks(value_node, sub, marks, problems, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk_marks(item, f"{path}[{i}]", marks, problems, seen)


#: libyaml's parser with PyYAML's safe constructor where the C extension is built (about 10x
#: faster on large files); the pure-Python safe loader otherwise. Both refuse Python tags.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[Any, Marks, list[Problem]]:
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        marks: Marks = {}
        problems: list[Problem] = []
        _walk_marks(node, "", marks, problems, set())
        data = loader.construct_document(node)
        return data, marks, problems
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        found = re.search(r"'([^']*)'", str(exc.problem or ""))
        tag = found.group(1).replace("tag:yaml.org,2002:", "!!") if found else str(exc.problem)
        message = f"expected plain data, found the tag {tag}; scenario files cannot construct objects"
        raise ScenarioError(Problem(message=message, line=mark.line + 1 if mark else None,
                                    column=mark.column + 1 if mark else None)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise ScenarioError(Problem(message=f"YAML syntax error: {what}", line=mark.line + 1 if mark else None,
                                    column=mark.column + 1 if mark else None)) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(Problem(message=f"YAML error: {exc}")) from None
    finally:
        loader.dispose()


