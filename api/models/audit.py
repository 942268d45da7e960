"""The audit log (append-only; on PostgreSQL a trigger refuses UPDATE and DELETE)."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, utcnow

# The actions that are not reads of a case or a list (``*.read``, ``*.list``), as SQL with its
# patterns written out: a query carries this same text so that the database may use the partial
# index below whatever the values of its parameters.
NOT_A_READ = "action NOT LIKE '%.read' AND action NOT LIKE '%.list'"
# Likewise the refusals and failures, a few among the successes.
NOT_A_SUCCESS = "outcome <> 'success'"
# Likewise the entries about anything but a case (log-ins, consents, meetings, referrals...): the
# reads and lists of cases are nearly all of the log.
NOT_ABOUT_A_CASE = "resource_type <> 'case'"


def is_a_read(action: str) -> bool:
    return action.endswith((".read", ".list"))


def is_about_a_case(resource_type: str) -> bool:
    return resource_type == "case"


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # The log is read newest first, by (at, id): by time alone, by case or by actor, each from
    # its own index, so that a page is the index's next rows however long the log (migration
    # 0011, docs/benchmarks.md). The actions other than reads (log-ins, writes, exports, consent
    # changes: the few that an auditor looks for by name) have an index of their own that the
    # reads, the bulk of the log, do not enter; so do the refusals and failures (migration 0012)
    # and the entries about anything but a case, by resource type (migration 0013).
    __table_args__ = (
        Index("ix_audit_events_case_id", "case_id", "at", "id"),
        Index("ix_audit_events_actor_sub", "actor_sub", "at", "id"),
        Index("ix_audit_events_at", "at"),
        Index(
            "ix_audit_events_action",
            "action",
            "at",
            "id",
            postgresql_where=text(NOT_A_READ),
            sqlite_where=text(NOT_A_READ),
        ),
        Index(
            "ix_audit_events_unsuccessful",
            "at",
            "id",
            postgresql_where=text(NOT_A_SUCCESS),
            sqlite_where=text(NOT_A_SUCCESS),
        ),
        Index(
            "ix_audit_events_resource_type",
            "resource_type",
            "at",
            "id",
            postgresql_where=text(NOT_ABOUT_A_CASE),
            sqlite_where=text(NOT_ABOUT_A_CASE),
        ),
    )
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_sub: Mapped[str | None] = mapped_column(String(64))
    actor_kind: Mapped[str | None] = mapped_column(String(10))
    actor_org: Mapped[str | None] = mapped_column(String(60))
    actor_roles: Mapped[list[str]] = mapped_column(default=list)
    action: Mapped[str] = mapped_column(String(40))
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
