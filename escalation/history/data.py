"""The ICB crises as the generic ladder sees them: what was known at onset, how violent, how long.

Each crisis of the bundled ICB v14 system-level file (``escalation/data/icb1v14.csv``, read
by :func:`escalation.baserates.load_icb`) becomes one :class:`HistoricalCrisis`: three
facts known on the day the crisis began (the *onset profile*) and two outcomes (the
highest violence reached and the days from trigger to termination, as an interval where
the file gives only the month).

Onset facts, and why these (ICB codebook, system level)
--------------------------------------------------------
``violent_trigger``
    ``break == 9``: the trigger was a violent act. It is the event that opened the crisis,
    so it is known on day 0, and it fixes where the ladder starts: no crisis with a violent
    trigger is coded ``viol == 1`` (none of 202 in v14), so such crises start on
    ``minor_clashes``. Indirect violent acts (``break == 8``) are not counted: 3 of 28 of
    those crises saw no violence.
``intra_war``
    ``iwcmb >= 2``: an intra-war crisis, one that broke out inside a war already being
    fought (entry of a new actor, a technological escalation, a major defeat...). The war
    is a fact at onset.
``great_power_trigger``
    The triggering entity (``trigent``) was a great power in that year (the Correlates of
    War list of major powers, :data:`MAJOR_POWERS`). This is the part of great-power
    involvement known at onset.

Left out on purpose: ``gpinv``, ``usinv``, ``suinv`` (great-power, US and Soviet
involvement) are coded over the whole crisis, and their top categories (direct military
involvement) are part of the escalation being forecast; ``noactr`` counts every actor
that became a crisis actor before termination, so wider (usually more violent and longer)
crises have more by construction; ``gravcr`` is the gravest threat perceived at any time;
``period`` cannot inform an out-of-sample test on 1990-2017, whose crises are all in the
last period; ``protrac`` (protracted conflict) is assigned with hindsight, from the later
crises of the same conflict.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..baserates import Crisis, DateParts, duration_days, load_icb
from ..errors import EscalationError

__all__ = ["MAJOR_POWERS", "PEAK_LABELS", "HistoricalCrisis", "IcbSample", "duration_bounds", "load_history"]

#: ICB ``viol`` code -> the ladder's rung id (the peak violence of a crisis).
PEAK_LABELS = {1: "no_violence", 2: "minor_clashes", 3: "serious_clashes", 4: "full_scale_war"}

#: Great powers: Correlates of War state code -> the years it was a major power (COW State
#: System Membership, major powers list, v2016). Used only to read ICB's ``trigent``.
MAJOR_POWERS: dict[int, tuple[tuple[int, int], ...]] = {
    2: ((1898, 9999),),                               # United States
    200: ((1816, 9999),),                             # United Kingdom
    220: ((1816, 1940), (1945, 9999)),                # France
    255: ((1816, 1918), (1925, 1945), (1991, 9999)),  # Germany
    325: ((1860, 1943),),                             # Italy
    365: ((1816, 1917), (1922, 9999)),                # Russia / Soviet Union
    710: ((1950, 9999),),                             # China
    740: ((1895, 1945), (1991, 9999)),                # Japan
}

_EXTRA = ("crisno", "break", "iwcmb", "trigent")


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoricalCrisis:
    """One ICB crisis: its onset profile and its outcomes.

    Attributes
    ----------
    crisno : int
        ICB crisis number.
    name : str
    year : int
        Year of the trigger.
    violent_trigger, intra_war, great_power_trigger : bool
        The onset profile (see the module notes).
    peak : int
        ICB ``viol``, 1 no violence .. 4 full-scale war: the highest violence reached.
    days : tuple of (int, int) or None
        Bounds ``(lo, hi)`` on the days from trigger to termination, ``0 <= lo <= hi``; an
        unknown day of the month widens them to every day the month allows. None when a
        date lacks its year or month.
    duration : int or None
        One value in ``days``: the duration with unknown days imputed as
        :func:`escalation.baserates.duration_days` does (``impute_day=True``); used where a
        single number is needed (the CRPS and the climatological distribution).
    """

    crisno: int
    name: str
    year: int
    violent_trigger: bool
    intra_war: bool
    great_power_trigger: bool
    peak: int
    days: tuple[int, int] | None
    duration: int | None

    @property
    def profile(self) -> tuple[bool, bool, bool]:
        """``(violent_trigger, intra_war, great_power_trigger)``."""
        return (self.violent_trigger, self.intra_war, self.great_power_trigger)


@dataclass(frozen=True, slots=True, kw_only=True)
class IcbSample:
    """The crises the ladder is fitted on, and the ICB rows left out (one reason each).

    Attributes
    ----------
    crises : tuple of HistoricalCrisis
        File order.
    source : str
        The file read.
    n_records : int
        Rows in the file.
    excluded : tuple of (int, str, str)
        ``(crisno, name, reason)`` of each row left out.
    """

    crises: tuple[HistoricalCrisis, ...]
    source: str
    n_records: int
    excluded: tuple[tuple[int, str, str], ...]

    @property
    def n_without_duration(self) -> int:
        """Crises kept for their violence only: a date lacks its year or month."""
        return sum(c.days is None for c in self.crises)

    def split(self, year: int) -> tuple[tuple[HistoricalCrisis, ...], tuple[HistoricalCrisis, ...]]:
        """Crises that began before ``year``, and those that began in or after it."""
        return (tuple(c for c in self.crises if c.year < year), tuple(c for c in self.crises if c.year >= year))


def _major_power(code: int | None, year: int) -> bool:
    return code is not None and any(lo <= year <= hi for lo, hi in MAJOR_POWERS.get(code, ()))


def _day_range(year: int, month: int, day: int | None) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(year, month)[1]
    if day is None or day > 31:  # blank, or ICB's 66/77/88 "day unknown"
        return dt.date(year, month, 1), dt.date(year, month, last)
    return dt.date(year, month, day), dt.date(year, month, day)


def duration_bounds(trigger: DateParts, termination: DateParts) -> tuple[int, int] | None:
    """Bounds on the days from trigger to termination, each date ``(year, month, day)``.

    An unknown day (blank, or a code above 31) may be any day of its month, but the crisis
    cannot end before it began. None when a date lacks its year or month, is not a calendar
    date, or ends before it began.

    Examples
    --------
    >>> duration_bounds((1962, 10, 16), (1962, 11, 20))
    (35, 35)
    >>> duration_bounds((1991, 8, 28), (1991, 8, 88))
    (0, 3)
    """
    if None in (trigger[0], trigger[1], termination[0], termination[1]):
        return None
    try:
        s_lo, s_hi = _day_range(*trigger)  # type: ignore[arg-type]
        e_lo, e_hi = _day_range(*termination)  # type: ignore[arg-type]
    except ValueError:
        return None
    hi = (e_hi - s_lo).days
    if hi < 0:
        return None
    return (max(0, (e_lo - s_hi).days), hi)


def _extra_columns(path: str | os.PathLike[str] | None) -> dict[int, dict[str, int | None]]:
    if path is None:
        name, resource = "escalation/data/icb1v14.csv", resources.files("escalation") / "data" / "icb1v14.csv"
    else:
        name, resource = os.fspath(path), Path(path)
    out: dict[int, dict[str, int | None]] = {}
    try:
        with resource.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if missing := [c for c in _EXTRA if c not in (reader.fieldnames or ())]:
                raise EscalationError(f"{name}: missing column(s) {', '.join(missing)}")
            for row in reader:
                cells: dict[str, int | None] = {}
                for col in _EXTRA:
                    text = (row.get(col) or "").strip()
                    try:
                        cells[col] = int(text) if text else None
                    except ValueError:
                        raise EscalationError(f"{name}:{reader.line_num}: {col}: expected an integer, "
                                              f"found {text!r}") from None
                if cells["crisno"] is not None:
                    out[cells["crisno"]] = cells
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise EscalationError(f"{name}: cannot read ICB data: {reason}") from exc
    return out


def _history(c: Crisis, extra: dict[str, int | None]) -> HistoricalCrisis | str:
    """The crisis, or the reason it is left out."""
    if c.viol is None:
        return "no violence code (viol)"
    if c.trigger[0] is None:
        return "no trigger year"
    brk, iwc = extra.get("break"), extra.get("iwcmb")
    if brk is None or iwc is None:
        return "no trigger type (break) or intra-war code (iwcmb)"
    year = int(c.trigger[0])
    violent = brk == 9
    if violent and c.viol == 1:
        return "violent trigger (break 9) but no violence (viol 1)"
    days = duration_bounds(c.trigger, c.termination)
    point = duration_days(c.trigger, c.termination, impute_day=True) if days is not None else None
    return HistoricalCrisis(crisno=c.crisno, name=c.name, year=year, violent_trigger=violent, intra_war=iwc >= 2,
                            great_power_trigger=_major_power(extra.get("trigent"), year), peak=int(c.viol),
                            days=days, duration=point)


def load_history(path: str | os.PathLike[str] | None = None) -> IcbSample:
    """The ICB crises with their onset profiles and outcomes.

    Parameters
    ----------
    path : str or path-like, optional
        An ICB system-level CSV with the columns :func:`escalation.baserates.load_icb`
        reads plus ``break``, ``iwcmb`` and ``trigent``; by default the bundled v14 copy.

    Returns
    -------
    IcbSample
        A crisis is left out (and listed in ``excluded``) when it has no violence code, no
        trigger year, or no trigger type or intra-war code; in v14 that is one row
        (HOUTHI REBELLION, blank but for its name). A crisis whose termination date lacks
        its year or month is kept, with ``days = None``, for its violence.

    Raises
    ------
    EscalationError
        If the file cannot be read, lacks a column or has a non-integer cell, naming the
        file and line.

    Examples
    --------
    >>> sample = load_history()
    >>> len(sample.crises), sample.n_without_duration, [e[1] for e in sample.excluded]
    (486, 4, ['HOUTHI REBELLION'])
    >>> cuba = next(c for c in sample.crises if c.crisno == 196)
    >>> cuba.name, cuba.profile, cuba.peak, cuba.days
    ('CUBAN MISSILES', (False, False, True), 2, (35, 35))
    """
    records = load_icb(path)
    extra = _extra_columns(path)
    kept: list[HistoricalCrisis] = []
    excluded: list[tuple[int, str, str]] = []
    for c in records:
        made = _history(c, extra.get(c.crisno, {}))
        if isinstance(made, str):
            excluded.append((c.crisno, c.name, made))
        else:
            kept.append(made)
    source = "escalation/data/icb1v14.csv" if path is None else os.fspath(path)
    return IcbSample(crises=tuple(kept), source=source, n_records=len(records), excluded=tuple(excluded))
