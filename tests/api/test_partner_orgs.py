"""A partner business of 参加支援 (協力事業所, organisations of kind partner) reads no case: it
cannot lead a case, join its team, be covered by a consent, attend a meeting or take a role
assignment. Every refusal is a 422 problem with the field, and nothing is written."""

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from api.clock import today
from api.models import Attendee, Case, ConsentScopeOrg, TeamMembership
from conftest import Api, household
from domain.access import Role

PARTNER = "partner_bakery"


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    api.user("admin", "it_admin", Role.ADMIN)
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    created = api.client.post(
        "/organizations",
        json={"code": PARTNER, "kind": "partner", "name": "ベーカリー本町", "kana": "べーかりー"},
        headers=api.login("admin"),
    )
    assert created.status_code == 201, created.text
    jimu = api.login("jimu")
    case = api.client.post("/cases", json=household(), headers=jimu)
    assert case.status_code == 201, case.text
    return {"jimu": jimu, "case": case.json()}


def _count(api: Api, model: Any) -> int:
    with api.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, "partner_org")], errors
    assert "協力事業所" in errors[0]["message"]


def test_a_partner_business_cannot_lead_a_new_or_existing_case(api: Api, world: Any) -> None:
    cases = _count(api, Case)
    response = api.client.post("/cases", json=household(leadOrg=PARTNER), headers=world["jimu"])
    _refused(response, "leadOrg")
    assert _count(api, Case) == cases
    case = world["case"]
    before = api.client.get(f"/cases/{case['id']}", headers=world["jimu"])
    response = api.client.patch(
        f"/cases/{case['id']}",
        json={"leadOrg": PARTNER},
        headers={**world["jimu"], "If-Match": before.headers["ETag"]},
    )
    _refused(response, "leadOrg")
    after = api.client.get(f"/cases/{case['id']}", headers=world["jimu"])
    assert after.json()["leadOrg"] == before.json()["leadOrg"]


def test_a_partner_business_joins_no_team_and_no_consent(api: Api, world: Any) -> None:
    case = world["case"]
    response = api.client.post(
        f"/cases/{case['id']}/team",
        json={"org": PARTNER, "role": "職場体験", "startDate": today().isoformat()},
        headers=world["jimu"],
    )
    _refused(response, "org")
    assert _count(api, TeamMembership) == 0
    main_id = case["members"][0]["id"]
    response = api.client.post(
        f"/cases/{case['id']}/members/{main_id}/consents",
        json={
            "decision": "given",
            "decidedOn": today().isoformat(),
            "method": "written",
            "coversWholeTeam": False,
            "coveredOrgs": [PARTNER],
        },
        headers=world["jimu"],
    )
    _refused(response, "coveredOrgs")
    assert _count(api, ConsentScopeOrg) == 0


def test_a_partner_business_attends_no_meeting(api: Api, world: Any) -> None:
    day: date = today()
    meeting = api.client.post(
        "/meetings", json={"kind": "support", "day": day.isoformat()}, headers=world["jimu"]
    )
    assert meeting.status_code == 201, meeting.text
    attendees = _count(api, Attendee)
    response = api.client.post(
        f"/meetings/{meeting.json()['id']}/attendees",
        json={
            "org": PARTNER,
            "name": "本町 太郎",
            "noticeChannel": "post",
            "postalAddress": "東京都国分寺市本町1-2-3",
        },
        headers=world["jimu"],
    )
    _refused(response, "org")
    assert _count(api, Attendee) == attendees
