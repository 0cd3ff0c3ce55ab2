"""kill -9 of the whole service (the server's main process and workers) in the middle of a
stream of saves and submits, then a restart: every write answered 2xx is stored as answered,
the invariants hold, and the restarted service goes on serving the same clients.
"""

from __future__ import annotations

import random
import threading
import time

from service_process import ServiceProcess
from write_stream import (
    Writer,
    acks_of,
    invariant_violations,
    lost_writes,
    run_writers,
    wait_for,
)

from support.figures import report

KILLS = 3
ACKS_BETWEEN_KILLS = 25  # each phase lets this many more writes through before the next kill
OPEN_TOOLS = ("woop", "cash")  # no required dependency: every new user may write them
UNLIMITED = {"RATE_LIMIT_DEFAULT": "1000000"}  # a stream, not a rate-limit test


def test_kill_9_of_master_and_workers_mid_stream_loses_no_acknowledged_write(
    database_url, conn, tmp_path
):
    service = ServiceProcess(database_url, tmp_path, workers=2, overrides=UNLIMITED)
    service.start()
    stop = threading.Event()
    rng = random.Random(5)
    killed = 0
    downtime = []
    writers: list[Writer] = []
    try:
        live = service.live()
        logins = [live.sso_login() for _ in range(2)]
        writers += [
            Writer(service.base_url, login.access_token, login.user["id"], [slug],
                   seed=seed, stop=stop)
            for seed, (login, slug) in enumerate(
                (login, slug) for login in logins for slug in OPEN_TOOLS
            )
        ]  # fmt: skip
        for writer in writers:
            writer.start()

        def acked() -> int:
            return sum(len(w.acks) for w in writers)

        for phase in range(1, KILLS + 1):
            wait_for(lambda p=phase: acked() >= p * ACKS_BETWEEN_KILLS, timeout=60,
                     what=f"{ACKS_BETWEEN_KILLS} acknowledged writes")  # fmt: skip
            time.sleep(rng.uniform(0, 0.05))  # somewhere in the middle of requests
            workers_before = service.pids()["workers"]
            assert len(workers_before) == 2
            down = time.monotonic()
            killed += service.kill9()
            time.sleep(0.3)  # the clients meet a dead port for a while
            service.start()
            downtime.append(round(time.monotonic() - down, 2))
        wait_for(lambda: acked() >= (KILLS + 1) * ACKS_BETWEEN_KILLS, timeout=60,
                 what="writes after the last restart")  # fmt: skip
    finally:
        stop.set()
        tally = run_writers(writers, stop, timeout=0)
        service.stop()

    acks = acks_of(writers)
    lost = lost_writes(conn, acks)
    violations = invariant_violations(conn)
    report(
        "crash_kill_9",
        kills=KILLS,
        processes_killed=killed,
        writes_tried=tally.tried,
        reads=tally.reads,
        acknowledged=len(acks),
        submits_acknowledged=sum(a.operation == "submit" for a in acks),
        no_answer=tally.connection_errors,
        cut_mid_request=tally.cut,
        statuses=dict(tally.statuses),
        seconds_down=downtime,
        lost=len(lost),
        invariant_violations=len(violations),
    )
    assert killed == KILLS * 3  # a master and two workers each time
    assert tally.cut >= 1, "the kills should have cut requests in flight"
    assert not tally.unexpected, tally.unexpected[:5]
    assert lost == []
    assert violations == []
    assert {a.operation for a in acks} == {"save", "submit"}
