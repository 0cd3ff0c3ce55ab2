"""The team report of a tool (JSON and PDF) and the organization's archive over HTTP: the team
view as the meeting's document with its decision and action items, who may have it, the
anonymous rule, bounds, and the archive counted as one export."""

from __future__ import annotations

import functools
import io
import json
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import test_coaching
from live_http import data_of, error_of, wait_for_fresh_rate_window
from test_exports import Pdf, squeezed

from support.program import answers_for, call, tool

team = test_coaching.team  # organization A (Acme) with three members, its guru, others


@pytest.fixture
def live_server_factory(live_server_factory):
    """These tests read the reports rendered while the request waits
    (EXPORT_BACKGROUND_REPORTS=false); rendered by the worker: tests/http/test_export_jobs.py."""
    return functools.partial(live_server_factory, EXPORT_BACKGROUND_REPORTS="false")


def cash(position: int, lever: str, rows: int, marker: str) -> dict[str, Any]:
    data = answers_for("cash", marker=marker)
    data["cash_position"] = position
    data["cash_levers"] = [lever, *data["cash_levers"][1:]]
    data["cash_forecast"] = data["cash_forecast"][:rows]
    return data


def save(live_server, token: str, slug: str, data: dict[str, Any], submit: bool = False) -> None:
    path = f"/api/tools/{slug}/{'submit' if submit else 'data'}"
    data_of(live_server.request("POST", path, token=token, json={"data": data, "version": 0}))


def person(conn, user_id: str) -> dict[str, Any]:
    return conn.execute(
        "select email, full_name from shared.users where id = %s", (user_id,)
    ).fetchone()


def prepared(live_server, team) -> dict[str, Any]:
    """Cash saved by two members (one submitted), the decision, an action item, a meeting."""
    t, org = team.tokens, team.ids["org_a"]
    saves = {
        "member1": cash(100, "Invoice faster", 4, " one"),
        "member2": cash(300, "Cut stock", 2, " two"),
    }
    save(live_server, t["member1"], "cash", saves["member1"], submit=True)
    save(live_server, t["member2"], "cash", saves["member2"])
    agreed = cash(200, "Invoice faster", 3, " agreed")
    base = f"/api/organizations/{org}/tools/cash"
    guru = t["guru_a"]
    data_of(
        live_server.request(
            "PUT", base + "/decision", token=guru, json={"data": agreed, "version": 0}
        )
    )
    due = (date.today() + timedelta(days=9)).isoformat()
    task = {"task": "Chase the three oldest invoices", "owner_id": team.ids["member2"], "due": due}
    item = data_of(live_server.request("POST", base + "/action-items", token=guru, json=task), 201)
    meeting_at = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0).isoformat()
    data_of(
        live_server.request("PUT", base + "/schedule", token=guru, json={"meeting_at": meeting_at})
    )
    return {"saves": saves, "agreed": agreed, "item": item, "base": base}


def test_the_team_report_is_the_team_view_with_the_meeting_decision_and_action_items(
    live_server, team
):
    t = team.tokens
    ready = prepared(live_server, team)
    response = live_server.request("GET", ready["base"] + "/team/export", token=t["guru_a"])
    report = data_of(response)
    view = data_of(live_server.request("GET", ready["base"] + "/team", token=t["guru_a"]))

    assert report["document"] == "team_report" and report["format_version"] == 1
    day = report["generated_at"][:10]
    assert re.fullmatch(
        rf'attachment; filename="fast-track-team-acme-[a-z0-9]+-sprint-06-cash-{day}\.json"',
        response.headers["Content-Disposition"],
    )
    # the team view itself, computed once by SQL, with each table's declared columns beside it
    assert report["readiness"] == view["readiness"]
    assert [{k: v for k, v in f.items() if k != "columns"} for f in report["fields"]] == view[
        "fields"
    ]
    forecast = next(f for f in report["fields"] if f["field_id"] == "cash_forecast")
    assert [c["key"] for c in forecast["columns"]] == [
        c["key"] for c in tool("cash")["outputs"][3]["columns"]
    ]
    position = next(f for f in report["fields"] if f["field_id"] == "cash_position")
    assert sorted(a["value"] for a in position["answers"]) == [100, 300]
    # what the meeting adds: the decision by output, the tool's action items, the meeting
    decision = report["decision"]
    assert decision["version"] == 1 and decision["decided_by"]["id"] == team.ids["guru_a"]
    assert {o["field_id"]: o["value"] for o in decision["outputs"]} == ready["agreed"]
    assert report["action_items"] == [ready["item"]]
    schedule = data_of(
        live_server.request(
            "GET", f"/api/organizations/{team.ids['org_a']}/schedule", token=t["guru_a"]
        )
    )
    assert report["meeting"] == schedule[0]
    assert report["organization"]["name"] == "Acme"

    # who may: as the team view (its gurus and admins; members and others: 404)
    for who in ("member1", "guru_region", "outsider"):
        refused = live_server.request("GET", ready["base"] + "/team/export", token=t[who])
        assert refused.status_code == 404 and error_of(refused)["code"] == "ORGANIZATION_NOT_FOUND"
    assert (
        live_server.request("GET", ready["base"] + "/team/export", token=t["admin"]).status_code
        == 200
    )
    # bad input: the other exports' answers
    bad = live_server.request("GET", ready["base"] + "/team/export?format=docx", token=t["guru_a"])
    assert bad.status_code == 400 and error_of(bad)["code"] == "INVALID_PARAMETER"
    unknown = f"/api/organizations/{team.ids['org_a']}/tools/no-such-tool/team/export"
    missing = live_server.request("GET", unknown, token=t["guru_a"])
    assert missing.status_code == 404 and error_of(missing)["code"] == "TOOL_NOT_FOUND"


def test_the_team_report_pdf_prints_readiness_answers_charts_decision_and_action_items(
    live_server, conn, team
):
    t = team.tokens
    ready = prepared(live_server, team)
    response = live_server.request(
        "GET", ready["base"] + "/team/export?format=pdf", token=t["guru_a"]
    )
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('.pdf"')
    pdf = Pdf.of(response.content)
    text = squeezed(pdf.text).casefold()
    names = {
        who: person(conn, team.ids[who])["full_name"] for who in ("member1", "member2", "member3")
    }
    for expected in (
        "Cash",
        "Acme",
        "Readiness",
        "1 of 3 submitted",
        "who to nudge",
        names["member2"],
        names["member3"],  # not started: to nudge
        "Invoice faster",
        ready["saves"]["member2"]["cash_levers"][1],
        "Median",
        "200",  # the median of 100 and 300
        "The team's decision",
        "Version 1",
        ready["agreed"]["cash_levers"][1],
        "Chase the three oldest invoices",
    ):
        assert squeezed(expected).casefold() in text, expected
    assert f"Page {len(pdf.pages)} of {len(pdf.pages)}" in pdf.pages[-1]


def test_an_anonymous_tool_names_no_one_in_its_report(live_server, conn, team):
    t = team.tokens
    example = tool("fit-abc-analysis")["example"]
    path = f"/api/organizations/{team.ids['org_a']}/tools/fit-abc-analysis/team/export"
    call(conn, "update_progress", team.ids["member1"], "fit-abc-analysis", "unlocked")
    save(live_server, t["member1"], "fit-abc-analysis", example)
    report = data_of(live_server.request("GET", path, token=t["guru_a"]))
    assert report["anonymous"] is True
    assert all(f["hidden"] and "answers" not in f for f in report["fields"])
    pdf = Pdf.of(live_server.request("GET", path + "?format=pdf", token=t["guru_a"]).content)
    assert "too few answers to show: at least 3" in pdf.text.casefold()
    for who in ("member2", "member3"):
        call(conn, "update_progress", team.ids[who], "fit-abc-analysis", "unlocked")
        save(live_server, t[who], "fit-abc-analysis", example)
    shown = data_of(live_server.request("GET", path, token=t["guru_a"]))["fields"]
    assert all(
        not f["hidden"] and all(set(a) == {"value", "submitted"} for a in f["answers"])
        for f in shown
    )


def test_a_big_team_report_is_bounded_not_a_500(live_server_factory, live_server, conn, team):
    """300 members answering WOOP: the PDF shows 100 answers per output and says so. (About 4 s
    of CPU: the render deadline is raised so a busy machine's wall clock cannot fail it.)"""
    org = team.ids["org_a"]
    conn.execute(
        "insert into shared.users (lms_user_id, email, full_name, organization_id)"
        " select 'lms-big-' || n, 'big' || n || '@example.com', 'Member ' || n, %s"
        " from generate_series(1, 300) as n",
        (org,),
    )
    wish = "W" * 3000  # longer than a table cell shows
    conn.execute(
        "select shared.save_draft('woop', u.id, jsonb_build_object('wish', %s::text || u.email), 0)"
        " from shared.users as u where u.email like 'big%%@example.com'",
        (wish,),
    )
    path = f"/api/organizations/{org}/tools/woop/team/export"
    report = data_of(live_server.request("GET", path, token=team.tokens["guru_a"]))
    assert next(f for f in report["fields"] if f["field_id"] == "wish")["respondents"] == 300
    patient = live_server_factory(EXPORT_RENDER_SECONDS="120")
    response = patient.request("GET", path + "?format=pdf", token=team.tokens["guru_a"])
    assert response.status_code == 200, response.text[:300]
    text = Pdf.of(response.content).text
    assert "200 more answers left out" in text
    assert "more characters left out" in text


def unzip(response) -> dict[str, Any]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"] == "application/zip"
    assert re.fullmatch(
        r'attachment; filename="fast-track-organization-acme-[a-z0-9]+-\d{4}-\d{2}-\d{2}\.zip"',
        response.headers["Content-Disposition"],
    )
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        return {
            name: archive.read(name) if name.endswith(".pdf") else json.loads(archive.read(name))
            for name in archive.namelist()
        }


def test_the_organization_archive_holds_every_export_counted_as_one(
    live_server_factory, live_server, conn, team
):
    t = team.tokens
    prepared(live_server, team)
    save(live_server, t["member3"], "woop", answers_for("woop", marker=" three"), submit=True)
    call(conn, "update_progress", team.ids["member1"], "fit", "unlocked")
    save(live_server, t["member1"], "fit", tool("fit")["example"])
    call(conn, "update_progress", team.ids["member1"], "fit-abc-analysis", "unlocked")
    save(live_server, t["member1"], "fit-abc-analysis", tool("fit-abc-analysis")["example"])
    limited = live_server_factory(RATE_LIMIT_EXPORTS="2")
    path = f"/api/organizations/{team.ids['org_a']}/export"
    wait_for_fresh_rate_window(30)

    files = unzip(limited.request("GET", path, token=t["guru_a"]))
    # ONE export, however many files: a limit of two leaves room for exactly one more
    assert (
        limited.request(
            "GET", path.replace("/export", "/tools/cash/team/export"), token=t["guru_a"]
        ).status_code
        == 200
    )
    refused = limited.request("GET", path, token=t["guru_a"])
    assert refused.status_code == 429 and error_of(refused)["code"] == "RATE_LIMITED"

    manifest = files.pop("manifest.json")
    assert {f["path"] for f in manifest["files"]} == set(files)
    assert {p for p in files if p.startswith("team/")} == {
        f"team/sprint-{n:02d}-{slug}.{ext}"
        for n, slug in ((0, "woop"), (5, "fit"), (6, "cash"), (24, "fit-abc-analysis"))
        for ext in ("json", "pdf")
    }
    assert all(files[p].startswith(b"%PDF-") for p in files if p.endswith(".pdf"))
    # every member's export of every tool they saved, as the per-user export answers it
    members = {p for p in files if p.startswith("members/")}
    emails = {
        who: person(conn, team.ids[who])["email"] for who in ("member1", "member2", "member3")
    }
    assert members == {
        f"members/{emails['member1']}/sprint-06-cash.json",
        f"members/{emails['member1']}/sprint-05-fit.json",
        f"members/{emails['member2']}/sprint-06-cash.json",
        f"members/{emails['member3']}/sprint-00-woop.json",
    }
    one = data_of(
        live_server.request(
            "GET", f"/api/users/{team.ids['member2']}/tools/cash/export", token=t["guru_a"]
        )
    )
    archived = files[f"members/{emails['member2']}/sprint-06-cash.json"]
    assert {**archived, "generated_at": None} == {**one, "generated_at": None}
    # anonymous: an anonymous output is withheld, an anonymous tool's member export left out
    fit = files[f"members/{emails['member1']}/sprint-05-fit.json"]
    scores = next(o for o in fit["outputs"] if o["field_id"] == "fit_scores")
    assert (
        scores["value"] is None
        and scores["withheld"] is True
        and "fit_scores" not in fit["answers"]
    )
    assert [(e["user"]["id"], e["tool"]["slug"]) for e in manifest["anonymous_left_out"]] == [
        (team.ids["member1"], "fit-abc-analysis")
    ]
    assert manifest["left_out"] == [] and manifest["pdf_left_out"] == []
    assert files["team/sprint-06-cash.json"]["readiness"]["submitted"] == 1

    # who may: as the team view
    for who in ("member1", "guru_region", "outsider"):
        assert live_server.request("GET", path, token=t[who]).status_code == 404
    assert live_server.request("GET", path, token=t["admin"]).status_code == 200


def test_the_archive_bounds_leave_out_what_does_not_fit_and_list_it(live_server, conn, team):
    t = team.tokens
    prepared(live_server, team)
    save(live_server, t["member3"], "woop", answers_for("woop"))
    export = conn.execute(
        "select shared.organization_export(o, 3, 100000000, 3) as e from shared.organizations as o"
        " where o.id = %s",
        (team.ids["org_a"],),
    ).fetchone()["e"]
    assert len(export["team_reports"]) == 2  # woop and cash: first, they are the meeting's
    assert len(export["member_exports"]) == 1
    assert export["left_out_count"] == 2 == len(export["left_out"])
    assert {e["kind"] for e in export["left_out"]} == {"member_export"}


def test_the_archive_size_counts_the_documents_without_their_clock_stamps(live_server, conn, team):
    # generated_at's text is 25 to 32 characters as the clock's microseconds fall: counted, it
    # changed the archive's figures (and its render fingerprint) between two equal requests
    prepared(live_server, team)
    row = conn.execute(
        "select (e -> 'limits' ->> 'bytes')::bigint as counted,"
        "       (select sum(octet_length((d - 'generated_at')::text))"
        "          from jsonb_array_elements((e -> 'team_reports') || (e -> 'member_exports'))"
        "               as d) as content,"
        "       jsonb_array_length(e -> 'member_exports') as members"
        "  from (select shared.organization_export(o, 3, 100000000, 100) as e"
        "          from shared.organizations as o where o.id = %s) as archive",
        (team.ids["org_a"],),
    ).fetchone()
    assert row["members"] > 0 and row["counted"] == row["content"]
