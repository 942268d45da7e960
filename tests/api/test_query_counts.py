"""The SQL statements a request runs do not grow with the page size or with related rows (no N+1):
each list and detail endpoint is counted on a small and on a large instance of the same thing."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from api.clock import today
from conftest import Api, household
from domain.access import Role


@contextmanager
def _counting(api: Api) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(api.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(api.db.engine, "before_cursor_execute", count)


def _statements(api: Api, url: str, headers: dict[str, str], **params: Any) -> int:
    with _counting(api) as statements:
        response = api.client.get(url, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return len(statements)


def _ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    api.user("hokatsu", "hokatsu_1", Role.AGENCY)
    jimu = api.login("jimu")
    others = [
        {"name": f"家族 {n}", "nameKana": "かぞく", "relationship": "子", "birthDate": "2001-01-01"}
        for n in range(6)
    ]
    small = _ok(api.client.post("/cases", json=household(), headers=jimu))
    large = _ok(api.client.post("/cases", json=household(others=others), headers=jimu))
    for _ in range(23):
        _ok(api.client.post("/cases", json=household(), headers=jimu))
    entry = {"occurredOn": "2026-04-11", "means": "visit", "content": "訪問"}
    _ok(api.client.post(f"/cases/{small['id']}/timeline", json=entry, headers=jimu))
    for _ in range(12):
        _ok(api.client.post(f"/cases/{large['id']}/timeline", json=entry, headers=jimu))
    for org in ("hokatsu_1", "koreifukushi", "shogaifukushi", "seikatsufukushi", "kosodate_sodan"):
        body = {"toOrg": org, "reason": "つなぎ", "summary": "要約"}
        _ok(api.client.post(f"/cases/{large['id']}/referrals", json=body, headers=jimu))
    _ok(
        api.client.post(
            f"/cases/{small['id']}/referrals",
            json={"toOrg": "koreifukushi", "reason": "つなぎ", "summary": "要約"},
            headers=jimu,
        )
    )
    day = today().isoformat()
    meetings = [
        _ok(
            api.client.post(
                "/meetings", json={"kind": "support", "day": day, "regular": False}, headers=jimu
            )
        )
        for _ in range(2)
    ]
    for meeting, cases in ((meetings[0], [small]), (meetings[1], [small, large])):
        for case in cases:
            item = {"caseId": case["id"], "purpose": "information_sharing", "summary": "要約"}
            _ok(api.client.post(f"/meetings/{meeting['id']}/agenda-items", json=item, headers=jimu))
    for org in ("hokatsu_1", "koreifukushi", "shogaifukushi"):
        _ok(
            api.client.post(
                f"/meetings/{meetings[1]['id']}/attendees",
                json={"org": org, "noticeChannel": "email", "email": f"{org}@example.jp"},
                headers=jimu,
            )
        )
    _ok(
        api.client.post(
            f"/meetings/{meetings[0]['id']}/attendees",
            json={"org": "hokatsu_1", "noticeChannel": "email", "email": "a@example.jp"},
            headers=jimu,
        )
    )
    return {"jimu": jimu, "small": small, "large": large, "meetings": meetings}


def test_the_case_list_does_not_grow_with_the_page(api: Api, world: dict[str, Any]) -> None:
    jimu = world["jimu"]
    assert _statements(api, "/cases", jimu, limit=2) == _statements(api, "/cases", jimu, limit=25)
    assert _statements(api, "/cases", jimu, limit=2, q="かぞく") == _statements(
        api, "/cases", jimu, limit=25, q="かぞく"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/cases/{id}",
        "/cases/{id}/timeline",
        "/cases/{id}/referrals",
        "/cases/{id}/team",
        "/cases/{id}/consents",
        "/cases/{id}/meetings",
    ],
)
def test_a_case_and_its_lists_do_not_grow_with_related_rows(
    api: Api, world: dict[str, Any], path: str
) -> None:
    jimu = world["jimu"]
    small = _statements(api, path.format(id=world["small"]["id"]), jimu)
    large = _statements(api, path.format(id=world["large"]["id"]), jimu)
    assert small == large, (small, large)


def test_referral_boxes_do_not_grow_with_the_page(api: Api, world: dict[str, Any]) -> None:
    jimu = world["jimu"]
    assert _statements(api, "/referrals", jimu, box="outbox", limit=1) == _statements(
        api, "/referrals", jimu, box="outbox", limit=10
    )


@pytest.mark.parametrize("path", ["/meetings/{id}/attendees", "/meetings/{id}"])
def test_a_meeting_does_not_grow_with_its_attendees(
    api: Api, world: dict[str, Any], path: str
) -> None:
    jimu = world["jimu"]
    one, two = world["meetings"]
    small = _statements(api, path.format(id=one["id"]), jimu)
    large = _statements(api, path.format(id=two["id"]), jimu)
    assert small == large, (small, large)


def test_the_audit_log_does_not_grow_with_the_page(api: Api, world: dict[str, Any]) -> None:
    api.user("kansa", "it_admin", Role.AUDITOR)
    auditor = api.login("kansa")
    assert _statements(api, "/audit-events", auditor, limit=2) == _statements(
        api, "/audit-events", auditor, limit=50
    )


def test_a_plan_does_not_grow_with_its_goals_and_items(api: Api, world: dict[str, Any]) -> None:
    jimu = world["jimu"]
    plans = []
    for case, size in ((world["small"], 1), (world["large"], 8)):
        body = {
            "assessmentSummary": "課題",
            "goals": [{"term": "long", "text": f"目標{n}"} for n in range(size)],
            "items": [
                {"content": f"支援{n}", "responsibleOrg": "koreifukushi", "isLead": n == 0}
                for n in range(size)
            ],
            "monitoringEveryMonths": 3,
        }
        plans.append(_ok(api.client.post(f"/cases/{case['id']}/plans", json=body, headers=jimu)))
    for path in ("/plans/{id}",):
        small = _statements(api, path.format(id=plans[0]["id"]), jimu)
        large = _statements(api, path.format(id=plans[1]["id"]), jimu)
        assert small == large, (path, small, large)
    by_case = [
        _statements(api, f"/cases/{c['id']}/plans", jimu) for c in (world["small"], world["large"])
    ]
    assert by_case[0] == by_case[1]
