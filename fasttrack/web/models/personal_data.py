"""A person's data: the erasure's answer and its optional body (the export is a zip file)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, NotRequired
from uuid import UUID

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict


class Erasure(TypedDict):
    status: Annotated[
        Literal["erased", "already_erased"],
        Field(description="already_erased: this id was erased before; nothing more to do"),
    ]
    user_id: UUID
    erased_at: datetime
    marker: NotRequired[
        Annotated[UUID, Field(description="the random id that stands for them in the history")]
    ]
    removed: NotRequired[dict[str, int]]
    anonymised: NotRequired[dict[str, int]]


@with_config(ConfigDict(extra="forbid"))
class ErasureReason(TypedDict):
    reason: NotRequired[Annotated[str, Field(max_length=500)]]
