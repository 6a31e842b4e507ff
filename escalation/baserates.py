"""Base rates from the International Crisis Behavior (ICB) system-level data, version 14:
how often past crises reached each level of violence and how long they lasted, an outside view
to hold a scenario's odds against. Data and column meanings: ``escalation/data/README.md``."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import os
from collections import Counter
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Literal

import numpy as np

from .errors import EscalationError
from .stats import wilson_interval

__all__ = ["Crisis", "ViolenceShare", "DurationShare", "DurationSummary", "BaseRates",
           "load_icb", "duration_days", "base_rates", "format_baserates", "VIOLENCE_LABELS"]

#: ICB ``viol``: the most severe violence in the crisis, 1..4.
VIOLENCE_LABELS = {1: "no violence", 2: "minor clashes", 3: "serious clashes", 4: "full-scale war"}
#: Thresholds (days) for the "ended within" shares.
WITHIN_DAYS = (30, 60, 90, 180, 365)
_COLUMNS = ("crisno", "crisname", "yrtrig", "motrig", "datrig", "yrterm", "moterm", "daterm",
            "viol", "usinv", "usactor")
_PACKAGED = "escalation/data/icb1v14.csv"
DateParts = tuple[int | None, int | None, int | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Crisis:
    """One ICB crisis, ``None`` where the file has a blank. Day codes above 31 (66, 77, 88:
    day unknown) are kept as in the file; :func:`duration_days` treats them as unknown."""

    crisno: int
    name: str
    trigger: DateParts  # (yrtrig, motrig, datrig)
    termination: DateParts  # (yrterm, moterm, daterm)
    viol: int | None  # 1..4, see VIOLENCE_LABELS
    usinv: int | None  # 1 none, 2 political/economic, 3 covert/semi-military, 4 direct military
    usactor: int | None  # 1 US not a crisis actor, 2 US a crisis actor; blank before 1945


@dataclass(frozen=True, slots=True, kw_only=True)
class ViolenceShare:
    """``count`` of ``n`` crises at (or at least at) violence ``level``."""

    level: int
    label: str
    count: int
    n: int
    share: float  # count / n, nan when n == 0
    ci95: tuple[float, float]  # Wilson interval


@dataclass(frozen=True, slots=True, kw_only=True)
class DurationShare:
    """``count`` of ``n`` crises with a usable duration that ended within ``days`` days."""

    days: int
    count: int
    n: int
    share: float
    ci95: tuple[float, float]


@dataclass(frozen=True, slots=True, kw_only=True)
class DurationSummary:
    """Durations in days, trigger to termination, and the crises left out (one reason each):
    ``n_used = n_records - n_missing_date - n_invalid_date - n_missing_day - n_negative``.
    ``n_imputed`` used crises had a day imputed. Statistics are nan when ``n_used == 0``."""

    n_records: int
    n_used: int
    n_missing_date: int
    n_invalid_date: int
    n_missing_day: int
    n_negative: int
    n_imputed: int
    median: float
    q1: float
    q3: float
    mean: float
    min: int | None
    max: int | None
    within: tuple[DurationShare, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class BaseRates:
    """Violence and duration base rates of a set of ICB crises (see :func:`base_rates`)."""

    source: str
    subset: str  # "all", "us-involved" or "us-actor"
    n_crises: int
    n_missing_violence: int
    violence: tuple[ViolenceShare, ...]
    violence_at_least: tuple[ViolenceShare, ...]
    duration: DurationSummary

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts, lists, floats and ints (nan as None) for :func:`json.dumps`."""
        return _jsonable(asdict(self))


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return None if isinstance(obj, float) and not np.isfinite(obj) else obj


def load_icb(path: str | os.PathLike[str] | None = None) -> tuple[Crisis, ...]:
    """Read the ICB system-level file: one :class:`Crisis` per row, in file order.

    Parameters
    ----------
    path : str or path-like, optional
        A CSV with at least the columns ``crisno, crisname, yrtrig, motrig, datrig, yrterm,
        moterm, daterm, viol, usinv, usactor`` (a UTF-8 byte-order mark is allowed). By default
        the copy bundled with the package.

    Raises
    ------
    EscalationError
        If the file cannot be read or lacks a column, or a cell used here is not an integer
        or out of range (``viol``, ``usinv`` 1..4, ``usactor`` 1..2). One line, naming the file.

    Examples
    --------
    >>> crises = load_icb()
    >>> len(crises), crises[0].name, crises[0].trigger
    (487, 'RUSSIAN CIVIL WAR I', (1918, 5, None))
    """
    if path is None:
        name, resource = _PACKAGED, resources.files("escalation") / "data" / "icb1v14.csv"
    else:
        name, resource = os.fspath(path), Path(path)
    try:
        with resource.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None:
                raise EscalationError(f"{name}: empty file, expected a CSV header row")
            if missing := [c for c in _COLUMNS if c not in reader.fieldnames]:
                raise EscalationError(f"{name}: missing column(s) {', '.join(missing)}")
            return tuple(_crisis(row, f"{name}:{reader.line_num}") for row in reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise EscalationError(f"{name}: cannot read ICB data: {reason}") from exc


def _crisis(row: dict[str, str | None], where: str) -> Crisis:
    def cell(col: str, lo: int | None = None, hi: int | None = None) -> int | None:
        if not (text := (row.get(col) or "").strip()):
            return None
        try:
            value = int(text)
        except ValueError:
            raise EscalationError(f"{where}: {col}: expected an integer, found {text!r}") from None
        if lo is not None and hi is not None and not lo <= value <= hi:
            raise EscalationError(f"{where}: {col}: expected {lo}..{hi}, found {value}")
        return value

    if (crisno := cell("crisno")) is None:
        raise EscalationError(f"{where}: crisno: expected a crisis number, found a blank")
    return Crisis(crisno=crisno, name=(row.get("crisname") or "").strip(),
                  trigger=(cell("yrtrig"), cell("motrig"), cell("datrig")),
                  termination=(cell("yrterm"), cell("moterm"), cell("daterm")),
                  viol=cell("viol", 1, 4), usinv=cell("usinv", 1, 4), usactor=cell("usactor", 1, 2))


def _dates(trigger: DateParts, termination: DateParts,
           impute_day: bool) -> tuple[dt.date | None, dt.date | None, str]:
    """``(start, end, status)``, status ok or imputed (dates set), else missing_date,
    invalid_date or missing_day (dates None)."""
    parts = []
    for year, month, day in (trigger, termination):
        if year is None or month is None:
            return None, None, "missing_date"
        day = None if day is None or day > 31 else day  # 66, 77, 88: ICB "day unknown" codes
        try:
            dt.date(year, month, 1 if day is None else day)
        except ValueError:
            return None, None, "invalid_date"
        parts.append((year, month, day, calendar.monthrange(year, month)[1]))
    (y0, m0, d0, last0), (y1, m1, d1, last1) = parts
    if d0 is not None and d1 is not None:
        return dt.date(y0, m0, d0), dt.date(y1, m1, d1), "ok"
    if not impute_day:
        return None, None, "missing_day"
    same = (y0, m0) == (y1, m1)  # then a known day bounds the unknown one
    if d0 is None:
        d0 = (1 + (d1 if same and d1 is not None else last0)) // 2
    if d1 is None:
        d1 = ((d0 if same else 1) + last1) // 2
    return dt.date(y0, m0, d0), dt.date(y1, m1, d1), "imputed"


def duration_days(trigger: DateParts, termination: DateParts, *,
                  impute_day: bool = False) -> int | None:
    """Days from the trigger date to the termination date, each ``(year, month, day)``.

    ``None`` where either date lacks its year or month, is not a calendar date, or lacks its
    day (blank, or an ICB code above 31). With ``impute_day=True`` an unknown day becomes the
    middle, ``(lo + hi) // 2``, of the days of its month consistent with the other date (a
    trigger no later than a known termination day in the same month, and the reverse). A
    crisis ending on its trigger day lasts 0 days; dates the wrong way round give a negative
    number (:func:`base_rates` drops those).

    Examples
    --------
    >>> duration_days((1962, 10, 16), (1962, 11, 20))
    35
    >>> duration_days((1991, 8, 28), (1991, 8, 88)) is None
    True
    >>> duration_days((1991, 8, 28), (1991, 8, 88), impute_day=True)  # ends on the 29th
    1
    """
    start, end, _ = _dates(trigger, termination, impute_day)
    return None if start is None or end is None else (end - start).days


def _shares(levels: list[int], at_least: bool) -> tuple[ViolenceShare, ...]:
    n = len(levels)
    counts = {lv: sum(v >= lv if at_least else v == lv for v in levels) for lv in VIOLENCE_LABELS}
    return tuple(ViolenceShare(level=lv, label=VIOLENCE_LABELS[lv], count=k, n=n,
                               share=k / n if n else np.nan, ci95=wilson_interval(k, n))
                 for lv, k in counts.items())


def _durations(crises: tuple[Crisis, ...], impute_day: bool) -> DurationSummary:
    counts: Counter[str] = Counter()
    used: list[int] = []
    for c in crises:
        start, end, status = _dates(c.trigger, c.termination, impute_day)
        if start is None or end is None or end < start:
            counts[status if start is None else "negative"] += 1
        else:
            used.append((end - start).days)
            counts[status] += 1
    n, arr = len(used), np.asarray(used, dtype=float)
    q1, median, q3 = np.percentile(arr, [25, 50, 75]) if n else (np.nan,) * 3
    within = tuple(DurationShare(days=d, count=(k := int(np.sum(arr <= d))), n=n,
                                 share=k / n if n else np.nan, ci95=wilson_interval(k, n))
                   for d in WITHIN_DAYS)
    return DurationSummary(
        n_records=len(crises), n_used=n, n_missing_date=counts["missing_date"],
        n_invalid_date=counts["invalid_date"], n_missing_day=counts["missing_day"],
        n_negative=counts["negative"], n_imputed=counts["imputed"], median=float(median),
        q1=float(q1), q3=float(q3), mean=float(arr.mean()) if n else np.nan,
        min=min(used, default=None), max=max(used, default=None), within=within)


def base_rates(records: Iterable[Crisis] | None = None, *,
               path: str | os.PathLike[str] | None = None,
               us: Literal["involved", "actor"] | None = None,
               impute_day: bool = False) -> BaseRates:
    """Violence and duration base rates of ICB crises.

    Parameters
    ----------
    records : iterable of Crisis, optional
        The crises; by default read with :func:`load_icb` from ``path``.
    path : str or path-like, optional
        ICB file to read when ``records`` is not given; by default the bundled copy.
    us : {None, "involved", "actor"}, optional
        Keep only crises with some US involvement (``usinv >= 2``), or only those in which
        the US was a crisis actor (``usactor == 2``); by default keep all.
    impute_day : bool, optional
        Impute an unknown trigger or termination day as :func:`duration_days` does, instead
        of leaving the crisis out of the durations.

    Returns
    -------
    BaseRates
        Shares at and at least at each ``viol`` level (a blank ``viol`` left out, counted in
        ``n_missing_violence``) and a :class:`DurationSummary`.

    Raises
    ------
    EscalationError
        As :func:`load_icb`.
    ValueError
        If both ``records`` and ``path`` are given, or ``us`` is not one of the choices.

    Notes
    -----
    Wilson intervals (:func:`escalation.stats.wilson_interval`) treat crises as independent
    draws, overstating precision where crises belong to one protracted conflict. Quartiles use
    numpy's linear interpolation; ``within`` counts durations ``<= days``.

    Examples
    --------
    >>> rates = base_rates()
    >>> war = rates.violence[3]
    >>> war.label, war.count, war.n, round(war.share, 3)
    ('full-scale war', 103, 486, 0.212)
    >>> rates.duration.n_used, rates.duration.median, rates.duration.n_missing_day
    (416, 80.0, 66)
    """
    if records is not None and path is not None:
        raise ValueError("give records or path, not both")
    if us not in (None, "involved", "actor"):
        raise ValueError(f"us: expected None, 'involved' or 'actor', found {us!r}")
    crises = load_icb(path) if records is None else tuple(records)
    source = "records" if records is not None else _PACKAGED if path is None else os.fspath(path)
    if us == "involved":
        crises = tuple(c for c in crises if c.usinv is not None and c.usinv >= 2)
    elif us == "actor":
        crises = tuple(c for c in crises if c.usactor == 2)
    levels = [c.viol for c in crises if c.viol is not None]
    return BaseRates(
        source=source, subset={None: "all", "involved": "us-involved", "actor": "us-actor"}[us],
        n_crises=len(crises), n_missing_violence=len(crises) - len(levels),
        violence=_shares(levels, False), violence_at_least=_shares(levels, True),
        duration=_durations(crises, impute_day))


def format_baserates(rates: BaseRates) -> str:
    """Render :class:`BaseRates` as a plain-text table (no trailing newline)."""
    def row(count: int, share: float, ci95: tuple[float, float]) -> str:
        pct = [f"{100 * x:5.1f}%" if np.isfinite(x) else "     -" for x in (share, *ci95)]
        return f"{count:>5}  {pct[0]}  [{pct[1]}, {pct[2]}]"

    d = rates.duration
    lines = [f"ICB crisis base rates ({rates.source}; subset: {rates.subset}; {rates.n_crises}"
             f" crises, {rates.n_missing_violence} without a violence code)", "",
             f"viol  {'level':<16}    n   share  95% CI               n >=   share  95% CI"]
    lines += [f"{eq.level:<4}  {eq.label:<16}{row(eq.count, eq.share, eq.ci95)}  "
              f"{row(ge.count, ge.share, ge.ci95)}"
              for eq, ge in zip(rates.violence, rates.violence_at_least)]
    lines += ["", f"Duration, trigger to termination: {d.n_used} of {d.n_records} crises usable "
                  f"({d.n_missing_date} missing date, {d.n_invalid_date} invalid date, "
                  f"{d.n_missing_day} unknown day, {d.n_negative} negative; {d.n_imputed} "
                  f"with a day imputed)",
              f"  median {d.median:g} days, quartiles {d.q1:g}-{d.q3:g}, mean {d.mean:.1f}, "
              f"range {d.min}-{d.max}", "  ended within      n   share  95% CI"]
    lines += [f"  {f'{w.days} days':<12}{row(w.count, w.share, w.ci95)}" for w in d.within]
    return "\n".join(lines)
