"""Many clients writing at once through the live server: for one user's one tool, and for the two
tools that together unlock a third (pricing + brand-marketing -> route-to-market). Afterwards
every write answered 2xx is stored exactly as answered, the invariants hold, and no unlock was
missed or made twice. (tests/test_concurrency.py proves the same one level down, in SQL.)
"""

from __future__ import annotations

import threading

import pytest
from live_http import data_of
from psycopg.types.json import Jsonb
from write_stream import Writer, acks_of, invariant_violations, lost_writes, run_writers

from support.figures import report
from support.program import answers_for, call, progress, required_sources, tools_in_sprint_order

UNLIMITED = {"RATE_LIMIT_DEFAULT": "1000000"}  # load, not a rate-limit test
TARGET = "route-to-market"
SOURCES = ("pricing", "brand-marketing")  # route-to-market's two required sources


@pytest.fixture
def service(live_server_factory):
    return live_server_factory(**UNLIMITED)


def prepare_for_target(conn, user_id) -> None:
    """Submit (in SQL) everything route-to-market needs except its two sources, which are then
    unlocked and not yet submitted."""
    assert required_sources(TARGET) == set(SOURCES)
    needed, frontier = set(), set(SOURCES)
    while frontier:
        slug = frontier.pop()
        if slug not in needed:
            needed.add(slug)
            frontier |= required_sources(slug)
    for tool in tools_in_sprint_order():
        if tool["slug"] in needed - set(SOURCES):
            call(conn, "submit_tool", tool["slug"], user_id, None, Jsonb(answers_for(tool["slug"])))
    statuses = progress(conn, user_id)
    assert [statuses[s] for s in (*SOURCES, TARGET)] == ["unlocked", "unlocked", "locked"]


def test_many_clients_writing_one_users_tool_at_once_lose_nothing(service, conn):
    login = service.sso_login()
    stop = threading.Event()
    writers = [
        Writer(service.base_url, login.access_token, login.user["id"], ["woop"], seed=seed,
               stop=stop, budget=25, submit_share=0.3, start_over_share=0.04)
        for seed in range(8)
    ]  # fmt: skip
    for writer in writers:
        writer.start()
    tally = run_writers(writers, stop)

    acks = acks_of(writers)
    lost = lost_writes(conn, acks)
    violations = invariant_violations(conn)
    report(
        "http_concurrency_one_tool",
        clients=len(writers),
        writes_tried=tally.tried,
        acknowledged=len(acks),
        refused_stale=tally.statuses[409],
        statuses=dict(tally.statuses),
        lost=len(lost),
        invariant_violations=len(violations),
    )
    assert not tally.unexpected, tally.unexpected[:5]
    assert len(acks) >= len(writers)  # the race let a fair share through
    assert tally.statuses[409] > 0  # and it was a race: some writers lost it
    assert lost == []
    assert violations == []
    # The stored submission is the last acknowledged one, not an older write.
    current = data_of(service.request("GET", "/api/tools/woop/data", token=login.access_token))
    last = max((a for a in acks if a.submission_id == current["submission_id"]),
               key=lambda a: a.version, default=None)  # fmt: skip
    if last is not None:  # (none when a start-over came after the last write)
        assert (current["version"], current["data"]) == (last.version, last.data)


def test_two_sources_submitted_at_the_same_moment_unlock_their_target_exactly_once(service, conn):
    users = [service.sso_login() for _ in range(6)]
    for login in users:
        prepare_for_target(conn, login.user["id"])
    barrier = threading.Barrier(2 * len(users))
    answers: dict[tuple[str, str], dict] = {}
    failures: list[BaseException] = []

    def submit(login, slug):
        try:
            barrier.wait(timeout=30)
            response = service.request(
                "POST", f"/api/tools/{slug}/submit", token=login.access_token,
                json={"data": answers_for(slug), "version": 0},
            )  # fmt: skip
            answers[(login.user["id"], slug)] = data_of(response)
        except BaseException as error:
            failures.append(error)

    threads = [
        threading.Thread(target=submit, args=(login, slug)) for login in users for slug in SOURCES
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not failures, failures
    for login in users:
        user_id = login.user["id"]
        unlocked_by = [s for s in SOURCES if TARGET in
                       {t["slug"] for t in answers[(user_id, s)]["unlocked_tools"]}]  # fmt: skip
        assert len(unlocked_by) == 1, (user_id, unlocked_by)  # once: not missed, not twice
        tool = data_of(service.request("GET", f"/api/tools/{TARGET}", token=login.access_token))
        assert tool["status"] == "unlocked"
        assert progress(conn, user_id)[TARGET] == "unlocked"
    violations = invariant_violations(conn)
    report(
        "http_concurrency_simultaneous_unlock",
        users=len(users),
        simultaneous_submits=len(threads),
        missed_or_double_unlocks=0,
        invariant_violations=len(violations),
    )
    assert violations == []


def test_many_clients_saving_and_submitting_both_sources_keep_the_unlock_rule(service, conn):
    login = service.sso_login()
    user_id = login.user["id"]
    prepare_for_target(conn, user_id)
    stop = threading.Event()
    writers = [
        Writer(service.base_url, login.access_token, user_id, list(SOURCES), seed=seed,
               stop=stop, budget=20, submit_share=0.25)
        for seed in range(8)
    ]  # fmt: skip
    for writer in writers:
        writer.start()
    tally = run_writers(writers, stop)

    acks = acks_of(writers)
    lost = lost_writes(conn, acks)
    violations = invariant_violations(conn)
    submitted = {a.slug for a in acks if a.operation == "submit"}
    unlocks = [a for a in acks if TARGET in a.unlocked]
    report(
        "http_concurrency_shared_target",
        clients=len(writers),
        writes_tried=tally.tried,
        acknowledged=len(acks),
        refused_stale=tally.statuses[409],
        statuses=dict(tally.statuses),
        lost=len(lost),
        invariant_violations=len(violations),
    )
    assert not tally.unexpected, tally.unexpected[:5]
    assert lost == []
    assert violations == []
    expected = "unlocked" if submitted == set(SOURCES) else "locked"
    assert progress(conn, user_id)[TARGET] == expected
    assert len(unlocks) == (1 if expected == "unlocked" else 0)
