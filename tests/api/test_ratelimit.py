"""Rate limits per client address on the token endpoints (429 before any password is checked)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.db import Database
from api.main import create_app
from api.settings import Settings
from conftest import TEST_PASSWORD, TEST_SECRET, Api
from domain.access import Role


@pytest.fixture
def limited(api: Api, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """The same service, limited to 3 token requests a minute, seen from two addresses."""
    db = Database(api.url)
    settings = Settings(
        database_url=api.url, jwt_secret=TEST_SECRET, data_dir=tmp_path, token_rate_limit="3/minute"
    )
    app = create_app(settings, db)
    with (
        TestClient(app, client=("192.0.2.10", 50000)) as one,
        TestClient(app, client=("192.0.2.20", 50000)) as other,
    ):
        yield one, other
    db.dispose()


def _login(client: TestClient, password: str = TEST_PASSWORD) -> int:
    return client.post(
        "/auth/token", data={"grant_type": "password", "username": "jimu", "password": password}
    ).status_code


def test_too_many_token_requests_from_one_address_are_429(
    api: Api, limited: tuple[TestClient, TestClient]
) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    one, other = limited
    assert [_login(one, "wrong"), _login(one, "wrong"), _login(one)] == [400, 400, 200]

    refused = one.post(
        "/auth/token",
        data={"grant_type": "password", "username": "jimu", "password": TEST_PASSWORD},
    )
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["error"] == "slow_down"
    assert one.post("/auth/revoke", data={"token": "x"}).status_code == 429

    assert _login(other) == 200, "another address has its own allowance"


def test_the_limit_is_off_the_other_endpoints(
    api: Api, limited: tuple[TestClient, TestClient]
) -> None:
    one, _ = limited
    for _ in range(5):
        assert one.get("/healthz").status_code == 200
