"""Stage 1 of loading: YAML text -> plain data, with the position of every value.

libyaml (PyYAML's C parser where it is built, PyYAML's pure-Python parser otherwise) composes
the text into a tree of nodes; :func:`_parse` turns the nodes into plain Python data itself.
This is the one place where YAML values become Python values, and none of PyYAML's
constructors runs: a tag that would construct an object is refused before anything happens.

Scalars follow the YAML 1.2 core schema, not PyYAML's YAML 1.1 rules:

- null is ``null``, ``Null``, ``NULL``, ``~`` or nothing;
- a boolean is ``true`` or ``false`` (also ``True``, ``TRUE``, ...); ``yes``, ``no``, ``on``
  and ``off`` are strings;
- an integer is decimal, ``0o`` octal or ``0x`` hexadecimal; ``1:30`` (base 60), ``0b101``,
  ``012`` (octal in YAML 1.1) and ``1_000`` are strings;
- a float has a point or an exponent, or is ``.inf``, ``-.inf`` or ``.nan``;
- anything else is a string, dates included (the builder reads ``as_of`` as an ISO date).

Only the tags of that schema are accepted (``!!str``, ``!!int``, ``!!float``, ``!!bool``,
``!!null``, ``!!seq``, ``!!map``); others (``!!python/...``, ``!!timestamp``, ``!!binary``,
``!!set``, local ``!tags``) are errors. So is a key that is not a string, a value nested more
than :data:`MAX_DEPTH` deep, an alias inside itself, and a character YAML does not allow (NUL
and the other control characters). ``<<`` is an ordinary key: merge keys are YAML 1.1 only.
Every problem names the line and column of the offending node.
"""

from __future__ import annotations

import contextlib
import gc
import re
import sys
from collections.abc import Iterator
from typing import Any, ClassVar

import yaml

from ..errors import Problem, ScenarioError

Marks = dict[str, tuple[int, int]]

#: Deepest nesting of lists and mappings accepted; a scenario needs six levels.
MAX_DEPTH = 64

_ScalarNode, _SequenceNode, _MappingNode = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
_PREFIX = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _SEQ, _MAP = (_PREFIX + t for t in ("str", "int", "float", "bool", "null", "seq", "map"))

# The YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_CORE_NULL = re.compile(r"(?:~|null|Null|NULL|)\Z")
_CORE_BOOL = re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")
_CORE_INT = re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
_CORE_FLOAT = re.compile(
    r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)
_DECIMAL = re.compile(r"[-+]?[0-9]+\Z")
_SPECIAL_FLOATS = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}

# Characters YAML allows in a stream (https://yaml.org/spec/1.2.2/#51-character-set).
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class _CoreResolver(yaml.resolver.BaseResolver):
    """Gives plain scalars their tag by the YAML 1.2 core schema, and nothing else."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {}

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        # BaseResolver.resolve less what is never registered here (path and wildcard
        # resolvers); libyaml calls it for every node, and this halves its cost.
        if kind is _ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):  # type: ignore[index]
                    if regexp.match(value):  # type: ignore[arg-type]
                        return tag
            return _STR
        return _SEQ if kind is _SequenceNode else _MAP


#: (tag, pattern, first characters) of the core schema's plain scalars, in the order tried:
#: integers before floats, as "5" is both and the schema makes it an integer. The writer
#: quotes every string these would read as something else.
_CORE_RESOLVERS = (
    (_NULL, _CORE_NULL, ["~", "n", "N", ""]),
    (_BOOL, _CORE_BOOL, list("tTfF")),
    (_INT, _CORE_INT, list("-+0123456789")),
    (_FLOAT, _CORE_FLOAT, list("-+.0123456789")),
)
for _tag, _regexp, _first in _CORE_RESOLVERS:
    _CoreResolver.add_implicit_resolver(_tag, _regexp, _first)

if yaml.__with_libyaml__:
    # libyaml composes the nodes (about 10x faster than the pure-Python parser on large files)
    # and asks the Python resolver for each scalar's tag.
    class _Composer(yaml.cyaml.CParser, _CoreResolver):
        def __init__(self, text: str) -> None:
            yaml.cyaml.CParser.__init__(self, text)
            _CoreResolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _Composer(  # type: ignore[no-redef]
        yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _CoreResolver
    ):
        def __init__(self, text: str) -> None:
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _CoreResolver.__init__(self)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # A large file makes millions of nodes that all live until the end; the cyclic collector
    # would walk them over and over and find nothing (it tripled the parse time at 200k moves).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _short(tag: str) -> str:
    return tag.replace(_PREFIX, "!!")


def _scalar_words(node: yaml.ScalarNode) -> str:
    """What a scalar key is, for "expected a string key, found ..."."""
    if node.tag == _NULL:
        return "null"
    if node.tag == _BOOL:
        return f"boolean {node.value.lower()}"
    if node.tag in (_INT, _FLOAT):
        return f"number {node.value}"
    return f"the tag {_short(node.tag)}"


class _Reader:
    """Turns composed nodes into plain data, recording positions and problems."""

    def __init__(self) -> None:
        self.marks: Marks = {}
        self.problems: list[Problem] = []
        self.fatal = False  # a node could not be read: the data has holes and is not built
        self.done: dict[int, tuple[Any, int]] = {}  # id(node) -> (value, height): aliases share
        self.open: set[int] = set()  # collections being read: an alias to one is a cycle

    def fail(self, node: yaml.Node, path: str, message: str) -> None:
        self.fatal = True
        line, column = _pos(node)
        self.problems.append(Problem(field=path, message=message, line=line, column=column))

    def read(self, node: yaml.Node, path: str, depth: int) -> tuple[Any, int]:
        """The value of ``node`` at ``path``, and the height of its tree (0 for a scalar)."""
        marks = self.marks
        if path not in marks:
            mark = node.start_mark
            marks[path] = (mark.line + 1, mark.column + 1)
        if node.__class__ is _ScalarNode:
            return (node.value if node.tag == _STR else self.scalar(node, path)), 0
        key = id(node)
        if key in self.done:  # an alias: read once, its position is where the anchor is
            value, height = self.done[key]
            if depth + height > MAX_DEPTH:
                self.fail(node, path, f"expected at most {MAX_DEPTH} levels of nesting, found more")
            return value, height
        if key in self.open:
            self.fail(node, path, "expected plain data, found an alias inside itself")
            return None, 0
        if depth >= MAX_DEPTH:
            self.fail(node, path, f"expected at most {MAX_DEPTH} levels of nesting, found more")
            return None, 0
        self.open.add(key)
        height = 0
        out: Any = None
        # Most values are scalars: they are read in the loops below rather than by a call to
        # read() each, which halves the time on large files.
        if node.__class__ is _SequenceNode and node.tag == _SEQ:
            out = []
            for i, item in enumerate(node.value):
                sub = f"{path}[{i}]"
                if item.__class__ is _ScalarNode:
                    mark = item.start_mark
                    marks.setdefault(sub, (mark.line + 1, mark.column + 1))
                    out.append(item.value if item.tag == _STR else self.scalar(item, sub))
                    height = max(height, 1)
                else:
                    value, h = self.read(item, sub, depth + 1)
                    out.append(value)
                    height = max(height, h + 1)
        elif node.__class__ is _MappingNode and node.tag == _MAP:
            out = {}
            for key_node, item in node.value:
                name = key_node.value if key_node.__class__ is _ScalarNode and key_node.tag == _STR else self.key(key_node, path)
                if name is None:
                    continue
                sub = f"{path}.{name}" if path else name
                mark = key_node.start_mark
                if name in out:
                    self.problems.append(Problem(field=sub, message=f"duplicate key {name!r} in a mapping",
                                                 line=mark.line + 1, column=mark.column + 1))
                marks[sub + "#key"] = (mark.line + 1, mark.column + 1)
                if item.__class__ is _ScalarNode:
                    mark = item.start_mark
                    marks.setdefault(sub, (mark.line + 1, mark.column + 1))
                    out[name] = item.value if item.tag == _STR else self.scalar(item, sub)
                    height = max(height, 1)
                else:
                    out[name], h = self.read(item, sub, depth + 1)
                    height = max(height, h + 1)
        else:
            self.fail(node, path, f"expected plain data, found the tag {_short(node.tag)}; scenario files cannot construct objects")
        self.open.discard(key)
        self.done[key] = (out, height)
        return out, height

    def key(self, node: yaml.Node, path: str) -> None:
        """Report a key that is not a string."""
        if isinstance(node, yaml.ScalarNode):
            found = _scalar_words(node)
        else:
            found = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
        self.fail(node, path, f"expected a string key, found {found}")

    def scalar(self, node: yaml.ScalarNode, path: str) -> Any:
        tag, text = node.tag, node.value
        if tag == _STR:
            return text
        if tag == _NULL and _CORE_NULL.match(text):
            return None
        if tag == _BOOL and _CORE_BOOL.match(text):
            return text[0] in "tT"
        if tag == _INT and _CORE_INT.match(text):
            return self.integer(node, path, text)
        if tag == _FLOAT and (_CORE_FLOAT.match(text) or _DECIMAL.match(text)):  # !!float 5 is 5.0
            special = _SPECIAL_FLOATS.get(text.lower())
            return special if special is not None else float(text)
        expected = {_NULL: "null", _BOOL: "true or false", _INT: "an integer", _FLOAT: "a number"}.get(tag)
        if expected is None:
            self.fail(node, path, f"expected plain data, found the tag {_short(tag)}; scenario files cannot construct objects")
        else:
            shown = repr(text) if len(text) <= 40 else f"{text[:37]!r}..."
            self.fail(node, path, f"expected {expected} for the tag {_short(tag)}, found {shown}")
        return None

    def integer(self, node: yaml.ScalarNode, path: str, text: str) -> int | None:
        try:
            if text.startswith(("0o", "0x")):
                return int(text, 0)
            return int(text)  # decimal, leading zeros allowed (012 is 12)
        except ValueError:  # more digits than int() converts
            limit = sys.get_int_max_str_digits()
            self.fail(node, path, f"expected an integer of at most {limit} digits, found a {len(text.lstrip('+-'))}-digit integer")
            return None


def _parse(text: str) -> tuple[Any, Marks, list[Problem]]:
    """Parse YAML text into plain data.

    Returns
    -------
    data : object
        None for an empty document.
    marks : dict
        Field path (``moves[3].p``) -> (line, column), 1-based; ``path#key`` for the key.
    problems : list of Problem
        Duplicate keys: reported, and the data is still built (the last value wins).

    Raises
    ------
    ScenarioError
        For a syntax error, a character YAML does not allow, or a node that is not plain
        data; each problem with its line and column.
    """
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        pos = bad.start()
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise ScenarioError(Problem(
            message=f"expected printable text, found the control character U+{ord(bad.group()):04X}",
            line=line, column=column,
        ))
    composer = _Composer(text)
    reader = _Reader()
    try:
        with _gc_paused():
            node = composer.get_single_node()
            if node is None:
                return None, {}, []
            data, _ = reader.read(node, "", 0)
            # Free the nodes by reference counting before the collector resumes, or its first
            # pass would walk them all.
            del node
            reader.done.clear()
            composer.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise ScenarioError(Problem(message=f"YAML syntax error: {what}", line=mark.line + 1 if mark else None,
                                    column=mark.column + 1 if mark else None)) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(Problem(message=f"YAML error: {' '.join(str(exc).split())}")) from None
    except RecursionError:  # pragma: no cover - only the pure-Python composer recurses (libyaml stops at 1000 levels)
        raise ScenarioError(Problem(message=f"expected at most {MAX_DEPTH} levels of nesting, found more")) from None
    finally:
        composer.dispose()
    if reader.fatal:
        raise ScenarioError(reader.problems)
    return data, reader.marks, reader.problems
