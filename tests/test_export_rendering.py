"""Rendering exports without the database: what the fetcher lets through, escaping, every shape
an answer can take, and file names. (tests/http/test_exports.py renders real bundles.)"""

from __future__ import annotations

import copy
import json
import re
import time
import unicodedata
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from exports import RenderTimeout, filename, json_document, render_html, render_pdf
from exports.environment import environment, humanize, template_for
from exports.fetcher import ASSETS, ASSETS_URL, BundledAssetsFetcher, asset_path
from support.recorder import recording_server

BUNDLE: dict[str, Any] = {
    "format_version": 1,
    "program": "Fast Track",
    "generated_at": "2026-11-22T09:30:00+00:00",
    "user": {"id": "5b0c", "email": "lea@example.com", "full_name": "Lea Lead"},
    "organization": {"id": "0a1b", "name": "Acme"},
    "tool": {
        "slug": "dream",
        "name": "Dream",
        "sprint_number": 2,
        "description": "Company vision.",
        "module": {"id": 1, "name": "Individual & Company Identity"},
    },
    "submission": {
        "status": "submitted",
        "version": 3,
        "is_draft": False,
        "updated_at": "2026-11-21T08:00:00+00:00",
        "submitted_at": "2026-11-21T08:00:00+00:00",
    },
    "answers": {"company_dream": "Grow", "notes": {"aside": "Kept beside the outputs"}},
    "outputs": [
        {"field_id": "company_dream", "label": "Company dream", "type": "text", "value": "Grow"},
    ],
    "dependencies": [
        {
            "source_tool": "know-thyself",
            "source_tool_name": "Know Thyself",
            "source_sprint": 1,
            "field_id": "identity.personal_dream",
            "label": "Personal dream",
            "target_field": "founder_vision",
            "required": True,
            "value": "Build a workshop",
        },
        {
            "source_tool": "know-thyself",
            "source_tool_name": "Know Thyself",
            "source_sprint": 1,
            "field_id": "identity.purpose",
            "label": "Purpose",
            "target_field": "purpose",
            "required": False,
            "value": None,
        },
    ],
    "sections": None,
}


def bundle_with(outputs: list[tuple[str, Any]], **changes: Any) -> dict[str, Any]:
    bundle = copy.deepcopy(BUNDLE)
    bundle["outputs"] = [
        {"field_id": f"f{n}", "label": label, "type": "text", "value": value}
        for n, (label, value) in enumerate(outputs)
    ]
    answers = {f"f{n}": value for n, (_, value) in enumerate(outputs)}
    bundle["answers"] = {**answers, "notes": BUNDLE["answers"]["notes"]}
    bundle.update(changes)
    return bundle


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


# --- the fetcher --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        ASSETS_URL + "../templates/base.html",
        ASSETS_URL + "..%2Ftemplates%2Fbase.html",
        ASSETS_URL + "fonts/OFL.txt",  # bundled, but not a kind of file a document loads
        ASSETS_URL + "print.css?x=1",
        ASSETS_URL + "missing.css",
        "file://evil.example" + str(ASSETS / "print.css"),
        "http://127.0.0.1:9/print.css",
        "https://example.com/print.css",
        "data:text/css,body{color:red}",
        "ftp://example.com/x.css",
        "print.css",
    ],
)
def test_the_fetcher_refuses_what_is_not_a_bundled_asset(url):
    assert asset_path(url) is None
    with pytest.raises(ValueError):
        BundledAssetsFetcher().fetch(url)


def test_the_fetcher_follows_no_symlink_out_of_the_assets(tmp_path):
    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }")
    link = ASSETS / "test-link-to-outside.css"
    link.symlink_to(outside)
    try:
        assert asset_path(link.as_uri()) is None
    finally:
        link.unlink()


def test_the_fetcher_serves_the_stylesheet_and_fonts():
    fetcher = BundledAssetsFetcher()
    css = fetcher.fetch(ASSETS_URL + "print.css")
    assert css.content_type == "text/css" and b"@page" in css.read()
    assert asset_path(ASSETS_URL + "fonts/Lato-Regular.ttf") == ASSETS / "fonts/Lato-Regular.ttf"


def test_markup_that_escaped_the_templates_would_still_fetch_nothing():
    """The second wall: raw HTML given straight to WeasyPrint with our fetcher."""
    from weasyprint import HTML

    with recording_server() as (base, hits):
        html = f"""<html><head>
          <link rel="stylesheet" href="{base}/link.css">
          <link rel="stylesheet" href="file:///etc/passwd">
          <style>@import url({base}/import.css); p {{ background: url({base}/bg.gif) }}</style>
          </head><body>
          <p>text</p>
          <img src="file:///etc/passwd"><img src="{base}/img.gif">
          <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
          <svg><image href="{base}/svg.gif" width="5" height="5"/></svg>
          <object data="{base}/object.gif"></object>
          <iframe src="{base}/frame"></iframe>
        </body></html>"""
        fetcher = BundledAssetsFetcher()
        pdf = HTML(string=html, base_url=ASSETS_URL, url_fetcher=fetcher).write_pdf()

        assert hits == []
    assert pdf.startswith(b"%PDF-")
    assert {"file", "http", "data"} <= set(fetcher.refused)
    assert fetcher.fetched == []
    assert "root:" not in pdf_text(pdf)


# --- escaping ------------------------------------------------------------------------------------


def test_answers_names_and_keys_are_escaped_in_the_html():
    hostile = '<img src="file:///etc/passwd"><script>x()</script>'
    bundle = bundle_with(
        [("Plain", hostile), ("Keys", {hostile: hostile}), ("Rows", [{hostile: hostile}])],
        user={"id": "1", "email": "e@example.com", "full_name": hostile},
        organization={"id": "2", "name": hostile},
    )

    html = render_html(bundle)

    assert "<img" not in html and "<script" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert environment().autoescape is True


# --- every shape of answer ----------------------------------------------------------------------

SHAPES: list[tuple[str, Any]] = [
    ("Text", "First paragraph.\n\nSecond paragraph,\nwith a line break."),
    ("Whole number", 1250000),
    ("Decimal", 3.14159),
    ("Yes or no", True),
    ("Bullets", ["alpha", "beta", 7]),
    ("Rows", [{"quarter": "Q1", "goal": "Launch"}, {"quarter": "Q2", "owner": "Lena"}]),
    ("Grid", [["a1", "b1"], ["a2", "b2"]]),
    ("Named lists", {"eliminate": ["calls"], "limit": [], "delegate": ["rota", "invoices"]}),
    ("Object", {"ceo": "Maria", "team": {"production": "Tomas", "size": 12}}),
    ("Nothing", None),
    ("Empty", ""),
]


def test_every_shape_of_answer_renders_readably():
    text = pdf_text(render_pdf(bundle_with(SHAPES)))
    capitals = text.upper()  # part titles are set in capitals

    for label, _ in SHAPES:
        assert label in text
    for piece in (
        "First paragraph.",
        "Second paragraph, with a line break.",
        "1,250,000",
        "3.14",
        "Yes",
        "alpha",
        "Quarter Goal Owner",  # one header for rows with different keys, the row's name first
        "a2 b2",
        "Eliminate Limit Delegate",
        "CEO Maria",
        "Production Tomas",
        "Not answered",
        "Build a workshop",
        "Not provided yet",  # an optional dependency without a value
        "Notes Aside Kept beside the outputs",  # an answer beside the declared outputs
    ):
        assert piece in text, piece
    for title in ("Your answers", "Built on earlier work", "Further answers"):
        assert title.upper() in capitals


def test_answers_nested_deeper_than_any_layout_still_render():
    deep: Any = "bottom"
    for _ in range(900):
        deep = {"level": deep}

    text = pdf_text(render_pdf(bundle_with([("Deep", deep), ("Wide", list(range(300)))])))

    assert "Level: Level: ..." in text  # laid out 6 deep, then text, then cut short
    assert "199" in text and "200" not in text  # a list shows 200 items, then says so
    assert "100 more items left out" in text


def test_a_draft_says_so_on_its_cover_line():
    bundle = bundle_with([("Text", "x")])
    bundle["submission"] = {**bundle["submission"], "is_draft": True, "status": "draft"}

    text = pdf_text(render_pdf(bundle))

    assert "DRAFT" in text and "Draft, version 3, last saved 21 November 2026" in text


# --- names and the JSON document ----------------------------------------------------------------


def test_files_are_named_for_program_sprint_tool_and_day():
    assert filename(BUNDLE, "json") == "fast-track-sprint-02-dream-2026-11-22.json"
    assert filename(BUNDLE, "pdf") == "fast-track-sprint-02-dream-2026-11-22.pdf"


def test_the_json_document_keeps_the_documented_key_order():
    shuffled = dict(reversed(list(BUNDLE.items())))
    shuffled["future_field"] = 1

    document = json_document(shuffled)

    assert list(document)[:3] == ["format_version", "program", "generated_at"]
    assert list(document)[-1] == "future_field"
    assert json.loads(json.dumps(document)) == {**BUNDLE, "future_field": 1}


def test_a_tool_gets_its_own_template_only_when_it_has_one():
    assert template_for("program-overview") == "tools/program-overview.html"
    assert template_for("woop") == "tools/woop.html"
    assert template_for("dream") == "tool.html"
    assert Path(environment().loader.searchpath[0], "tool.html").is_file()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("target_date", "Target date"),
        ("targetDate", "Target date"),
        ("ABC", "ABC"),
        ("ceo", "CEO"),
        ("team_www", "Team WWW"),
        ("a-players", "A players"),
        ("1st", "1st"),
        ("Who owns it?", "Who owns it?"),
    ],
)
def test_keys_become_labels_and_prose_stays_as_written(key, label):
    assert humanize(key) == label


def test_a_slow_render_holds_up_no_other():
    """Renders run in processes of their own, with no lock: a short one started while a long
    one runs finishes first."""
    from concurrent.futures import ThreadPoolExecutor

    rows = [{f"c{c}": f"cell {r}.{c} text" for c in range(8)} for r in range(100)]
    long, short = bundle_with([("Rows", rows)]), bundle_with([("x", "y")])
    finished: list[str] = []

    def render(name: str, bundle: dict[str, Any]) -> None:
        render_pdf(bundle)
        finished.append(name)

    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(render, "long", long)
        time.sleep(0.3)  # the long render is under way
        pool.submit(render, "short", short).result()
        slow.result()

    assert finished == ["short", "long"]


def test_the_render_time_limit_stops_a_render_and_says_so():
    with pytest.raises(RenderTimeout) as stopped:
        render_pdf(bundle_with([("x", "y")]), seconds=0.001)

    assert stopped.value.code == "EXPORT_TIMEOUT" and stopped.value.details["retry_after"] == 10
    assert render_pdf(bundle_with([("x", "y")])).startswith(b"%PDF-")
