"""The self-contained HTML report of an analysis.

:func:`write_report` renders a :class:`~escalation.analysis.RunResult` (with, optionally,
sensitivity sweeps and sections from other analyses) into one HTML file that opens offline in
any browser: inline CSS, figures as inline SVG, no script, no request to any server, every
string from the scenario escaped by Jinja2. :func:`print_pdf` prints it to PDF with headless
Chromium where one is installed.

Parts: :mod:`.document` (sections, tables, charts: what a report is made of), :mod:`.figures`
(matplotlib figures as inline SVG), :mod:`.sections` (the sections of a run's report),
:mod:`.render` (Jinja2 templates in ``templates/``), :mod:`.browser` (headless Chromium).

Importing this package is light: Jinja2 and matplotlib are imported when a report is made.
"""

from .browser import chromium_args, find_chromium, print_pdf
from .document import Chart, Code, Link, Paragraph, Section, Table, safe_url
from .figures import figure_svg
from .render import CONTENT_SECURITY_POLICY, HasReportSection, render_report, report_sections, write_report
from .sections import reproduce_command

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "Chart",
    "Code",
    "HasReportSection",
    "Link",
    "Paragraph",
    "Section",
    "Table",
    "chromium_args",
    "figure_svg",
    "find_chromium",
    "print_pdf",
    "render_report",
    "report_sections",
    "reproduce_command",
    "safe_url",
    "write_report",
]
