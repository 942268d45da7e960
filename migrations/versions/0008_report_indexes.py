"""Indexes for the fiscal-year report: contacts, intakes and referrals by day

The statistics report reads one fiscal year of timeline entries, intakes and referrals; without
these it scanned the whole tables (1,000,000 timeline entries in the benchmark data). The
"first taken on for multi-agency work" figure reads the entries tagged 重層的支援 by case.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 22:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_timeline_entries_occurred_on", "timeline_entries", ["occurred_on"])
    op.create_index(
        "ix_timeline_entries_function_case",
        "timeline_entries",
        ["function_code", "case_id", "occurred_on"],
    )
    op.create_index("ix_cases_intake_date", "cases", ["intake_date"])
    op.create_index("ix_referrals_created_at", "referrals", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_referrals_created_at", table_name="referrals")
    op.drop_index("ix_cases_intake_date", table_name="cases")
    op.drop_index("ix_timeline_entries_function_case", table_name="timeline_entries")
    op.drop_index("ix_timeline_entries_occurred_on", table_name="timeline_entries")
