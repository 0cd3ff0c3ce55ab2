"""Each route's contract, declared beside it: what it reads, what it answers, how it fails.

    @bp.post("/tools/<slug:slug>/data")
    @contract("Save a draft", returns=SavedSubmission, body=DraftBody, errors=(409, 422, 423))
    @authenticated
    def save_draft(slug: str) -> Json: ...

`contract` only records: it returns the view itself, so a request runs exactly the code it ran
without it (the checks in inputs.py stay the runtime validation). The types become JSON Schema
(pydantic) here, once, when the route modules are imported; fasttrack/web/openapi.py assembles
the document from the app's URL map and these records when the app is created.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema
from typing_extensions import is_typeddict

Schema = dict[str, Any]
Security = list[dict[str, list[str]]]
F = TypeVar("F", bound=Callable[..., Any])

CONTRACT_ATTRIBUTE = "__contract__"
BEARER: Security = [{"bearerAuth": []}]
REFRESH_COOKIE: Security = [{"refreshCookie": []}]
PUBLIC: Security = []
REF_TEMPLATE = "#/components/schemas/{model}"

# Every named schema the contracts refer to, by name: the document's components.schemas.
SCHEMAS: dict[str, Schema] = {}


class _WithoutFieldTitles(GenerateJsonSchema):
    """pydantic titles every property after its name; the document only needs the models'."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def schema_of(kind: Any) -> Schema:
    """`kind` (a typed dict, list[...], str | None, ...) as JSON Schema; the named shapes it
    uses go to SCHEMAS and are referred to by $ref. Two different shapes of one name fail."""
    if isinstance(kind, dict):  # already a schema
        return kind
    schema = TypeAdapter(kind).json_schema(
        ref_template=REF_TEMPLATE, schema_generator=_WithoutFieldTitles
    )
    for name, definition in schema.pop("$defs", {}).items():
        if SCHEMAS.setdefault(name, definition) != definition:
            raise ValueError(f"two different schemas are named {name}")
    if is_typeddict(kind):  # a named shape itself: referred to, like the shapes it uses
        name = kind.__name__
        if SCHEMAS.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas are named {name}")
        return {"$ref": REF_TEMPLATE.format(model=name)}
    return schema


@dataclass(frozen=True)
class Contract:
    """One operation as the document shows it; path parameters come from the route's rule."""

    summary: str
    returns: Schema
    body: Schema | None = None
    body_required: bool = True  # False: the body may be left out
    query: dict[str, Schema] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    status: int = 200
    security: Security | None = None  # None: bearer when @authenticated, else public
    database: bool = True  # False: never fails for want of the database (no 503)
    wrapped: bool = True  # False: the answer is not in the {"data", "meta"} envelope
    media: dict[str, Schema] = field(default_factory=dict)  # other content types of the answer
    headers: dict[str, Schema] = field(default_factory=dict)  # response headers of the answer
    # Other success answers by status (202 Accepted): {"description", "returns", "headers"}.
    also: dict[int, Schema] = field(default_factory=dict)


def contract(
    summary: str,
    *,
    returns: Any = None,
    body: Any = None,
    body_required: bool = True,
    query: dict[str, Any] | None = None,
    errors: tuple[int, ...] = (),
    status: int = 200,
    security: Security | None = None,
    database: bool = True,
    wrapped: bool = True,
    media: dict[str, Schema] | None = None,
    headers: dict[str, Schema] | None = None,
    also: dict[int, dict[str, Any]] | None = None,
) -> Callable[[F], F]:
    """Record the route's contract on its view (see the module's docstring)."""
    declared = Contract(
        summary=summary,
        returns=schema_of(returns) if returns is not None else {},
        body=schema_of(body) if body is not None else None,
        body_required=body_required,
        query={name: schema_of(kind) for name, kind in (query or {}).items()},
        errors=errors,
        status=status,
        security=security,
        database=database,
        wrapped=wrapped,
        media=media or {},
        headers=headers or {},
        also={
            code: {**answer, "returns": schema_of(answer["returns"])}
            for code, answer in (also or {}).items()
        },
    )

    def record(view: F) -> F:
        setattr(view, CONTRACT_ATTRIBUTE, declared)
        return view

    return record


def contract_of(view: Callable[..., Any]) -> Contract | None:
    return getattr(view, CONTRACT_ATTRIBUTE, None)
