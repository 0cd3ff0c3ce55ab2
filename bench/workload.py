"""The seeded users as the load generators see them, and the calls they make.

Every load generator (psycopg clients, pgbench, the app-side version, HTTP) draws from one
`Population`, so they all measure the same operations on the same data. Reads pick users at
random. Writes give each client its own users, so a client always knows the version it edited:
a save names the user's current draft version, a submit sends the user's next tool (in sprint
order) with its full answers and the version of its draft (0 when there is none), and each
user then moves on one tool.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

import psycopg

from bench.seed import Tool, answers, load_tools
from fasttrack.db import call_api

# The tool pages' reads: program-overview reads 30 source tools, values reads one (dream).
WIDE_TOOL = "program-overview"
NARROW_TOOL = "values"


@dataclass
class User:
    seq: int
    user_id: str
    claims: str
    stage: int  # tools completed in sprint order
    version: int  # version of the draft of the tool at `stage` (0: none yet)
    autosaves: int = field(default=0)


@dataclass
class Population:
    users: list[User]
    tools: list[Tool]
    retired: set[int] = field(default_factory=set)  # seqs whose data another phase changed

    @classmethod
    def load(cls, conn: psycopg.Connection) -> Population:
        rows = conn.execute(
            "select seq, user_id::text, claims, stage, version from bench.users order by seq"
        ).fetchall()
        return cls([User(*row) for row in rows], load_tools(conn))

    def sample(self, count: int, seed: int = 7) -> list[User]:
        """Random users (with replacement) for reads."""
        rng = random.Random(seed)
        return [rng.choice(self.users) for _ in range(count)]

    def writers(
        self, clients: int, per_client: int | None = None, seed: int = 11
    ) -> list[list[User]]:
        """Disjoint groups of users that still have a tool to do, one group per client."""
        active = [u for u in self.users if u.stage < len(self.tools) and u.seq not in self.retired]
        random.Random(seed).shuffle(active)
        if per_client is not None:
            active = active[: per_client * clients]
        return [active[i::clients] for i in range(clients)]

    def update(self, users: list[User]) -> None:
        """Take back the state a client process ended with."""
        by_seq = {u.seq: u for u in users}
        self.users = [by_seq.get(u.seq, u) for u in self.users]

    def store(self, conn: psycopg.Connection) -> None:
        """Write the users' current stage and version back (a later run starts from there)."""
        with conn.cursor() as cur:
            cur.execute(
                "create temp table moved (seq integer, stage integer, version integer)"
                " on commit drop"
            )
            with cur.copy("copy moved from stdin") as copy:
                for user in self.users:
                    copy.write_row((user.seq, user.stage, user.version))
            cur.execute(
                "update bench.users as b set stage = m.stage, version = m.version"
                "  from moved as m where b.seq = m.seq"
                "   and (b.stage, b.version) <> (m.stage, m.version)"
            )
        conn.commit()

    # --- the calls ------------------------------------------------------------------------------

    def save_call(self, user: User) -> tuple[str, dict[str, Any], int]:
        """(slug, data, version) of the user's next autosave of the tool they are on."""
        tool = self.tools[user.stage]
        data = answers(tool.draft, user.seq)
        user.autosaves += 1
        data["page_state"]["autosave"] = user.autosaves  # every autosave changes something
        return tool.slug, data, user.version

    def submit_call(self, user: User) -> tuple[str, dict[str, Any], int]:
        """(slug, data, version) submitting the user's current tool with every output."""
        tool = self.tools[user.stage]
        return tool.slug, answers(tool.full_data, user.seq), user.version

    def saved(self, user: User, version: int) -> None:
        user.version = version

    def submitted(self, user: User) -> None:
        user.stage += 1
        user.version = 0


@dataclass(frozen=True)
class PlannedCall:
    """One write a load generator will make, and the user's state once it is made."""

    seq: int
    claims: str
    slug: str
    version: int
    data: dict[str, Any]
    stage_after: int
    version_after: int


def plan_writes(
    population: Population, op: str, groups: int, per_group: int
) -> list[list[PlannedCall]]:
    """Each group's calls, in order: round robin over the group's own users, so a user's next
    call comes only after the others' (safe with fewer calls in flight than users). The
    population does not move: `apply` moves it by the calls that were really made."""
    done = len(population.tools)
    writers = [g for g in population.writers(groups) if g]
    if op in ("submit", "app_submit"):  # each user has only so many tools left
        per_group = min([per_group] + [sum(done - u.stage for u in g) for g in writers])
    plans = []
    for users in writers:
        users = [User(**vars(u)) for u in users]  # copies: planning moves nobody
        calls: list[PlannedCall] = []
        position = 0
        while len(calls) < per_group and users:
            user = users[position % len(users)]
            position += 1
            if user.stage >= done:
                continue
            if op == "save_draft":
                slug, data, version = population.save_call(user)
                population.saved(user, version + 1)  # every planned autosave changes the data
            else:
                slug, data, version = population.submit_call(user)
                population.submitted(user)
            calls.append(
                PlannedCall(user.seq, user.claims, slug, version, data, user.stage, user.version)
            )
        plans.append(calls)
    return plans


def apply(
    population: Population, made: list[PlannedCall], uncertain: list[PlannedCall] = ()
) -> None:
    """Move users by the calls that were made; retire users whose last call may or may not
    have been (in flight when the load stopped)."""
    by_seq = {u.seq: u for u in population.users}
    for call in made:
        user = by_seq[call.seq]
        user.stage, user.version = call.stage_after, call.version_after
        user.autosaves += 1
    for call in uncertain:
        population.retired.add(call.seq)


def api_call(
    conn: psycopg.Connection, function: str, claims: str, *, context: str = "{}", **args: Any
) -> Any:
    """One api function call made by the service's own code (fasttrack.db.call_api: one
    transaction in one round trip, claims and context set locally, run as fasttrack_api).
    The empty context carries no limits, so rate limiting counts nothing here."""
    return call_api(conn, function, claims, context, **args)


def claims_json(user: User) -> dict[str, Any]:
    return json.loads(user.claims)
