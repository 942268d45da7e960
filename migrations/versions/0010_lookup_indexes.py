"""Indexes for four look-ups that read whole tables

Found by listing the foreign keys without an index and timing the reads that use them on the
benchmark data (100,000 households; docs/benchmarks.md):

- the meeting-request queue joins each request's agenda item (``agenda_items.request_id``): it
  sorted all 79,592 agenda items for every page (25 ms);
- a case's meetings read the decisions on its agenda items (``decisions.agenda_item_id``):
  a scan of 95,287 decisions (6.6 ms);
- a plan's answer says whether it has been revised (``support_plans.previous_plan_id``): a scan
  of 30,000 plans (4.8 ms);
- the meetings a user may see include those they are invited to by name (``attendees.user_id``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 18:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_agenda_items_request_id", "agenda_items", "request_id"),
    ("ix_decisions_agenda_item_id", "decisions", "agenda_item_id"),
    ("ix_support_plans_previous_plan_id", "support_plans", "previous_plan_id"),
    ("ix_attendees_user_id", "attendees", "user_id"),
)


def upgrade() -> None:
    for name, table, column in _INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
