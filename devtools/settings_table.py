"""The README's configuration tables, rendered from the settings declarations.

    python -m devtools.settings_table

prints each table under the README heading it belongs to. fasttrack/settings.py is the one
source of every variable, default and meaning; tests/test_readme_settings.py fails while the
README's tables differ from this rendering.
"""

from __future__ import annotations

from typing import Any

from fasttrack.settings import Section, Variable, variables

# The README heading whose table lists a section's variables.
HEADINGS: dict[Section, str] = {
    "service": "## Configuration",
    "assistant": "## The AI assistant (n8n)",
    "worker": "## Completion events and the worker",
}
TABLE_HEAD = "| variable | default | meaning |\n| --- | --- | --- |"


def shown_default(variable: Variable, default: Any) -> str:
    """The default column: `none` when unset means off or absent, else the value in code."""
    if default is None or default == ():
        value = "none"
    elif isinstance(default, bool):
        value = f"`{str(default).lower()}`"
    elif isinstance(default, float) and default.is_integer():
        value = f"`{int(default)}`"
    else:
        value = f"`{default}`"
    return variable.shown_default.format(value)


def rows(section: Section) -> list[str]:
    """One markdown table row per variable of `section`, in declaration order."""
    return [
        f"| `{variable.name}` | {shown_default(variable, default)} | {variable.meaning} |"
        for _field, variable, default in variables()
        if variable.section == section
    ]


def table(section: Section) -> str:
    return "\n".join([TABLE_HEAD, *rows(section)])


def main() -> int:
    for section, heading in HEADINGS.items():
        print(f"{heading}\n\n{table(section)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
