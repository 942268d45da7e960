"""Index of the audit log's entries about anything but a case, by resource type

An auditor looks for the entries about log-ins, consents, meetings or referrals by resource type.
Without a period such a search read the whole log (69-81 ms at 600,000 entries, 282 ms at 5.4
million), because entries about cases (their reads and lists, one per case shown) are nearly all
of it. A partial index holds only the others, so that an entry about a case costs nothing more
to write than the test of its condition (docs/benchmarks.md).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 02:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As api.models.audit.NOT_ABOUT_A_CASE on the day of this revision.
_WHERE = "resource_type <> 'case'"


def upgrade() -> None:
    op.create_index(
        "ix_audit_events_resource_type",
        "audit_events",
        ["resource_type", "at", "id"],
        postgresql_where=sa.text(_WHERE),
        sqlite_where=sa.text(_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_resource_type", table_name="audit_events")
