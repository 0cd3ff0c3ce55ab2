"""A believable company's answers to all 31 tools, for exports people look at.

They are the registry's examples (`"example"` of each tool in config/tool-registry.json): one
leader of one company, Harbor & Pine Furniture, filling every output the way a leader would
(paragraphs, lists, tables with their declared columns, objects with their declared keys), valid
under each tool's answer rules. The export tests and a look at the rendered PDFs exercise real
shapes with them; `answers_for` in program.py builds on the same examples.
"""

from __future__ import annotations

from typing import Any

from support.program import registry

COMPANY = "Harbor & Pine Furniture"
LEADER = "Maria Jensen"

SHOWCASE: dict[str, dict[str, Any]] = {
    tool["slug"]: tool["example"] for tool in registry()["tools"]
}


def showcase_answers(slug: str) -> dict[str, Any]:
    return SHOWCASE[slug]
