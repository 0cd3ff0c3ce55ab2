"""The README's walk-through says what a new user sees: its claims are checked against the
registry, and its commands use only shell variables that it defines."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fasttrack.settings import variables

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BASH_BLOCKS = re.findall(r"^```bash\n(.*?)^```", README, re.MULTILINE | re.DOTALL)
UNLOCKED_CLAIM = re.compile(r"\$API/tools +# 31 tools; unlocked at the start: (.+)$", re.MULTILINE)


def tools_without_a_required_dependency() -> list[str]:
    """What a new user finds unlocked: the tools no required field holds back, in sprint order."""
    registry = json.loads((ROOT / "config" / "tool-registry.json").read_text(encoding="utf-8"))
    dependencies = json.loads((ROOT / "config" / "dependencies.json").read_text(encoding="utf-8"))
    reads = dependencies["dependencies"]
    return [
        tool["slug"]
        for tool in sorted(registry["tools"], key=lambda tool: tool["sprint_number"])
        if not any(dependency["required"] for dependency in reads.get(tool["slug"], []))
    ]


def test_the_walkthrough_names_every_tool_a_new_user_finds_unlocked() -> None:
    claims = UNLOCKED_CLAIM.findall(README)
    assert len(claims) == 1, "the walk-through's `curl ... $API/tools` line and its comment"
    assert claims[0].split(", ") == tools_without_a_required_dependency()


def test_every_shell_variable_the_examples_use_is_defined_in_them_or_a_setting() -> None:
    commands = "\n".join(BASH_BLOCKS)
    used = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", commands))
    assigned = set(re.findall(r"(?:^|[\s;(])(?:export )?([A-Z][A-Z0-9_]*)=", commands, re.M))
    settings = {variable.name for _field, variable, _default in variables()}
    assert used - assigned - settings == set(), "define them in the walk-through"
