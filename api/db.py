"""Engine and sessions: one session and one transaction per request."""

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVarTuple

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import BindParameter, CursorResult, Engine, Integer, bindparam, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.selectable import TypedReturnsRows

_Ts = TypeVarTuple("_Ts")

# PostgreSQL's SQLSTATEs for a session the server ended: admin_shutdown (a restart, or
# pg_terminate_backend), crash_shutdown, cannot_connect_now (still starting).
SERVER_ENDED_SESSION = frozenset({"57P01", "57P02", "57P03"})


def treat_ended_session_as_disconnect(context: ExceptionContext) -> None:
    """An error saying the server ended the session means the connection is gone.

    psycopg reads the server's last message ("terminating connection due to administrator
    command") before it notices the socket is closed; until then SQLAlchemy does not count the
    error as a disconnect, and a failed ping at checkout failed the request instead of the pool
    replacing the connection. Marked as a disconnect, the pool reconnects (at checkout), and a
    request whose connection ends in flight is a 503 as before."""
    if getattr(context.original_exception, "sqlstate", None) in SERVER_ENDED_SESSION:
        context.is_disconnect = True


class KeepsPreparedStatements(psycopg.Connection[Any]):
    """A PostgreSQL connection that keeps its prepared statements past a transaction that wrote
    nothing and is rolled back.

    psycopg forgets every statement it prepared on a connection (``DEALLOCATE ALL``) whenever a
    transaction is rolled back, and SQLAlchemy rolls back every request that fails: a refused
    read (404, 403), a conflict, a validation error found in the database. The connection then
    parses and plans each statement anew for its next five runs and PostgreSQL makes its plans
    again, the work prepared statements save (docs/benchmarks.md). A transaction to which
    PostgreSQL assigned no transaction id has written nothing, locked no row and holds nothing
    to undo, so it ends with COMMIT instead, which keeps them; any other is rolled back. (A
    plain ``SET`` in such a transaction would outlast it; the application uses ``SET LOCAL``.)"""

    def rollback(self) -> None:
        if self.info.transaction_status == TransactionStatus.INTRANS and self._wrote_nothing():
            self.commit()
        else:
            super().rollback()

    def _wrote_nothing(self) -> bool:
        with self.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL", prepare=False)
            row = cursor.fetchone()
        return bool(row and row[0])


def _connect_keeping_prepared_statements(
    _dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]
) -> KeepsPreparedStatements:
    return KeepsPreparedStatements.connect(*cargs, **cparams)


# The service's own libpq settings for PostgreSQL. connect_timeout: an unreachable server fails a
# request (503) instead of hanging it; jit=off: the planner's cost estimate for the access
# filters' subqueries is far above the JIT threshold, and compiling a case search took 1.4 s of a
# 1.45 s request whose plan ran in 60 ms (docs/benchmarks.md); short queries never gain from JIT.
CONNECT_TIMEOUT_SECONDS = 5
SERVER_OPTIONS = "-c jit=off"


def connect_args(
    url_query: Mapping[str, str | Sequence[str]], env: Mapping[str, str]
) -> dict[str, Any]:
    """libpq parameters for the service's PostgreSQL connections that keep the operator's own.

    Arguments given here replace the database URL's parameters of the same name, and libpq reads
    its environment (``PGOPTIONS``, ``PGCONNECT_TIMEOUT``) only for a parameter not given at all:
    a fixed ``options`` silently dropped what an operator set there (a ``search_path``, a
    ``statement_timeout``; docs/benchmarks.md). So the timeout is set only when the operator set
    none, and the service's server options come first, the operator's after them, which wins
    when both set the same one."""
    args: dict[str, Any] = {}
    if "connect_timeout" not in url_query and "PGCONNECT_TIMEOUT" not in env:
        args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    given = url_query.get("options", env.get("PGOPTIONS", ""))
    operators = given if isinstance(given, str) else " ".join(given)
    args["options"] = f"{SERVER_OPTIONS} {operators}".strip()
    return args


def make_engine(url: str, *, pool_size: int = 20, max_overflow: int = 10, **kwargs: Any) -> Engine:
    """Up to ``pool_size`` connections stay open for reuse (PostgreSQL), opened as they are
    first needed; beyond them an overflow connection is opened and closed per use, and opening
    one costs PostgreSQL a process (several milliseconds). A process runs one request's
    statements at a time, so it holds about one, plus one per log-in in progress (its password
    is checked in a worker thread; README)."""
    if url.startswith("sqlite"):
        # pool_pre_ping: a connection that died behind the pool's back is replaced, not used.
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, pool_pre_ping=True, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, begin transactions, so that BEGIN IMMEDIATE serialises
            # writers (case numbers) instead of failing late with "database is locked".
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # pool_pre_ping: after a PostgreSQL restart the pool replaces its dead connections by itself.
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args=connect_args(make_url(url).query, os.environ),
        **kwargs,
    )
    event.listen(engine, "handle_error", treat_ended_session_as_disconnect)
    event.listen(engine, "do_connect", _connect_keeping_prepared_statements)
    return engine


def plain_rows(
    session: Session, statement: TypedReturnsRows[*_Ts], params: dict[str, Any]
) -> CursorResult[*_Ts]:
    """Run a statement of columns (no entities) on the session's connection, past the ORM.

    ``session.execute`` puts every statement through the ORM's execution (events, compile state,
    result set-up), which cost a third of a case detail's Python time for reads that need no
    entities (docs/benchmarks.md). Pending changes are flushed first, as autoflush would, so
    that a read after an edit in the same request sees it.
    """
    session.flush()
    return session.connection().execute(statement, params)


def page_limit(rows: int) -> BindParameter[int]:
    """A list's ``LIMIT``, written into its statement as a literal when it runs.

    psycopg prepares a statement run five times on a connection, and PostgreSQL then keeps a
    generic plan, made without the parameters' values, when it costs no more than the plans made
    for them. With the page size a parameter, the generic plan must assume a tenth of the rows
    is wanted, so on a large city it never did and the list was planned anew on every request
    (docs/benchmarks.md); with the size written in, the plan is kept."""
    return bindparam("page_limit", rows, type_=Integer, literal_execute=True)


IndependentWrite = Callable[[Session], None]
_INDEPENDENT = "independent_writes"


def write_independently(session: Session, write: IndependentWrite) -> None:
    """Queue a write that must commit even if the current transaction rolls back.

    It runs after the current transaction ends (never concurrently with it, which on SQLite
    would wait for the transaction's own write lock).
    """
    session.info.setdefault(_INDEPENDENT, []).append(write)


class Database:
    """The engine and its session factory, created once per app."""

    def __init__(self, url: str, *, pool_size: int = 20, max_overflow: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Iterator[Session]:
        """A request's unit of work: committed when the handler returns, rolled back if it raises.

        Writes queued with ``write_independently`` run afterwards in a transaction of their own,
        whatever the outcome: a refusal must be audited even though its request rolls back.
        """
        session = self.sessions()
        try:
            with session.begin():
                yield session
        finally:
            pending: list[IndependentWrite] = session.info.pop(_INDEPENDENT, [])
            session.close()
            if pending:
                with self.sessions() as own, own.begin():
                    for write in pending:
                        write(own)

    def ping(self) -> bool:
        """Whether the database answers (readiness)."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure to answer means not ready
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()
