"""Base models: camelCase JSON, unknown fields refused on input."""

import base64
import binascii
from collections.abc import Callable
from datetime import time
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, WithJsonSchema
from pydantic.alias_generators import to_camel

from api.errors import AppError

# A code of the master data (an org, an area, an issue category, ...): lowercase letters, digits
# and underscores, so that it can be written into a statement as a literal (api/services/cases.py).
CODE_PATTERN = r"^[a-z0-9_]+$"
Code = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=CODE_PATTERN)]


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


def encode_key_cursor(kind: str, *key: str) -> str:
    """An opaque cursor naming the last row of a page by the parts of its sort key (``kind``
    says which sort)."""
    return base64.urlsafe_b64encode(f"{kind}:{'/'.join(key)}".encode()).decode().rstrip("=")


def decode_key_cursor(
    kind: str, cursor: str | None, *parse: Callable[[str], Any]
) -> tuple[Any, ...] | None:
    """The sort key ``encode_key_cursor(kind, …)`` put in, each part read by its parser (which
    raises ValueError for what it cannot read); a 400 in words for anything else. The last part
    may hold "/"."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, sep, value = raw.partition(":")
        parts = value.split("/", len(parse) - 1)
        if found != kind or not sep or not value or len(parts) != len(parse):
            raise ValueError(raw)
        return tuple(read(part) for read, part in zip(parse, parts, strict=True))
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise AppError(
            "bad-request",
            "ページ送りの指定（cursor）が正しくありません。最初のページから取得し直してください。",
            "Invalid cursor; start again from the first page.",
        ) from exc


def encode_cursor(last_id: int) -> str:
    return encode_key_cursor("id", str(last_id))


def decode_cursor(cursor: str | None) -> int | None:
    key = decode_key_cursor("id", cursor, int)
    return None if key is None else int(key[0])
