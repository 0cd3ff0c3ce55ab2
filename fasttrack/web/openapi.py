"""The OpenAPI 3.1 description of every route, served at GET /api/openapi.json.

One dict, built with small helpers; tests/test_openapi.py checks that it lists exactly the
routes the app registers, with the same methods, and that it is a valid OpenAPI 3.1 document.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

bp = Blueprint("openapi", __name__)

Schema = dict[str, Any]

# -- schema helpers ---------------------------------------------------------------------------


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: tuple[str, ...] = (), /, **properties: Schema) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}
UUID: Schema = {"type": "string", "format": "uuid"}
TIME: Schema = {"type": "string", "format": "date-time"}
ANY_OBJECT: Schema = {"type": "object", "additionalProperties": True}
ANY: Schema = {}
STATUS: Schema = {"type": "string", "enum": ["locked", "unlocked", "in_progress", "completed"]}
ROLE: Schema = {"type": "string", "enum": ["user", "guru", "admin"]}
EVENT_STATUS: Schema = {"type": "string", "enum": ["pending", "delivered", "dead"]}
SLUG: Schema = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 100}

TOOL_REF = obj(("slug", "name", "sprint_number"), slug=STRING, name=STRING, sprint_number=INTEGER)
COUNTS = {
    "total_tools": INTEGER,
    "completed": INTEGER,
    "in_progress": INTEGER,
    "unlocked": INTEGER,
    "locked": INTEGER,
    "percent_complete": NUMBER,
    "next_tool": nullable(TOOL_REF),
}

SCHEMAS: dict[str, Schema] = {
    "Error": obj(
        ("error",),
        error=obj(("code", "message", "details"), code=STRING, message=STRING, details=ANY_OBJECT),
    ),
    "ToolSummary": obj(
        ("slug", "sprint_number", "name", "status"),
        slug=STRING,
        sprint_number=INTEGER,
        name=STRING,
        description=STRING,
        module_id=INTEGER,
        module_name=STRING,
        status=STATUS,
        progress_percentage=NUMBER,
    ),
    "Tool": obj(
        ("slug", "sprint_number", "name", "outputs", "dependencies", "status", "unlocked"),
        slug=STRING,
        sprint_number=INTEGER,
        name=STRING,
        description=STRING,
        module=obj(id=INTEGER, name=STRING),
        outputs=array(
            obj(
                ("field_id", "required"),
                field_id=STRING,
                label=STRING,
                type=STRING,
                required=BOOLEAN,
            )
        ),
        dependencies=array(
            obj(
                source_tool=STRING,
                source_field=STRING,
                target_field=STRING,
                required=BOOLEAN,
                description=nullable(STRING),
            )
        ),
        status=STATUS,
        unlocked=BOOLEAN,
        missing_dependencies=array(
            obj(source_tool=STRING, source_tool_name=STRING, field_id=STRING, label=STRING)
        ),
    ),
    "Submission": obj(
        ("tool", "submission_id", "status", "version", "data"),
        tool=STRING,
        submission_id=nullable(UUID),
        status=STRING,
        version=INTEGER,
        data=ANY_OBJECT,
        organization_id=nullable(UUID),
        created_at=nullable(TIME),
        updated_at=nullable(TIME),
        submitted_at=nullable(TIME),
        completed_at=nullable(TIME),
        archived_at=nullable(TIME),
    ),
    "SavedSubmission": {
        "allOf": [ref("Submission"), obj(("changed",), changed=BOOLEAN)],
    },
    "SubmitResult": {
        "allOf": [
            ref("Submission"),
            obj(("changed", "unlocked_tools"), changed=BOOLEAN, unlocked_tools=array(TOOL_REF)),
        ],
    },
    "StartOverResult": {
        "allOf": [ref("Submission"), obj(("archived_submission_id",), archived_submission_id=UUID)],
    },
    "Dependencies": obj(
        ("tool", "fields", "values", "missing"),
        tool=STRING,
        user_id=UUID,
        fields=array(
            obj(
                field_id=STRING,
                target_field=STRING,
                source_tool=STRING,
                source_sprint=INTEGER,
                label=STRING,
                required=BOOLEAN,
                value=ANY,
                submission_id=nullable(UUID),
            )
        ),
        values=ANY_OBJECT,
        missing=array(ANY),
    ),
    "Version": obj(
        ("submission_id", "version", "status"),
        submission_id=UUID,
        version=INTEGER,
        status=STRING,
        saved_at=TIME,
        archived_at=nullable(TIME),
        is_latest=BOOLEAN,
    ),
    "Progress": obj(
        ("user_id", "tools"),
        user_id=UUID,
        **COUNTS,
        tools=array(
            obj(
                slug=STRING,
                sprint_number=INTEGER,
                name=STRING,
                status=STATUS,
                progress_percentage=NUMBER,
                unlocked_at=nullable(TIME),
                started_at=nullable(TIME),
                completed_at=nullable(TIME),
            )
        ),
    ),
    "UserProgress": {
        "allOf": [
            ref("Progress"),
            obj(
                ("user",),
                user=obj(
                    id=UUID,
                    email=STRING,
                    full_name=nullable(STRING),
                    organization_id=nullable(UUID),
                ),
            ),
        ],
    },
    "OrganizationProgress": obj(
        ("organization", "members"),
        organization=obj(id=UUID, name=STRING, slug=STRING),
        members=array(
            obj(
                user=obj(id=UUID, email=STRING, full_name=nullable(STRING), role=ROLE),
                **{**COUNTS, "next_tool": nullable(TOOL_REF)},
            )
        ),
    ),
    "User": obj(
        ("id", "email", "role"),
        id=UUID,
        email=STRING,
        full_name=nullable(STRING),
        role=ROLE,
        organization_id=nullable(UUID),
        lms_user_id=nullable(STRING),
        created_at=TIME,
        last_login=nullable(TIME),
    ),
    "UserPage": obj(
        ("users", "next_cursor"), users=array(ref("User")), next_cursor=nullable(STRING)
    ),
    "UserOrganizationChange": obj(
        ("user", "submissions_moved"), user=ref("User"), submissions_moved=INTEGER
    ),
    "Organization": obj(
        ("id", "name", "slug"),
        id=UUID,
        name=STRING,
        slug=STRING,
        settings=ANY_OBJECT,
        created_at=TIME,
        updated_at=TIME,
        member_count=INTEGER,
        gurus=array(obj(id=UUID, email=STRING, full_name=nullable(STRING))),
    ),
    "ProgressRow": obj(
        ("user_id", "tool_slug", "status"),
        user_id=UUID,
        tool_slug=STRING,
        status=STATUS,
        unlocked_at=nullable(TIME),
        started_at=nullable(TIME),
        completed_at=nullable(TIME),
    ),
    "GuruAssignment": obj(
        ("organization_id", "user_id"),
        organization_id=UUID,
        user_id=UUID,
        assigned_at=TIME,
        unassigned=BOOLEAN,
    ),
    "AuditEntry": obj(
        ("id", "action", "target_type", "target_id", "at"),
        id=INTEGER,
        actor_id=nullable(UUID),
        action=STRING,
        target_type=STRING,
        target_id=STRING,
        before=ANY,
        after=ANY,
        at=TIME,
    ),
    "Tokens": obj(
        ("access_token", "token_type", "expires_in", "user"),
        access_token=STRING,
        token_type={"type": "string", "const": "Bearer"},
        expires_in=INTEGER,
        user=ref("User"),
    ),
    "SsoFields": obj(
        ("user_id", "email", "name", "timestamp", "signature"),
        user_id=STRING,
        email=STRING,
        name=STRING,
        timestamp={"oneOf": [INTEGER, {"type": "string", "pattern": "^[0-9]+$"}]},
        signature={"type": "string", "description": "hex HMAC-SHA256 of user_id|email|name|ts"},
    ),
    "AssistAnswer": obj(("answer", "request_id"), answer=STRING, request_id=UUID),
    "AiRequest": obj(
        ("id", "user_id", "tool_slug", "requested_at", "outcome"),
        id=UUID,
        user_id=UUID,
        tool_slug=STRING,
        requested_at=TIME,
        question_chars=INTEGER,
        outcome={
            "type": "string",
            "enum": ["pending", "ok", "error", "timeout", "malformed", "unavailable"],
        },
        latency_ms=nullable(INTEGER),
        answer={**nullable(STRING), "description": "kept only when AI_STORE_ANSWERS is on"},
    ),
    "OutboxEvent": obj(
        ("id", "event_type", "tool_slug", "status", "attempts", "created_at"),
        id=UUID,
        event_type={"type": "string", "enum": ["tool_completed", "tool_unlocked"]},
        user_id=nullable(UUID),
        tool_slug=STRING,
        payload=ANY_OBJECT,
        created_at=TIME,
        status=EVENT_STATUS,
        attempts=INTEGER,
        next_attempt_at=TIME,
        locked_until=nullable(TIME),
        delivered_to=array(STRING),
        last_error=nullable(STRING),
        delivered_at=nullable(TIME),
    ),
    "EventRetry": obj(("event_id", "status"), event_id=UUID, status=EVENT_STATUS),
    "ExportBundle": obj(
        (
            "format_version",
            "program",
            "generated_at",
            "user",
            "organization",
            "tool",
            "submission",
            "answers",
            "outputs",
            "dependencies",
            "sections",
        ),
        format_version={"type": "integer", "const": 1},
        program=STRING,
        generated_at=TIME,
        user=obj(("id", "email"), id=UUID, email=STRING, full_name=nullable(STRING)),
        organization=nullable(obj(("id", "name"), id=UUID, name=STRING)),
        tool=obj(
            ("slug", "name", "sprint_number", "module"),
            slug=STRING,
            name=STRING,
            sprint_number=INTEGER,
            description=nullable(STRING),
            module=obj(id=INTEGER, name=STRING),
        ),
        submission=obj(
            ("submission_id", "status", "version", "is_draft"),
            submission_id=UUID,
            status=STRING,
            version=INTEGER,
            is_draft={"type": "boolean", "description": "not submitted, or edited since"},
            organization_id=nullable(UUID),
            created_at=nullable(TIME),
            updated_at=nullable(TIME),
            submitted_at=nullable(TIME),
            completed_at=nullable(TIME),
            archived_at=nullable(TIME),
        ),
        answers={**ANY_OBJECT, "description": "the submission's data, as saved"},
        outputs=array(
            obj(
                ("field_id", "label", "type", "required", "value"),
                field_id=STRING,
                label=nullable(STRING),
                type=STRING,
                required=BOOLEAN,
                value=ANY,
            )
        ),
        dependencies=array(
            obj(
                ("source_tool", "field_id", "target_field", "required", "value"),
                source_tool=STRING,
                source_tool_name=STRING,
                source_sprint=INTEGER,
                field_id=STRING,
                label=nullable(STRING),
                target_field=STRING,
                required=BOOLEAN,
                value={"description": "the submitted value; null when not provided yet"},
            )
        ),
        sections={
            **nullable(
                array(
                    obj(
                        ("tool", "status", "outputs"),
                        tool=obj(
                            slug=STRING,
                            name=STRING,
                            sprint_number=INTEGER,
                            description=nullable(STRING),
                            module=STRING,
                        ),
                        status=nullable(STATUS),
                        completed_at=nullable(TIME),
                        outputs=array(
                            obj(field_id=STRING, label=nullable(STRING), type=STRING, value=ANY)
                        ),
                    )
                )
            ),
            "description": "program-overview only: sprints 0 to 29 in order; null otherwise",
        },
    ),
    "WebhookResult": obj(
        ("status",), status={"type": "string", "enum": ["processed", "duplicate", "ignored"]}
    ),
}

# -- operations ---------------------------------------------------------------------------------

ERRORS = {
    400: "Malformed body or parameter (INVALID_BODY, INVALID_PARAMETER)",
    401: "Missing, invalid or expired credentials",
    403: "Not allowed (FORBIDDEN)",
    404: "Unknown tool or record, or one the caller may not see",
    409: "Stale version or conflicting change",
    413: "Body over 256 KiB (PAYLOAD_TOO_LARGE)",
    422: "Invalid data (e.g. MISSING_REQUIRED_OUTPUTS)",
    423: "The tool is locked (TOOL_LOCKED)",
    429: "Rate limited (RATE_LIMITED); see Retry-After",
    502: "The AI assistant failed or sent an unreadable reply (AI_UPSTREAM_ERROR, AI_BAD_REPLY)",
    503: "The database, or the AI assistant (AI_NOT_CONFIGURED, AI_UNAVAILABLE, AI_UNREACHABLE), "
    "is unavailable; see Retry-After",
    504: "The AI assistant did not answer in time (AI_TIMEOUT)",
}
PATH_PARAMETERS: dict[str, Schema] = {
    "slug": SLUG,
    "user_id": UUID,
    "organization_id": UUID,
    "submission_id": UUID,
    "version": {"type": "integer", "minimum": 0},
    "event_id": UUID,
}
BEARER = [{"bearerAuth": []}]
REFRESH_COOKIE = [{"refreshCookie": []}]


def envelope(schema: Schema) -> Schema:
    return obj(("data", "meta"), data=schema, meta=ANY_OBJECT)


def json_content(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def operation(
    summary: str,
    returns: Schema | None,
    *,
    security: list[dict[str, list[str]]] | None = BEARER,
    body: Schema | None = None,
    query: dict[str, Schema] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    path_parameters: tuple[str, ...] = (),
    database: bool = True,
    wrapped: bool = True,
) -> dict[str, Any]:
    """One operation; `database=False` for routes that never fail for want of the database,
    `wrapped=False` for a body that is not in the envelope (this document itself)."""
    op: dict[str, Any] = {"summary": summary, "security": security or []}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name]}
        for name in path_parameters
    ] + [
        # The service reads an empty value (?limit=) as no value at all.
        {"name": name, "in": "query", "required": False, "allowEmptyValue": True, "schema": schema}
        for name, schema in (query or {}).items()
    ]
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": json_content(body)}
    responses: dict[str, Any] = {}
    body_schema = returns if returns is not None else ANY
    if status == 302:
        responses["302"] = {"description": "Redirect to FRONTEND_URL, the token in the fragment"}
    else:
        responses[str(status)] = {
            "description": summary,
            "content": json_content(envelope(body_schema) if wrapped else body_schema),
        }
    implied = (401, 429) if security == BEARER else ()
    implied += (400, 413) if body is not None else ()
    implied += (404,) if path_parameters else ()
    implied += (503,) if database else ()
    for code in sorted({*errors, *implied}):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    op["responses"] = responses
    return op


def params(path: str) -> tuple[str, ...]:
    return tuple(part[1:-1] for part in path.split("/") if part.startswith("{"))


def with_pdf(op: dict[str, Any]) -> dict[str, Any]:
    """An export: its 200 is the JSON envelope or, with ?format=pdf, the PDF; both downloads."""
    ok = op["responses"]["200"]
    ok["content"]["application/pdf"] = {
        "schema": {"type": "string", "contentMediaType": "application/pdf"}
    }
    ok["headers"] = {
        "Content-Disposition": {
            "description": 'attachment; filename="fast-track-sprint-02-dream-2026-11-22.pdf"',
            "schema": STRING,
        }
    }
    return op


def build_paths() -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = {}

    def add(method: str, path: str, summary: str, returns: Schema | None, **kw: Any) -> None:
        paths.setdefault(path, {})[method] = operation(
            summary, returns, path_parameters=params(path), **kw
        )

    public = {"security": None}
    version_body = obj(("version",), version=PATH_PARAMETERS["version"], data=ANY_OBJECT)

    add(
        "get",
        "/health",
        "Liveness (no database access)",
        obj(status=STRING),
        database=False,
        **public,
    )
    add("get", "/ready", "Readiness: database reachable and migrated", ANY_OBJECT, **public)
    add(
        "get",
        "/api/openapi.json",
        "This document",
        ANY_OBJECT,
        database=False,
        wrapped=False,
        **public,
    )

    add(
        "get",
        "/api/tools",
        "All tools in sprint order with the caller's status",
        array(ref("ToolSummary")),
    )
    add(
        "get",
        "/api/tools/{slug}",
        "A tool, its outputs, dependencies and the caller's status",
        ref("Tool"),
    )
    add(
        "get",
        "/api/tools/{slug}/data",
        "The caller's active submission, or an empty draft",
        ref("Submission"),
    )
    add(
        "post",
        "/api/tools/{slug}/data",
        "Save a draft",
        ref("SavedSubmission"),
        body=obj(("data", "version"), data=ANY_OBJECT, version=PATH_PARAMETERS["version"]),
        errors=(409, 422, 423),
    )
    add(
        "post",
        "/api/tools/{slug}/submit",
        "Submit; lists the tools this unlocked",
        ref("SubmitResult"),
        body=version_body,
        errors=(409, 422, 423),
    )
    add(
        "get",
        "/api/tools/{slug}/dependencies",
        "Resolved values from earlier tools",
        ref("Dependencies"),
    )
    add("get", "/api/tools/{slug}/versions", "Saved versions, newest first", array(ref("Version")))
    add(
        "post",
        "/api/tools/{slug}/versions/{submission_id}/{version}/restore",
        "Save an earlier version's data again",
        ref("SavedSubmission"),
        errors=(409, 423),
    )
    add(
        "post",
        "/api/tools/{slug}/start-over",
        "Archive the active submission, open an empty one",
        ref("StartOverResult"),
        errors=(423,),
    )
    add("get", "/api/progress", "The caller's progress and next tool", ref("Progress"))
    add(
        "post",
        "/api/tools/{slug}/assist",
        "Ask the AI assistant (n8n) about a tool; the agent sees the caller's data for it",
        ref("AssistAnswer"),
        body=obj(("question",), question={"type": "string", "minLength": 1, "maxLength": 2000}),
        errors=(422, 502, 504),
    )

    add(
        "get",
        "/api/users/{user_id}/progress",
        "A user's progress (self, their guru, admin)",
        ref("UserProgress"),
    )
    add(
        "get",
        "/api/users/{user_id}/tools/{slug}/data",
        "A user's submission of a tool",
        ref("Submission"),
    )

    export_query = {"format": {"type": "string", "enum": ["json", "pdf"], "default": "json"}}
    for path, summary in (
        ("/api/tools/{slug}/export", "Export the caller's work on a tool, as JSON or a PDF"),
        ("/api/users/{user_id}/tools/{slug}/export", "Export a user's work on a tool"),
    ):
        add("get", path, summary, ref("ExportBundle"), query=export_query, errors=(400,))
        with_pdf(paths[path]["get"])
    add(
        "get",
        "/api/organizations/{organization_id}/progress",
        "Every member's progress",
        ref("OrganizationProgress"),
    )

    admin = {"errors": (403,)}
    add(
        "post",
        "/api/admin/users/{user_id}/tools/{slug}/unlock",
        "Unlock a tool for a user",
        ref("ProgressRow"),
        errors=(403, 409),
    )
    add(
        "put",
        "/api/admin/users/{user_id}/role",
        "Change a user's role",
        ref("User"),
        body=obj(("role",), role=ROLE),
        errors=(403, 409, 422),
    )
    add("get", "/api/admin/organizations", "All organizations", array(ref("Organization")), **admin)
    add(
        "post",
        "/api/admin/organizations",
        "Create an organization",
        ref("Organization"),
        status=201,
        body=obj(("name", "slug"), name=STRING, slug=STRING, settings=ANY_OBJECT),
        errors=(403, 409, 422),
    )
    add(
        "patch",
        "/api/admin/organizations/{organization_id}",
        "Change an organization",
        ref("Organization"),
        body=obj(name=STRING, slug=STRING, settings=ANY_OBJECT),
        errors=(403, 409, 422),
    )
    add(
        "get",
        "/api/admin/users",
        "Users by email, filtered, one page at a time",
        ref("UserPage"),
        errors=(400, 403, 422),  # 422: a limit out of range, a cursor this API never gave
        query={
            "organization_id": UUID,
            "search": STRING,
            "cursor": STRING,
            "limit": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
        },
    )
    add(
        "put",
        "/api/admin/users/{user_id}/organization",
        "Move a user to an organization",
        ref("UserOrganizationChange"),
        body=obj(("organization_id",), organization_id=nullable(UUID), move_work=BOOLEAN),
        errors=(403, 409, 422),
    )
    add(
        "put",
        "/api/admin/organizations/{organization_id}/gurus/{user_id}",
        "Assign a guru to an organization",
        ref("GuruAssignment"),
        errors=(403, 422),
    )
    add(
        "delete",
        "/api/admin/organizations/{organization_id}/gurus/{user_id}",
        "Unassign a guru from an organization",
        ref("GuruAssignment"),
        **admin,
    )
    add(
        "get",
        "/api/admin/audit",
        "Admin changes, newest first",
        array(ref("AuditEntry")),
        errors=(400, 403, 422),
        query={
            "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
            "before_id": INTEGER,
        },
    )

    page = {"limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}}
    add(
        "get",
        "/api/admin/ai-requests",
        "AI assistant requests, newest first",
        array(ref("AiRequest")),
        errors=(400, 403, 422),
        query={**page, "before": TIME},
    )
    add(
        "get",
        "/api/admin/events",
        "Completion events, newest first, optionally by status",
        array(ref("OutboxEvent")),
        errors=(400, 403, 422),
        query={"status": EVENT_STATUS, **page, "before": TIME, "before_id": UUID},
    )
    add(
        "post",
        "/api/admin/events/{event_id}/retry",
        "Send a dead event again",
        ref("EventRetry"),
        errors=(403, 409),
    )

    add(
        "post",
        "/api/auth/sso",
        "Sign in with a LearnWorlds SSO signature",
        ref("Tokens"),
        body=ref("SsoFields"),
        errors=(401, 429),
        **public,
    )
    paths["/api/auth/sso"]["get"] = operation(
        "Sign in from a LearnWorlds link; redirects to FRONTEND_URL#access_token=...",
        None,
        security=None,
        status=302,
        errors=(401, 429),
        query={name: ANY for name in ("user_id", "email", "name", "timestamp", "signature")},
    )
    add(
        "post",
        "/api/auth/refresh",
        "Rotate the refresh cookie, get a new access token",
        ref("Tokens"),
        security=REFRESH_COOKIE,
        errors=(401, 429),
    )
    add(
        "post",
        "/api/auth/logout",
        "Revoke the refresh cookie",
        obj(status=STRING),
        security=[*REFRESH_COOKIE, {}],  # without a cookie there is nothing to revoke: 200
    )
    add("get", "/api/auth/me", "The signed-in user", ref("User"))
    add(
        "post",
        "/api/webhooks/learnworlds",
        "LearnWorlds events (signed raw body)",
        ref("WebhookResult"),
        body=ANY_OBJECT,
        errors=(401,),
        **public,
    )
    return paths


def build_document() -> dict[str, Any]:
    error_schema = json_content(ref("Error"))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Fast Track API",
            "version": "1.0.0",
            "description": "Tools, progress and administration for the Fast Track program. "
            'Success: {"data": ..., "meta": {...}}; failure: {"error": {"code", "message", '
            '"details"}}.',
        },
        "paths": build_paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "refreshCookie": {"type": "apiKey", "in": "cookie", "name": "refresh_token"},
            },
            "responses": {
                f"E{code}": {"description": description, "content": error_schema}
                for code, description in ERRORS.items()
            },
        },
    }


DOCUMENT = build_document()


@bp.get("/api/openapi.json")
def openapi() -> dict[str, Any]:
    return DOCUMENT
