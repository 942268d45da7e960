"""The query parameters of every paginated list: a cursor and a page size."""

from typing import Annotated

from fastapi import Query

Cursor = Annotated[
    str | None, Query(max_length=200, description="nextCursor of the previous page.")
]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size (1-100).")]
