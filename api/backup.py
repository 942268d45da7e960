"""Backup and restore of the whole database (cases, audit log, accounts, master data).

- SQLite (the embedded default): SQLite's online backup API, a consistent copy even while the
  service runs; restoring copies it back (stop the service first).
- PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (client tools of the server's
  major version), run with the connection from the same ``TSUNAGU_DATABASE_URL``.

A restore goes into an empty database (or a new SQLite file): it never merges into live data.
The audit log's append-only triggers come back with the schema.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from api.db import make_engine


class BackupError(RuntimeError):
    pass


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The database URL for libpq tools, with the password passed in the environment."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def backup(database_url: str, target: Path) -> None:
    """Writes a backup of the database to ``target`` (overwritten if it exists)."""
    url = make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    libpq, env = _libpq(url)
    dump = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"]
    _run([*dump, "--file", str(target), libpq], env)


def restore(database_url: str, source: Path) -> None:
    """Restores a backup into the (empty) database of ``database_url``."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    url = make_url(database_url)
    _require_empty(database_url)
    if url.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(path)
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return
    libpq, env = _libpq(url)
    load = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
    _run([*load, "--dbname", libpq, str(source)], env)


def _require_empty(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(
            "the target database is not empty; restore into a new database "
            f"(it has {len(tables)} tables)"
        )


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools)")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")
