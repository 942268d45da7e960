"""Referral events (each step of a referral with its note) and plan status reasons

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 17:00:40.836128
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The step that led to each status, to rebuild the history of referrals made before this table.
_ACTION_FOR_STATUS = {
    "accepted": "accept",
    "declined": "decline",
    "in_progress": "start",
    "completed": "complete",
    "withdrawn": "withdraw",
}


def upgrade() -> None:
    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_sub", sa.String(length=64), nullable=False),
        sa.Column("actor_org_code", sa.String(length=60), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_events_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_events")),
    )
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_events_referral_id"), ["referral_id"], unique=False
        )

    with op.batch_alter_table("support_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True)
        )

    # Existing referrals: their sending, and the step that brought them to their present status
    # (the only one the old columns kept).
    op.execute(
        "INSERT INTO referral_events (referral_id, action, from_status, to_status, note, "
        "actor_sub, actor_org_code, at) "
        "SELECT id, 'send', NULL, 'sent', NULL, from_sub, from_org_code, created_at FROM referrals"
    )
    for status, action in _ACTION_FOR_STATUS.items():
        note = "report" if status == "completed" else "answer_note"
        actor = "from_sub" if status == "withdrawn" else "COALESCE(answered_by_sub, from_sub)"
        org = "from_org_code" if status == "withdrawn" else "to_org_code"
        op.execute(
            "INSERT INTO referral_events (referral_id, action, from_status, to_status, note, "
            "actor_sub, actor_org_code, at) "
            f"SELECT id, '{action}', NULL, status, {note}, {actor}, {org}, updated_at "
            f"FROM referrals WHERE status = '{status}'"
        )


def downgrade() -> None:
    with op.batch_alter_table("support_plans", schema=None) as batch_op:
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("status_reason")

    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_events_referral_id"))

    op.drop_table("referral_events")
