"""Alembic is the only way the schema changes: the migrations must build exactly the models'
schema, every step must downgrade and upgrade again, and a full downgrade must leave nothing.

Runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL (an empty database of its
own per test, dropped afterwards).
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from api import migrate
from api.db import make_engine
from api.models import Base
from api.services import seeding
from conftest import Template

pytestmark = pytest.mark.migrations

VERSION_TABLE = "alembic_version"


def _server() -> URL:
    return make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")


def _admin(sql: str) -> None:
    engine = create_engine(_server().set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


@pytest.fixture
def empty_url(template: Template, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the template's backend (the template only picks the backend)."""
    name = f"tsunagu_mig_{uuid.uuid4().hex[:10]}"
    if template.backend == "sqlite":
        yield f"sqlite:///{tmp_path / (name + '.db')}"
        return
    _admin(f"CREATE DATABASE {name}")
    try:
        yield _server().set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _revisions(url: str) -> list[Script]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    return list(reversed(list(script.walk_revisions("base", "heads"))))


def _with_connection(url: str, work: Any) -> Any:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return work(conn)
    finally:
        engine.dispose()


def _schema(conn: Connection) -> dict[str, Any]:
    """What a migration may change, in a comparable form (tables, columns, keys, indexes,
    triggers and, on PostgreSQL, functions, sequences and types); Alembic's own table aside."""
    insp = inspect(conn)
    tables: dict[str, Any] = {}
    for table in sorted(set(insp.get_table_names()) - {VERSION_TABLE}):
        tables[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)
            ],
            "pk": insp.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(
                (
                    fk["name"] or "",
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    str(fk.get("options", {}).get("ondelete")),
                )
                for fk in insp.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (ix["name"] or "", tuple(str(c) for c in ix["column_names"]), bool(ix["unique"]))
                for ix in insp.get_indexes(table)
            ),
            "uniques": sorted(
                (uq["name"] or "", tuple(uq["column_names"]))
                for uq in insp.get_unique_constraints(table)
            ),
            "checks": sorted(ck["name"] or "" for ck in insp.get_check_constraints(table)),
        }
    extra: dict[str, list[Any]]
    if conn.dialect.name == "sqlite":
        extra = {
            "triggers": sorted(
                conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                ).scalars()
            ),
            "views": sorted(insp.get_view_names()),
        }
    else:
        catalog = {
            "triggers": "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT t.tgisinternal",
            "functions": "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema()",
            "sequences": "SELECT sequence_name FROM information_schema.sequences "
            "WHERE sequence_schema = current_schema()",
            "types": "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd', 'r', 'm')",
            "views": "SELECT table_name FROM information_schema.views WHERE table_schema = current_schema()",
        }
        extra = {key: sorted(conn.execute(text(sql)).scalars()) for key, sql in catalog.items()}
    return {"tables": tables, **extra}


def _leftovers(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: sorted(value) for key, value in schema.items() if value}


def test_a_single_head(empty_url: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(empty_url))
    heads = script.get_heads()
    assert len(heads) == 1, f"several heads {heads}: merge them with `alembic merge heads`"
    assert script.get_bases() == [_revisions(empty_url)[0].revision]


def test_models_and_migrations_agree(empty_url: str) -> None:
    migrate.upgrade(empty_url)

    def compare(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        diff: list[Any] = compare_metadata(context, Base.metadata)
        return diff

    diff = _with_connection(empty_url, compare)
    assert diff == [], (
        "the models differ from `alembic upgrade head` (write a migration):\n"
        + "\n".join(map(repr, diff))
    )


def test_stairway_every_revision_downgrades_and_upgrades_again(empty_url: str) -> None:
    revisions = _revisions(empty_url)
    assert revisions, "no migrations found"
    for revision in revisions:
        before = _with_connection(empty_url, _schema)
        migrate.upgrade(empty_url, revision.revision)
        after = _with_connection(empty_url, _schema)
        migrate.downgrade(empty_url, "-1")
        undone = _with_connection(empty_url, _schema)
        assert undone == before, (
            f"downgrading {revision.revision} does not restore the schema before it"
        )
        migrate.upgrade(empty_url, revision.revision)
        again = _with_connection(empty_url, _schema)
        assert again == after, f"upgrading {revision.revision} again gives a different schema"


def test_downgrade_to_base_leaves_nothing(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    head = _with_connection(empty_url, _schema)
    assert set(Base.metadata.tables) <= set(head["tables"])
    migrate.downgrade(empty_url, "base")
    left = _with_connection(empty_url, lambda conn: _leftovers(_schema(conn)))
    assert left == {}, f"left behind after downgrading to base: {left}"


def test_leftovers_are_detected(empty_url: str) -> None:
    """The check above would notice a table a downgrade forgot."""
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "base")

    def add_stray(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
        conn.commit()

    _with_connection(empty_url, add_stray)
    assert _with_connection(empty_url, lambda conn: _leftovers(_schema(conn)))["tables"] == [
        "stray"
    ]


def test_0004_rebuilds_the_history_of_earlier_referrals(empty_url: str) -> None:
    """Referrals made before the events table get their sending and their present step back."""
    migrate.upgrade(empty_url, "0003")
    engine = make_engine(empty_url)
    try:
        with Session(engine) as session, session.begin():
            seeding.seed_master_data(session)  # master tables are the same at 0003 and head
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO cases (id, number, fiscal_year, sequence, status, intake_date, "
                    "intake_route, main_complaint, opened_by_sub, version, created_at, updated_at)"
                    " VALUES (1, '2026-0001', 2026, 1, 'intake', '2026-04-10', 'window',"
                    " '相談', 'u1', 1, '2026-04-10 01:00:00', '2026-04-10 01:00:00')"
                )
            )
            rows = [
                (1, "sent", None, None, None),
                (2, "declined", "定員超過のため", None, "u2"),
                (3, "completed", None, "介護保険につないだ", "u2"),
                (4, "withdrawn", "本人が辞退", None, None),
            ]
            for rid, status, note, report, answered_by in rows:
                conn.execute(
                    text(
                        "INSERT INTO referrals (id, case_id, from_org_code, from_sub, to_org_code,"
                        " reason, urgency, summary, status, answer_note, report, answered_by_sub,"
                        " version, created_at, updated_at) VALUES (:id, 1, 'kyosei', 'u1',"
                        " 'koreifukushi', '介護', 'normal', '要約', :status, :note, :report,"
                        " :by, 1, '2026-04-11 01:00:00', '2026-04-12 01:00:00')"
                    ),
                    {
                        "id": rid,
                        "status": status,
                        "note": note,
                        "report": report,
                        "by": answered_by,
                    },
                )
        migrate.upgrade(empty_url)
        with engine.connect() as conn:
            events = conn.execute(
                text(
                    "SELECT referral_id, action, to_status, note, actor_sub, actor_org_code "
                    "FROM referral_events ORDER BY referral_id, id"
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(e) for e in events] == [
        (1, "send", "sent", None, "u1", "kyosei"),
        (2, "send", "sent", None, "u1", "kyosei"),
        (2, "decline", "declined", "定員超過のため", "u2", "koreifukushi"),
        (3, "send", "sent", None, "u1", "kyosei"),
        (3, "complete", "completed", "介護保険につないだ", "u2", "koreifukushi"),
        (4, "send", "sent", None, "u1", "kyosei"),
        (4, "withdraw", "withdrawn", "本人が辞退", "u1", "kyosei"),
    ]
