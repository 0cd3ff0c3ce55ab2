"""Bounds on what a PDF export may cost, over HTTP on a real database: an answer that once took
half a minute renders in seconds and says what it laid out differently or left out, and a
render past the time limit is stopped and answered with a clear 503."""

from __future__ import annotations

import re
import time
import unicodedata
from io import BytesIO

from live_http import data_of, error_of
from pypdf import PdfReader


def pdf_text(body: bytes) -> str:
    pages = PdfReader(BytesIO(body)).pages
    text = " ".join(page.extract_text() for page in pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


def test_120_rows_whose_keys_all_differ_render_quickly_and_say_how_they_were_laid_out(
    live_server,
):
    api = live_server.client(live_server.sso_login().access_token)
    answers = {
        "wish": "Grow",
        "t": [{f"k{n}": 1} for n in range(120)],  # a 120 x 120 table took 33 s
        "rows": [{"a": n, "b": n, "c": n} for n in range(300)],
        "plan": "word " * 5_000,
    }
    data_of(api.post("/api/tools/woop/data", json={"data": answers, "version": 0}))

    started = time.monotonic()
    response = api.get("/api/tools/woop/export?format=pdf")
    elapsed = time.monotonic() - started

    assert response.status_code == 200, response.text[:300]
    assert elapsed < 15, elapsed  # about 1 s on an idle machine
    text = pdf_text(response.content)
    assert "K0: 1" in text and "K119: 1" in text  # every row, as a line of text
    assert "Shown as text, one row per line: 120 columns do not fit a page as a table." in text
    assert "100 more rows left out (a page shows no more; the JSON export has them all)" in text
    assert "more characters left out (the JSON export has the whole text)" in text
    assert data_of(api.get("/api/tools/woop/export"))["answers"] == answers  # JSON: everything


def test_a_render_past_the_time_limit_is_stopped_and_answered_503_export_timeout(
    live_server_factory,
):
    hurried = live_server_factory(EXPORT_RENDER_SECONDS="0.001")  # no render finishes this fast
    api = hurried.client(hurried.sso_login().access_token)
    data_of(api.post("/api/tools/woop/data", json={"data": {"wish": "Grow"}, "version": 0}))

    started = time.monotonic()
    response = api.get("/api/tools/woop/export?format=pdf")

    assert time.monotonic() - started < 5
    error = error_of(response)
    assert response.status_code == 503
    assert error["code"] == "EXPORT_TIMEOUT"
    assert "took longer than 0.001 s" in error["message"] and "format=json" in error["message"]
    assert response.headers["Retry-After"] == "10"
    # nothing left stuck: a server with the default limit, in the same process, renders it
    patient = live_server_factory()
    again = patient.client(patient.sso_login().access_token)
    data_of(again.post("/api/tools/woop/data", json={"data": {"wish": "Grow"}, "version": 0}))
    assert again.get("/api/tools/woop/export?format=pdf").status_code == 200
