"""The shapes the API reads and answers, as typed dicts: the OpenAPI document's schemas.

They describe; they do not validate (the route checks in fasttrack/web/inputs.py do, before any
database call). fasttrack/web/contract.py turns them into JSON Schema with pydantic, once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired
from uuid import UUID

from pydantic import Field
from typing_extensions import TypedDict

from fasttrack.text_rules import MAX_SLUG_LENGTH, SLUG_PATTERN

AnyObject = dict[str, Any]
Slug = Annotated[str, Field(pattern=f"^{SLUG_PATTERN}$", max_length=MAX_SLUG_LENGTH)]
Status = Literal["locked", "unlocked", "in_progress", "completed"]
Role = Literal["user", "guru", "admin"]
EventStatus = Literal["pending", "delivered", "dead"]
VersionNumber = Annotated[int, Field(ge=0, le=2**31 - 1)]  # a submission version (integer)
BigintId = Annotated[int, Field(ge=-(2**63 - 1), le=2**63 - 1)]  # an id of a bigint column


def limit(maximum: int, default: int) -> Any:
    """A page size query parameter: 1 to `maximum`, `default` when absent."""
    return Annotated[int, Field(ge=1, le=maximum, json_schema_extra={"default": default})]


class ToolRef(TypedDict):
    slug: str
    name: str
    sprint_number: int


class UserRef(TypedDict):
    id: NotRequired[UUID]
    email: NotRequired[str]
    full_name: NotRequired[str | None]


class Module(TypedDict):
    id: NotRequired[int]
    name: NotRequired[str]
