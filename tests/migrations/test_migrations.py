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

from api import migrate
from api.db import make_engine
from api.models import Base
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
