"""The condition language: parse, check names, evaluate on arrays of joint states.

Grammar (keywords are lower case; actor and rung names are identifiers)::

    expr    := and_expr ("or" and_expr)*
    and_expr:= not_expr ("and" not_expr)*
    not_expr:= "not" not_expr | atom
    atom    := "(" expr ")"
             | NAME OP NAME                      # US >= land_strikes, by ladder order
             | NAME ["not"] "in" "[" NAME ("," NAME)* "]"
    OP      := "==" | "!=" | "<" | "<=" | ">" | ">="

The parser is our own: a scenario file is data, and nothing here calls ``eval``, ``exec`` or
``compile``. Parsing knows nothing of scenarios; :func:`check_names` checks a parsed
condition against the actors and rungs of one, and :func:`compile_condition` turns it into a
function evaluating it on an integer array of joint states, shape ``(n, n_actors)``, where
column ``a`` holds actor ``a``'s rung as a 0-based position in its ladder.

A condition is at most :data:`MAX_CONDITION_LENGTH` characters long and nests ``not`` and
parentheses at most :data:`MAX_CONDITION_DEPTH` deep. The parser enforces both, so nothing
that walks a syntax tree (``str``, :func:`check_names`, :func:`compile_condition`, the
compiled programs) can run out of stack on a tree that parsed.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .errors import ConditionSyntaxError

__all__ = [
    "Expr",
    "Compare",
    "Member",
    "Not",
    "And",
    "Or",
    "KEYWORDS",
    "MAX_CONDITION_DEPTH",
    "MAX_CONDITION_LENGTH",
    "parse_condition",
    "check_names",
    "compile_condition",
    "is_identifier",
    "did_you_mean",
]

#: Words that cannot be actor or rung ids.
KEYWORDS = frozenset({"and", "or", "not", "in"})
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPACE = re.compile(r"\s*")
_TOKEN = re.compile(r"(?:(?P<op>==|!=|<=|>=|<|>)|(?P<punct>[()\[\],])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))")
_OPS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
#: Longest condition accepted, in characters.
MAX_CONDITION_LENGTH = 10_000
#: Deepest nesting accepted: the number of ``not`` and ``(`` open at any point. A syntax tree
#: is then at most about 2 * 50 levels deep (an ``or`` and an ``and`` inside each parenthesis),
#: and every walk of it (parsing, ``str``, ``==``, ``hash``, :func:`check_names`,
#: :func:`compile_condition`, evaluation) needs at most about 400 frames of Python's default
#: limit of 1000; at 100, ``==`` on the worst case needed 800.
MAX_CONDITION_DEPTH = 50


def is_identifier(text: object) -> bool:
    """Whether ``text`` can serve as an actor, rung, target or tag id."""
    return isinstance(text, str) and bool(_IDENT.fullmatch(text)) and text not in KEYWORDS


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier and its 1-based column in the condition text (not part of equality)."""

    text: str
    column: int = field(compare=False)


class Expr:
    """Base of the condition syntax tree; subclasses are frozen dataclasses."""

    __slots__ = ()

    def names(self) -> Iterator[tuple[Name, tuple[Name, ...]]]:
        """Yield ``(actor, rungs)`` for every comparison in the tree."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Compare(Expr):
    """``actor op rung``, comparing ladder positions."""

    actor: Name
    op: str
    rung: Name

    def names(self) -> Iterator[tuple[Name, tuple[Name, ...]]]:
        yield self.actor, (self.rung,)

    def __str__(self) -> str:
        return f"{self.actor.text} {self.op} {self.rung.text}"


@dataclass(frozen=True, slots=True)
class Member(Expr):
    """``actor in [r1, r2, ...]`` (or ``not in`` when ``negated``)."""

    actor: Name
    rungs: tuple[Name, ...]
    negated: bool = False

    def names(self) -> Iterator[tuple[Name, tuple[Name, ...]]]:
        yield self.actor, self.rungs

    def __str__(self) -> str:
        word = "not in" if self.negated else "in"
        return f"{self.actor.text} {word} [{', '.join(r.text for r in self.rungs)}]"


@dataclass(frozen=True, slots=True)
class Not(Expr):
    """Logical negation."""

    item: Expr

    def names(self) -> Iterator[tuple[Name, tuple[Name, ...]]]:
        yield from self.item.names()

    def __str__(self) -> str:
        return f"not {_wrap(self.item)}"


@dataclass(frozen=True, slots=True)
class And(Expr):
    """Conjunction of two or more conditions."""

    items: tuple[Expr, ...]

    def names(self) -> Iterator[tuple[Name, tuple[Name, ...]]]:
        for item in self.items:
            yield from item.names()

    def __str__(self) -> str:
        parts = []
        for item in self.items:  # a loop and direct calls: two frames per level of nesting
            parts.append(_wrap(item) if isinstance(item, Or) else item.__str__())
        return " and ".join(parts)


@dataclass(frozen=True, slots=True)
class Or(Expr):
    """Disjunction of two or more conditions."""

    items: tuple[Expr, ...]

    def names(self) -> Iterator[tuple[Name, tuple[Name, ...]]]:
        for item in self.items:
            yield from item.names()

    def __str__(self) -> str:
        parts = []
        for item in self.items:
            parts.append(item.__str__())
        return " or ".join(parts)


def _wrap(expr: Expr) -> str:
    text = expr.__str__()
    return f"({text})" if isinstance(expr, (And, Or)) else text


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = _SPACE.match(text).end()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ConditionSyntaxError(f"unexpected character {text[pos]!r}", text=text, column=pos + 1)
        kind = m.lastgroup
        assert kind is not None
        tokens.append((kind, m.group(kind), pos + 1))
        pos = _SPACE.match(text, m.end()).end()
    tokens.append(("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0  # "not" and "(" open at the current token

    def enter(self, tok: tuple[str, str, int]) -> None:
        self.depth += 1
        if self.depth > MAX_CONDITION_DEPTH:
            raise ConditionSyntaxError(f"nested more than {MAX_CONDITION_DEPTH} deep", text=self.text, column=tok[2])

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, expected: str, tok: tuple[str, str, int]) -> ConditionSyntaxError:
        found = "end of condition" if tok[0] == "end" else repr(tok[1])
        return ConditionSyntaxError(f"expected {expected}, found {found}", text=self.text, column=tok[2])

    def is_word(self, word: str) -> bool:
        kind, value, _ = self.peek()
        return kind == "name" and value == word

    def parse(self) -> Expr:
        if self.peek()[0] == "end":
            raise self.fail("a condition", self.peek())
        expr = self.parse_or()
        if self.peek()[0] != "end":
            raise self.fail("'and', 'or' or the end of the condition", self.peek())
        return expr

    def parse_or(self) -> Expr:
        items = [self.parse_and()]
        while self.is_word("or"):
            self.take()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Expr:
        items = [self.parse_not()]
        while self.is_word("and"):
            self.take()
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self) -> Expr:
        if self.is_word("not"):
            self.enter(self.take())
            expr: Expr = Not(self.parse_not())
            self.depth -= 1
            return expr
        return self.parse_atom()

    def parse_name(self, what: str) -> Name:
        kind, value, col = self.peek()
        if kind != "name" or value in KEYWORDS:
            raise self.fail(what, self.peek())
        self.take()
        return Name(value, col)

    def parse_atom(self) -> Expr:
        kind, value, _ = self.peek()
        if kind == "punct" and value == "(":
            self.enter(self.take())
            expr = self.parse_or()
            if self.peek()[1] != ")" or self.peek()[0] != "punct":
                raise self.fail("')'", self.peek())
            self.take()
            self.depth -= 1
            return expr
        actor = self.parse_name("an actor id or '('")
        kind, value, _ = self.peek()
        if kind == "op":
            self.take()
            return Compare(actor, value, self.parse_name("a rung id"))
        negated = False
        if self.is_word("not"):
            self.take()
            negated = True
            if not self.is_word("in"):
                raise self.fail("'in'", self.peek())
        if self.is_word("in"):
            self.take()
            if self.peek()[:2] != ("punct", "["):
                raise self.fail("'['", self.peek())
            self.take()
            rungs = [self.parse_name("a rung id")]
            while self.peek()[:2] == ("punct", ","):
                self.take()
                rungs.append(self.parse_name("a rung id"))
            if self.peek()[:2] != ("punct", "]"):
                raise self.fail("',' or ']'", self.peek())
            self.take()
            return Member(actor, tuple(rungs), negated)
        raise self.fail("a comparison (==, !=, <, <=, >, >=) or 'in'", self.peek())


@lru_cache(maxsize=4096)
def parse_condition(text: str) -> Expr:
    """Parse a condition string into a syntax tree.

    Parameters
    ----------
    text : str
        For example ``"US >= land_strikes and not VEN in [talks, rhetoric]"``.

    Returns
    -------
    Expr
        An immutable tree; ``str(tree)`` is a canonical spelling of the condition.

    Raises
    ------
    ConditionSyntaxError
        With the 1-based column of the first token that does not fit the grammar, or of
        the ``not`` or ``(`` nested deeper than :data:`MAX_CONDITION_DEPTH`.

    Examples
    --------
    >>> str(parse_condition("(US>=strikes) and not(VEN in [talks,alert])"))
    'US >= strikes and not VEN in [talks, alert]'
    >>> parse_condition("US >=")
    Traceback (most recent call last):
    ...
    escalation.errors.ConditionSyntaxError: column 6: expected a rung id, found end of condition in 'US >='
    """
    if not isinstance(text, str):
        raise ConditionSyntaxError(f"expected a string, found {type(text).__name__}", text=str(text), column=1)
    if len(text) > MAX_CONDITION_LENGTH:
        raise ConditionSyntaxError(
            f"expected at most {MAX_CONDITION_LENGTH} characters, found {len(text)}", text=text[:40], column=1
        )
    return _Parser(text).parse()


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A "did you mean" hint for an unknown ``name``: ``"; did you mean 'x'?"`` or ``""``."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_names(
    expr: Expr,
    ladders: Mapping[str, Collection[str]],
    *,
    hint: Callable[[str, Collection[str]], str] = did_you_mean,
) -> list[str]:
    """Check every actor and rung a condition names.

    Parameters
    ----------
    expr : Expr
        A parsed condition.
    ladders : mapping of str to collection of str
        Actor id -> rung ids of its ladder (a set makes each lookup O(1)).
    hint : callable, optional
        ``hint(name, choices)`` gives the suffix after an unknown name; :func:`did_you_mean`
        by default. Called only for unknown names.

    Returns
    -------
    list of str
        One message per unknown name, e.g. ``"unknown rung 'land_strike' for US; did you
        mean 'land_strikes'?"``; empty when all names are known.
    """
    problems: list[str] = []
    for actor, rungs in expr.names():
        if actor.text not in ladders:
            problems.append(f"column {actor.column}: unknown actor {actor.text!r}{hint(actor.text, ladders)}")
            continue
        ladder = ladders[actor.text]
        for rung in rungs:
            if rung.text not in ladder:
                problems.append(
                    f"column {rung.column}: unknown rung {rung.text!r} for {actor.text}{hint(rung.text, ladder)}"
                )
    return problems


StateFunction = Callable[[np.ndarray], np.ndarray]


def compile_condition(
    expr: Expr,
    actor_index: Mapping[str, int],
    rung_index: Mapping[str, Mapping[str, int]],
) -> StateFunction:
    """Turn a checked condition into a vectorised function of joint states.

    Parameters
    ----------
    expr : Expr
        A parsed condition whose names passed :func:`check_names`.
    actor_index : mapping of str to int
        Actor id -> column in the state array.
    rung_index : mapping of str to mapping of str to int
        Actor id -> rung id -> 0-based position in that actor's ladder.

    Returns
    -------
    callable
        ``f(states) -> ndarray of bool, shape (n,)`` for an integer array of shape
        ``(n, n_actors)``.

    Examples
    --------
    >>> import numpy as np
    >>> f = compile_condition(parse_condition("A >= b or B == y"), {"A": 0, "B": 1},
    ...                       {"A": {"a": 0, "b": 1}, "B": {"x": 0, "y": 1}})
    >>> f(np.array([[0, 0], [1, 0], [0, 1]])).tolist()
    [False, True, True]
    """
    if isinstance(expr, Compare):
        col = actor_index[expr.actor.text]
        pos = rung_index[expr.actor.text][expr.rung.text]
        op = _OPS[expr.op]
        return lambda s: op(s[:, col], pos)
    if isinstance(expr, Member):
        col = actor_index[expr.actor.text]
        wanted = np.array(sorted({rung_index[expr.actor.text][r.text] for r in expr.rungs}))
        negated = expr.negated
        return lambda s: np.isin(s[:, col], wanted, invert=negated)
    if isinstance(expr, Not):
        inner = compile_condition(expr.item, actor_index, rung_index)
        return lambda s: ~inner(s)
    if isinstance(expr, (And, Or)):
        parts = [compile_condition(i, actor_index, rung_index) for i in expr.items]
        combine = np.logical_and if isinstance(expr, And) else np.logical_or

        def joined(s: np.ndarray) -> np.ndarray:
            out = parts[0](s)
            for part in parts[1:]:
                out = combine(out, part(s))
            return out

        return joined
    raise TypeError(f"not a condition: {expr!r}")
