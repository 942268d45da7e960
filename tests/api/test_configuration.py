"""Configuration that protects personal data: headers, CORS allow-list, production mode, 500s,
mass assignment, sizes."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import text

from api import cli
from api.db import Database, connect_args
from api.main import create_app
from api.services import cases as case_service
from api.settings import Environment, Settings
from conftest import TEST_SECRET, Api, household
from domain.access import Role

ALLOWED = "https://tsunagu.city.kokubunji.example"


def _client(api: Api, tmp_path: Path, **settings: Any) -> Iterator[TestClient]:
    db = Database(api.url)
    app = create_app(
        Settings(database_url=api.url, jwt_secret=TEST_SECRET, data_dir=tmp_path, **settings), db
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    db.dispose()


@pytest.fixture
def with_cors(api: Api, tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(api, tmp_path, cors_origins=[ALLOWED])


@pytest.fixture
def production(api: Api, tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(api, tmp_path, environment=Environment.PRODUCTION)


def test_personal_data_is_never_cached_and_carries_the_security_headers(api: Api) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    headers = api.login("jimu")
    case_id = api.client.post("/cases", json=household(), headers=headers).json()["id"]
    for response in (
        api.client.get(f"/cases/{case_id}", headers=headers),
        api.client.get("/cases", headers=headers),
        api.client.get(f"/cases/{case_id + 1000}", headers=headers),  # errors too
        api.client.post("/auth/token", data={"grant_type": "password"}),
    ):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cross-origin-opener-policy"] == "same-origin"
        assert len(response.headers["x-request-id"]) >= 16


def test_cors_answers_only_the_allowed_origin(with_cors: TestClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "If-Match",
    }
    allowed = with_cors.options("/cases", headers={"Origin": ALLOWED} | preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "if-match" in allowed.headers["access-control-allow-headers"].lower()
    other = with_cors.options("/cases", headers={"Origin": "https://evil.example"} | preflight)
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    simple = with_cors.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers
    assert with_cors.get("/healthz", headers={"Origin": ALLOWED}).headers[
        "access-control-expose-headers"
    ]


def test_no_cors_at_all_without_an_allow_list(api: Api) -> None:
    response = api.client.get("/healthz", headers={"Origin": ALLOWED})
    assert "access-control-allow-origin" not in response.headers


def test_production_mode_serves_no_interactive_docs_nor_the_schema(production: TestClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert production.get(path).status_code == 404, path
    assert production.get("/healthz").status_code == 200


def test_an_unexpected_error_is_a_generic_500_problem(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    headers = api.login("jimu")

    def explode(*_args: Any, **_kwargs: Any) -> Any:
        raise ValueError("SELECT secret FROM cases WHERE name = '国分 一郎'")

    monkeypatch.setattr(case_service, "list_cases", explode)
    response = api.client.get("/cases", headers=headers)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith(":internal-error")
    for leaked in ("SELECT", "国分", "Traceback", "ValueError", "list_cases"):
        assert leaked not in response.text


def test_fields_the_caller_may_not_set_are_refused_not_ignored(api: Api) -> None:
    """Mass assignment: a body naming a field the API computes (number, status, version,
    createdBy…) is a 422, never silently applied."""
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    headers = api.login("jimu")
    for extra in ({"number": "2026-9999"}, {"status": "closed"}, {"version": 99}, {"id": 7}):
        response = api.client.post("/cases", json=household(**extra), headers=headers)
        assert response.status_code == 422, extra
    assert api.client.get("/cases", headers=headers).json()["items"] == []


def test_lists_are_bounded(api: Api) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    headers = api.login("jimu")
    assert api.client.get("/cases", params={"limit": 201}, headers=headers).status_code == 422
    assert api.client.get("/cases", params={"limit": 0}, headers=headers).status_code == 422


def test_database_sessions_carry_the_service_settings(api: Api) -> None:
    """PostgreSQL: no JIT (a name search compiled for 1.4 s a plan that ran in 60 ms);
    SQLite: foreign keys enforced and the write-ahead log."""
    with api.db.sessions() as session:
        if api.backend == "postgresql":
            assert session.scalar(text("SHOW jit")) == "off"
        else:
            assert session.scalar(text("PRAGMA foreign_keys")) == 1
            assert session.scalar(text("PRAGMA journal_mode")) == "wal"


@pytest.mark.parametrize(
    ("url_query", "env", "expected"),
    [
        ({}, {}, {"connect_timeout": 5, "options": "-c jit=off"}),
        (
            {"options": "-c search_path=kokubunji", "connect_timeout": "12"},
            {"PGOPTIONS": "-c lock_timeout=1s", "PGCONNECT_TIMEOUT": "9"},
            {"options": "-c jit=off -c search_path=kokubunji"},
        ),
        (
            {},
            {"PGOPTIONS": "-c statement_timeout=30s", "PGCONNECT_TIMEOUT": "9"},
            {"options": "-c jit=off -c statement_timeout=30s"},
        ),
        (
            {"options": ("-c jit=on", "-c work_mem=64MB")},
            {},
            {"connect_timeout": 5, "options": "-c jit=off -c jit=on -c work_mem=64MB"},
        ),
    ],
)
def test_the_operator_s_connection_settings_are_kept_beside_the_service_s(
    url_query: dict[str, Any], env: dict[str, str], expected: dict[str, Any]
) -> None:
    """What the database URL or libpq's environment says reaches PostgreSQL, after the
    service's own options (so the operator's win), and the timeout is the service's only when
    the operator set none: libpq reads PGOPTIONS only when no options are given at all."""
    assert connect_args(url_query, env) == expected


def test_database_url_options_reach_postgresql(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The URL's ``options`` and ``PGOPTIONS`` are applied, and JIT stays off unless the
    operator turns it on (before, a fixed ``options`` replaced both without a word)."""
    if api.backend != "postgresql":
        return  # libpq's options: SQLite has no server settings
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=1234")
    for query, shown in [
        ("", {"jit": "off", "lock_timeout": "1234ms", "statement_timeout": "0"}),
        (
            "?options=-c%20statement_timeout%3D4321",
            {"jit": "off", "lock_timeout": "0", "statement_timeout": "4321ms"},
        ),
        ("?options=-c%20jit%3Don", {"jit": "on", "lock_timeout": "0", "statement_timeout": "0"}),
    ]:
        db = Database(api.url + query, pool_size=1, max_overflow=0)
        try:
            with db.sessions() as session:
                settings = {name: session.scalar(text(f"SHOW {name}")) for name in shown}
        finally:
            db.dispose()
        assert settings == shown, query


@pytest.mark.parametrize(
    ("argv", "env", "workers", "note"),
    [
        ([], {}, 1, False),
        (["--workers", "2"], {}, 2, True),
        ([], {"TSUNAGU_WORKERS": "3"}, 3, True),
        (["--workers", "2"], {"TSUNAGU_RATE_LIMIT_STORAGE": "redis://127.0.0.1:6379"}, 2, False),
    ],
)
def test_serve_starts_the_configured_number_of_processes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    workers: int,
    note: bool,
) -> None:
    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(app=app, **options))
    monkeypatch.setenv("TSUNAGU_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TSUNAGU_DATABASE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cli.get_settings.cache_clear()
    try:
        assert cli.main(["serve", "--port", "8123", *argv]) == 0
    finally:
        cli.get_settings.cache_clear()

    assert started["app"] == "api.main:app"
    assert started["workers"] == workers
    assert started["port"] == 8123
    err = capsys.readouterr().err
    assert ("TSUNAGU_RATE_LIMIT_STORAGE" in err) is note
