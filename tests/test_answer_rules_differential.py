"""One truth, proven: the SQL check (shared.answer_problems, compiled from the registry) and a
reference JSON Schema validator over the published schema agree, for every tool, on many
generated answer documents: valid ones and mutations of the registry example (wrong types, too
long or short, too many or few items, unknown keys in rows, bad choices, fractional integers,
impossible dates, nulls, missing answers). They must agree on valid/invalid and on the paths
that are wrong. One connection; each generated batch is checked in one SQL call."""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections import deque
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from support.program import tools_in_sprint_order

TOOLS = tools_in_sprint_order()
CEILING = {"text": 20000, "list": 200, "table": 500}
# what PostgreSQL's jsonb can hold: no NUL, no lone surrogates
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8)
WRONG = st.sampled_from(["text", 7, 2.5, True, [], ["x"], {}, {"x": 1}])


def _format_bound(minimum: bool):
    def check(validator, bound, instance, schema):
        # like every format keyword, it speaks of strings only (a number is the type's problem)
        if not isinstance(instance, str) or not validator.format_checker.conforms(instance, "date"):
            return
        if (instance < bound) if minimum else (instance > bound):
            yield jsonschema.ValidationError(f"{instance} is out of range")

    return check


# formatMinimum/formatMaximum (ajv-formats' date-range keywords) are not in the 2020-12 vocabulary
Validator = jsonschema.validators.extend(
    Draft202012Validator,
    {"formatMinimum": _format_bound(True), "formatMaximum": _format_bound(False)},
)


def lengths(low: int, high: int) -> st.SearchStrategy[int]:
    """Sizes around the limits, and any size in between."""
    near = [n for n in (low - 1, low, low + 1, high - 1, high, high + 1) if n >= 0]
    return st.one_of(st.sampled_from(near), st.integers(low, min(high, low + 4)))


def value(rule: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Answers for one rule: mostly plausible, often just outside a limit, sometimes wrong."""
    kind = rule.get("type", "text")
    if kind == "text":
        low, high = rule.get("min_length", 0), rule.get("max_length", CEILING["text"])
        good = st.builds(lambda n, c: (c or "a") * n, lengths(low, high), st.sampled_from("aé Z"))
        plausible = st.one_of(good, TEXT)
    elif kind in ("number", "integer"):
        low, high = rule.get("minimum", -1000), rule.get("maximum", 1000)
        plausible = st.one_of(
            st.sampled_from([low, high, low - 1, high + 1, (low + high) / 2]),
            st.integers(int(low) - 2, int(high) + 2),
            st.floats(low - 1, high + 1, allow_nan=False, allow_infinity=False),
        )
    elif kind == "boolean":
        plausible = st.booleans()
    elif kind == "date":
        plausible = st.one_of(
            st.dates().map(datetime.date.isoformat),
            st.sampled_from(
                [
                    rule.get("minimum", "2024-01-01"),
                    rule.get("maximum", "2030-12-31"),
                    *("2023-02-30", "2023-13-01", "2023-1-5", "0000-01-01", "2024-02-29"),
                ]
            ),
        )
    elif kind == "choice":
        plausible = st.one_of(st.sampled_from(rule["choices"]), st.sampled_from(["", "other", 99]))
    elif kind == "list":
        item = rule.get("items", {"type": "text"})
        low, high = rule.get("min_items", 0), rule.get("max_items", CEILING["list"])
        plausible = st.one_of(
            st.lists(value(item), min_size=max(low - 1, 0), max_size=min(low + 2, high + 1)),
            st.builds(lambda v, n: [v] * n, value(item), st.sampled_from([high, high + 1])),
        )
    elif kind == "table":
        low, high = rule.get("min_items", 0), rule.get("max_items", CEILING["table"])
        row = members(rule["columns"])
        plausible = st.one_of(
            st.lists(
                st.one_of(row, row, row, WRONG, st.none()),
                min_size=max(low - 1, 0),
                max_size=low + 2,
            ),
            st.builds(lambda v, n: [v] * n, row, st.sampled_from([high, high + 1])),
        )
    else:
        plausible = members(rule["keys"])
    return st.one_of(plausible, plausible, plausible, WRONG, st.none())


def members(declared: list[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A table row or an object: some declared keys answered, some left out, sometimes one extra."""
    return st.builds(
        lambda values, keep, extra: {
            **{m["key"]: v for m, v, k in zip(declared, values, keep, strict=True) if k},
            **extra,
        },
        st.tuples(*(value(m) for m in declared)),
        st.tuples(*(st.booleans() for _ in declared)),
        st.one_of(
            st.just({}),
            st.just({}),
            st.dictionaries(st.sampled_from(["extra", "notes_2"]), TEXT, max_size=1),
        ),
    )


def document(tool: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The tool's example with a few outputs answered differently or removed."""
    outputs = tool["outputs"]

    def build(changes):
        doc = copy.deepcopy(tool["example"])
        for index, new, remove in changes:
            *parents, leaf = outputs[index]["field_id"].split(".")
            node = doc
            for step in parents:
                node = node[step]
            if remove:
                node.pop(leaf, None)
            else:
                node[leaf] = new
        return doc

    change = st.integers(0, len(outputs) - 1).flatmap(
        lambda i: (
            st.tuples(st.just(i), value(outputs[i]), st.just(False))
            | st.tuples(st.just(i), st.none(), st.just(True))
        )
    )
    return st.lists(change, max_size=3).map(build)


def path_text(steps) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def schema_paths(validator, doc: dict[str, Any]) -> set[str]:
    paths = set()
    for error in validator.iter_errors(doc):
        steps = deque(error.absolute_path)
        if error.validator == "required":
            steps.append(re.match(r"'(.*)' is a required property", error.message).group(1))
        elif error.validator == "additionalProperties":
            for key in set(error.instance) - set(error.schema["properties"]):
                paths.add(path_text([*steps, key]))
            continue
        paths.add(path_text(steps))
    return paths


@pytest.fixture(scope="module")
def rules_db(migrated_url_factory):
    from support import connect

    with connect(migrated_url_factory()) as connection:
        schemas = {
            row["slug"]: row["answer_schema"]
            for row in connection.execute("select slug, answer_schema from shared.tools")
        }
        yield connection, schemas


def test_every_published_schema_is_valid_json_schema_2020_12(rules_db):
    _, schemas = rules_db
    assert len(schemas) == 31
    for slug, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", slug
        assert schema["examples"] == [next(t for t in TOOLS if t["slug"] == slug)["example"]]


BATCH = st.tuples(*(st.lists(document(t), min_size=1, max_size=3) for t in TOOLS))


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(batch=BATCH)
def test_sql_check_and_json_schema_agree_for_every_tool(rules_db, batch):
    conn, schemas = rules_db
    slugs, docs = [], []
    for tool, tool_docs in zip(TOOLS, batch, strict=True):
        for doc in [tool["example"], *tool_docs]:
            slugs.append(tool["slug"])
            docs.append(json.dumps(doc))
    rows = conn.execute(
        "select b.i, shared.answer_problems(b.slug, b.doc::jsonb) as problems"
        "  from unnest(%s::text[], %s::text[]) with ordinality as b (slug, doc, i) order by b.i",
        (slugs, docs),
    ).fetchall()
    validators = {
        slug: Validator(schema, format_checker=FormatChecker()) for slug, schema in schemas.items()
    }
    for slug, doc, row in zip(slugs, docs, rows, strict=True):
        data = json.loads(doc)
        sql_paths = {p["path"] for p in row["problems"]}
        assert sql_paths == schema_paths(validators[slug], data), (slug, doc, row["problems"])
