"""The call to the n8n AI agent: post the question and its context, classify what came back.

No Flask and no database here: the web layer records the outcome (api.assist_finish) and turns it
into an answer for the caller. Whatever n8n does (an error status, silence, a slow trickle, a
reply that is not JSON, a refused connection), `ask` returns an outcome; it never raises.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

import requests
from urllib3.exceptions import HTTPError, ReadTimeoutError

from fasttrack import exact_json
from fasttrack.text_rules import is_storable_text

Outcome = Literal["ok", "error", "timeout", "malformed", "unavailable"]
MAX_REPLY_BYTES = 1024 * 1024  # an answer is text for one person; more than this is not a reply
_CHUNK_BYTES = 16 * 1024
_MAX_LATENCY_MS = 2**31 - 1  # the column is an integer


@dataclass(frozen=True)
class Reply:
    """What came of one question: the outcome api.assist_finish records, and the answer if ok."""

    outcome: Outcome
    latency_ms: int
    answer: str | None = None
    problem: str | None = None  # why it is not ok, for the log and the caller (no URL, no body)
    status: int | None = None  # n8n's HTTP status, when it answered


class _TooLarge(Exception):
    pass


class _Deadline(Exception):
    pass


class _BrokenOff(Exception):
    pass


def ask(url: str, payload: dict[str, Any], *, timeout: float, request_id: str) -> Reply:
    """POST `payload` as JSON to the agent's webhook; wait at most about `timeout` seconds.

    `timeout` bounds the connection, the wait for the reply's first byte, and the whole reply:
    one that is still arriving when it runs out is abandoned at the next chunk (so a reply that
    trickles in is given up on within twice `timeout` at worst).
    """
    started = time.monotonic()
    deadline = started + timeout
    body = exact_json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-Request-ID": request_id,  # this request's id in our logs, to follow it into n8n's
    }

    def done(outcome: Outcome, **kw: Any) -> Reply:
        latency = min(_MAX_LATENCY_MS, round((time.monotonic() - started) * 1000))
        return Reply(outcome, latency, **kw)

    status: int | None = None
    try:
        # stream=True: read the body ourselves, within the deadline and the size cap.
        with requests.post(
            url,
            data=body,
            headers=headers,
            timeout=(timeout, timeout),
            allow_redirects=False,
            stream=True,
        ) as response:
            status = response.status_code
            if not 200 <= status < 300:
                return done("error", problem=f"the agent answered HTTP {status}", status=status)
            raw = _read(response, deadline)
    except _Deadline:
        return done("timeout", problem=f"the agent's reply took over {timeout:g}s")
    except _TooLarge:
        return done("malformed", problem=f"the agent's reply is over {MAX_REPLY_BYTES} bytes")
    except _BrokenOff:
        return done("error", problem="the agent's reply broke off", status=status)
    except requests.Timeout:  # also ConnectTimeout, which is a ConnectionError too
        return done("timeout", problem=f"the agent did not answer within {timeout:g}s")
    except requests.ConnectionError:
        return done("unavailable", problem="the agent could not be reached")
    except requests.RequestException as error:
        # Never the exception's text: requests puts the full URL (and any token in it) there.
        return done("error", problem=f"the request to the agent failed ({type(error).__name__})")

    answer = _answer_of(raw)
    if answer is None:
        return done(
            "malformed",
            problem='the agent\'s reply is not a JSON object with a non-empty "answer" string',
            status=status,
        )
    return done("ok", answer=answer, status=status)


def _read(response: requests.Response, deadline: float) -> bytes:
    """The body, read as it arrives: each read waits at most the timeout (the socket's), and
    between reads the deadline and the size cap are checked. (requests' iter_content would wait
    for a full chunk, so a reply trickling in a byte at a time would never time out.)"""
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.raw.read1(_CHUNK_BYTES, decode_content=True):
            size += len(chunk)
            if size > MAX_REPLY_BYTES:
                raise _TooLarge
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise _Deadline
    except (ReadTimeoutError, TimeoutError):
        raise _Deadline from None
    except (HTTPError, OSError):  # cut short, undecodable content, a reset connection
        raise _BrokenOff from None
    if time.monotonic() > deadline:
        raise _Deadline
    return b"".join(chunks)


def _answer_of(raw: bytes) -> str | None:
    """The reply's "answer" when it is a JSON object with a non-blank string there that
    PostgreSQL can store (JSON's \\ud800 escapes make lone surrogates, which are not text)."""
    try:
        reply = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, absurdly nested
        return None
    if not isinstance(reply, dict):
        return None
    answer = reply.get("answer")
    if not isinstance(answer, str) or not answer.strip() or not is_storable_text(answer):
        return None
    return answer
