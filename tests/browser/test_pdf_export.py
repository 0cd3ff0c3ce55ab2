"""PDF exports from a tool page in real Chromium: a small tool's PDF at once (the page's
Download PDF button), the program report through its background job (202, polled with backoff,
progress told to the page, downloaded when done, reused while the data holds) and a failed
render surfaced as an ExportError with the reason's code."""

from __future__ import annotations

import psycopg
import requests
from background_exports import renderers
from playwright.sync_api import Page, expect
from service_process import ServiceProcess
from test_tool_pages import WOOP, sign_in, token_of, wait_state

from support.program import answers_for

REPORT = "/api/tools/program-overview/export?format=pdf"
# In the page: the client's exportPdf on the report, its steps and what it resolved or threw.
EXPORT_REPORT = """async (path) => {
  const page = document.querySelector("form[data-ft-tool]").fastTrack;
  const steps = [];
  try {
    const onProgress = (p) => steps.push(p.state);
    const got = await page.client.exportPdf(path, { pollMs: 200, onProgress });
    const head = new Uint8Array(await got.blob.slice(0, 5).arrayBuffer());
    const job = got.job?.status ?? null;
    return { steps, filename: got.filename, head: String.fromCharCode(...head), job };
  } catch (error) {
    return { steps, failed: error.name, code: error.code, message: error.message };
  }
}"""


def test_a_small_tools_pdf_downloads_from_the_page_at_once(
    running: ServiceProcess, page: Page, email: str
) -> None:
    sign_in(page, running, email)
    for field in ("wish", "outcome", "plan"):
        page.get_by_label(field.capitalize()).fill(WOOP[field])
    wait_state(page, "saved")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    assert download.value.suggested_filename.startswith("fast-track-sprint-00-woop-")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    expect(page.locator("[data-ft-export-status]")).to_have_text("PDF downloaded")


def test_the_program_report_is_polled_to_done_with_progress_then_reused_then_a_failure_shown(
    running: ServiceProcess, page: Page, email: str
) -> None:
    sign_in(page, running, email)
    token = token_of(page)
    user_id = page.evaluate("document.querySelector('form').fastTrack.client.userId")
    with psycopg.connect(running.database_url, autocommit=True) as conn:
        conn.execute(
            "update shared.user_progress set status = 'unlocked'"
            " where user_id = %s and tool_slug = 'program-overview'",
            (user_id,),
        )
    headers = {"Authorization": f"Bearer {token}"}

    def save(version: int, marker: str) -> None:
        body = {"version": version, "data": answers_for("program-overview", marker=marker)}
        saved = requests.post(
            f"{running.base_url}/api/tools/program-overview/data",
            json=body,
            headers=headers,
            timeout=10,
        )
        assert saved.status_code == 200, saved.text

    save(0, "First")
    with renderers(running.database_url, running.database_url) as start_renderer:
        start_renderer()
        rendered = page.evaluate(EXPORT_REPORT, REPORT)
        assert rendered["head"] == "%PDF-" and rendered["job"] == "done", rendered
        assert rendered["filename"].startswith("fast-track-sprint-30-program-overview-")
        steps = rendered["steps"]
        assert steps[0] == "requested" and steps[-2:] == ["downloading", "done"], steps
        assert "rendering" in steps

        again = page.evaluate(EXPORT_REPORT, REPORT)  # the same data: the render, at once
        assert again["steps"] == ["requested", "done"] and again["job"] is None, again

    save(1, "Second")
    with renderers(running.database_url, running.database_url) as start_renderer:
        start_renderer(RENDER_JOB_SECONDS="0.001")
        failed = page.evaluate(EXPORT_REPORT, REPORT)
    assert failed["code"] == "EXPORT_TIMEOUT" and "format=json" in failed["message"], failed
