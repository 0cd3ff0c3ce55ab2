"""LearnWorlds webhooks: the signature is checked on the raw body before anything else."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, request

from fasttrack.learnworlds_signatures import verify_webhook
from fasttrack.web import envelope, settings
from fasttrack.web.api_call import call
from fasttrack.web.contract import contract
from fasttrack.web.errors import ApiError
from fasttrack.web.inputs import parse_object, raw_body, string_field
from fasttrack.web.models import AnyObject
from fasttrack.web.models.records import WebhookResult

bp = Blueprint("learnworlds_webhook", __name__, url_prefix="/api/webhooks")

SIGNATURE_HEADER = "Learnworlds-Webhook-Signature"


@bp.post("/learnworlds")
@contract(
    "LearnWorlds events (signed raw body)", returns=WebhookResult, body=AnyObject, errors=(401,)
)
def learnworlds() -> dict[str, Any]:
    raw = raw_body()  # the exact bytes that were signed (413 past 256 KiB)
    if not verify_webhook(
        raw, request.headers.get(SIGNATURE_HEADER), settings().learnworlds_webhook_secret
    ):
        raise ApiError(401, "Missing or invalid webhook signature", code="WEBHOOK_SIGNATURE")
    # The signature proves the sender, so the body is read as JSON whatever its Content-Type.
    body = parse_object(raw)
    event_type = string_field(body, "type")
    event_id = body.get("id")
    if not isinstance(event_id, str) or not event_id:
        event_id = hashlib.sha256(raw).hexdigest()  # the same body twice is the same event
    return envelope(
        call(
            "learnworlds_event",
            as_caller=False,
            p_event_id=event_id,
            p_event_type=event_type,
            p_payload=body,
        )
    )
