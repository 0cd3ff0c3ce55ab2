"""One completion event sent to the webhook receivers: the body, its signature, the verdict.

What a receiver gets, for every event and every URL in WEBHOOK_URLS that has not acknowledged it:

    POST <url>
    Content-Type: application/json
    X-FastTrack-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with WEBHOOK_SECRET>
    Idempotency-Key: <event id>           (the same on every retry: receivers drop repeats)
    X-FastTrack-Event: tool_completed | tool_unlocked

The body is the event's payload as canonical JSON (keys sorted, no spaces, UTF-8), so the same
event always has the same bytes and the same signature. A 2xx answer acknowledges it; anything
else (3xx included: redirects are not followed), a timeout or a connection error does not.
Delivery is at least once: a receiver may see an event again (a retry after a lost answer, a
worker stopped mid-request), and the Idempotency-Key is how it recognises it.

Receivers are named in logs, errors and the outbox's `delivered_to` without the URL's user
info, query and fragment (where tokens tend to live): `https://hooks.example.com/fasttrack`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from fasttrack import exact_json
from fasttrack.signing import sign

SIGNATURE_HEADER = "X-FastTrack-Signature"
EVENT_HEADER = "X-FastTrack-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def canonical_body(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent (and signed) for a payload: sorted keys, no whitespace, UTF-8."""
    return exact_json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def signature(secret: str, body: bytes) -> str:
    """The X-FastTrack-Signature value for a raw body."""
    return "sha256=" + sign(secret, body)


def receiver_name(url: str) -> str:
    """The URL without user info, query and fragment: safe to log and to store."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path or "/", "", ""))


@dataclass(frozen=True)
class Receiver:
    url: str = field(repr=False)  # may carry a token
    name: str


def receivers_for(urls: Iterable[str]) -> tuple[Receiver, ...]:
    """Receivers for WEBHOOK_URLS; two URLs that differ only where names hide tokens are refused,
    since `delivered_to` could not tell them apart."""
    receivers: dict[str, Receiver] = {}
    for url in urls:
        name = receiver_name(url)
        if name in receivers:
            raise ValueError(f"WEBHOOK_URLS: two URLs are both {name} (apart from query or user)")
        receivers[name] = Receiver(url, name)
    return tuple(receivers.values())


@dataclass
class Delivery:
    """One claimed event on its way to the receivers it still lacks, filled in as they answer.

    A delivery thread appends to `acknowledged` and `errors` and sets `finished`; the worker's
    main thread reads them (a snapshot is enough: an answer that comes later is simply not
    counted, and the event is sent again on its next attempt).
    """

    event_id: str
    event_type: str
    attempt: int
    body: bytes = field(repr=False)
    pending: tuple[Receiver, ...]
    acknowledged: list[str]  # receiver names, earlier attempts included
    errors: list[str] = field(default_factory=list)
    finished: bool = False


class WebhookSender:
    """Posts events to the receivers, signed; never raises for a receiver's failure."""

    def __init__(self, urls: Iterable[str], secret: str, timeout: float) -> None:
        self.receivers = receivers_for(urls)
        self._secret = secret
        self._timeout = timeout

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(receiver.name for receiver in self.receivers)

    def prepare(self, event: Mapping[str, Any]) -> Delivery:
        """A delivery for an event as api.worker_claim_events returns it."""
        done = [name for name in event.get("delivered_to") or [] if isinstance(name, str)]
        return Delivery(
            event_id=str(event["id"]),
            event_type=str(event["event_type"]),
            attempt=int(event["attempts"]),
            body=canonical_body(event["payload"]),
            pending=tuple(r for r in self.receivers if r.name not in done),
            acknowledged=done,
        )

    def is_complete(self, acknowledged: Iterable[str]) -> bool:
        """Whether every configured receiver has acknowledged."""
        return set(self.names) <= set(acknowledged)

    def run(self, delivery: Delivery) -> None:
        """Send to each pending receiver in turn, recording each answer as it comes."""
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self._secret, delivery.body),
            IDEMPOTENCY_HEADER: delivery.event_id,
            EVENT_HEADER: delivery.event_type,
        }
        try:
            for receiver in delivery.pending:
                problem = self._post(receiver, delivery.body, headers)
                if problem is None:
                    delivery.acknowledged.append(receiver.name)
                else:
                    delivery.errors.append(f"{receiver.name}: {problem}")
        finally:
            delivery.finished = True

    def _post(self, receiver: Receiver, body: bytes, headers: Mapping[str, str]) -> str | None:
        """None when the receiver acknowledged; otherwise why not (no URL, no response body)."""
        try:
            # stream=True: only the status line and headers are read; the body is not needed.
            with requests.post(
                receiver.url,
                data=body,
                headers=dict(headers),
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
            ) as response:
                status = response.status_code
        except requests.Timeout:
            return f"no answer within {self._timeout:g}s"
        except requests.ConnectionError:
            return "connection failed"
        except requests.RequestException as error:
            # Never the exception's text: requests puts the full URL in it.
            return f"request failed ({type(error).__name__})"
        return None if 200 <= status < 300 else f"HTTP {status}"
