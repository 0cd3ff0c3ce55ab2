"""schemathesis against the live server's own /api/openapi.json, with a valid token.

For every documented operation, hypothesis generates requests that fit the document (positive)
and requests that break it (negative); every answer must be documented (status, content type,
headers, body schema), no answer may be a 5xx, and every request that breaks the document must
be refused with a 4xx. The number of examples per operation is bounded so the whole run fits in
CI; FASTTRACK_FUZZ_EXAMPLES raises it for a deeper run.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from agent_stub import AgentStub
from hypothesis import HealthCheck, Phase, given, settings
from live_http import TEST_ENV, LiveServer, start_server, stop_server
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fasttrack import create_app
from fasttrack.settings import Settings
from fasttrack.web.openapi import document
from support import connect
from support.figures import report

# The document an app serves: generated from its routes when the app is created.
DOCUMENT = document(create_app(Settings(env="test", jwt_secret_key="d" * 32)))

EXAMPLES = int(os.environ.get("FASTTRACK_FUZZ_EXAMPLES", "12"))  # per operation and mode
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if method in HTTP_METHODS
)
UNLIMITED = ("RATE_LIMIT_DEFAULT", "RATE_LIMIT_SSO_FAILURES", "AI_LIMIT_USER", "AI_LIMIT_STAFF")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass
class Target:
    live: LiveServer
    token: str
    schema: schemathesis.schemas.BaseSchema
    statuses: Counter


@pytest.fixture(scope="module")
def target(migrated_url_factory) -> Iterator[Target]:
    """One live server for the module (a fresh migrated database), an admin's token (admins may
    call every operation), and the document as the server serves it."""
    database_url = migrated_url_factory()
    agent = AgentStub("ok")  # the AI assistant's n8n, answering every question
    env = {
        **TEST_ENV,
        "N8N_WEBHOOK_URL": agent.url,
        **dict.fromkeys(UNLIMITED, "1000000"),  # fuzzing, not rate limits
    }
    settings_ = Settings.from_env(env)
    running = start_server(create_app(settings_, database_url=database_url), settings_, env)
    try:
        live = running.live
        login = live.sso_login()
        with connect(database_url) as conn:
            promote = "update shared.users set role = 'admin' where id = %s"
            conn.execute(promote, (login.user["id"],))
        schema = schemathesis.openapi.from_url(live.url("/api/openapi.json"))
        statuses: Counter = Counter()
        yield Target(live, login.access_token, schema, statuses)
        report(
            "openapi_fuzz",
            operations=len(OPERATIONS),
            examples_per_operation_and_mode=EXAMPLES,
            requests=sum(statuses.values()),
            statuses={str(status): n for status, n in sorted(statuses.items())},
            server_errors=sum(n for status, n in statuses.items() if status >= 500),
        )
    finally:
        stop_server(running)
        agent.close()


def _cases() -> list:
    """Every operation with positive data; with negative data too when it takes any input
    (parameters or a body) that can be broken."""
    cases = []
    for method, path in OPERATIONS:
        spec = DOCUMENT["paths"][path][method.lower()]
        modes = [GenerationMode.POSITIVE]
        if spec.get("parameters") or spec.get("requestBody"):
            modes.append(GenerationMode.NEGATIVE)
        cases += [pytest.param(method, path, mode, id=f"{method} {path} {mode}") for mode in modes]
    return cases


@pytest.mark.parametrize(("method", "path", "mode"), _cases())
def test_every_answer_is_documented_and_no_request_is_a_5xx(target, method, path, mode):
    operation = target.schema[path][method]
    headers = {"Authorization": f"Bearer {target.token}"}
    negative = mode is GenerationMode.NEGATIVE

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,  # the same examples every run: no cache of past failures to replay
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        # Negative data must be refused with a documented 4xx, except when what was broken is
        # the credentials: the valid token added below repairs those, and the request is fine.
        checks = CHECKS
        if negative and not target.schema.is_security_param_negated(case):
            checks = [*CHECKS, negative_data_rejection]
        case.headers = {**(case.headers or {}), **headers}
        response = case.call(base_url=target.live.base_url, timeout=30)
        target.statuses[response.status_code] += 1
        case.validate_response(response, checks=checks, headers=headers)

    run()
