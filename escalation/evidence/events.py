"""Event logs: dated observations that put a scenario's actors on rungs as a crisis unfolds.

The format (docs/evidence.md) is a UTF-8 CSV file with a header line naming the columns
``date, actor, rung, source, note`` (any order; ``note`` may be left out):

- ``date``: a day ``YYYY-MM-DD``, or a month ``YYYY-MM`` where only the month is known.
- ``actor``: an actor id of the scenario (``US``), ``rung``: a rung id of its ladder.
- ``source``: where the observation comes from (a URL or a reference); required.
- ``note``: free text.

Lines starting with ``#`` are comments; a comment ``# complete-until: YYYY-MM-DD`` says
the log records every rung change up to that day (see :attr:`EventLog.complete_until`).

Semantics. Each actor's first row *places* it (no move is needed to get there); each later
row with another rung is a *rung change* on that day, which the scenario must allow: some
move from the old rung to the new one whose probability is positive in the joint state the
log gives at the start of that day (the state after every row dated before it). A row that
repeats the actor's rung confirms it. Before its first row an actor is taken to stand on
its start rung in the scenario; an actor the log never names, throughout.

Month precision. A month row happened on some day of that month. Rows must be in date order,
which for a month means: some choice of days, each inside its row's month, is in file order.
For use, a month row is put on the *earliest* day consistent with the rows above it: the first
of the month, or the day of the row above when that is later. So a nowcast dated inside that
month may count the event up to a month early; give the day whenever it is known.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from ..conditions import did_you_mean
from ..errors import Problem, ScenarioError
from ..scenario import Scenario

__all__ = [
    "COLUMNS",
    "MAX_LOG_BYTES",
    "Event",
    "EventLog",
    "bundled_logs",
    "changes",
    "check_log",
    "find_log",
    "load_events",
    "loads_events",
    "parse_date",
]

#: The columns of an event log; ``note`` may be left out.
COLUMNS: tuple[str, ...] = ("date", "actor", "rung", "source", "note")
_REQUIRED = ("date", "actor", "rung", "source")
#: Logs larger than this are refused before parsing.
MAX_LOG_BYTES = 10 * 1024 * 1024

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_META = re.compile(r"^#\s*complete[-_ ]until\s*:\s*(\S*)\s*$", re.IGNORECASE)


def parse_date(text: str, *, month: bool = True) -> tuple[dt.date, dt.date]:
    """The first and last day a date in the log format can mean.

    Parameters
    ----------
    text : str
        ``YYYY-MM-DD`` (a day) or ``YYYY-MM`` (a month, when ``month`` is true).
    month : bool, optional
        Accept month precision.

    Returns
    -------
    (datetime.date, datetime.date)
        Equal for a day; the first and last day of the month for a month.

    Raises
    ------
    ValueError
        With "expected ..., found ..." for anything else (including impossible days).

    Examples
    --------
    >>> parse_date("2025-09")
    (datetime.date(2025, 9, 1), datetime.date(2025, 9, 30))
    >>> parse_date("2025-02-30")
    Traceback (most recent call last):
    ...
    ValueError: expected a date YYYY-MM-DD or a month YYYY-MM, found '2025-02-30' (not a day of the calendar)
    """
    want = "a date YYYY-MM-DD or a month YYYY-MM" if month else "a date YYYY-MM-DD"
    m = _DAY.match(text)
    if m:
        try:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise ValueError(f"expected {want}, found {text!r} (not a day of the calendar)") from None
        return day, day
    m = _MONTH.match(text)
    if m and month:
        year, mon = int(m.group(1)), int(m.group(2))
        if not 1 <= mon <= 12 or year < 1:
            raise ValueError(f"expected {want}, found {text!r} (no month {mon:02d})")
        return dt.date(year, mon, 1), dt.date(year, mon, calendar.monthrange(year, mon)[1])
    raise ValueError(f"expected {want}, found {text!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One row of an event log.

    Attributes
    ----------
    line : int
        1-based line of the row in its file.
    date : datetime.date
        The day the row is taken to happen (for a month, see the module notes).
    first, last : datetime.date
        The days its date text allows (equal for a day).
    precision : {'day', 'month'}
    date_text, actor, rung, source, note : str
        As written.
    """

    line: int
    date: dt.date
    first: dt.date
    last: dt.date
    precision: Literal["day", "month"]
    date_text: str
    actor: str
    rung: str
    source: str
    note: str = ""


@dataclass(frozen=True, eq=False, kw_only=True)
class EventLog:
    """A parsed event log (checked for format; see :func:`check_log` for a scenario).

    Attributes
    ----------
    events : tuple of Event
        In file order (which is date order).
    file : str
        Name used in messages (the path as given, or ``<string>``).
    sha256 : str
        SHA-256 of the file's bytes (of the UTF-8 text for a log built from a string).
    complete_until : datetime.date or None
        The day up to which the log records every rung change (``# complete-until:``), if
        it says so.
    """

    events: tuple[Event, ...]
    file: str
    sha256: str
    complete_until: dt.date | None = None
    _checked: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.events)

    @property
    def first_day(self) -> dt.date | None:
        """Day of the first row (None for an empty log)."""
        return self.events[0].date if self.events else None

    @property
    def last_day(self) -> dt.date | None:
        """Day of the last row (None for an empty log)."""
        return max(e.date for e in self.events) if self.events else None

    @property
    def actors(self) -> tuple[str, ...]:
        """Actors the log names, in order of their first row."""
        return tuple(dict.fromkeys(e.actor for e in self.events))

    def placed_from(self) -> dt.date | None:
        """First day on which every actor the log names has been placed (None if empty)."""
        first: dict[str, dt.date] = {}
        for e in self.events:
            first.setdefault(e.actor, e.date)
        return max(first.values()) if first else None

    def end(self, *, as_of: dt.date | None = None, complete_until: dt.date | None = None) -> dt.date | None:
        """Last day the log is taken to be complete for.

        ``complete_until`` (an override) or the log's own, else ``as_of``, else the last
        row's day; never after ``as_of`` when that is given.

        Raises
        ------
        ScenarioError
            If ``as_of`` is after the day the log says it is complete until.
        """
        until = complete_until or self.complete_until
        if until is not None and as_of is not None and as_of > until:
            raise ScenarioError(Problem(file=self.file, field="complete-until", message=(
                f"expected an as-of date on or before the day the log is complete until, found "
                f"{as_of.isoformat()} after {until.isoformat()}: the log cannot say nothing happened since")))
        if as_of is not None:
            return as_of
        return until if until is not None else self.last_day

    def rungs_on(self, day: dt.date) -> dict[str, str]:
        """Actor -> rung after every row dated on or before ``day`` (placed actors only)."""
        out: dict[str, str] = {}
        for e in self.events:
            if e.date <= day:
                out[e.actor] = e.rung
        return out

    def states(self, scenario: Scenario, first: dt.date, last: dt.date) -> np.ndarray:
        """The log's joint state at the end of every day from ``first`` to ``last``.

        Returns
        -------
        ndarray of int64, shape ((last - first).days + 1, n_actors)
            Rung positions; an actor not yet placed stands on its start rung.
        """
        n = (last - first).days + 1
        if n < 1:
            return np.zeros((0, len(scenario.actors)), dtype=np.int64)
        index = {a.id: i for i, a in enumerate(scenario.actors)}
        out = np.tile(np.array(scenario.start_state, dtype=np.int64), (n, 1))
        for e in self.events:  # in date order: later rows overwrite the tail
            a = index[e.actor]
            pos = scenario.actors[a].position(e.rung)
            k = max((e.date - first).days, 0)
            if k < n:
                out[k:, a] = pos
        return out

    def line_of_change(self, actor: str, day: dt.date) -> int | None:
        """Line of the row that moves ``actor`` on ``day`` (None if none)."""
        for e in self.events:
            if e.actor == actor and e.date == day:
                return e.line
        return None


# --- reading ----------------------------------------------------------------------------------
def _logs_dir() -> Path:
    from ..loader.bundled import _bundled_dir

    return _bundled_dir() / "events"


def bundled_logs() -> dict[str, Path]:
    """Bundled event logs by name: the file stem, and the stem with ``-`` for ``_``."""
    folder = _logs_dir()
    found: dict[str, Path] = {}
    if folder.is_dir():
        for file in sorted(folder.glob("*.csv")):
            found[file.stem.replace("_", "-")] = file
            found.setdefault(file.stem, file)
    return found


def find_log(name_or_path: str | os.PathLike[str]) -> Path:
    """A log file path, or a bundled log by name (``venezuela-2025``).

    Raises
    ------
    ScenarioError
        For neither an existing path nor a bundled name, with a did-you-mean.
    """
    path = Path(name_or_path)
    if path.exists():
        return path
    bundled = bundled_logs()
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    raise ScenarioError(Problem(file=str(name_or_path), message=(
        f"expected an event log file or a bundled log name, found no such file"
        f"{did_you_mean(str(name_or_path), bundled)}")))


def load_events(path: str | os.PathLike[str], scenario: Scenario | None = None) -> EventLog:
    """Read an event log file (or a bundled log by name) and check it.

    Parameters
    ----------
    path : str or path-like
    scenario : Scenario, optional
        Also check the rows against this scenario (:func:`check_log`).

    Returns
    -------
    EventLog

    Raises
    ------
    ScenarioError
        One problem per line at fault, each ``file:line: column: expected ..., found ...``.
    """
    file = find_log(path)
    shown = str(path) if Path(path).exists() else str(file)
    try:
        if not file.is_file():
            raise ScenarioError(Problem(file=shown, message="expected an event log file, found a directory or special file"))
        size = file.stat().st_size
        if size > MAX_LOG_BYTES:
            raise ScenarioError(Problem(file=shown, message=(
                f"expected a file of at most {MAX_LOG_BYTES // (1024 * 1024)} MB, found {size:,} bytes")))
        raw = file.read_bytes()
    except OSError as exc:
        raise ScenarioError(Problem(file=shown, message=f"cannot read file: {exc.strerror or exc}")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ScenarioError(Problem(file=shown, line=line, message=(
            f"expected UTF-8 text, found the byte 0x{raw[exc.start]:02x} (save the file as UTF-8)"))) from None
    log = _parse(text, shown, hashlib.sha256(raw).hexdigest())
    if scenario is not None:
        check_log(log, scenario)
    return log


def loads_events(text: str, scenario: Scenario | None = None, *, name: str = "<string>") -> EventLog:
    """An event log from CSV text; see :func:`load_events`.

    Examples
    --------
    >>> log = loads_events('''date,actor,rung,source,note
    ... 2025-01-05,BLUE,calm,report A,
    ... 2025-02,BLUE,alert,report B,month only
    ... ''')
    >>> [(e.date.isoformat(), e.rung, e.precision) for e in log.events]
    [('2025-01-05', 'calm', 'day'), ('2025-02-01', 'alert', 'month')]
    """
    log = _parse(text, name, hashlib.sha256(text.encode("utf-8")).hexdigest())
    if scenario is not None:
        check_log(log, scenario)
    return log


def _parse(text: str, name: str, sha256: str) -> EventLog:
    def problem(line: int | None, field: str, message: str) -> Problem:
        return Problem(file=name, line=line, field=field, message=message)

    if not text.strip():
        raise ScenarioError(problem(None, "", f"expected a header line '{','.join(COLUMNS)}', found an empty file"))
    complete_until = None
    lines = text.splitlines(keepends=True)
    cleaned = []
    for i, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            meta = _META.match(stripped)
            if meta:
                try:
                    complete_until = parse_date(meta.group(1), month=False)[0]
                except ValueError as exc:
                    raise ScenarioError(problem(i, "complete-until", str(exc))) from None
            cleaned.append("\n")  # keep the line numbers
        else:
            cleaned.append(raw)
    reader = csv.reader(io.StringIO("".join(cleaned)), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ScenarioError(problem(reader.line_num, "", f"expected CSV, found a malformed line ({exc})")) from None
    if not rows:
        raise ScenarioError(problem(None, "", f"expected a header line '{','.join(COLUMNS)}', found only comments"))
    header_line, header = rows[0]
    names = [h.strip().lower() for h in header]
    problems: list[Problem] = []
    meant: set[str] = set()  # columns an unknown one was probably meant to be
    for col in names:
        if col not in COLUMNS:
            hint = did_you_mean(col, COLUMNS)
            meant.update(c for c in COLUMNS if hint.endswith(f"{c!r}?"))
            problems.append(problem(header_line, "header", (
                f"expected the columns {', '.join(COLUMNS)}, found an unknown column {col!r}{hint}")))
    seen: set[str] = set()
    for col in names:
        if col in seen and col in COLUMNS:
            problems.append(problem(header_line, "header", f"expected each column once, found {col!r} twice"))
        seen.add(col)
    missing = [c for c in _REQUIRED if c not in names and c not in meant]
    if missing:
        problems.append(problem(header_line, "header", (
            f"expected the columns {', '.join(COLUMNS)} (note optional), found no {', '.join(map(repr, missing))} "
            f"column in {','.join(header)!r}")))
    if problems:
        raise ScenarioError(problems)
    col = {c: names.index(c) for c in COLUMNS if c in names}
    events: list[Event] = []
    earliest: list[dt.date] = []  # forward pass: earliest day consistent with the rows above
    for line, row in rows[1:]:
        if len(row) < len(names) and all(c == "note" for c in names[len(row):]):
            row = row + [""] * (len(names) - len(row))  # a trailing empty note may be left out
        if len(row) != len(names):
            problems.append(problem(line, "", (
                f"expected {len(names)} fields ({', '.join(names)}), found {len(row)}")))
            continue
        cell = {c: row[i].strip() for c, i in col.items()}
        try:
            first, last = parse_date(cell["date"])
        except ValueError as exc:
            problems.append(problem(line, "date", str(exc)))
            continue
        bad = False
        for c in ("actor", "rung", "source"):
            if not cell[c]:
                what = "a source (a URL or a reference)" if c == "source" else f"an {c} id" if c == "actor" else "a rung id"
                problems.append(problem(line, c, f"expected {what} on every row, found an empty field"))
                bad = True
        if bad:
            continue
        lo = max(first, earliest[-1]) if earliest else first
        if lo > last:
            prev = events[-1]
            problems.append(problem(line, "date", (
                f"expected dates in order, found {cell['date']} after {prev.date_text} (line {prev.line})")))
            continue
        earliest.append(lo)
        events.append(Event(
            line=line, date=lo, first=first, last=last, precision="day" if first == last else "month",
            date_text=cell["date"], actor=cell["actor"], rung=cell["rung"], source=cell["source"],
            note=cell.get("note", ""),
        ))
    seen_rows: dict[tuple[str, str, str], int] = {}
    same_day: dict[tuple[str, dt.date], Event] = {}
    for e in events:
        key = (e.date_text, e.actor, e.rung)
        if key in seen_rows:
            problems.append(problem(e.line, "", (
                f"expected each observation once, found a duplicate of line {seen_rows[key]} "
                f"({e.date_text}, {e.actor}, {e.rung}); put both sources in one row")))
            continue
        seen_rows[key] = e.line
        other = same_day.get((e.actor, e.date))
        if other is not None and other.rung != e.rung:
            problems.append(problem(e.line, "rung", (
                f"expected at most one rung per actor and day (the model moves an actor once a day), found "
                f"{e.actor} on {other.rung} (line {other.line}) and {e.rung} on {e.date.isoformat()}")))
        same_day[(e.actor, e.date)] = e
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: p.line or 0))
    return EventLog(events=tuple(events), file=name, sha256=sha256, complete_until=complete_until)


# --- checking against a scenario ---------------------------------------------------------------
def _actor_problem(log: EventLog, e: Event, scenario: Scenario) -> Problem:
    by_name = {a.name.lower(): a.id for a in scenario.actors}
    rung_owner = [a.id for a in scenario.actors if e.actor in a.rung_ids]
    if rung_owner:
        hint = (f": {e.actor!r} is a rung of {rung_owner[0]}, not an actor (the columns are "
                f"{', '.join(COLUMNS)})")
    elif e.actor.lower() in by_name:
        hint = f"; did you mean {by_name[e.actor.lower()]!r} (the actor id of {e.actor})?"
    else:
        hint = did_you_mean(e.actor, scenario.actor_ids)
    return Problem(file=log.file, line=e.line, field="actor", message=(
        f"expected an actor of {scenario.id} ({', '.join(scenario.actor_ids)}), found {e.actor!r}{hint}"))


def _rung_problem(log: EventLog, e: Event, scenario: Scenario) -> Problem:
    actor = scenario.actor(e.actor)
    owner = [a.id for a in scenario.actors if e.rung in a.rung_ids]
    if e.rung in scenario.actor_ids:
        hint = f": {e.rung!r} is an actor, not a rung (the columns are {', '.join(COLUMNS)})"
    elif owner:
        hint = f": {e.rung!r} is a rung of {owner[0]}, not of {actor.id}"
    else:
        hint = did_you_mean(e.rung, actor.rung_ids)
    return Problem(file=log.file, line=e.line, field="rung", message=(
        f"expected a rung of {actor.id}, found {e.rung!r}{hint}"))


def check_log(log: EventLog, scenario: Scenario) -> None:
    """Check every row of ``log`` against ``scenario`` (once per scenario; cached).

    Checks that actors and rungs exist, and that every rung change is one the scenario
    allows: a move from the old rung to the new one whose daily probability (with the
    modifiers that hold) is positive in the log's joint state at the start of that day.

    Raises
    ------
    ScenarioError
        One problem per row at fault, naming the line; for a change the scenario does not
        allow, the moves it has from the old rung, or the condition that did not hold.
    """
    key = id(scenario)
    if log._checked.get(key) is scenario:
        return
    problems = []
    for e in log.events:
        if e.actor not in scenario.actor_ids:
            problems.append(_actor_problem(log, e, scenario))
        elif e.rung not in scenario.actor(e.actor).rung_ids:
            problems.append(_rung_problem(log, e, scenario))
    if problems:
        raise ScenarioError(problems)
    problems.extend(_change_problems(log, scenario))
    if problems:
        raise ScenarioError(problems)
    log._checked[key] = scenario


def changes(log: EventLog) -> list[tuple[Event, str]]:
    """Every rung change in the log: (the row, the rung the actor left)."""
    current: dict[str, str] = {}
    out = []
    for e in log.events:
        old = current.get(e.actor)
        if old is not None and old != e.rung:
            out.append((e, old))
        current[e.actor] = e.rung
    return out


def _change_problems(log: EventLog, scenario: Scenario) -> Iterable[Problem]:
    from ..compiled import compile_model

    found = changes(log)
    if not found:
        return []
    model = compile_model(scenario)
    first = min(e.date for e, _ in found) - dt.timedelta(days=1)
    last = max(e.date for e, _ in found)
    states = log.states(scenario, first, last)
    out = []
    for e, old in found:
        moves = scenario.find_moves(actor=e.actor, from_=old, to=e.rung)
        label = f"{e.actor}: {old} -> {e.rung}"
        if not moves:
            targets = sorted({scenario.moves[i].to for i in scenario.find_moves(actor=e.actor, from_=old)})
            have = f"; its moves from {old} go to {', '.join(targets)}" if targets else f"; it has no moves from {old}"
            out.append(Problem(file=log.file, line=e.line, field="rung", message=(
                f"expected a rung change the scenario has a move for, found {label} on {e.date.isoformat()}{have}")))
            continue
        before = states[(e.date - first).days - 1]
        probs = model.move_probabilities(before[None, :])[0]
        if not any(probs[i] > 0 for i in moves):
            why = [f"'{scenario.moves[i].when}'" for i in moves if scenario.moves[i].when]
            reason = (f"its condition {' / '.join(why)} does not hold" if len(why) == len(moves) else
                      "its probability is 0")
            out.append(Problem(file=log.file, line=e.line, field="rung", message=(
                f"expected a rung change the scenario allows, found {label} on {e.date.isoformat()}, but {reason} "
                f"in the log's state at the start of that day ({model.describe_state(before)})")))
    return out
