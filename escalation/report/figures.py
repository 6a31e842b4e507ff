"""Matplotlib figures as SVG markup that can be inlined, several to a page.

A figure is saved with ``format="svg"`` into memory; the XML prologue, the DOCTYPE and the
metadata block are dropped, and every ``id`` (and each reference to it) gets a per-figure
prefix, so that several figures in one HTML document never share an id. Text stays text
(``svg.fonttype = "none"``, with matplotlib's list of fallback fonts ending in ``sans-serif``):
a reader can select and search it, and a figure is half the size it would be with every glyph
drawn as a path.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["figure_svg"]

_ID = re.compile(r'\bid="([^"]+)"')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)
_PREFIX_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _prefix_ids(svg: str, prefix: str) -> str:
    ids = set(_ID.findall(svg))
    if not ids:
        return svg
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)

    def ref(m: re.Match[str]) -> str:
        name = m.group(2)
        return f"{m.group(1)}#{prefix}-{name}" if name in ids else m.group(0)

    # References: url(#x) in attributes and styles, and (xlink:)href="#x" on <use>.
    return re.sub(r'(url\(|href=")#([^)"]+)', ref, svg)


def figure_svg(fig: Figure, *, prefix: str) -> str:
    """``fig`` as SVG markup to inline in an HTML page.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    prefix : str
        Unique within the page (a letter, then letters, digits, ``-`` or ``_``); put in front
        of every id of the figure.

    Returns
    -------
    str
        Starting with ``<svg``; no XML prologue, DOCTYPE, comments or metadata. Text from the
        figure (labels, titles) is escaped by matplotlib's SVG writer.

    Raises
    ------
    ValueError
        For an unusable ``prefix``.
    """
    if not _PREFIX_OK.match(prefix):
        raise ValueError(f"prefix: expected a letter then letters, digits, '-' or '_', found {prefix!r}")
    from matplotlib import rc_context

    buf = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue().decode("utf-8")
    text = text[text.index("<svg"):]
    text = _METADATA.sub("", _COMMENT.sub("", text))
    return _prefix_ids(text, prefix).strip()
