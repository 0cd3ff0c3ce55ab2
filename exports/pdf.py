"""The PDF of an export bundle: a Jinja template rendered to HTML, then WeasyPrint.

Only bundled assets can be fetched while rendering (see fetcher.py). Renders run one at a time
per process: the work is CPU-bound under the GIL anyway, and Pango and fontconfig then never see
two threads.
"""

from __future__ import annotations

import threading
from typing import Any

from exports.context import document_context
from exports.environment import environment, template_for
from exports.fetcher import ASSETS_URL, BundledAssetsFetcher

_render_lock = threading.Lock()


def render_html(bundle: dict[str, Any]) -> str:
    """The document as HTML, before layout (what the PDF shows, for tests and previews)."""
    template = environment().get_template(template_for(bundle["tool"]["slug"]))
    return template.render(document_context(bundle))


def render_pdf(bundle: dict[str, Any], *, fetcher: BundledAssetsFetcher | None = None) -> bytes:
    """The bundle as a print-ready PDF. `fetcher` lets a caller see what was fetched or refused."""
    from weasyprint import HTML  # imported on first use: it loads Pango, after gunicorn forks

    html = render_html(bundle)
    with _render_lock:
        document = HTML(
            string=html, base_url=ASSETS_URL, url_fetcher=fetcher or BundledAssetsFetcher()
        )
        return document.write_pdf()
