"""Operations: JSON logs with the request id and no personal data; Prometheus metrics."""

import gc
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.db import Database
from api.main import create_app
from api.observability import RequestIdFilter, json_formatter
from api.settings import Environment, Settings
from conftest import TEST_SECRET, Api, household
from domain.access import Role

NAME, KANA = "国分寺 花子", "こくぶんじ はなこ"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the service logs while the test runs, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_logs_are_json_with_the_request_id_and_never_a_name(
    api: Api, log_lines: io.StringIO
) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    headers = api.login("jimu")
    created = api.client.post(
        "/cases", json=household(main_name=NAME, main_kana=KANA), headers=headers
    )
    assert created.status_code == 201, created.text
    read = api.client.get(f"/cases/{created.json()['id']}", headers=headers)
    searched = api.client.get("/cases", params={"q": "はなこ"}, headers=headers)
    assert read.json()["members"][0]["name"] == NAME
    assert searched.json()["items"], "the search found the case"

    records = _records(log_lines)  # every line is one JSON object
    # The service's own lines (the test's HTTP client logs its requests' URLs itself).
    text = json.dumps([r for r in records if r["logger"] != "httpx"], ensure_ascii=False)
    access = [r for r in records if r["logger"] == "tsunagu.access"]
    by_id = {r["request_id"]: r for r in access}
    detail = by_id[read.headers["x-request-id"]]
    assert (detail["method"], detail["route"], detail["status"]) == (
        "GET",
        "/cases/{case_id}",
        200,
    )
    assert detail["path"] == f"/cases/{created.json()['id']}"
    assert isinstance(detail["duration_ms"], float)
    assert {"time", "level"} <= set(detail)
    assert by_id[searched.headers["x-request-id"]]["path"] == "/cases"
    for personal in (NAME, KANA, "国分寺", "はなこ", "花子", "%E3%81%AF"):
        assert personal not in text


def _metric(body: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in body.splitlines():
        if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{{{wanted}}} not in the metrics")


def test_metrics_count_requests_by_route_template_with_latency_and_pool(api: Api) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    headers = api.login("jimu")
    case_id = api.client.post("/cases", json=household(), headers=headers).json()["id"]
    for _ in range(3):
        api.client.get(f"/cases/{case_id}", headers=headers)
    api.client.get("/cases/999999", headers=headers)
    api.client.get("/no/such/path/like/this")

    response = api.client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    route = {"method": "GET", "route": "/cases/{case_id}"}
    assert _metric(body, "tsunagu_http_requests_total", **route, status="200") == 3
    assert _metric(body, "tsunagu_http_requests_total", **route, status="404") == 1
    assert _metric(body, "tsunagu_http_request_duration_seconds_count", **route) == 4
    assert (
        _metric(
            body,
            "tsunagu_http_requests_total",
            method="GET",
            route="unmatched",
            status="404",
        )
        == 1
    )
    assert "/cases/999999" not in body and "/no/such" not in body
    assert _metric(body, "tsunagu_db_pool_checked_out") >= 0


def _app(tmp_path: Path, url: str, **settings: Any) -> Iterator[TestClient]:
    db = Database(url)
    app = create_app(
        Settings(database_url=url, jwt_secret=TEST_SECRET, data_dir=tmp_path, **settings), db
    )
    with TestClient(app) as client:
        yield client
    db.dispose()


def test_metrics_need_the_token_when_one_is_set(api: Api, tmp_path: Path) -> None:
    for client in _app(tmp_path, api.url, metrics_token="scrape-me"):
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.headers["content-type"].startswith("application/problem+json")
        ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert ok.status_code == 200 and "tsunagu_http_requests_total" in ok.text


def test_metrics_are_off_in_production_without_a_token(api: Api, tmp_path: Path) -> None:
    for client in _app(tmp_path, api.url, environment=Environment.PRODUCTION):
        assert client.get("/metrics").status_code == 404
        assert "/metrics" not in client.app.openapi()["paths"]  # type: ignore[attr-defined]


def test_start_up_objects_are_frozen_while_the_app_serves(api: Api, tmp_path: Path) -> None:
    """A full garbage collection walks only what requests create, not the start-up heap."""
    before = gc.get_freeze_count()
    for client in _app(tmp_path, api.url):
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > before + 10_000
    assert gc.get_freeze_count() == 0
