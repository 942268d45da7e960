"""Idempotency keys: a retried POST that creates something returns the first result."""

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, utcnow


class IdempotencyKey(Base):
    """One ``Idempotency-Key`` of one caller: in flight until its request answers, then the
    answer (status, body, headers) that a retry gets back. A failed request leaves no row."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal_sub", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    principal_sub: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of method, path and body
    state: Mapped[str] = mapped_column(String(10))  # in_flight / done
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
