"""A person's data in SQL: the export holds everything about them, the erasure leaves nothing of
them in any column of any table (searched from the catalog), keeps the history anonymised,
touches no one else, and a second erasure answers that it is done."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import psycopg
import pytest

from support import connect
from support.person import OPEN_TOOLS, Person, api, busy_person, new_person, tables_holding
from support.program import create_organization


@pytest.fixture
def people(conn: psycopg.Connection) -> dict[str, Any]:
    organization_id = create_organization(conn, "Harbor")
    admin = new_person(conn, role="admin")
    person = busy_person(conn, admin, organization_id)
    bystander = busy_person(conn, admin, organization_id)
    return {"admin": admin, "person": person, "bystander": bystander, "org": organization_id}


def export(conn: psycopg.Connection, user_id: Any) -> dict[str, Any]:
    return conn.execute("select shared.person_data_export(%s) as e", (user_id,)).fetchone()["e"]


def erase(conn: psycopg.Connection, user_id: Any, reason: str | None = None) -> dict[str, Any]:
    return conn.execute("select shared.erase_user(%s, %s) as r", (user_id, reason)).fetchone()["r"]


def without_time(files: dict[str, Any]) -> dict[str, Any]:
    return {name: content for name, content in files.items() if name != "README.txt"}


# --- export ------------------------------------------------------------------------------------


def test_the_export_has_every_source_with_a_readme_describing_each_file(conn, people):
    person: Person = people["person"]
    files = export(conn, person.id)["files"]

    expected = {
        "README.txt",
        "account.json",
        "progress.json",
        "progress_history.json",
        "field_values.json",
        "ai_requests.json",
        "events.json",
        "audit.json",
        "sessions.json",
        "lms.json",
        "rate_limits.json",
        "coaching.json",
        "activity.json",
        "gamification.json",
        "export_jobs.json",
    } | {f"submissions/{slug}.json" for slug in OPEN_TOOLS}
    assert set(files) == expected  # tools never saved have no file
    readme = files["README.txt"]
    for name in expected - {"README.txt"}:
        assert name in readme
    assert "Not in this archive: awards" in readme
    coaching = files["coaching.json"]
    assert [item["task"] for item in coaching["action_items"]] == [
        f"Call the bank about the loan {person.marker}"
    ]
    assert len(coaching["coached_groups"]) == 1
    assert [m["tool_slug"] for m in coaching["meetings_scheduled"]] == ["woop"]
    assert [v["version"] for v in coaching["meeting_notes_written"]] == [1]

    assert files["account.json"]["user"]["email"] == person.email
    assert files["account.json"]["organization"]["id"] == str(people["org"])
    assert len(files["progress.json"]) == 31
    assert files["lms.json"]["lms_user_id"] == person.lms_user_id
    assert len(files["lms.json"]["webhook_events"]) == 1
    assert {entry["action"] for entry in files["audit.json"]} >= {
        "set_role",
        "assign_guru",
        "unlock_tool",
    }
    assert files["ai_requests.json"][0]["answer"].endswith(person.marker)
    assert files["events.json"] and all(
        e["user_id"] == str(person.id) for e in files["events.json"]
    )
    # the analytics facts: a save and a submit per open tool, the start over, two saves after it
    # (not the empty draft it opened), the admin's unlock among the unlocks
    facts = files["activity.json"]["facts"]
    kinds = [(f["kind"], f["tool_slug"]) for f in facts]
    assert sum(kind == "save" for kind, _ in kinds) == len(OPEN_TOOLS) + 2
    assert sorted(slug for kind, slug in kinds if kind == "submit") == sorted(OPEN_TOOLS)
    assert [slug for kind, slug in kinds if kind == "start_over"] == ["woop"]
    assert ("unlock", "program-overview") in kinds
    assert {f["organization_id"] for f in facts} == {str(people["org"])}
    assert files["activity.json"]["analytics_refreshes"] == []
    # their awards: the first tool and the intro module (woop alone), earned by their submits
    earned = {(a["kind"], a["subject"]) for a in files["gamification.json"]["awards"]}
    assert earned == {("first_tool", None), ("module_finished", "0")}


def test_each_tool_file_has_active_and_archived_submissions_with_outputs_and_versions(conn, people):
    person: Person = people["person"]
    files = export(conn, person.id)["files"]

    woop = files["submissions/woop.json"]
    assert woop["tool"]["slug"] == "woop"
    archived, active = woop["submissions"]  # oldest first
    assert archived["active"] is False and archived["status"] == "submitted"
    assert archived["data"] == person.answers["woop"]
    assert archived["field_outputs"], "the archived submission's outputs are exported"
    assert [v["version"] for v in archived["versions"]] == [1]  # the draft before the submit
    assert active["active"] is True and active["data"]["wish"].startswith("A third wish")
    # the empty draft start over opened, then the second wish; the third is the active data
    assert [v["data"].get("wish", "")[:14] for v in active["versions"]] == ["", "A second wish "]


def test_an_admins_archive_shows_what_they_did_to_others_without_the_others_data(conn, people):
    audit = export(conn, people["admin"].id)["files"]["audit.json"]
    assert len(audit) >= 8
    person: Person = people["person"]
    assert all(not {"before", "after", "reason"} & set(entry) for entry in audit)
    assert person.email not in json.dumps(audit)


def test_sessions_are_exported_without_token_hashes(conn, people):
    files = export(conn, people["person"].id)["files"]
    sessions = files["sessions.json"]
    assert len(sessions) == 2
    assert all("token_hash" not in s and {"family_id", "expires_at"} <= set(s) for s in sessions)


def test_an_unknown_user_has_no_export(conn):
    with pytest.raises(psycopg.Error) as excinfo:
        export(conn, "00000000-0000-4000-8000-000000000001")
    assert excinfo.value.sqlstate == "PT404"


def test_every_table_with_a_user_column_is_a_person_data_source(conn):
    """A table added later with a user_id column (or a foreign key to users) must join the list
    that the export reads and the erasure documents."""
    listed = {
        name
        for row in conn.execute("select table_names from shared.person_data_sources()")
        for name in row["table_names"]
    }
    holding = conn.execute(
        """
        select distinct c.oid::regclass::text as name
          from pg_catalog.pg_class as c
          join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
          join pg_catalog.pg_attribute as a on a.attrelid = c.oid and a.attnum > 0
         where c.relkind in ('r', 'p') and not a.attisdropped
           and n.nspname not in ('pg_catalog', 'information_schema')
           and (a.attname = 'user_id'
                or exists (select from pg_catalog.pg_constraint as k
                            where k.conrelid = c.oid and k.contype = 'f'
                              and k.confrelid = 'shared.users'::regclass
                              and a.attnum = any (k.conkey)))
        """
    ).fetchall()
    missing = {row["name"] for row in holding} - listed - {"shared.erased_users"}
    assert not missing, f"not in shared.person_data_sources(): {sorted(missing)}"
    assert len(listed) > 60  # 31 tools x (submissions, field_outputs) and the shared tables


# --- erasure -----------------------------------------------------------------------------------


def test_after_an_erasure_no_column_of_any_table_holds_anything_of_theirs(conn, people):
    person: Person = people["person"]
    bystander: Person = people["bystander"]
    before = tables_holding(conn, person.needles)
    # the search can fail: their data is everywhere before
    for column in (
        "sprint_00_woop.submissions.data",
        "shared.submission_versions.data",
        "shared.current_field_values.field_value",
        "shared.users.email",
        "shared.outbox_events.payload",
        "shared.admin_audit.before",
        "shared.admin_audit.reason",
        "shared.webhook_events.payload",
        "shared.ai_requests.answer",
        "shared.refresh_tokens.user_id",
        "shared.rate_limit_counters.key",
        "shared.progress_changes.user_id",
        "shared.export_jobs.bundle",
    ):
        assert column in before, column
    bystander_export = without_time(export(conn, bystander.id)["files"])
    audit_rows = conn.execute("select count(*) as n from shared.admin_audit").fetchone()["n"]

    members = "select (shared.organization_json(%s) ->> 'member_count')::integer as n"
    members_before = conn.execute(members, (people["org"],)).fetchone()["n"]

    result = erase(conn, person.id, reason=f"{person.full_name} asked through LearnWorlds")

    assert conn.execute(members, (people["org"],)).fetchone()["n"] == members_before - 1

    assert result["status"] == "erased"
    assert result["removed"]["submissions"] == len(OPEN_TOOLS) + 1
    assert result["removed"]["refresh_tokens"] == 2
    assert result["removed"]["activity_facts"] >= len(OPEN_TOOLS) * 2 + 3
    assert result["removed"]["awards"] == 2
    assert tables_holding(conn, person.needles) == {}
    assert conn.execute("select * from shared.check_invariants()").fetchall() == []
    # the history stays, anonymised: every audit row is still there, plus the erasure's own
    assert conn.execute("select count(*) as n from shared.admin_audit").fetchone()["n"] == (
        audit_rows + 1
    )
    marker = result["marker"]
    about = conn.execute(
        "select action, reason from shared.admin_audit where target_id like %s order by id",
        (marker + "%",),
    ).fetchall()
    assert [row["action"] for row in about] == [
        "set_role",
        "set_role",
        "unlock_tool",
        "erase_user",
    ]
    assert about[-1]["reason"] == "[erased]"  # the reason named them
    delivered = conn.execute(
        "select count(*) as n from shared.outbox_events where user_id is null"
    ).fetchone()["n"]
    assert delivered == 3  # delivered events stay; queued ones are not sent
    # nobody else lost anything
    assert without_time(export(conn, bystander.id)["files"]) == bystander_export
    assert tables_holding(conn, [bystander.marker]) != {}


def test_a_second_erasure_answers_already_erased_and_an_unknown_id_is_404(conn, people):
    person: Person = people["person"]
    first = erase(conn, person.id)
    again = erase(conn, person.id)
    assert again == {
        "status": "already_erased",
        "user_id": str(person.id),
        "erased_at": first["erased_at"],
    }
    with pytest.raises(psycopg.Error) as excinfo:
        erase(conn, "00000000-0000-4000-8000-000000000002")
    assert excinfo.value.sqlstate == "PT404"
    assert json.loads(excinfo.value.diag.message_detail)["code"] == "USER_NOT_FOUND"


def test_an_erased_admin_leaves_their_changes_in_the_audit_by_a_marker(conn, people):
    admin: Person = people["admin"]
    person: Person = people["person"]
    acted = conn.execute(
        "select count(*) as n from shared.admin_audit where actor_id = %s", (admin.id,)
    ).fetchone()["n"]
    assert acted >= 8

    result = erase(conn, admin.id)

    assert tables_holding(conn, [str(admin.id), admin.email, admin.full_name]) == {}
    kept = conn.execute(
        "select count(*) as n from shared.admin_audit where actor_id = %s", (result["marker"],)
    ).fetchone()["n"]
    assert kept == acted
    # what they did to the person is still about the person
    assert tables_holding(conn, [person.email]) != {}


def test_erasing_writes_no_version_progress_change_or_event(conn, people):
    person: Person = people["person"]
    counts = """select (select count(*) from shared.submission_versions) as versions,
                       (select count(*) from shared.progress_changes) as changes,
                       (select count(*) from shared.outbox_events) as events"""
    before = conn.execute(counts).fetchone()
    mine = conn.execute(
        """select (select count(*) from shared.submission_versions
                    where user_id = %(id)s) as versions,
                  (select count(*) from shared.progress_changes
                    where user_id = %(id)s) as changes,
                  (select count(*) from shared.outbox_events where user_id = %(id)s
                                                           and status <> 'delivered') as events""",
        {"id": person.id},
    ).fetchone()

    erase(conn, person.id)

    after = conn.execute(counts).fetchone()
    assert {key: before[key] - after[key] for key in before} == dict(mine)


def test_an_erasure_rolled_back_leaves_everything(conn, people):
    person: Person = people["person"]
    before = tables_holding(conn, [person.marker])
    with pytest.raises(psycopg.errors.RaiseException), conn.transaction():
        erase(conn, person.id)
        conn.execute("do $$ begin raise exception 'stop'; end $$")
    assert tables_holding(conn, [person.marker]) == before


def test_the_api_lets_only_admins_erase_and_never_themselves(conn, people):
    admin: Person = people["admin"]
    person: Person = people["person"]
    with pytest.raises(psycopg.Error) as excinfo:
        api(conn, people["bystander"].id, "admin_erase_user", p_user_id=person.id)
    assert excinfo.value.sqlstate == "PT403"
    with pytest.raises(psycopg.Error) as excinfo:
        api(conn, admin.id, "admin_erase_user", p_user_id=admin.id)
    assert excinfo.value.sqlstate == "PT409"
    result = api(conn, admin.id, "admin_erase_user", p_user_id=person.id, p_reason="LMS request")
    assert result["status"] == "erased"
    entry = conn.execute(
        "select actor_id, reason from shared.admin_audit where action = 'erase_user'"
    ).fetchone()
    assert entry == {"actor_id": admin.id, "reason": "LMS request"}


def test_an_erasure_waits_for_their_write_in_flight_and_a_later_write_finds_no_one(
    conn, people, database_url
):
    person: Person = people["person"]
    version = conn.execute(
        "select (shared.get_submission('cash', %s) ->> 'version')::integer as v", (person.id,)
    ).fetchone()["v"]
    late = json.dumps({"note": f"a late save {person.marker}"})
    with connect(database_url) as writer, connect(database_url) as eraser:
        writer.execute("begin")
        writer.execute("select shared.save_draft('cash', %s, %s, %s)", (person.id, late, version))
        eraser_pid = eraser.execute("select pg_backend_pid() as pid").fetchone()["pid"]
        outcome: dict[str, Any] = {}
        thread = threading.Thread(target=lambda: outcome.update(r=erase(eraser, person.id)))
        thread.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # the erasure waits for the writer's lock
            waiting = conn.execute(
                "select wait_event_type from pg_stat_activity where pid = %s", (eraser_pid,)
            ).fetchone()["wait_event_type"]
            if waiting == "Lock":
                break
            time.sleep(0.05)
        assert waiting == "Lock"
        writer.execute("commit")
        thread.join(15)
        assert outcome["r"]["status"] == "erased"
        with pytest.raises(psycopg.Error) as excinfo:
            writer.execute(
                "select shared.save_draft('cash', %s, %s, %s)", (person.id, late, version + 1)
            )
        assert excinfo.value.sqlstate == "PT404"
    assert tables_holding(conn, person.needles) == {}
