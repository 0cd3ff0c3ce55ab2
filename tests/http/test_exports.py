"""Exports over HTTP: every tool as JSON and as a PDF from a fully walked program, the program
report, drafts, a tool with nothing saved, who may export, the rate limit, and answers full of
markup that must be printed as text and fetch nothing.

The walked program (a believable company's answers, tests/support/showcase.py) and its 62
exports are made once for the module: the PDFs are what takes time.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any

import pytest
import requests
from background_exports import pdf_export, renderers
from live_http import (
    TEST_ENV,
    LiveServer,
    data_of,
    error_of,
    start_server,
    stop_server,
    wait_for_fresh_rate_window,
)
from pypdf import PdfReader

from exports.files import KEY_ORDER
from fasttrack import create_app
from fasttrack.settings import Settings
from support import connect
from support.program import answers_for, create_organization, dependencies, tools_in_sprint_order
from support.recorder import recording_server
from support.showcase import COMPANY, LEADER, SHOWCASE

TOOLS = [tool["slug"] for tool in tools_in_sprint_order()]
REGISTRY = {tool["slug"]: tool for tool in tools_in_sprint_order()}


# --- helpers -----------------------------------------------------------------------------------


def value_at(data: Any, field_id: str) -> Any:
    for name in field_id.split("."):
        data = data[name]
    return data


def normalized(text: str) -> str:
    """Extracted text with ligatures undone and every run of whitespace one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def squeezed(text: str) -> str:
    """Text without any whitespace: for markup that a line break may have split."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def fragments(value: Any) -> list[str]:
    """The pieces of an answer a reader must find in the PDF, as the PDF prints them."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, str):
        return [normalized(value)] if value.strip() else []
    if isinstance(value, int | float):
        return [f"{value:,}"]
    if isinstance(value, list):
        return [piece for item in value for piece in fragments(item)]
    if isinstance(value, dict):
        return [piece for item in value.values() for piece in fragments(item)]
    return [str(value)]


@dataclass
class Pdf:
    reader: PdfReader
    pages: list[str]  # normalized text of each page
    text: str  # all pages

    @classmethod
    def of(cls, body: bytes) -> Pdf:
        assert body.startswith(b"%PDF-"), body[:20]
        reader = PdfReader(BytesIO(body))
        pages = [normalized(page.extract_text()) for page in reader.pages]
        return cls(reader=reader, pages=pages, text=" ".join(pages))


def attachment_name(response: requests.Response) -> str:
    disposition = response.headers.get("Content-Disposition", "")
    match = re.fullmatch(r'attachment; filename="([a-z0-9.-]+)"', disposition)
    assert match, disposition
    return match.group(1)


# --- the walked program, exported once ------------------------------------------------------


@dataclass
class Walk:
    server: LiveServer
    token: str
    user_id: str
    json: dict[str, requests.Response] = field(default_factory=dict)
    pdf: dict[str, requests.Response] = field(default_factory=dict)
    pdfs: dict[str, Pdf] = field(default_factory=dict)


@pytest.fixture(scope="module")
def walk(migrated_url_factory) -> Iterator[Walk]:
    """A leader of Harbor & Pine who submitted all 31 tools, and both exports of each."""
    url = migrated_url_factory()
    settings = Settings.from_env(TEST_ENV)
    running = start_server(create_app(settings=settings, database_url=url), settings, TEST_ENV)
    server = running.live
    try:
        login = server.sso_login("lw-maria", "maria@harborpine.example", LEADER)
        with connect(url) as conn:
            organization = create_organization(conn, COMPANY)
            conn.execute(
                "update shared.users set organization_id = %s where id = %s",
                (organization, login.user["id"]),
            )
        api = server.client(login.access_token)
        for slug in TOOLS:
            data_of(
                api.post(f"/api/tools/{slug}/submit", json={"version": 0, "data": SHOWCASE[slug]})
            )
        walk = Walk(server=server, token=login.access_token, user_id=login.user["id"])
        with renderers(url, None) as start_renderer:  # the program report is the worker's
            start_renderer()
            for slug in TOOLS:
                walk.json[slug] = api.get(f"/api/tools/{slug}/export")
                walk.pdf[slug] = pdf_export(api, f"/api/tools/{slug}/export?format=pdf")
                assert walk.pdf[slug].status_code == 200, (slug, walk.pdf[slug].text[:300])
                walk.pdfs[slug] = Pdf.of(walk.pdf[slug].content)
        yield walk
    finally:
        stop_server(running)


@pytest.mark.parametrize("slug", TOOLS)
def test_every_tool_exports_as_json_in_the_documented_shape(walk, slug):
    response = walk.json[slug]
    bundle = data_of(response)
    tool = REGISTRY[slug]

    assert response.headers["Content-Type"].startswith("application/json")
    assert list(bundle) == list(KEY_ORDER)
    assert bundle["format_version"] == 1 and bundle["program"] == "Fast Track"
    exported_on = bundle["generated_at"][:10]
    assert abs((date.fromisoformat(exported_on) - datetime.now(UTC).date()).days) <= 1
    name = f"fast-track-sprint-{tool['sprint_number']:02d}-{slug}-{exported_on}.json"
    assert attachment_name(response) == name
    assert response.json()["meta"] == {"filename": name}
    assert bundle["user"] == {
        "id": walk.user_id,
        "email": "maria@harborpine.example",
        "full_name": LEADER,
    }
    assert bundle["organization"]["name"] == COMPANY
    assert (bundle["tool"]["slug"], bundle["tool"]["name"]) == (slug, tool["name"])
    assert bundle["tool"]["sprint_number"] == tool["sprint_number"]
    assert bundle["submission"]["is_draft"] is False
    assert bundle["submission"]["status"] == "submitted"
    assert bundle["answers"] == SHOWCASE[slug]
    assert [(o["field_id"], o["label"]) for o in bundle["outputs"]] == [
        (o["field_id"], o["label"]) for o in tool["outputs"]
    ]
    for output in bundle["outputs"]:
        assert output["value"] == value_at(SHOWCASE[slug], output["field_id"])
    mappings = dependencies().get(slug, [])
    assert len(bundle["dependencies"]) == len(mappings)
    for dependency in bundle["dependencies"]:
        expected = value_at(SHOWCASE[dependency["source_tool"]], dependency["field_id"])
        assert dependency["value"] == expected
        assert dependency["source_tool_name"] == REGISTRY[dependency["source_tool"]]["name"]
    assert (bundle["sections"] is None) == (slug != "program-overview")


@pytest.mark.parametrize("slug", TOOLS)
def test_every_tool_exports_as_a_pdf_with_its_answers_labels_and_dependency_values(walk, slug):
    response, pdf = walk.pdf[slug], walk.pdfs[slug]
    bundle = data_of(walk.json[slug])
    tool = REGISTRY[slug]

    assert response.headers["Content-Type"] == "application/pdf"
    assert attachment_name(response) == (
        f"fast-track-sprint-{tool['sprint_number']:02d}-{slug}-{bundle['generated_at'][:10]}.pdf"
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert pdf.reader.metadata.author == LEADER
    assert len(pdf.pages) >= 1
    assert f"Page {len(pdf.pages)} of {len(pdf.pages)}" in pdf.pages[-1]  # @page counters
    for expected in (tool["name"], LEADER, COMPANY):  # headings may be letter-spaced capitals
        assert squeezed(expected).casefold() in squeezed(pdf.text).casefold(), expected
    if slug != "program-overview":  # the report's cover names the program, not one sprint
        assert f"Sprint {tool['sprint_number']:02d}" in pdf.text
    for output in bundle["outputs"]:
        assert normalized(output["label"]) in pdf.text, output["label"]
        for piece in fragments(output["value"]):
            assert piece in pdf.text, (output["field_id"], piece)
    for dependency in bundle["dependencies"]:
        assert normalized(dependency["label"]) in pdf.text, dependency["label"]
        for piece in fragments(dependency["value"]):
            assert piece in pdf.text, (dependency["source_tool"], dependency["field_id"], piece)
    assert "DRAFT" not in pdf.text and "not been submitted" not in pdf.text


def test_the_program_report_lists_every_sprint_in_its_contents_on_the_page_it_starts(walk):
    pdf = walk.pdfs["program-overview"]
    cover, contents = pdf.pages[0], pdf.reader.pages[1].extract_text()
    assert "Program report" in cover and COMPANY in cover and "30 of 30 sprints completed" in cover
    assert contents.startswith("Contents")

    listed = {}
    for line in contents.splitlines():
        match = re.fullmatch(r"(\d\d) (.+?) \.{3,}\s*(\d+)", line.strip())
        if match:
            listed[int(match.group(1))] = (match.group(2), int(match.group(3)))
    assert sorted(listed) == list(range(30))
    previous_page = 0
    for number, (name, page) in sorted(listed.items()):
        assert name == tools_in_sprint_order()[number]["name"]
        assert page >= previous_page  # sprint order
        assert f"Sprint {number:02d} {name}" in pdf.pages[page - 1], (number, name, page)
        previous_page = page
    # The twelve-month synthesis: program-overview's own outputs, on the page the contents give.
    synthesis = re.search(r"The next twelve months \.{3,}\s*(\d+)", contents)
    assert synthesis
    page = pdf.pages[int(synthesis.group(1)) - 1]
    for output in REGISTRY["program-overview"]["outputs"]:
        assert output["label"] in page
    for priority in SHOWCASE["program-overview"]["twelve_month_priorities"]:
        assert priority in page


# --- drafts, nothing to export, formats ------------------------------------------------------


def test_a_draft_exports_and_every_page_says_draft(live_server):
    api = live_server.client(live_server.sso_login().access_token)
    long_plan = "\n\n".join(f"Step {n}: " + "keep going " * 60 for n in range(12))  # 2+ pages
    data_of(
        api.post(
            "/api/tools/woop/data", json={"data": {"wish": "Grow", "plan": long_plan}, "version": 0}
        )
    )

    bundle = data_of(api.get("/api/tools/woop/export"))
    pdf = Pdf.of(api.get("/api/tools/woop/export?format=pdf").content)

    assert bundle["submission"]["is_draft"] is True
    assert bundle["submission"]["status"] == "draft"
    assert len(pdf.pages) >= 2
    assert "not been submitted" in pdf.pages[0]
    for page in pdf.pages:
        assert "DRAFT" in page  # the running header's mark, beside the watermark


def test_a_tool_with_nothing_saved_is_404_nothing_to_export_in_both_formats(live_server):
    api = live_server.client(live_server.sso_login().access_token)

    for path in ("/api/tools/woop/export", "/api/tools/woop/export?format=pdf"):
        response = api.get(path)
        assert response.status_code == 404
        error = error_of(response)
        assert error["code"] == "NOTHING_TO_EXPORT"
        assert "Nothing to export yet" in error["message"] and "WOOP" in error["message"]


@pytest.mark.parametrize("value", ["docx", "PDF", "pdf ", "json,pdf", "html"])
def test_an_unknown_format_is_400_before_the_database_is_asked(live_server_factory, value):
    server = live_server_factory(RATE_LIMIT_EXPORTS="1")
    api = server.client(server.sso_login().access_token)
    data_of(api.post("/api/tools/woop/data", json={"data": {"wish": "Grow"}, "version": 0}))
    wait_for_fresh_rate_window()

    for _ in range(3):
        response = api.get("/api/tools/woop/export", params={"format": value})
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "INVALID_PARAMETER"
        assert error["details"] == {"parameter": "format", "allowed": ["json", "pdf"]}
    # None of them counted: the one export a minute is still there.
    assert api.get("/api/tools/woop/export").status_code == 200


def test_json_is_the_default_format(live_server):
    api = live_server.client(live_server.sso_login().access_token)
    data_of(api.post("/api/tools/woop/data", json={"data": {"wish": "Grow"}, "version": 0}))

    default, explicit = (
        api.get("/api/tools/woop/export"),
        api.get("/api/tools/woop/export?format=json"),
    )

    assert default.headers["Content-Type"] == explicit.headers["Content-Type"]
    assert data_of(default)["answers"] == data_of(explicit)["answers"] == {"wish": "Grow"}


# --- who may export, and how often -----------------------------------------------------------


def test_a_guru_exports_a_members_pdf_and_others_get_404_or_401(live_server, conn):
    org_a, org_b = create_organization(conn, "Acme"), create_organization(conn, "Globex")
    people = {}
    for actor, role, organization in (
        ("member", "user", org_a),
        ("guru_a", "guru", None),
        ("guru_b", "guru", None),
        ("admin", "admin", None),
        ("stranger", "user", org_b),
    ):
        login = live_server.sso_login(f"lw-{actor}", f"{actor}@example.com", actor.title())
        conn.execute(
            "update shared.users set role = %s, organization_id = %s where id = %s",
            (role, organization, login.user["id"]),
        )
        people[actor] = login
    for guru, organization in (("guru_a", org_a), ("guru_b", org_b)):
        conn.execute(
            "insert into shared.organization_gurus (organization_id, user_id) values (%s, %s)",
            (organization, people[guru].user["id"]),
        )
    member = live_server.client(people["member"].access_token)
    data_of(member.post("/api/tools/woop/submit", json={"version": 0, "data": answers_for("woop")}))
    path = f"/api/users/{people['member'].user['id']}/tools/woop/export?format=pdf"

    statuses = {
        actor: live_server.request("GET", path, token=login.access_token)
        for actor, login in people.items()
    }
    anonymous = live_server.request("GET", path)

    assert {actor: r.status_code for actor, r in statuses.items()} == {
        "member": 200,
        "guru_a": 200,
        "guru_b": 404,
        "admin": 200,
        "stranger": 404,
    }
    assert anonymous.status_code == 401 and error_of(anonymous)["code"] == "UNAUTHORIZED"
    assert error_of(statuses["guru_b"])["code"] == "USER_NOT_FOUND"  # as for an unknown user
    seen_by_guru = Pdf.of(statuses["guru_a"].content)
    assert "Member" in seen_by_guru.text and "Acme" in seen_by_guru.text
    assert answers_for("woop")["wish"] in seen_by_guru.text
    unknown = f"/api/users/{uuid.uuid4()}/tools/woop/export?format=pdf"
    assert (
        live_server.request("GET", unknown, token=people["admin"].access_token).status_code == 404
    )


def test_exports_past_rate_limit_exports_a_minute_are_429_with_retry_after(live_server_factory):
    server = live_server_factory(RATE_LIMIT_EXPORTS="3")
    limit = int(server.env["RATE_LIMIT_EXPORTS"])
    busy = server.client(server.sso_login().access_token)
    calm = server.client(server.sso_login().access_token)
    for api in (busy, calm):
        data_of(api.post("/api/tools/woop/data", json={"data": {"wish": "Grow"}, "version": 0}))
    wait_for_fresh_rate_window()

    formats = ["json", "pdf", "json"][:limit]
    statuses = [busy.get(f"/api/tools/woop/export?format={f}").status_code for f in formats]
    limited = busy.get("/api/tools/woop/export?format=pdf")

    assert statuses == [200] * limit
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "RATE_LIMITED"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert busy.get("/api/tools/woop/data").status_code == 200  # only exports are limited
    assert calm.get("/api/tools/woop/export").status_code == 200  # per user


# --- answers full of markup ---------------------------------------------------------------------


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    with recording_server() as server:
        yield server


def hostile_answers(base: str) -> dict[str, Any]:
    return {
        "wish": '<img src="file:///etc/passwd">',
        "outcome": f"<link rel=stylesheet href={base}/link.css>",
        "obstacle": f'<img src="{base}/img.gif"> <style>@import url({base}/import.css);</style>',
        "plan": f'<iframe src="{base}/frame"></iframe> <object data="{base}/object"></object>',
        "notes": [
            f'<svg><image href="{base}/svg.gif"/></svg>',
            f"<div style=\"background: url('{base}/bg.gif')\">styled</div>",
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">',
            "<script>document.write('x')</script>",
        ],
        "details": {f'<img src="{base}/key.gif">': f"<a href='{base}/link'>link</a>"},
    }


def test_markup_in_answers_and_names_is_printed_as_text_and_fetches_nothing(live_server, recorder):
    base, hits = recorder
    assert requests.get(f"{base}/probe.css", timeout=5).status_code == 200  # it does record
    hits.clear()
    login = live_server.sso_login("lw-hostile", "h@example.com", f'<img src="{base}/name.gif">')
    api = live_server.client(login.access_token)
    answers = hostile_answers(base)
    data_of(api.post("/api/tools/woop/data", json={"data": answers, "version": 0}))

    response = api.get("/api/tools/woop/export?format=pdf")

    assert response.status_code == 200
    assert hits == []
    text = squeezed(Pdf.of(response.content).text)
    for piece in (
        '<img src="file:///etc/passwd">',
        f"<link rel=stylesheet href={base}/link.css>",
        f"@import url({base}/import.css);",
        f'<iframe src="{base}/frame"></iframe>',
        "<script>document.write('x')</script>",
        f'<img src="{base}/name.gif">',  # the user's name, in the cover line
        f'<img src="{base}/key.gif">',  # a key of the answers, as a row label
    ):
        assert squeezed(piece) in text, piece
    assert "root:" not in text
    data_of(api.get("/api/tools/woop/export"))  # the JSON is the data, unchanged
    assert hits == []


def test_the_program_reports_running_header_names_the_sprint_each_page_starts_in(walk):
    """Every page after the cover: its header names the sprint in progress where the page
    begins (the one continued from the page before, or the one whose heading opens the page),
    or the report itself before the first sprint. Checked page by page: pypdf gives a page's
    furniture after its flow, so in the text of the whole document each header sits in front
    of the next page's body and reads as one section behind."""
    pdf = walk.pdfs["program-overview"]
    names = {tool["sprint_number"]: tool["name"] for tool in tools_in_sprint_order()}
    heading = re.compile(r"Sprint (\d\d) (.+?) (?:COMPLETED|IN PROGRESS|NOT STARTED|LOCKED)")
    current = None  # the sprint the flow is in, page after page
    checked = 0
    for number, text in enumerate(pdf.pages[1:], start=2):
        header = re.search(r"Fast Track · (Sprint (\d\d) · .+?|Program report) " + LEADER, text)
        assert header, (number, text[:200])
        body = text[: header.start()]  # pypdf gives the flow first, the page furniture last
        starts = [int(match.group(1)) for match in heading.finditer(body)]
        # A page opens on a sprint when its first words are a module's or a sprint's heading.
        opens = squeezed(body).startswith(("MODULE", f"Sprint{starts[0]:02d}")) if starts else False
        opening = starts[0] if opens else None
        expected = opening if opening is not None else current
        wanted = (
            "Program report" if expected is None else f"Sprint {expected:02d} · {names[expected]}"
        )
        assert header.group(1) == wanted, (number, header.group(1), body[:120])
        checked += expected is not None
        current = starts[-1] if starts else current
    assert checked == len(pdf.pages) - 4  # every page after the cover, contents, synthesis, glance
