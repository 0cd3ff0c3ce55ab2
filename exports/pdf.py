"""The PDF of an export bundle: a Jinja template rendered to HTML, then WeasyPrint.

Only bundled assets can be fetched while rendering (see fetcher.py). What a render lays out is
bounded (bounds.py); render_pdf runs it in a child process killed past its deadline
(deadline.py), render_pdf_here in this process (the child's side, and tests of what WeasyPrint
fetches).
"""

from __future__ import annotations

from typing import Any

from exports.context import document_context
from exports.deadline import render_within
from exports.environment import environment, template_for
from exports.fetcher import ASSETS_URL, BundledAssetsFetcher
from exports.team_report import is_team_report, team_context


def render_html(bundle: dict[str, Any]) -> str:
    """The document as HTML, before layout (what the PDF shows, for tests and previews): a
    tool's export, or a team report (sql/functions/266_team_report.sql)."""
    if is_team_report(bundle):
        return environment().get_template("team.html").render(team_context(bundle))
    template = environment().get_template(template_for(bundle["tool"]["slug"]))
    return template.render(document_context(bundle))


def render_pdf(bundle: dict[str, Any], *, seconds: float | None = None) -> bytes:
    """The bundle as a print-ready PDF, rendered within `seconds` (by default
    deadline.DEFAULT_RENDER_SECONDS); raises deadline.RenderTimeout past it."""
    return render_within(bundle, seconds)


def render_pdf_here(
    bundle: dict[str, Any], *, fetcher: BundledAssetsFetcher | None = None
) -> bytes:
    """The bundle as a PDF, rendered in this process. `fetcher` lets a caller see what was
    fetched or refused."""
    from weasyprint import HTML  # imported on first use: it loads Pango, after gunicorn forks

    html = render_html(bundle)
    document = HTML(string=html, base_url=ASSETS_URL, url_fetcher=fetcher or BundledAssetsFetcher())
    return document.write_pdf()
