"""Answer rules over HTTP: a save that breaks them is kept and lists its problems; a submit that
breaks them is a 422 INVALID_ANSWERS listing every problem and writing nothing; each tool's
answers are published as JSON Schema (2020-12), linked from the tool and from the OpenAPI
document."""

from __future__ import annotations

from jsonschema import Draft202012Validator, FormatChecker
from live_http import count_rows, data_of, error_of

from support.program import answers_for, tool

BAD_ENERGY = {
    "energy_audit": [
        {"activity": "Sales calls", "energy": "++"},
        {"energy": "-", "action": "Stop", "mood": "tired"},
    ],
    "body_mind_habits": ["Walk every morning", 7],
    "energy_commitments": [],
}
EXPECTED = [
    ("energy_audit", "min_items"),
    ("energy_audit[0].energy", "choices"),
    ("energy_audit[1].activity", "required"),
    ("energy_audit[1].mood", "unknown_key"),
    ("body_mind_habits[1]", "type"),
    ("energy_commitments", "required"),
]


def test_a_save_breaking_rules_is_kept_and_a_submit_lists_every_problem(live_server, conn):
    api = live_server.client(live_server.sso_login().access_token)

    saved = data_of(api.post("/api/tools/energy/data", json={"data": BAD_ENERGY, "version": 0}))
    assert saved["version"] == 1 and saved["data"] == BAD_ENERGY
    assert [(p["path"], p["rule"]) for p in saved["problems"]] == EXPECTED
    assert saved["problems"][2] == {
        "field_id": "energy_audit",
        "label": "Energy audit",
        "rule": "required",
        "message": "Energy audit, row 2: Activity is required.",
        "path": "energy_audit[1].activity",
    }

    refused = api.post("/api/tools/energy/submit", json={"version": 1})
    assert refused.status_code == 422
    error = error_of(refused)
    assert error["code"] == "INVALID_ANSWERS"
    assert [(p["path"], p["rule"]) for p in error["details"]["problems"]] == EXPECTED
    assert all(p["message"] in error["message"] for p in error["details"]["problems"])
    assert count_rows(conn, "sprint_07_energy.field_outputs") == 0
    row = conn.execute("select status, version, submitted_at from sprint_07_energy.submissions")
    assert row.fetchone() == {"status": "draft", "version": 1, "submitted_at": None}

    fixed = data_of(
        api.post("/api/tools/energy/submit", json={"version": 1, "data": answers_for("energy")})
    )
    assert fixed["status"] == "submitted"


def test_each_tool_publishes_its_answers_as_json_schema(live_server):
    api = live_server.client(live_server.sso_login().access_token)

    entry = data_of(api.get("/api/tools/goals"))
    assert entry["answer_schema_url"] == "/api/tools/goals/schema"
    schema = data_of(api.get(entry["answer_schema_url"]))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == tool("goals")["name"]
    assert schema["examples"] == [tool("goals")["example"]]
    quarterly = schema["properties"]["quarterly_goals"]
    assert quarterly["title"] == "Quarterly goals"
    assert quarterly["items"]["properties"]["metric"]["title"] == "Metric"
    assert quarterly["items"]["additionalProperties"] is False

    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    assert list(validator.iter_errors(tool("goals")["example"])) == []
    energy = Draft202012Validator(data_of(api.get("/api/tools/energy/schema")))
    paths = sorted(".".join(map(str, e.absolute_path)) for e in energy.iter_errors(BAD_ENERGY))
    # a missing property and an unknown one are reported on their row
    assert paths == [
        "body_mind_habits.1",
        "energy_audit",
        "energy_audit.0.energy",
        "energy_audit.1",
        "energy_audit.1",
        "energy_commitments",
    ]


def test_the_schema_of_an_unknown_tool_is_404_and_strangers_get_401(live_server):
    api = live_server.client(live_server.sso_login().access_token)
    missing = api.get("/api/tools/no-such-tool/schema")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "TOOL_NOT_FOUND"
    assert live_server.client().get("/api/tools/goals/schema").status_code == 401


def test_the_openapi_document_references_the_answer_schema(live_server):
    document = live_server.client().get("/api/openapi.json").json()
    operation = document["paths"]["/api/tools/{slug}/schema"]["get"]
    assert "JSON Schema" in operation["summary"]
    assert "AnswerSchema" in document["components"]["schemas"]
    assert "answer_schema_url" in document["components"]["schemas"]["Tool"]["properties"]
    saved = document["components"]["schemas"]["SavedSubmission"]
    assert "problems" in saved["properties"]
