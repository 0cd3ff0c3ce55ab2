"""LearnWorlds signatures: a valid SSO link and a valid webhook, and what is refused."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from fasttrack.learnworlds_signatures import SsoRejected, verify_sso, verify_webhook

SECRET = "sso-secret"
NOW = 1_800_000_000


def signed(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "user_id": "lw-42",
        "email": "ceo@example.com",
        "name": "Ada Lovelace",
        "timestamp": NOW,
    }
    message = "|".join(str(fields[key]) for key in ("user_id", "email", "name", "timestamp"))
    fields["signature"] = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    return {**fields, **overrides}


def reason(fields: dict[str, Any], *, secret: str | None = SECRET, now: float = NOW) -> str:
    with pytest.raises(SsoRejected) as caught:
        verify_sso(fields, secret, now=now)
    return caught.value.reason


def test_a_correctly_signed_recent_login_is_accepted() -> None:
    login = verify_sso(signed(), SECRET, now=NOW + 10)

    assert (login.lms_user_id, login.email, login.name) == (
        "lw-42",
        "ceo@example.com",
        "Ada Lovelace",
    )
    assert login.signature == signed()["signature"]


def test_the_timestamp_may_come_as_a_string_from_a_query() -> None:
    fields = signed()

    assert verify_sso({**fields, "timestamp": str(NOW)}, SECRET, now=NOW).email == "ceo@example.com"


@pytest.mark.parametrize("skew", [301, -301, 10_000])
def test_a_timestamp_more_than_300_seconds_away_is_expired(skew: int) -> None:
    assert reason(signed(), now=NOW + skew) == "expired"


@pytest.mark.parametrize("skew", [300, -300])
def test_300_seconds_either_way_is_still_accepted(skew: int) -> None:
    assert verify_sso(signed(), SECRET, now=NOW + skew)


@pytest.mark.parametrize("field", ["user_id", "email", "name", "timestamp"])
def test_changing_any_signed_field_breaks_the_signature(field: str) -> None:
    fields = signed()
    fields[field] = NOW + 1 if field == "timestamp" else f"{fields[field]}x"

    assert reason(fields) == "bad_signature"


def test_an_uppercase_or_other_key_signature_is_refused() -> None:
    assert reason(signed(signature=signed()["signature"].upper())) == "bad_signature"
    assert reason(signed(), secret="another-secret") == "bad_signature"


@pytest.mark.parametrize("field", ["user_id", "email", "name", "timestamp", "signature"])
def test_every_field_is_required(field: str) -> None:
    fields = signed()
    del fields[field]

    assert reason(fields) == "missing_fields"


@pytest.mark.parametrize(
    "overrides",
    [
        {"timestamp": True},
        {"timestamp": "17e8"},
        {"timestamp": 1.5},
        {"user_id": 42},
        {"email": ["a@example.com"]},
        {"signature": {"a": 1}},
        {"user_id": ""},
        {"name": "\ud800"},  # a lone surrogate: valid JSON, not valid text
    ],
)
def test_fields_of_the_wrong_type_are_refused(overrides: dict[str, Any]) -> None:
    assert reason(signed(**overrides)) == "invalid_fields"


def test_without_a_configured_secret_nothing_is_accepted() -> None:
    assert reason(signed(), secret=None) == "not_configured"


def test_a_non_ascii_signature_is_refused_not_crashed_on() -> None:
    assert reason(signed(signature="é" * 64)) == "bad_signature"


BODY = b'{"id": "evt-1", "type": "courseCompleted"}'
WEBHOOK_SECRET = "hook-secret"
GOOD = "v1=" + hmac.new(WEBHOOK_SECRET.encode(), BODY, hashlib.sha256).hexdigest()


def test_a_webhook_signed_over_the_raw_body_is_accepted() -> None:
    assert verify_webhook(BODY, GOOD, WEBHOOK_SECRET)
    assert verify_webhook(BODY, f"v1=deadbeef, {GOOD}", WEBHOOK_SECRET)


@pytest.mark.parametrize(
    ("body", "header", "secret"),
    [
        (BODY + b" ", GOOD, WEBHOOK_SECRET),  # same JSON, different bytes
        (BODY, GOOD.removeprefix("v1="), WEBHOOK_SECRET),  # no version prefix
        (BODY, GOOD.replace("v1=", "v0="), WEBHOOK_SECRET),
        (BODY, None, WEBHOOK_SECRET),
        (BODY, "", WEBHOOK_SECRET),
        (BODY, GOOD, "another-secret"),
        (BODY, GOOD, None),
        (BODY, "v1=é", WEBHOOK_SECRET),
    ],
)
def test_anything_else_is_not_a_valid_webhook(
    body: bytes, header: str | None, secret: str | None
) -> None:
    assert not verify_webhook(body, header, secret)


# --- the signed text splits one way only --------------------------------------------------------


def resplit(fields: dict[str, Any], shift: int) -> dict[str, Any]:
    """The same signed text `user_id|email|name|timestamp` cut differently: the user id takes
    `shift` more separators, the email and name move right by as many."""
    text = "|".join(str(fields[key]) for key in ("user_id", "email", "name", "timestamp"))
    parts = text.split("|")
    user_id = "|".join(parts[: 1 + shift])
    email, name, timestamp = parts[1 + shift], "|".join(parts[2 + shift : -1]), parts[-1]
    return {**fields, "user_id": user_id, "email": email, "name": name, "timestamp": timestamp}


def signed_over(**changes: Any) -> dict[str, Any]:
    """A genuine signature over the default fields with `changes` made before signing."""
    fields = {key: value for key, value in signed(**changes).items() if key != "signature"}
    message = "|".join(str(fields[key]) for key in ("user_id", "email", "name", "timestamp"))
    fields["signature"] = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    return fields


def test_a_name_may_hold_the_separator() -> None:
    fields = signed_over(name="Ada | Lovelace")

    assert verify_sso(fields, SECRET, now=NOW).name == "Ada | Lovelace"


def test_a_signature_over_a_name_with_the_separator_cannot_claim_another_email() -> None:
    """The attack: sign in once with the name `victim@example.com|Eve`; the same signature
    re-split says user `lw-42|ceo@example.com`, email `victim@example.com`, name `Eve`."""
    genuine = signed_over(name="victim@example.com|Eve")
    assert verify_sso(genuine, SECRET, now=NOW).email == "ceo@example.com"
    forged = resplit(genuine, 1)
    assert (forged["user_id"], forged["email"]) == ("lw-42|ceo@example.com", "victim@example.com")

    assert reason(forged) == "separator_in_field"


@pytest.mark.parametrize("field", ["user_id", "email"])
def test_the_separator_is_refused_in_the_user_id_and_the_email(field: str) -> None:
    fields = signed_over(**{field: f"a|{signed()[field]}"})

    assert reason(fields) == "separator_in_field"


@pytest.mark.parametrize("timestamp", [f"{NOW}|1", f"1|{NOW}", f" {NOW}", "\uff11\uff18"])
def test_the_timestamp_is_ascii_digits_only_so_the_name_cannot_absorb_it(timestamp: str) -> None:
    assert reason(signed(timestamp=timestamp)) == "invalid_fields"
