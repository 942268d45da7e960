"""Bulk loading through the ORM's table definitions: COPY on PostgreSQL, executemany on SQLite.

Rows are tuples in the order of the column names given; columns left out are filled from the
model's scalar defaults or left NULL, so that a nullable column added by a later migration does
not break the generator. Foreign keys stay enforced on both backends while loading. The whole
load is one transaction: a failure leaves the database as it was.
"""

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sqlalchemy import JSON, Column, Table
from sqlalchemy.engine import Engine
from tqdm import tqdm

from api.db import make_engine
from api.models import Base

PG_COPY_CHUNK = 200_000
SQLITE_BATCH = 10_000
PROGRESS_STEP = 5_000

Row = tuple[Any, ...]


class RawJson(str):
    """A JSON column's value already serialised (a row generator repeats the same few values)."""


@dataclass
class TableStat:
    table: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


class BulkLoader:
    def __init__(self, url: str, *, progress: bool = True) -> None:
        self.engine: Engine = make_engine(url)
        self.backend = self.engine.dialect.name
        self.progress = progress
        self.stats: list[TableStat] = []
        self._raw = self.engine.raw_connection()
        self.dbapi: Any = self._raw.driver_connection
        self.placeholder = "%s" if self.backend == "postgresql" else "?"
        self.deferred_fk_checks = False
        self.fk_check_seconds = 0.0

    # ------------------------------------------------------------------ transaction

    def __enter__(self) -> "BulkLoader":
        if self.backend == "sqlite":
            # api.db's connect hook leaves transactions to the caller (isolation_level None).
            # Foreign keys stay on (PRAGMA foreign_keys): SQLite checks them in-process, cheaply.
            self.dbapi.execute("BEGIN IMMEDIATE")
        elif self.scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
            # PostgreSQL checks a foreign key with a query per row, which takes most of the load
            # time. A superuser may switch those triggers off for this transaction; every
            # foreign key is then checked set-wise before the commit (check_foreign_keys).
            self.execute("SET LOCAL session_replication_role = replica")
            self.deferred_fk_checks = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.dbapi.commit() if self.backend == "postgresql" else self.dbapi.execute("COMMIT")
        elif self.backend == "postgresql":
            self.dbapi.rollback()
        else:
            self.dbapi.execute("ROLLBACK")

    def close(self) -> None:
        self._raw.close()
        self.engine.dispose()

    # ------------------------------------------------------------------ queries

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        cur = self.dbapi.cursor()
        try:
            cur.execute(sql.replace("?", self.placeholder), params)
            row = cur.fetchone()
            return None if row is None else row[0]
        finally:
            cur.close()

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cur = self.dbapi.cursor()
        try:
            cur.execute(sql.replace("?", self.placeholder), params)
            return list(cur.fetchall())
        finally:
            cur.close()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        cur = self.dbapi.cursor()
        try:
            cur.execute(sql.replace("?", self.placeholder), params)
        finally:
            cur.close()

    def next_id(self, table: str, column: str = "id") -> int:
        """The first id free in ``table`` (ids are given out by the generator, then the
        sequences are moved past them)."""
        return int(self.scalar(f"SELECT COALESCE(MAX({column}), 0) + 1 FROM {table}"))

    # ------------------------------------------------------------------ loading

    def load(self, table_name: str, columns: list[str], rows: Iterable[Row], total: int) -> int:
        table = Base.metadata.tables[table_name]
        cols = [table.c[name] for name in columns]
        extra_cols, extra_values = _defaults_for_omitted(table, columns)
        all_cols = cols + extra_cols
        stream: Iterable[Row] = rows
        if extra_values:
            tail = tuple(extra_values)
            stream = (row + tail for row in rows)
        started = time.perf_counter()
        bar = tqdm(
            total=total,
            desc=f"{table_name:<20}",
            unit=" rows",
            unit_scale=True,
            mininterval=0.5,
            disable=not self.progress,
            leave=True,
        )
        try:
            if self.backend == "postgresql":
                count = self._copy(table, all_cols, stream, bar)
            else:
                count = self._insert_many(table, all_cols, stream, bar)
        finally:
            bar.close()
        self.stats.append(TableStat(table_name, count, time.perf_counter() - started))
        return count

    def _copy(self, table: Table, cols: list[Column[Any]], rows: Iterable[Row], bar: Any) -> int:
        json_at = [i for i, c in enumerate(cols) if isinstance(c.type, JSON)]
        names = ", ".join(f'"{c.name}"' for c in cols)
        statement = f'COPY "{table.name}" ({names}) FROM STDIN'
        count = 0
        cur = self.dbapi.cursor()
        try:
            iterator = iter(rows)
            while True:
                # A COPY per chunk bounds the server's queue of pending foreign-key checks.
                written = 0
                with cur.copy(statement) as copy:
                    for row in iterator:
                        if json_at:
                            values = list(row)
                            for i in json_at:
                                value = values[i]
                                if value is not None and not isinstance(value, RawJson):
                                    values[i] = json.dumps(value, ensure_ascii=False)
                            row = tuple(values)
                        copy.write_row(row)
                        written += 1
                        if written % PROGRESS_STEP == 0:
                            bar.update(PROGRESS_STEP)
                        if written >= PG_COPY_CHUNK:
                            break
                bar.update(written % PROGRESS_STEP)
                count += written
                if written < PG_COPY_CHUNK:
                    return count
        finally:
            cur.close()

    def _insert_many(
        self, table: Table, cols: list[Column[Any]], rows: Iterable[Row], bar: Any
    ) -> int:
        dialect = self.engine.dialect
        processors: list[Callable[[Any], Any] | None] = [
            c.type.dialect_impl(dialect).bind_processor(dialect) for c in cols
        ]
        indexed = [(i, p) for i, p in enumerate(processors) if p is not None]
        names = ", ".join(f'"{c.name}"' for c in cols)
        marks = ", ".join("?" for _ in cols)
        statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
        count = 0
        for batch in _batches(rows, SQLITE_BATCH):
            converted = []
            for row in batch:
                values = list(row)
                for i, proc in indexed:
                    value = values[i]
                    if value is not None and not isinstance(value, RawJson):
                        values[i] = proc(value)
                converted.append(values)
            self.dbapi.executemany(statement, converted)
            count += len(batch)
            bar.update(len(batch))
        return count

    # ------------------------------------------------------------------ afterwards

    def check_foreign_keys(self) -> None:
        """After a load with the foreign-key triggers off: any orphan row fails the load (and
        rolls it back)."""
        if not self.deferred_fk_checks:
            return
        started = time.perf_counter()
        broken = self.foreign_key_violations({s.table for s in self.stats if s.rows})
        if broken:
            raise RuntimeError("foreign keys violated: " + "; ".join(broken))
        self.fk_check_seconds = time.perf_counter() - started

    def foreign_key_violations(self, tables: set[str] | None = None) -> list[str]:
        """Every foreign key of the database (of ``tables`` only, if given) checked with one
        anti-join each: PostgreSQL's catalogue, SQLite's ``PRAGMA foreign_key_check``."""
        if self.backend == "sqlite":
            found = self.rows("PRAGMA foreign_key_check")
            return [
                f"{table} rowid {rowid} -> {parent}"
                for table, rowid, parent, _fk in found
                if tables is None or table in tables
            ]
        constraints = self.rows(
            "SELECT con.conname, cl.relname, pl.relname, "
            "ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i) "
            "  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i), "
            "ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i) "
            "  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) "
            "FROM pg_constraint con "
            "JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_class pl ON pl.oid = con.confrelid "
            "WHERE con.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace"
        )
        broken = []
        for name, child, parent, cols, parent_cols in constraints:
            if tables is not None and child not in tables:
                continue
            present = " AND ".join(f'c."{c}" IS NOT NULL' for c in cols)
            match = " AND ".join(
                f'p."{pc}" = c."{c}"' for c, pc in zip(cols, parent_cols, strict=True)
            )
            orphans = self.scalar(
                f'SELECT COUNT(*) FROM "{child}" c WHERE {present} '
                f'AND NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE {match})'
            )
            if orphans:
                broken.append(f"{name}: {orphans} rows of {child} without their {parent}")
        return broken

    def reset_sequences(self) -> None:
        """PostgreSQL: move every serial / identity sequence past the ids now in its table."""
        if self.backend != "postgresql":
            return
        found = self.rows(
            "SELECT table_name, column_name, "
            "pg_get_serial_sequence(quote_ident(table_name), column_name) "
            "FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND (column_default LIKE 'nextval(%%' OR is_identity = 'YES')"
        )
        for table, column, sequence in found:
            if sequence is None:
                continue
            self.execute(
                f"SELECT setval('{sequence}', "
                f'COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)'
            )

    def analyze(self) -> float:
        """Fresh planner statistics (and, on PostgreSQL, a vacuumed visibility map)."""
        started = time.perf_counter()
        if self.backend == "postgresql":
            self.dbapi.commit()
            self.dbapi.autocommit = True
            try:
                self.execute("VACUUM (ANALYZE)")
            finally:
                self.dbapi.autocommit = False
        else:
            self.dbapi.execute("ANALYZE")
        return time.perf_counter() - started


def _defaults_for_omitted(table: Table, given: list[str]) -> tuple[list[Column[Any]], list[Any]]:
    """Columns the generator does not name: NOT NULL ones without a server default get the
    model's Python default (as the ORM would give them); nullable ones stay NULL."""
    cols: list[Column[Any]] = []
    values: list[Any] = []
    for col in table.columns:
        if col.name in given or col.server_default is not None:
            continue
        if col.primary_key and col.autoincrement is True:
            continue
        default = col.default
        if default is not None and getattr(default, "is_scalar", False):
            cols.append(col)
            values.append(getattr(default, "arg", None))
        elif default is not None and getattr(default, "is_callable", False):
            cols.append(col)
            values.append(default.arg(None))  # type: ignore[attr-defined]
        elif not col.nullable:
            raise RuntimeError(f"{table.name}.{col.name} is NOT NULL and has no default")
    return cols, values


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
