"""Case status changes: each change with its reason and the day it took effect

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 17:30:00
"""

from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_audit = sa.table(
    "audit_events",
    sa.column("action", sa.String),
    sa.column("outcome", sa.String),
    sa.column("case_id", sa.Integer),
    sa.column("purpose", sa.String),
    sa.column("detail", sa.JSON),
    sa.column("actor_sub", sa.String),
    sa.column("at", sa.DateTime(timezone=True)),
)
_meetings = sa.table("meetings", sa.column("id", sa.Integer), sa.column("day", sa.Date))
_changes = sa.table(
    "case_status_changes",
    sa.column("case_id", sa.Integer),
    sa.column("from_status", sa.String),
    sa.column("to_status", sa.String),
    sa.column("effective_on", sa.Date),
    sa.column("reason", sa.String),
    sa.column("meeting_id", sa.Integer),
    sa.column("changed_by_sub", sa.String),
    sa.column("at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "case_status_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("changed_by_sub", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_status_changes_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_case_status_changes_meeting_id_meetings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_status_changes")),
    )
    with op.batch_alter_table("case_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_status_changes_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            "ix_case_status_changes_to_day", ["to_status", "effective_on"], unique=False
        )
    _from_the_audit_log()


def _from_the_audit_log() -> None:
    """Changes made before this table: the audit log has each one (who, when, from, to, and the
    meeting that decided it); the reason was not kept then."""
    bind = op.get_bind()
    days = dict(bind.execute(sa.select(_meetings.c.id, _meetings.c.day)).all())
    tokyo = ZoneInfo("Asia/Tokyo")
    rows = []
    for case_id, purpose, detail, actor, at in bind.execute(
        sa.select(
            _audit.c.case_id, _audit.c.purpose, _audit.c.detail, _audit.c.actor_sub, _audit.c.at
        )
        .where(_audit.c.action == "case.status", _audit.c.outcome == "success")
        .order_by(_audit.c.at)
    ):
        if case_id is None or not isinstance(detail, dict):
            continue
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        meeting_id = None
        if purpose and purpose.startswith("meeting:") and purpose[8:].isdigit():
            meeting_id = int(purpose[8:]) if int(purpose[8:]) in days else None
        rows.append(
            {
                "case_id": case_id,
                "from_status": detail.get("from", ""),
                "to_status": detail.get("to", ""),
                "effective_on": days[meeting_id] if meeting_id else at.astimezone(tokyo).date(),
                "reason": None,
                "meeting_id": meeting_id,
                "changed_by_sub": actor or "",
                "at": at,
            }
        )
    if rows:
        bind.execute(_changes.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table("case_status_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_case_status_changes_to_day")
        batch_op.drop_index(batch_op.f("ix_case_status_changes_case_id"))

    op.drop_table("case_status_changes")


