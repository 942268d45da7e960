"""Every foreign key can be looked up by an index, or says why it is never looked up.

A join or filter on an unindexed foreign key reads the whole table, and costs grow with the
city's history: the meeting-request queue sorted every agenda item for each page (25 ms at
100,000 households), a case's meetings scanned every decision (docs/benchmarks.md)."""

from sqlalchemy import ForeignKeyConstraint, Table, UniqueConstraint

from api.models import Base

# (table, column): why no index is needed. Each is a code or id that is shown or counted, never
# the start of a look-up, and whose parent row is never deleted (master data is deactivated).
NOT_LOOKED_UP = {
    ("agenda_items", "plan_id"): "shown with its item; plans are found by case",
    ("case_categories", "member_id"): "read with the case (case_id first)",
    ("case_status_changes", "meeting_id"): "shown with the change; read by case",
    ("cases", "referrer_org_code"): "shown and counted in the report, never filtered on",
    ("cases", "town_code"): "shown and counted in the report, never filtered on",
    ("consent_scope_orgs", "org_code"): "read by consent (the primary key's first column)",
    ("meeting_requests", "requested_by_org_code"): "shown with the request",
    ("meetings", "organiser_org_code"): "shown with the meeting; meetings are read by day",
    ("organizations", "field_code"): "master data (a few hundred rows)",
    ("plan_items", "function_code"): "master code, shown with the item",
    ("plan_items", "responsible_org_code"): "shown with the item; items are read by plan",
    ("support_plans", "approved_meeting_id"): "joined from the plan's side (the meeting's id)",
    ("timeline_entries", "author_org_code"): "shown with the entry; entries are read by case",
    ("timeline_entries", "member_id"): "shown and counted; entries are read by case and day",
    ("users", "area_code"): "master data (a few hundred rows)",
}


def _leading_columns(table: Table) -> set[str]:
    """The columns an index of ``table`` (its primary key and unique constraints included) can
    find rows by: each index's first column."""
    leading = {index.columns[0].name for index in table.indexes if index.columns}
    keys = [table.primary_key, *(c for c in table.constraints if isinstance(c, UniqueConstraint))]
    leading |= {next(iter(key.columns)).name for key in keys if len(key.columns)}
    return leading


def _unindexed_foreign_keys() -> set[tuple[str, str]]:
    missing = set()
    for table in Base.metadata.sorted_tables:
        leading = _leading_columns(table)
        for constraint in table.constraints:
            if isinstance(constraint, ForeignKeyConstraint):
                first = constraint.columns[0].name
                if first not in leading:
                    missing.add((table.name, first))
    return missing


def test_every_foreign_key_has_an_index_or_a_reason() -> None:
    assert _unindexed_foreign_keys() - NOT_LOOKED_UP.keys() == set()


def test_the_reasons_are_for_foreign_keys_that_still_lack_an_index() -> None:
    assert NOT_LOOKED_UP.keys() - _unindexed_foreign_keys() == set()
