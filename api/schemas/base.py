"""Base models: camelCase JSON, unknown fields refused on input."""

import base64
import binascii
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict
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
