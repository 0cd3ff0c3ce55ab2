"""The only way a rendering reaches outside itself: bundled assets under exports/assets/.

WeasyPrint fetches every URL a document names (stylesheets, fonts, images) through its URL
fetcher. Templates escape user content, so answers cannot name a URL; this fetcher is the second
wall: anything that is not a file of ours under ASSETS (file: elsewhere, http(s):, data:, ftp:,
a path that climbs out with ../ or a symlink) is refused without being opened.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

ASSETS = (Path(__file__).resolve().parent / "assets").resolve()
ASSETS_URL = ASSETS.as_uri() + "/"  # the base URL templates resolve their relative links against
ALLOWED_SUFFIXES = {".css": "text/css", ".ttf": "font/ttf", ".svg": "image/svg+xml"}


class RefusedURL(ValueError):
    """A document named a URL that is not a bundled asset."""


class BundledAssetsFetcher(URLFetcher):
    """A URLFetcher that opens bundled assets and refuses everything else.

    `refused` keeps the scheme of every refused URL (for tests and the log; never the URL itself,
    which could carry user text).
    """

    def __init__(self) -> None:
        super().__init__(fail_on_errors=False)
        self.refused: list[str] = []
        self.fetched: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = asset_path(url)
        if path is None:
            scheme = urlsplit(url).scheme.lower() or "relative"
            self.refused.append(scheme)
            log.warning("export rendering refused a %s: URL (not a bundled asset)", scheme)
            raise RefusedURL(f"not a bundled asset ({scheme}: URL)")
        self.fetched.append(path.name)
        mimetype = ALLOWED_SUFFIXES[path.suffix]
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mimetype})


def asset_path(url: str) -> Path | None:
    """The bundled file a URL names, or None when it names anything else."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    if parts.query or parts.fragment:
        return None
    try:
        path = Path(unquote(parts.path)).resolve(strict=True)  # follows symlinks and ../
    except (OSError, RuntimeError, ValueError):
        return None
    if not path.is_relative_to(ASSETS) or not path.is_file():
        return None
    if path.suffix not in ALLOWED_SUFFIXES:
        return None
    return path
