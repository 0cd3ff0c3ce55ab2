"""Exports of a user's work: the bundle api.export_tool assembles, as a JSON file or a PDF;
and a team's report of one tool (api.team_report), rendered the same way.

Rendering only. What a bundle holds and who may have it is decided in SQL
(sql/functions/190_exports.sql); templates live in exports/templates/, their stylesheet and
fonts in exports/assets/ (the only files a rendering may load).
"""

from exports.deadline import RenderFailed, RenderTimeout
from exports.files import archive_filename, filename, json_document
from exports.pdf import render_html, render_pdf

__all__ = [
    "RenderFailed",
    "RenderTimeout",
    "archive_filename",
    "filename",
    "json_document",
    "render_html",
    "render_pdf",
]
