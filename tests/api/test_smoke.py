import logging

import pytest

from conftest import Api, household
from domain.access import Role


def test_secretariat_opens_and_reads_a_case(api: Api) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    headers = api.login("jimu")
    created = api.client.post("/cases", json=household(), headers=headers)
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["number"] == "2026-0001"
    assert case["area"] == "east"
    read = api.client.get(f"/cases/{case['id']}", headers=headers)
    assert read.status_code == 200
    assert read.headers["etag"] == f'"{case["id"]}.{case["version"]}"'


def test_access_log_has_no_names_from_search_queries(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    headers = api.login("jimu")
    case = api.client.post("/cases", json=household(), headers=headers).json()
    with caplog.at_level(logging.INFO, logger="tsunagu.access"):
        api.client.get("/cases", params={"q": "国分 一郎"}, headers=headers)
        api.client.get(f"/cases/{case['id']}", headers=headers)
    lines = [r.getMessage() for r in caplog.records if r.name == "tsunagu.access"]
    assert len(lines) == 2
    assert lines[0].startswith("GET /cases 200")
    assert lines[1].startswith(f"GET /cases/{case['id']} 200")
    assert not any("国分" in line or "%E5" in line for line in lines)
