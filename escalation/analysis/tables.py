"""Plain-text and HTML tables shared by every result type, and how a probability is printed."""

from __future__ import annotations

import html
import math

__all__ = ["format_probability", "html_table", "text_table"]


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
