"""Reading the audit log (access.md "The audit log").

Auditors read every entry; the secretariat reads the entries of the cases it can read, and so never
log-ins or other entries without a case. ``domain.access.audit_view`` decides which. Reading the log
is itself audited. Nothing here changes or deletes an entry: the log is append-only.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ColumnExpressionArgument, and_, or_, select, text, true

from api.clock import TOKYO
from api.errors import AppError, FieldError, forbidden
from api.models import AuditEvent, Case
from api.models.audit import (
    NOT_A_READ,
    NOT_A_SUCCESS,
    NOT_ABOUT_A_CASE,
    is_a_read,
    is_about_a_case,
)
from api.schemas.audit import AuditEventOut
from api.schemas.base import decode_key_cursor, encode_key_cursor
from api.services.audit import Outcome
from api.services.case_access import readable_filter
from api.services.context import Context
from domain.access import AuditView, audit_view

LIST_ACTION = "audit.list"
_CURSOR_KIND = "event"


@dataclass(frozen=True)
class AuditFilters:
    case_id: int | None = None
    actor: str | None = None
    action: str | None = None
    outcome: Outcome | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    resource_type: str | None = None

    def as_detail(self) -> dict[str, Any]:
        """The filters for the audit entry of the read: ids and codes only, never names."""
        values: dict[str, Any] = {
            "case_id": self.case_id,
            "actor": self.actor,
            "action": self.action,
            "outcome": None if self.outcome is None else str(self.outcome),
            "from": None if self.since is None else self.since.isoformat(),
            "to": None if self.until is None else self.until.isoformat(),
            "resource_type": self.resource_type,
        }
        return {k: v for k, v in values.items() if v is not None}


def as_utc_instant(value: datetime | None) -> datetime | None:
    """A time without a zone is one in Kokubunji (Asia/Tokyo)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=TOKYO)


def _visible(ctx: Context) -> ColumnElement[bool]:
    view = audit_view(ctx.principal)
    if view is AuditView.ALL:
        return true()
    if view is AuditView.READABLE_CASES:
        readable = select(Case.id).where(readable_filter(ctx.principal, ctx.today))
        return AuditEvent.case_id.in_(readable)
    ctx.audit.record_refusal(LIST_ACTION, "audit_event")
    raise forbidden("監査ログを閲覧する権限がありません。", "You may not read the audit log.")


def _conditions(f: AuditFilters) -> list[ColumnExpressionArgument[bool]]:
    conditions: list[ColumnExpressionArgument[bool]] = []
    if f.case_id is not None:
        conditions.append(AuditEvent.case_id == f.case_id)
    if f.actor:
        conditions.append(AuditEvent.actor_sub == f.actor)
    if f.action:
        conditions.append(AuditEvent.action == f.action)
        if not is_a_read(f.action):
            # Says what the action already implies, in the partial index's own words, so that
            # the database reads the few non-read entries from it (ix_audit_events_action).
            conditions.append(text(NOT_A_READ))
    if f.outcome is not None:
        conditions.append(AuditEvent.outcome == f.outcome.value)
        if f.outcome is not Outcome.SUCCESS:
            conditions.append(text(NOT_A_SUCCESS))  # ix_audit_events_unsuccessful, as above
    if f.resource_type:
        conditions.append(AuditEvent.resource_type == f.resource_type)
        if not is_about_a_case(f.resource_type):
            conditions.append(text(NOT_ABOUT_A_CASE))  # ix_audit_events_resource_type, as above
    if f.since is not None:
        conditions.append(AuditEvent.at >= f.since)
    if f.until is not None:
        conditions.append(AuditEvent.at < f.until)
    return conditions


def _event_cursor(event: AuditEvent) -> str:
    return encode_key_cursor(_CURSOR_KIND, event.at.isoformat(), str(event.id))


def _instant(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError(text)
    return at


def _after_event(cursor: str | None) -> ColumnElement[bool] | None:
    """The entries older than the one the cursor names, in (at, id) order, newest first. The
    ``at <=`` bound lets the database start from the cursor in the index on ``at``."""
    key = decode_key_cursor(_CURSOR_KIND, cursor, _instant, int)
    if key is None:
        return None
    at, last_id = key
    return and_(AuditEvent.at <= at, or_(AuditEvent.at < at, AuditEvent.id < last_id))


def list_events(
    ctx: Context, filters: AuditFilters, cursor: str | None, limit: int
) -> tuple[list[AuditEventOut], str | None]:
    """Newest first, by (at, id). One audit entry records the read (with the filters), not one
    per entry."""
    if filters.since and filters.until and filters.since > filters.until:
        raise AppError(
            "validation-error",
            "期間の指定が正しくありません（from は to より前にしてください）。",
            "from must not be later than to.",
            errors=[FieldError(field="from", message="to より後です。", code="range_reversed")],
        )
    after = _after_event(cursor)
    stmt = (
        select(AuditEvent)
        .where(_visible(ctx), *_conditions(filters))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        # The page size stays a parameter here, unlike the other lists' (``page_limit``), so
        # that each search is planned for its own values: a generic plan, made without them,
        # read the log by time for an action and took 314 ms where the action's own index
        # takes 0.5 ms (docs/benchmarks.md). Auditors' searches are few; planning costs ~1 ms.
        .limit(limit + 1)
    )
    if after is not None:
        stmt = stmt.where(after)
    rows = ctx.session.scalars(stmt).all()
    page = rows[:limit]
    ctx.audit.record(
        LIST_ACTION,
        "audit_event",
        case_id=filters.case_id,
        detail={"filters": filters.as_detail(), "count": len(page)},
    )
    next_cursor = _event_cursor(page[-1]) if len(rows) > limit else None
    return [AuditEventOut.model_validate(row) for row in page], next_cursor
