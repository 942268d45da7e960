"""The name search's bigram index (case_search_grams), filled from the members' folded names

A name search walked every case the reader may see, newest first, until it had a page: about
18,000 cases for a rare surname at 100,000 households, and all of them for a name nobody has
(docs/benchmarks.md). It now walks only the cases holding its term's first bigram.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 05:20:00.000000
"""

from collections.abc import Iterator, Sequence
from itertools import groupby

import sqlalchemy as sa
from alembic import op

from domain.names import search_grams

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 10_000


def upgrade() -> None:
    grams = op.create_table(
        "case_search_grams",
        sa.Column("gram", sa.String(length=2), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_search_grams_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gram", "case_id", name=op.f("pk_case_search_grams")),
    )
    with op.batch_alter_table("case_search_grams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_search_grams_case_id"), ["case_id"], unique=False)
    bind = op.get_bind()
    batch: list[dict[str, object]] = []
    for row in _case_grams(bind):
        batch.append(row)
        if len(batch) >= _BATCH:
            bind.execute(grams.insert(), batch)
            batch.clear()
    if batch:
        bind.execute(grams.insert(), batch)


def _case_grams(bind: sa.Connection) -> Iterator[dict[str, object]]:
    members = bind.execute(
        sa.text("SELECT case_id, name_search, kana_search FROM case_members ORDER BY case_id")
    )
    for case_id, rows in groupby(members, key=lambda row: row[0]):
        keys = [key for row in rows for key in row[1:]]
        for gram in sorted(search_grams(keys)):
            yield {"gram": gram, "case_id": case_id}


def downgrade() -> None:
    with op.batch_alter_table("case_search_grams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_search_grams_case_id"))
    op.drop_table("case_search_grams")
