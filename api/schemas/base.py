"""Base models: camelCase JSON, unknown fields refused on input."""

import base64
import binascii
from datetime import time
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, WithJsonSchema
from pydantic.alias_generators import to_camel

from api.errors import AppError


class ApiModel(BaseModel):
    """A response body: camelCase on the wire, built from attributes."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class InputModel(BaseModel):
    """A request body: camelCase on the wire; unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )


def _local(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("時刻にはタイムゾーンを付けないでください（国分寺市の時刻、例: 15:00）。")
    return value


# A time of day as the city's staff write it (Asia/Tokyo, no offset): "15:00" in, "15:00:00" out.
# JSON Schema's format "time" would require an offset, so the contract gives a pattern instead.
ClockTime = Annotated[
    time,
    AfterValidator(_local),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
            "examples": ["15:00"],
        }
    ),
]

T = TypeVar("T")


class Page(ApiModel, Generic[T]):
    """A page of a list; pass ``nextCursor`` as ``cursor`` to get the next one."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "id":
            raise ValueError(kind)
        return int(value)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise AppError(
            "bad-request",
            "ページ送りの指定（cursor）が正しくありません。最初のページから取得し直してください。",
            "Invalid cursor; start again from the first page.",
        ) from exc
