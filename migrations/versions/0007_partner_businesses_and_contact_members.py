"""Partner businesses of 参加支援 (協力事業所) on plan items, and the member a contact was with

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Partner businesses are organisations of kind ``partner`` in a pseudo-department of their own
# (as agencies are in ``agency``); the seed adds it too, this makes it there for databases that
# are migrated before they are seeded again.
_departments = sa.table(
    "departments",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("name_en", sa.String),
    sa.column("sort_order", sa.Integer),
)
_organizations = sa.table("organizations", sa.column("department_code", sa.String))
PARTNER = {
    "code": "partner",
    "name": "参加支援協力事業所",
    "name_en": "Participation-support partner businesses",
    "sort_order": 9,
}


def upgrade() -> None:
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_org_code", sa.String(length=60), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_plan_items_partner_org_code"), ["partner_org_code"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_items_partner_org_code_organizations"),
            "organizations",
            ["partner_org_code"],
            ["code"],
        )
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_timeline_entries_member_id_case_members"),
            "case_members",
            ["member_id"],
            ["id"],
            ondelete="SET NULL",
        )
    bind = op.get_bind()
    exists = bind.execute(
        sa.select(_departments.c.code).where(_departments.c.code == PARTNER["code"])
    ).first()
    if exists is None:
        bind.execute(_departments.insert(), [PARTNER])


def downgrade() -> None:
    bind = op.get_bind()
    in_use = bind.execute(
        sa.select(_organizations.c.department_code)
        .where(_organizations.c.department_code == PARTNER["code"])
        .limit(1)
    ).first()
    if in_use is None:
        bind.execute(_departments.delete().where(_departments.c.code == PARTNER["code"]))
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_timeline_entries_member_id_case_members"), type_="foreignkey"
        )
        batch_op.drop_column("member_id")
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_plan_items_partner_org_code_organizations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_plan_items_partner_org_code"))
        batch_op.drop_column("partner_org_code")
