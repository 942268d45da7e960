"""Idempotency-Key on the creating POSTs: a retry returns the first result, never a second record."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from api.clock import now, today
from api.models import Case, IdempotencyKey, Meeting, Referral, SupportPlan, TimelineEntry
from conftest import Api, household
from domain.access import Role

KEY = "3b9e7c1a-2f44-4c1e-9d0a-5e8f6a7b1c2d"


def _count(api: Api, model: Any) -> int:
    with api.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _world(api: Api) -> tuple[dict[str, str], int]:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    headers = api.login("jimu")
    case = api.client.post("/cases", json=household(), headers=headers)
    assert case.status_code == 201, case.text
    return headers, int(case.json()["id"])


def _consent(api: Api, headers: dict[str, str], case_id: int) -> None:
    case = api.client.get(f"/cases/{case_id}", headers=headers).json()
    response = api.client.post(
        f"/cases/{case_id}/members/{case['members'][0]['id']}/consents",
        json={
            "decision": "given",
            "decidedOn": today().isoformat(),
            "method": "written",
            "coversWholeTeam": True,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text


# (path, body, model) of each creating POST; {case} is the case's id.
CREATES: dict[str, tuple[str, dict[str, Any], Any]] = {
    "case": ("/cases", household(main_name="再送 太郎", main_kana="さいそう たろう"), Case),
    "timeline": (
        "/cases/{case}/timeline",
        {"occurredOn": "2026-04-11", "means": "visit", "content": "同行訪問"},
        TimelineEntry,
    ),
    "referral": (
        "/cases/{case}/referrals",
        {"toOrg": "koreifukushi", "reason": "介護", "summary": "母の介護保険申請"},
        Referral,
    ),
    "plan": (
        "/cases/{case}/plans",
        {
            "assessmentSummary": "母の介護と長男のひきこもり。",
            "goals": [{"term": "long", "text": "母子が安心して暮らす。"}],
            "monitoringEveryMonths": 3,
        },
        SupportPlan,
    ),
    "meeting": ("/meetings", {"kind": "support", "day": "2026-12-01", "regular": False}, Meeting),
}


@pytest.mark.parametrize("what", list(CREATES))
def test_a_retry_returns_the_first_result_and_creates_nothing_more(api: Api, what: str) -> None:
    headers, case_id = _world(api)
    _consent(api, headers, case_id)
    path, body, model = CREATES[what]
    url = path.format(case=case_id)
    before = _count(api, model)

    first = api.client.post(url, json=body, headers=headers | {"Idempotency-Key": KEY})
    again = api.client.post(url, json=body, headers=headers | {"Idempotency-Key": KEY})

    assert first.status_code == 201, first.text
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    for header in ("location", "etag"):
        assert again.headers.get(header) == first.headers.get(header)
    assert _count(api, model) == before + 1


def test_the_same_key_with_another_body_is_422_and_writes_nothing(api: Api) -> None:
    headers, _ = _world(api)
    keyed = headers | {"Idempotency-Key": KEY}
    assert api.client.post("/cases", json=household(), headers=keyed).status_code == 201
    other = api.client.post("/cases", json=household(main_name="別人 次郎"), headers=keyed)
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert "Idempotency-Key" in other.json()["detail"]
    assert _count(api, Case) == 2  # the world's case and the first keyed one


def test_keys_belong_to_their_caller(api: Api) -> None:
    headers, _ = _world(api)
    api.user("jimu2", "kyosei", Role.SECRETARIAT)
    colleague = api.login("jimu2")
    mine = api.client.post("/cases", json=household(), headers=headers | {"Idempotency-Key": KEY})
    theirs = api.client.post(
        "/cases", json=household(), headers=colleague | {"Idempotency-Key": KEY}
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert "idempotent-replayed" not in theirs.headers


def test_a_failed_request_releases_its_key(api: Api) -> None:
    headers, _ = _world(api)
    keyed = headers | {"Idempotency-Key": KEY}
    bad = api.client.post("/cases", json=household(town="atlantis"), headers=keyed)
    assert bad.status_code == 422
    fixed = api.client.post("/cases", json=household(), headers=keyed)
    assert fixed.status_code == 201, fixed.text
    assert "idempotent-replayed" not in fixed.headers
    assert _count(api, IdempotencyKey) == 1


def test_a_key_still_in_flight_is_409(api: Api) -> None:
    headers, _ = _world(api)
    me = api.client.get("/me", headers=headers).json()
    with api.db.sessions() as session, session.begin():
        session.add(
            IdempotencyKey(
                principal_sub=me["sub"], key=KEY, fingerprint="x" * 64, state="in_flight"
            )
        )
    response = api.client.post(
        "/cases", json=household(), headers=headers | {"Idempotency-Key": KEY}
    )
    assert response.status_code == 422  # another body than the one in flight
    with api.db.sessions() as session, session.begin():
        session.execute(update(IdempotencyKey).values(fingerprint=_fingerprint(api, headers)))
    in_flight = api.client.post(
        "/cases", json=household(), headers=headers | {"Idempotency-Key": KEY}
    )
    assert in_flight.status_code == 409, in_flight.text
    assert _count(api, Case) == 1


def _fingerprint(api: Api, headers: dict[str, str]) -> str:
    """The fingerprint the service computes, learnt from a real keyed request."""
    probe = "probe-key"
    api.client.post("/cases", json=household(), headers=headers | {"Idempotency-Key": probe})
    with api.db.sessions() as session, session.begin():
        row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == probe))
        assert row is not None
        fingerprint = row.fingerprint
        session.delete(row)
    with api.db.sessions() as session, session.begin():
        session.execute(
            Case.__table__.delete().where(Case.id == session.scalar(select(func.max(Case.id))))
        )
    return fingerprint


def test_a_kept_answer_expires_after_a_day(api: Api) -> None:
    headers, _ = _world(api)
    keyed = headers | {"Idempotency-Key": KEY}
    first = api.client.post("/cases", json=household(), headers=keyed)
    with api.db.sessions() as session, session.begin():
        session.execute(update(IdempotencyKey).values(created_at=now() - timedelta(hours=25)))
    later = api.client.post("/cases", json=household(), headers=keyed)
    assert later.status_code == 201
    assert later.json()["id"] != first.json()["id"]


def test_a_replay_needs_a_caller_who_may_still_make_the_request(api: Api) -> None:
    headers, _ = _world(api)
    keyed = headers | {"Idempotency-Key": KEY}
    assert api.client.post("/cases", json=household(), headers=keyed).status_code == 201
    token = headers["Authorization"].removeprefix("Bearer ")
    revoked = api.client.post("/auth/revoke", data={"token": token})
    assert revoked.status_code == 204, revoked.text
    replay = api.client.post("/cases", json=household(), headers=keyed)
    assert replay.status_code == 401
    assert "idempotent-replayed" not in replay.headers


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "with space"])
def test_a_malformed_key_is_refused(api: Api, key: str) -> None:
    headers, _ = _world(api)
    response = api.client.post(
        "/cases", json=household(), headers=headers | {"Idempotency-Key": key}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert _count(api, Case) == 1
