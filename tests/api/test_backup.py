"""Backup and restore (``python -m api.cli backup|restore``): dump, restore into a fresh
database, and read the same cases back through the API."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from api import backup, cli
from api.db import Database, make_engine
from api.main import create_app
from api.settings import Settings
from conftest import TEST_PASSWORD, TEST_SECRET, Api, household
from domain.access import Role


@pytest.fixture
def empty_database(api: Api, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the same backend as ``api``."""
    if api.backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    server = make_url(api.url)
    name = f"tsunagu_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _read_all(client: TestClient, headers: dict[str, str], ids: list[int]) -> list[Any]:
    out = []
    for case_id in ids:
        response = client.get(f"/cases/{case_id}", headers=headers)
        assert response.status_code == 200, response.text
        out.append(response.json())
    return out


def test_backup_and_restore_bring_back_the_same_cases(
    api: Api, empty_database: str, tmp_path: Path
) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    headers = api.login("jimu")
    ids = [
        api.client.post("/cases", json=household(main_name=name), headers=headers).json()["id"]
        for name in ("国分 一郎", "恋ヶ窪 花子")
    ]
    before = _read_all(api.client, headers, ids)
    dump = tmp_path / "tsunagu.backup"

    backup.backup(api.url, dump)
    assert dump.stat().st_size > 0
    backup.restore(empty_database, dump)

    db = Database(empty_database)
    settings = Settings(database_url=empty_database, jwt_secret=TEST_SECRET, data_dir=tmp_path)
    with TestClient(create_app(settings, db)) as restored:
        login = restored.post(
            "/auth/token",
            data={"grant_type": "password", "username": "jimu", "password": TEST_PASSWORD},
        )
        assert login.status_code == 200, "accounts come back too"
        again = {"Authorization": f"Bearer {login.json()['access_token']}"}
        after = _read_all(restored, again, ids)
        assert after == before
        listed = restored.get("/cases", params={"q": "花子"}, headers=again).json()["items"]
        assert [c["id"] for c in listed] == [ids[1]], "the search keys come back"
    db.dispose()
    # The audit log stays append-only in the restored database.
    engine = make_engine(empty_database)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET action = 'forged'"))
    engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(api: Api, tmp_path: Path) -> None:
    dump = tmp_path / "tsunagu.backup"
    backup.backup(api.url, dump)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(api.url, dump)


def test_the_cli_backs_up_and_reports_failures(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TSUNAGU_DATABASE_URL", api.url)
    monkeypatch.setenv("TSUNAGU_DATA_DIR", str(tmp_path))
    cli.get_settings.cache_clear()
    try:
        assert cli.main(["backup", str(tmp_path / "cli.backup")]) == 0
        assert (tmp_path / "cli.backup").stat().st_size > 0
        assert cli.main(["restore", str(tmp_path / "missing.backup")]) == 1
        assert "no backup" in capsys.readouterr().err
    finally:
        cli.get_settings.cache_clear()
    assert os.environ["TSUNAGU_DATABASE_URL"] == api.url
