"""Gamification: a user's own points, streak, awards and leaderboard position, an
organization's leaderboard, and the leaderboard opt-out.

Everything is computed in SQL (sql/functions/290_gamification_rules.sql to 294_leaderboard.sql);
who may see which leaderboard is decided there too (anyone outside the organization, its gurus
and admins gets a 404, as for an unknown one). The SQL answers {data, meta}; meta (calculated_at,
source, stale_after) goes into the envelope's meta.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint

from fasttrack.web import envelope
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.inputs import boolean_field, json_object, query_uuid
from fasttrack.web.models.gamification import (
    GamificationMe,
    Leaderboard,
    Preferences,
    PreferencesBody,
)

bp = Blueprint("gamification", __name__, url_prefix="/api/gamification")

Json = dict[str, Any]


def with_meta(answer: Json) -> Json:
    """The envelope of an answer whose SQL says how fresh it is."""
    return envelope(answer["data"], **answer["meta"])


@bp.get("/me")
@contract("Your points, streak, awards and leaderboard position", returns=GamificationMe)
@authenticated
def gamification_me() -> Json:
    return with_meta(call("gamification_me"))


@bp.get("/leaderboard")
@contract(
    "This week's leaderboard of an organization (yours when organization_id is left out)",
    returns=Leaderboard,
    query={"organization_id": UUID},
    errors=(400, 404),
)
@authenticated
def organization_leaderboard() -> Json:
    organization_id = query_uuid("organization_id")
    return with_meta(call("organization_leaderboard", p_organization_id=organization_id))


@bp.put("/me/preferences")
@contract(
    "Take part in leaderboards, or not", returns=Preferences, body=PreferencesBody, errors=(400,)
)
@authenticated
def set_gamification_preferences() -> Json:
    leaderboard = boolean_field(json_object(PreferencesBody), "leaderboard")
    return with_meta(call("set_gamification_preferences", p_leaderboard=leaderboard))
