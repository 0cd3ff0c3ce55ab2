"""The README's configuration tables are the settings declarations (fasttrack/settings.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devtools.settings_table import HEADINGS, TABLE_HEAD, rows, table
from fasttrack.settings import Settings, variables

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
REGENERATE = "paste the output of `python -m devtools.settings_table` into README.md"
# A table row whose first cell names environment variables: | `NAME` | or | `HOST`, `PORT` |
VARIABLE_ROW = re.compile(r"^\| `[A-Z][A-Z0-9_]*`(?:, `[A-Z][A-Z0-9_]*`)* \|.*\|$", re.MULTILINE)


def readme_section(heading: str) -> str:
    """The README's text from `heading` up to the next heading of the same level."""
    start = README.index(f"{heading}\n")
    following = README.find("\n## ", start + len(heading))
    return README[start : None if following == -1 else following]


@pytest.mark.parametrize("section", HEADINGS)
def test_each_readme_table_lists_its_variables_with_their_defaults(section):
    assert table(section) in readme_section(HEADINGS[section]), (
        f"the table under {HEADINGS[section]!r} differs from the declarations: {REGENERATE}"
    )


def documented_rows() -> list[str]:
    """Every row of a variable table, and any row elsewhere that looks like one."""
    lines = README.splitlines()
    table_rows: list[str] = []
    for number, line in enumerate(lines):
        if line == TABLE_HEAD.splitlines()[0]:
            for row in lines[number + 2 :]:
                if not row.startswith("|"):
                    break
                table_rows.append(row)
    strays = [row for row in VARIABLE_ROW.findall(README) if row not in table_rows]
    return table_rows + strays


def test_the_readme_has_no_row_for_a_variable_that_is_not_declared():
    declared = [row for section in HEADINGS for row in rows(section)]
    documented = documented_rows()
    assert sorted(documented) == sorted(declared), (
        f"extra or repeated rows {sorted(set(documented) - set(declared))}, "
        f"missing {sorted(set(declared) - set(documented))}: {REGENERATE}"
    )


def test_every_declared_variable_is_read_by_from_env():
    names = [variable.name for _field, variable, _default in variables()]
    assert len(names) == len(set(names)), "a variable is declared twice"
    defaults = Settings.from_env({})
    for field_name, _variable, default in variables():
        if field_name != "jwt_secret_key":  # made up per process in development
            assert getattr(defaults, field_name) == default
