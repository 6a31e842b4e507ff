"""The parts a report is made of: sections holding paragraphs, tables, figures and code.

A report is a tuple of :class:`Section`; a section holds blocks in reading order. Every
string in a block is *text*: the template escapes it (Jinja2 autoescape), so a rationale that
contains ``<script>`` shows as those characters. The one exception is the markup of a
:class:`Chart`, made by :func:`~escalation.report.figures.figure_svg` from a matplotlib figure
and checked here to hold no script, no foreign object and no external reference.

Other analyses add their own sections to a report by building a :class:`Section` (or by
giving their result a ``report_section()`` method that returns one): see
:func:`escalation.report.write_report`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Union
from urllib.parse import urlsplit

__all__ = ["Block", "Cell", "Chart", "Code", "Link", "Paragraph", "Section", "Table", "safe_url"]

_SECTION_ID = re.compile(r"^[a-z][a-z0-9-]*$")
# Markup a chart must never carry: scripts, foreign (HTML) content, event handlers, and
# references that leave the figure (an href or src that is not a local "#id").
_UNSAFE_SVG = re.compile(
    r"<\s*(script|foreignobject|iframe|object|embed|image)\b|\son[a-z]+\s*=|"
    r"""(?:href|src)\s*=\s*["'](?!#)""",
    re.IGNORECASE,
)


def safe_url(url: str) -> str | None:
    """``url`` if it is an absolute http(s) URL with a host, else None (never a link)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """Text that links to ``href``; rendered as plain text when ``href`` is not a safe http(s) URL.

    Attributes
    ----------
    text : str
    href : str or None
        Kept only if :func:`safe_url` accepts it.
    """

    text: str
    href: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "href", safe_url(self.href) if self.href else None)


#: A table cell: text, a link, or several of them in a row (e.g. a move's sources).
Cell = Union[str, Link, tuple[Union[str, Link], ...]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Paragraph:
    """A paragraph of plain text; ``strong`` is shown first, in bold."""

    kind: ClassVar[str] = "paragraph"
    text: str
    strong: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Code:
    """A command or other text shown verbatim, in a monospaced block."""

    kind: ClassVar[str] = "code"
    text: str
    caption: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A table of text cells.

    Attributes
    ----------
    header : tuple of str
    rows : tuple of tuple of Cell
        Each as long as ``header``.
    caption : str
    numeric : tuple of bool
        Per column: right-aligned, tabular figures; default all False.
    """

    kind: ClassVar[str] = "table"
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""
    numeric: tuple[bool, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", tuple(self.header))
        object.__setattr__(self, "rows", tuple(tuple(r) for r in self.rows))
        n = len(self.header)
        for i, row in enumerate(self.rows):
            if len(row) != n:
                raise ValueError(f"rows[{i}]: expected {n} cells (one per header), found {len(row)}")
        numeric = tuple(self.numeric) or (False,) * n
        if len(numeric) != n:
            raise ValueError(f"numeric: expected {n} flags (one per header), found {len(numeric)}")
        object.__setattr__(self, "numeric", numeric)


@dataclass(frozen=True, slots=True, kw_only=True)
class Chart:
    """A figure: inline SVG markup with a caption.

    Attributes
    ----------
    name : str
        What it shows (``odds``, ``fan``, ...); the ``data-figure`` attribute of the element.
    svg : str
        Markup from :func:`~escalation.report.figures.figure_svg`. It is inserted unescaped,
        so it is checked: it must start with ``<svg`` and hold no script, foreign object,
        event handler or external reference.
    caption : str
        Plain text.

    Raises
    ------
    ValueError
        For markup that fails the check.
    """

    kind: ClassVar[str] = "chart"
    name: str
    svg: str
    caption: str = ""

    def __post_init__(self) -> None:
        if not self.svg.lstrip().startswith("<svg"):
            raise ValueError(f"chart {self.name!r}: expected SVG markup starting with '<svg', found {self.svg[:20]!r}")
        bad = _UNSAFE_SVG.search(self.svg)
        if bad:
            raise ValueError(f"chart {self.name!r}: expected a self-contained SVG with no script or external "
                             f"reference, found {bad.group(0)!r}")


#: Anything a section can hold.
Block = Union[Paragraph, Code, Table, Chart]


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    """One section of a report.

    Attributes
    ----------
    id : str
        Anchor in the page (lower-case letters, digits and ``-``), unique within a report.
    title : str
    blocks : tuple of Block
        In reading order.
    """

    id: str
    title: str
    blocks: tuple[Block, ...] = ()

    def __post_init__(self) -> None:
        if not _SECTION_ID.match(self.id):
            raise ValueError(f"section id: expected lower-case letters, digits and '-', found {self.id!r}")
        object.__setattr__(self, "blocks", tuple(self.blocks))
        for i, b in enumerate(self.blocks):
            if not isinstance(b, (Paragraph, Code, Table, Chart)):
                raise TypeError(f"section {self.id!r} blocks[{i}]: expected a Paragraph, Code, Table or Chart, "
                                f"found {type(b).__name__}")
