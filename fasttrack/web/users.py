"""Reading other people's progress: the user themself, their organization's gurus, admins.

Who may read what is decided in SQL; a user the caller may not see is a 404 like an unknown one.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint

from fasttrack.web import envelope
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.models.tools import OrganizationProgress, Submission, UserProgress

bp = Blueprint("users", __name__, url_prefix="/api")

Json = dict[str, Any]


@bp.get("/users/<uuid:user_id>/progress")
@contract("A user's progress (self, their guru, admin)", returns=UserProgress)
@authenticated
def get_user_progress(user_id: uuid.UUID) -> Json:
    return envelope(call("get_user_progress", p_user_id=user_id))


@bp.get("/users/<uuid:user_id>/tools/<slug:slug>/data")
@contract("A user's submission of a tool", returns=Submission)
@authenticated
def get_user_submission(user_id: uuid.UUID, slug: str) -> Json:
    return envelope(call("get_user_submission", p_user_id=user_id, p_slug=slug))


@bp.get("/organizations/<uuid:organization_id>/progress")
@contract("Every member's progress", returns=OrganizationProgress)
@authenticated
def get_organization_progress(organization_id: uuid.UUID) -> Json:
    return envelope(call("get_organization_progress", p_organization_id=organization_id))
