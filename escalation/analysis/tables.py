"""Plain-text and HTML tables shared by every result type, and how a probability is printed."""

from __future__ import annotations

import csv
import html
import io
import math
from collections.abc import Sequence
from typing import Any

from ..errors import MissingDependencyError

__all__ = ["csv_text", "format_probability", "html_table", "pandas_module", "text_table"]


def format_probability(p: float | None) -> str:
    """``27.65%``; small values in scientific notation (``3.1e-07``); ``-`` for None/NaN."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "-"
    if p == 0:
        return "0"
    if p < 1e-4:
        return f"{p:.1e}"
    return f"{100 * p:.2f}%"


def text_table(title: str, header: list[str], body: list[list[str]]) -> list[str]:
    """Lines of a plain-text table: the title, the header, a rule, the rows (first column left-aligned)."""
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return [title, fmt(header), "  ".join("-" * w for w in widths), *(fmt(r) for r in body)]


def html_table(caption: str, header: list[str], body: list[list[str]]) -> str:
    """An HTML table (for notebooks' ``_repr_html_``), every cell escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def csv_text(rows: Sequence[dict[str, Any]], *, empty_header: Sequence[str] = ("target",)) -> str:
    """CSV text of ``rows`` (one dict per row, the first row's keys as the header)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else list(empty_header), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def pandas_module() -> Any:
    """The pandas module, for the ``to_pandas`` methods.

    Raises
    ------
    MissingDependencyError
        When pandas is not installed.
    """
    try:
        import pandas as pd
    except ImportError:
        raise MissingDependencyError("to_pandas", "pandas") from None
    return pd
