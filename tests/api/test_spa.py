"""The API serves a built SPA under /app/ (the embedded default), and nothing when none is built."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.db import Database
from api.main import create_app
from api.settings import Settings

INDEX = "<!doctype html><title>つなぐ</title><script src='/app/assets/index-abc123.js'></script>"


def _client(tmp_path: Path, spa_dir: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'unused.db'}"
    settings = Settings(database_url=url, jwt_secret="s" * 48, data_dir=tmp_path, spa_dir=spa_dir)
    db = Database(url)
    with TestClient(create_app(settings, db), follow_redirects=False) as client:
        yield client
    db.dispose()


@pytest.fixture
def built(tmp_path: Path) -> Iterator[TestClient]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX, encoding="utf-8")
    (dist / "assets" / "index-abc123.js").write_text("console.log('つなぐ')", encoding="utf-8")
    (dist / "favicon.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("not for the web", encoding="utf-8")
    yield from _client(tmp_path, dist)


@pytest.fixture
def not_built(tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(tmp_path, tmp_path / "no-such-dist")


def test_root_redirects_to_the_app(built: TestClient) -> None:
    for path in ("/", "/app"):
        response = built.get(path)
        assert response.status_code == 307
        assert response.headers["location"] == "/app/"


@pytest.mark.parametrize("path", ["/app/", "/app/cases/12", "/app/meetings/2026/11"])
def test_client_side_routes_get_the_index_uncached(built: TestClient, path: str) -> None:
    response = built.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_cached_for_good(built: TestClient) -> None:
    response = built.get("/app/assets/index-abc123.js")
    assert response.status_code == 200
    assert "つなぐ" in response.text
    assert "immutable" in response.headers["cache-control"]
    assert built.get("/app/favicon.svg").headers["cache-control"] == "no-cache"


def test_a_missing_asset_is_404_not_the_index(built: TestClient) -> None:
    assert built.get("/app/assets/index-old.js").status_code == 404


def test_no_file_outside_the_build_is_served(built: TestClient) -> None:
    for path in ("/app/../secret.txt", "/app/%2e%2e/secret.txt", "/app/..%2fsecret.txt"):
        response = built.get(path)
        assert "not for the web" not in response.text


def test_api_paths_are_not_shadowed(built: TestClient) -> None:
    assert built.get("/healthz").json() == {"status": "ok"}
    assert built.get("/cases").status_code == 401


def test_without_a_build_there_is_no_app_route(not_built: TestClient) -> None:
    assert not_built.get("/app/").status_code == 404
    assert not_built.get("/").status_code == 404
