"""Audit log endpoints: read-only. The log is append-only, so no route updates or deletes it."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ReadAudit
from api.errors import problem_responses
from api.routes.paging import Cursor
from api.schemas.audit import AuditEventOut
from api.schemas.base import Page
from api.services import audit_log as service
from api.services.audit import Outcome

router = APIRouter(prefix="/audit-events")

ZONE_NOTE = "ISO 8601; a time without a zone is Japan time (Asia/Tokyo)."


@router.get(
    "",
    response_model=Page[AuditEventOut],
    tags=["audit"],
    summary="監査ログの閲覧 / Read the audit log",
    responses=problem_responses(400, 401, 403, 422),
)
def list_audit_events(
    ctx: ReadAudit,
    case_id: Annotated[
        int | None,
        Query(alias="caseId", ge=1, le=2**31 - 1, description="Entries about this case."),
    ] = None,
    actor: Annotated[
        str | None, Query(max_length=64, description="Who acted: a user id or API client id.")
    ] = None,
    action: Annotated[
        str | None, Query(max_length=40, description="e.g. `case.read`, `login`.")
    ] = None,
    outcome: Annotated[Outcome | None, Query()] = None,
    since: Annotated[
        datetime | None, Query(alias="from", description="From (inclusive). " + ZONE_NOTE)
    ] = None,
    until: Annotated[
        datetime | None, Query(alias="to", description="Until (exclusive). " + ZONE_NOTE)
    ] = None,
    resource_type: Annotated[
        str | None,
        Query(alias="resourceType", max_length=40, description="e.g. `case`, `account`."),
    ] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (1-200).")] = 50,
) -> Page[AuditEventOut]:
    """Newest first (by time, then id). Auditors read every entry; the secretariat reads the
    entries of the cases it can read (never log-ins or other entries without a case). Each read
    is itself audited."""
    filters = service.AuditFilters(
        case_id=case_id,
        actor=actor,
        action=action,
        outcome=outcome,
        since=service.as_utc_instant(since),
        until=service.as_utc_instant(until),
        resource_type=resource_type,
    )
    items, next_cursor = service.list_events(ctx, filters, cursor, limit)
    return Page[AuditEventOut](items=items, next_cursor=next_cursor)
