"""The image and its deployments, checked without a Docker engine: the Dockerfile's entry point,
command and health check, docker-compose.yml against the Compose Specification's JSON Schema
(vendored in tests/support/schemas/) and its order of start, and both Railway services. That the
commands they name really run is tests/http/test_entrypoint.py's business."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ENTRYPOINT = "bin/docker-entrypoint"
COMPOSE_SCHEMA = REPO / "tests/support/schemas/compose-spec.json"


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of each instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def instruction(name: str) -> list[str]:
    return [arguments for found, arguments in dockerfile() if found == name]


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_the_image_runs_one_entry_script_with_web_as_its_default_command():
    assert [json.loads(entry) for entry in instruction("ENTRYPOINT")] == [[ENTRYPOINT]]
    assert [json.loads(command) for command in instruction("CMD")] == [["web"]]
    assert (REPO / ENTRYPOINT).stat().st_mode & 0o111


def test_the_health_check_asks_ready():
    [check] = instruction("HEALTHCHECK")
    assert json.loads(check.split("CMD", 1)[1]) == ["bin/healthcheck"]
    assert "/ready" in (REPO / "bin/healthcheck").read_text()
    assert (REPO / "bin/healthcheck").stat().st_mode & 0o111


def test_the_image_installs_the_runtime_requirements_only():
    installs = [run for run in instruction("RUN") if "pip install" in run]
    assert installs == ["pip install -r requirements.txt"]
    assert [copy for copy in instruction("COPY") if "requirements" in copy] == [
        "requirements.txt ."
    ]
    ignored = (REPO / ".dockerignore").read_text().split()
    for kept_out in ("tests", "bench", "devtools", "requirements-dev.txt", ".venv"):
        assert kept_out in ignored


def test_the_compose_file_is_valid_compose():
    schema = json.loads(COMPOSE_SCHEMA.read_text())

    jsonschema.Draft7Validator(schema).validate(compose())


def test_a_compose_file_with_a_mistake_is_refused_by_the_same_check():
    """The check can fail: a misspelt key and a bad condition are schema errors."""
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    broken = compose()
    broken["services"]["web"]["depends_on"]["migrate"]["condition"] = "service_done"
    broken["services"]["worker"]["comand"] = ["worker"]

    errors = list(jsonschema.Draft7Validator(schema).iter_errors(broken))

    assert len(errors) >= 2


def test_compose_runs_postgresql_15_then_migrate_once_then_web_and_worker():
    services = compose()["services"]

    assert services["db"]["image"] == "postgres:15"
    assert services["db"]["healthcheck"]["test"]
    migrate = services["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker"):
        assert services[name]["command"] == [name]
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    assert {services[name]["build"] for name in ("migrate", "web", "worker")} == {"."}
    assert services["worker"]["healthcheck"] == {"disable": True}
    assert "healthcheck" not in services["web"]  # the image's: GET /ready
    assert services["web"]["ports"] == ["${PORT:-8000}:8000"]
    database = services["web"]["environment"]["DATABASE_URL"]
    assert database == services["worker"]["environment"]["DATABASE_URL"]
    assert database.endswith("@db:5432/fasttrack")
    assert "WEBHOOK_URLS" in services["worker"]["environment"]


RAILWAY = {"railway.json": "web", "railway.worker.json": "worker"}


@pytest.mark.parametrize(("path", "process"), RAILWAY.items())
def test_each_railway_service_builds_the_dockerfile_and_starts_its_process_type(path, process):
    config = json.loads((REPO / path).read_text())

    assert config["build"] == {"builder": "DOCKERFILE", "dockerfilePath": "Dockerfile"}
    assert shlex.split(config["deploy"]["startCommand"]) == [ENTRYPOINT, process]
    assert config["deploy"]["restartPolicyType"] == "ON_FAILURE"


def test_railway_migrates_before_each_web_deploy_and_checks_ready():
    web = json.loads((REPO / "railway.json").read_text())["deploy"]
    worker = json.loads((REPO / "railway.worker.json").read_text())["deploy"]

    assert [shlex.split(command) for command in web["preDeployCommand"]] == [
        [ENTRYPOINT, "migrate"]
    ]
    assert web["healthcheckPath"] == "/ready"
    assert "healthcheckPath" not in worker and "preDeployCommand" not in worker
