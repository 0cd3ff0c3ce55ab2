"""The program report's PDF as a background job: 202 and a job to poll, the worker's renderer
rendering it, reuse until the data changes, one render per user and document, jobs that are the
requester's own, failures with their reason, and claims two workers never share."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from io import BytesIO
from typing import Any

import psycopg
import pytest
import test_coaching
from background_exports import poll, renderers
from live_http import count_rows, data_of, error_of
from pypdf import PdfReader
from test_team_report import prepared
from test_worker import REPO, Receiver, worker_env

from fasttrack.settings import Settings
from fasttrack.worker import Worker
from support.program import answers_for, create_organization

REPORT = "/api/tools/program-overview/export?format=pdf"
team = test_coaching.team  # organization A (Acme), its members and gurus (test_coaching.py)


@pytest.fixture
def start_renderer(database_url, direct_database_url):
    with renderers(database_url, direct_database_url) as start:
        yield start


def report_writer(live_server, conn, name: str, *, marker: str = "") -> tuple[Any, Any]:
    """A user who saved a draft of the program report (the tool opened by hand)."""
    login = live_server.sso_login(f"lw-{name}", f"{name}@example.com", name.title())
    conn.execute(
        "update shared.user_progress set status = 'unlocked'"
        " where user_id = %s and tool_slug = 'program-overview'",
        (login.user["id"],),
    )
    api = live_server.client(login.access_token)
    draft = answers_for("program-overview", marker=marker)
    data_of(api.post("/api/tools/program-overview/data", json={"version": 0, "data": draft}))
    return login, api


def pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF-"), body[:20]
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(body)).pages)


def job_row(conn, job_id: str) -> dict[str, Any]:
    return conn.execute(
        "select status, attempts, rendered_by, error_code, bundle is null as no_bundle"
        " from shared.export_jobs where id = %s",
        (job_id,),
    ).fetchone()


def test_the_report_is_202_then_rendered_by_the_worker_and_downloaded(
    live_server, conn, start_renderer
):
    _login, api = report_writer(live_server, conn, "maria", marker="Harbor")
    accepted = api.get(REPORT)
    job = data_of(accepted, 202)
    assert accepted.headers["Location"] == f"/api/exports/{job['id']}"
    assert int(accepted.headers["Retry-After"]) >= 1
    assert job["status"] == "pending" and job["download_url"] is None
    assert data_of(api.get(accepted.headers["Location"]))["status"] == "pending"
    early = api.get(f"/api/exports/{job['id']}/file")
    assert early.status_code == 409 and error_of(early)["code"] == "EXPORT_NOT_READY"

    renderer = start_renderer()
    done = poll(api, accepted.headers["Location"])
    assert done["status"] == "done" and done["error"] is None
    assert done["download_url"] == f"/api/exports/{job['id']}/file"
    download = api.get(done["download_url"])
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{done["filename"]}"'
    assert done["filename"].startswith("fast-track-sprint-30-program-overview-")
    assert done["byte_size"] == len(download.content)
    priority = answers_for("program-overview", marker="Harbor")["twelve_month_priorities"][0]
    assert " ".join(str(priority).split()[:2]) in " ".join(pdf_text(download.content).split())
    row = job_row(conn, job["id"])
    assert (row["attempts"], row["rendered_by"], row["no_bundle"]) == (1, renderer.worker_id, True)

    # A small tool's PDF stays synchronous.
    data_of(api.post("/api/tools/woop/data", json={"version": 0, "data": answers_for("woop")}))
    woop = api.get("/api/tools/woop/export?format=pdf")
    assert woop.status_code == 200 and woop.content.startswith(b"%PDF-")
    assert count_rows(conn, "shared.export_jobs") == 1


def test_a_render_is_reused_until_the_data_it_shows_changes(live_server, conn, start_renderer):
    login, api = report_writer(live_server, conn, "lena")
    start_renderer()
    first = data_of(api.get(REPORT), 202)
    poll(api, f"/api/exports/{first['id']}")
    rendered = api.get(f"/api/exports/{first['id']}/file").content

    again = api.get(REPORT)
    assert again.status_code == 200 and again.content == rendered  # the same render, at once
    assert count_rows(conn, "shared.export_jobs") == 1

    # The report's own answers change: a new render.
    changed = answers_for("program-overview", marker="Changed")
    data_of(api.post("/api/tools/program-overview/data", json={"version": 1, "data": changed}))
    second = data_of(api.get(REPORT), 202)
    assert second["id"] != first["id"]
    assert poll(api, f"/api/exports/{second['id']}")["status"] == "done"

    # Something else it shows changes (the name on its cover): a new render too.
    conn.execute(
        "update shared.users set full_name = 'Lena Berg' where id = %s", (login.user["id"],)
    )
    third = data_of(api.get(REPORT), 202)
    assert third["id"] not in (first["id"], second["id"])
    assert poll(api, f"/api/exports/{third['id']}")["status"] == "done"
    assert "Lena Berg" in pdf_text(api.get(f"/api/exports/{third['id']}/file").content)
    # Only the newest render of a document is kept.
    kept = conn.execute("select id from shared.export_jobs").fetchall()
    assert [str(row["id"]) for row in kept] == [third["id"]]


def test_one_render_per_user_and_document_at_a_time(live_server, conn):
    member, _api = report_writer(live_server, conn, "nora")
    _other, other_api = report_writer(live_server, conn, "omar")
    answers: list[Any] = []
    start = threading.Barrier(6)

    def ask() -> None:
        start.wait()
        answers.append(live_server.request("GET", REPORT, token=member.access_token))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = {data_of(answer, 202)["id"] for answer in answers}
    assert len(ids) == 1  # six requests at once joined one job
    theirs = data_of(other_api.get(REPORT), 202)["id"]
    assert theirs not in ids
    pending = conn.execute(
        "select requested_by, count(*) as n from shared.export_jobs"
        " where status = 'pending' group by requested_by"
    ).fetchall()
    assert sorted(row["n"] for row in pending) == [1, 1]


def test_jobs_are_the_requesters_own_and_authorized_like_the_export(live_server, conn):
    organization = create_organization(conn, "Acme")
    member, api = report_writer(live_server, conn, "pia")
    conn.execute(
        "update shared.users set organization_id = %s where id = %s",
        (organization, member.user["id"]),
    )
    people = {}
    for actor, role in (("guru_a", "guru"), ("guru_b", "guru"), ("stranger", "user")):
        login = live_server.sso_login(f"lw-{actor}", f"{actor}@example.com", actor.title())
        conn.execute("update shared.users set role = %s where id = %s", (role, login.user["id"]))
        people[actor] = login
    conn.execute(
        "insert into shared.organization_gurus (organization_id, user_id) values (%s, %s)",
        (organization, people["guru_a"].user["id"]),
    )
    job = data_of(api.get(REPORT), 202)

    for path in (
        f"/api/exports/{job['id']}",
        f"/api/exports/{job['id']}/file",
        f"/api/exports/{uuid.uuid4()}",
    ):
        refused = live_server.request("GET", path, token=people["stranger"].access_token)
        assert refused.status_code == 404 and error_of(refused)["code"] == "EXPORT_JOB_NOT_FOUND"
    assert live_server.request("GET", f"/api/exports/{job['id']}").status_code == 401

    members_report = f"/api/users/{member.user['id']}/tools/program-overview/export?format=pdf"
    unseen = live_server.request("GET", members_report, token=people["guru_b"].access_token)
    assert unseen.status_code == 404 and error_of(unseen)["code"] == "USER_NOT_FOUND"
    guru_job = data_of(
        live_server.request("GET", members_report, token=people["guru_a"].access_token), 202
    )
    assert guru_job["id"] != job["id"]  # the guru's own job, of the member's document
    assert guru_job["document"] == job["document"]
    assert count_rows(conn, "shared.export_jobs") == 2


def test_a_failed_render_is_reported_with_its_reason(live_server, conn, start_renderer):
    _login, api = report_writer(live_server, conn, "ruth")
    start_renderer(RENDER_JOB_SECONDS="0.001")  # no render can finish in a millisecond
    job = data_of(api.get(REPORT), 202)
    failed = poll(api, f"/api/exports/{job['id']}")
    assert failed["status"] == "failed" and failed["download_url"] is None
    assert (
        failed["error"]["code"] == "EXPORT_TIMEOUT" and "format=json" in failed["error"]["message"]
    )
    refused = api.get(f"/api/exports/{job['id']}/file")
    assert refused.status_code == 409 and error_of(refused)["details"]["status"] == "failed"
    retry = data_of(api.get(REPORT), 202)  # a failure is not reused: asking again renders again
    assert retry["id"] != job["id"] and retry["status"] == "pending"


def test_two_workers_never_render_the_same_job(live_server, conn, start_renderer):
    clients = [report_writer(live_server, conn, f"user{n}")[1] for n in range(6)]
    jobs = [data_of(api.get(REPORT), 202)["id"] for api in clients]
    first, second = start_renderer(RENDER_JOBS="2"), start_renderer(RENDER_JOBS="2")
    for api, job in zip(clients, jobs, strict=True):
        assert poll(api, f"/api/exports/{job}")["status"] == "done"
    rows = [job_row(conn, job) for job in jobs]
    assert all(row["attempts"] == 1 for row in rows)  # each claimed once
    assert {row["rendered_by"] for row in rows} <= {first.worker_id, second.worker_id}


# -- claims and leases, at the database ----------------------------------------------------


def claim(conn, worker: str, lease: int = 60, max_attempts: int = 3) -> Any:
    return conn.execute(
        "select api.worker_claim_export_job(%s, %s, %s) as job", (worker, lease, max_attempts)
    ).fetchone()["job"]


def test_claims_skip_a_job_another_worker_is_claiming_and_a_dead_workers_job_is_taken_again(
    live_server, conn, direct_database_url
):
    for name in ("sam", "tia"):
        _, api = report_writer(live_server, conn, name)
        data_of(api.get(REPORT), 202)
    with (
        psycopg.connect(direct_database_url) as one,
        psycopg.connect(direct_database_url) as two,
    ):
        mine = one.execute("select api.worker_claim_export_job('one', 1, 2)").fetchone()[0]
        theirs = two.execute("select api.worker_claim_export_job('two', 60, 2)").fetchone()[0]
        assert mine["id"] != theirs["id"]  # the first claim's row was skipped, not waited for
        one.commit()
        two.commit()
    assert claim(conn, "three") is None  # both are leased

    time.sleep(1.2)  # worker one "died": its lease ends
    again = claim(conn, "three", lease=1, max_attempts=2)
    assert again["id"] == mine["id"] and again["attempts"] == 2
    with pytest.raises(psycopg.Error, match="no longer holds"):
        conn.execute(
            "select api.worker_export_job_done(%s, 'one', '\\x25504446'::bytea, 'x.pdf')",
            (mine["id"],),
        )
    time.sleep(1.2)  # interrupted again: given up at the next claim
    assert claim(conn, "four", max_attempts=2) is None
    assert job_row(conn, mine["id"])["error_code"] == "RENDER_ABANDONED"


# -- the worker process ----------------------------------------------------------------------


def test_the_worker_delivers_events_while_it_renders(
    live_server, conn, database_url, direct_database_url
):
    receiver = Receiver()
    env = {"DATABASE_DIRECT_URL": direct_database_url, "RENDER_POLL_SECONDS": "0.2"}
    worker = Worker(
        database_url, Settings.from_env(worker_env(database_url, [receiver.url], **env))
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        _, api = report_writer(live_server, conn, "vera")
        job = data_of(api.get(REPORT), 202)
        deadline = time.monotonic() + 30
        while job_row(conn, job["id"])["attempts"] == 0:  # wait until the render has begun
            assert time.monotonic() < deadline, "the worker never took the job"
            time.sleep(0.02)
        data_of(
            api.post("/api/tools/woop/submit", json={"version": 0, "data": answers_for("woop")})
        )
        receiver.wait_for_requests(1)
        assert job_row(conn, job["id"])["status"] == "pending"  # the event did not wait for it
        assert poll(api, f"/api/exports/{job['id']}")["status"] == "done"
        assert job_row(conn, job["id"])["rendered_by"] == worker.worker_id
    finally:
        worker.stop()
        thread.join(30)
        receiver.close()
    assert not thread.is_alive()


def test_the_worker_command_without_receivers_renders_and_stops_on_sigterm(
    live_server, conn, database_url
):
    _, api = report_writer(live_server, conn, "will")
    job = data_of(api.get(REPORT), 202)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=REPO,
        env={**os.environ, **worker_env(database_url, []), "RENDER_POLL_SECONDS": "0.2"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert poll(api, f"/api/exports/{job['id']}")["status"] == "done"
    finally:
        process.send_signal(signal.SIGTERM)
        _, logs = process.communicate(timeout=30)
    assert process.returncode == 0, logs
    assert "export rendered" in logs and "renderer stopped" in logs


# -- the team report and the organization's archive ----------------------------------------


def test_the_team_report_and_the_organizations_archive_are_jobs_too(
    live_server, team, start_renderer
):
    guru = live_server.client(team.tokens["guru_a"])
    report_path = prepared(live_server, team)["base"] + "/team/export?format=pdf"
    refused = live_server.request("GET", report_path, token=team.tokens["member1"])
    assert refused.status_code == 404 and error_of(refused)["code"] == "ORGANIZATION_NOT_FOUND"
    start_renderer()

    accepted = guru.get(report_path)
    assert data_of(accepted, 202)["kind"] == "team_report"
    done = poll(guru, accepted.headers["Location"])
    assert done["status"] == "done" and done["filename"].startswith("fast-track-team-acme-")
    pdf = guru.get(done["download_url"])
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    again = guru.get(report_path)  # nothing changed: the same render at once
    assert again.status_code == 200 and again.content == pdf.content

    archive_path = f"/api/organizations/{team.ids['org_a']}/export"
    accepted = guru.get(archive_path)
    assert data_of(accepted, 202)["kind"] == "organization_export"
    done = poll(guru, accepted.headers["Location"])
    assert done["status"] == "done" and done["filename"].endswith(".zip")
    archive = guru.get(done["download_url"])
    assert archive.headers["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(BytesIO(archive.content)).namelist()
    assert "manifest.json" in names and "team/sprint-06-cash.pdf" in names
    # generated_at differs in each member's export it holds; the archive is reused all the same
    assert guru.get(archive_path).content == archive.content
