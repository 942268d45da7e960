"""Indexes of the audit log's rare entries: actions other than reads, and refusals

An auditor looks for log-ins, exports, consent changes and writes by name, and for the refused
or failed accesses. Without a period, such entries were found by reading the whole log
(0.2-0.8 s at 5.4 million entries), because successful reads (``*.read``, ``*.list``) are nearly
all of it and leave the others far apart. Two partial indexes hold only the others, so that a
successful read's entry costs nothing more to write than the test of their conditions
(docs/benchmarks.md).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As api.models.audit.NOT_A_READ and NOT_A_SUCCESS on the day of this revision.
_INDEXES = (
    (
        "ix_audit_events_action",
        ["action", "at", "id"],
        "action NOT LIKE '%.read' AND action NOT LIKE '%.list'",
    ),
    ("ix_audit_events_unsuccessful", ["at", "id"], "outcome <> 'success'"),
)


def upgrade() -> None:
    for name, columns, where in _INDEXES:
        op.create_index(
            name,
            "audit_events",
            columns,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )


def downgrade() -> None:
    for name, _, _ in reversed(_INDEXES):
        op.drop_index(name, table_name="audit_events")
