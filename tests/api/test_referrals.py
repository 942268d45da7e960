"""Referral endpoints (つなぐ): the closed loop, who reads and acts, rule 5, inbox, ETags, bad input."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from api.clock import today
from api.models import AuditEvent, Case, Referral, TeamMembership
from api.services.case_access import load_facts
from api.services.referrals import ACCEPTED_TEAM_ROLE
from conftest import Api, household
from domain.access import Role

TODAY = today()  # the service's day (Asia/Tokyo), not the test machine's


@dataclass
class World:
    """A case opened by the secretariat (地域共生推進課), and who is who around it."""

    api: Api
    case: dict[str, Any]
    sender: dict[str, str]  # secretariat, kyosei: may read and edit the case
    recipient: dict[str, str]  # 地域包括支援センター第1 (hokatsu_1), no consent yet
    stranger: dict[str, str]  # 地域包括支援センター第2: neither side
    staff: dict[str, str]  # 高齢福祉課: city staff, neither side

    @property
    def case_id(self) -> int:
        return int(self.case["id"])


def _world(api: Api) -> World:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    api.user("hokatsu", "hokatsu_1", Role.AGENCY)
    api.user("hokatsu2", "hokatsu_2", Role.AGENCY)
    api.user("kourei", "koreifukushi", Role.STAFF)
    sender = api.login("jimu")
    case = _open_case(api, sender)
    return World(
        api, case, sender, api.login("hokatsu"), api.login("hokatsu2"), api.login("kourei")
    )


def _open_case(api: Api, headers: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    response = api.client.post("/cases", json=household(**kwargs), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "toOrg": "hokatsu_1",
        "reason": "母の介護保険申請と見守り",
        "urgency": "normal",
        "dueDate": (TODAY + timedelta(days=7)).isoformat(),
        "summary": "80代の母の物忘れが進み、介護保険の申請を希望している。",
    }
    body.update(overrides)
    return body


def _send(w: World, case_id: int | None = None, **overrides: Any) -> dict[str, Any]:
    response = w.api.client.post(
        f"/cases/{case_id or w.case_id}/referrals", json=_body(**overrides), headers=w.sender
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _etag(w: World, referral_id: int, headers: dict[str, str] | None = None) -> str:
    response = w.api.client.get(f"/referrals/{referral_id}", headers=headers or w.sender)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def _act(
    w: World,
    referral_id: int,
    action: str,
    headers: dict[str, str],
    note: str | None = None,
    etag: str | None = None,
) -> Any:
    return w.api.client.post(
        f"/referrals/{referral_id}/{action}",
        json={} if note is None else {"note": note},
        headers=headers | {"If-Match": etag or _etag(w, referral_id)},
    )


def _consent(w: World) -> None:
    main_id = w.case["members"][0]["id"]
    response = w.api.client.post(
        f"/cases/{w.case_id}/members/{main_id}/consents",
        json={
            "decision": "given",
            "decidedOn": TODAY.isoformat(),
            "method": "written",
            "coversWholeTeam": True,
        },
        headers=w.sender,
    )
    assert response.status_code == 201, response.text


def _audit(api: Api, **where: Any) -> list[AuditEvent]:
    with api.db.sessions() as session:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        for column, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, column) == value)
        return list(session.scalars(stmt))


def _count(api: Api, model: Any) -> int:
    with api.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _open_referral_orgs(api: Api, case_id: int) -> frozenset[str]:
    with api.db.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return load_facts(session, case, TODAY)[0].open_referral_orgs


# ------------------------------------------------------------------ the loop


def test_full_loop_sent_accepted_in_progress_completed_with_report(api: Api) -> None:
    w = _world(api)
    sent = api.client.post(f"/cases/{w.case_id}/referrals", json=_body(), headers=w.sender)
    assert sent.status_code == 201, sent.text
    referral = sent.json()
    rid = referral["id"]
    assert sent.headers["location"] == f"/referrals/{rid}"
    assert sent.headers["etag"] == f'"r{rid}.1"'
    assert (referral["status"], referral["statusLabel"]) == ("sent", "依頼中")
    assert referral["caseNumber"] == w.case["number"]
    assert (referral["fromOrg"], referral["fromOrgName"]) == ("kyosei", "地域共生推進課")
    assert referral["toOrgName"] == "国分寺市地域包括支援センター第1"
    assert referral["mainPersonName"] == "国分 一郎"  # the sender reads the case
    assert referral["access"] == {
        "asSender": True,
        "asRecipient": False,
        "caseReadable": True,
        "allowedActions": ["withdraw"],
    }

    seen = api.client.get(f"/referrals/{rid}", headers=w.recipient)
    assert seen.status_code == 200
    assert seen.json()["summary"] == _body()["summary"]
    assert seen.json()["mainPersonName"] is None
    assert seen.json()["access"]["allowedActions"] == ["accept", "decline"]

    accepted = _act(
        w, rid, "accept", w.recipient, note="担当者を決めて連絡します", etag=seen.headers["etag"]
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["answerNote"] == "担当者を決めて連絡します"
    assert accepted.json()["answeredAt"] is not None
    assert accepted.headers["etag"] == f'"r{rid}.2"'
    assert accepted.json()["access"]["allowedActions"] == ["start", "complete"]

    started = _act(w, rid, "start", w.recipient, etag=accepted.headers["etag"])
    assert started.status_code == 200, started.text
    assert (started.json()["status"], started.json()["statusLabel"]) == ("in_progress", "対応中")

    report = "母と面談し、介護保険を申請。要支援1の認定を受け、見守りを開始した。"
    completed = _act(w, rid, "complete", w.recipient, note=report, etag=started.headers["etag"])
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "completed"
    assert completed.json()["access"]["allowedActions"] == []

    # The loop closes: the sender reads the report back.
    back = api.client.get(f"/referrals/{rid}", headers=w.sender).json()
    assert (back["statusLabel"], back["report"]) == ("完了", report)
    assert back["completedAt"] is not None
    listed = api.client.get(f"/cases/{w.case_id}/referrals", headers=w.sender).json()
    assert [(r["id"], r["report"]) for r in listed] == [(rid, report)]

    team = api.client.get(f"/cases/{w.case_id}/team", headers=w.sender).json()
    assert [(t["org"], t["role"], t["active"]) for t in team] == [
        ("hokatsu_1", ACCEPTED_TEAM_ROLE, True)
    ]
    actions = [
        e.action
        for e in _audit(api, case_id=w.case_id, outcome="success")
        if e.action.startswith(("referral.", "team."))
    ]
    assert actions == [
        "referral.create",
        "referral.read",
        "referral.accept",
        "team.add",
        "referral.start",
        "referral.complete",
        "referral.read",
        "referral.list",
        "team.list",
    ]
    recipient_reads = _audit(api, action="referral.read", resource_id=str(rid))
    assert recipient_reads[0].actor_org == "hokatsu_1"
    assert recipient_reads[0].case_id == w.case_id
    assert recipient_reads[0].detail["as"] == "recipient"


def test_decline_needs_a_reason_and_ends_rule_5_visibility(api: Api) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    assert _open_referral_orgs(api, w.case_id) == {"hokatsu_1"}
    missing = _act(w, rid, "decline", w.recipient)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "note"
    assert "辞退の理由" in missing.json()["detail"]
    declined = _act(w, rid, "decline", w.recipient, note="担当地区外のため")
    assert declined.status_code == 200, declined.text
    body = declined.json()
    assert (body["status"], body["statusLabel"], body["answerNote"]) == (
        "declined",
        "辞退",
        "担当地区外のため",
    )
    # Rule 5 no longer applies; the recipient keeps its own record of what it was asked.
    assert _open_referral_orgs(api, w.case_id) == frozenset()
    own = api.client.get(f"/referrals/{rid}", headers=w.recipient)
    assert own.status_code == 200
    assert own.json()["access"] == {
        "asSender": False,
        "asRecipient": True,
        "caseReadable": False,
        "allowedActions": [],
    }
    assert api.client.get(f"/cases/{w.case_id}", headers=w.recipient).status_code == 404
    assert _count(api, TeamMembership) == 0  # declining joins no team
    # Once declined, the same org may be asked again.
    assert _send(w)["status"] == "sent"


def test_withdraw_needs_a_reason_and_is_taken_by_the_sending_side(api: Api) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    assert _act(w, rid, "withdraw", w.sender).status_code == 422
    withdrawn = _act(w, rid, "withdraw", w.sender, note="本人が転居したため")
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["statusLabel"]) == (
        "withdrawn",
        "取り下げ",
    )
    assert withdrawn.json()["answerNote"] == "本人が転居したため"
    seen = api.client.get(f"/referrals/{rid}", headers=w.recipient).json()
    assert seen["status"] == "withdrawn" and seen["access"]["allowedActions"] == []
    assert [e.detail for e in _audit(api, action="referral.withdraw")] == [
        {"from": "sent", "to": "withdrawn"}
    ]


def test_withdraw_after_acceptance_leaves_the_team_membership(api: Api) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    assert _act(w, rid, "accept", w.recipient).status_code == 200
    assert _act(w, rid, "withdraw", w.sender, note="方針変更").json()["status"] == "withdrawn"
    assert _count(api, TeamMembership) == 1


def test_every_step_is_kept_with_its_note_and_who_took_it(api: Api) -> None:
    """The history keeps what the single answer note used to overwrite: the accepting note
    survives a later withdrawal, and each step names its org."""
    w = _world(api)
    rid = _send(w)["id"]
    _act(w, rid, "accept", w.recipient, note="今週中に訪問します")
    withdrawn = _act(w, rid, "withdraw", w.sender, note="本人が転居したため").json()

    steps = [
        (e["action"], e["fromStatus"], e["toStatus"], e["note"], e["actorOrg"])
        for e in withdrawn["history"]
    ]
    assert steps == [
        ("send", None, "sent", None, "kyosei"),
        ("accept", "sent", "accepted", "今週中に訪問します", "hokatsu_1"),
        ("withdraw", "accepted", "withdrawn", "本人が転居したため", "kyosei"),
    ]
    assert [e["statusLabel"] for e in withdrawn["history"]] == ["依頼中", "受諾", "取り下げ"]
    seen_by_recipient = api.client.get(f"/referrals/{rid}", headers=w.recipient).json()
    assert seen_by_recipient["history"] == withdrawn["history"]


def test_a_refused_step_leaves_no_trace_in_the_history(api: Api) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    assert _act(w, rid, "decline", w.recipient).status_code == 422  # no reason
    assert _act(w, rid, "complete", w.recipient, note="報告").status_code == 409
    assert _act(w, rid, "accept", w.sender).status_code == 403
    history = api.client.get(f"/referrals/{rid}", headers=w.sender).json()["history"]
    assert [e["action"] for e in history] == ["send"]


def test_complete_needs_the_report_back(api: Api) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    _act(w, rid, "accept", w.recipient)
    missing = _act(w, rid, "complete", w.recipient, note=None)
    assert missing.status_code == 422
    assert "報告" in missing.json()["detail"]
    blank = _act(w, rid, "complete", w.recipient, note="   ")  # stripped to empty
    assert blank.status_code == 422
    assert api.client.get(f"/referrals/{rid}", headers=w.sender).json()["status"] == "accepted"


# ------------------------------------------------------------------ rule 5 and consent


def test_recipient_without_consent_reads_the_referral_not_the_case(api: Api) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    referral = api.client.get(f"/referrals/{rid}", headers=w.recipient)
    assert referral.status_code == 200
    assert referral.json()["summary"] == _body()["summary"]
    assert referral.json()["reason"] == _body()["reason"]
    for path in ("", "/timeline", "/team", "/consents", "/referrals"):
        response = api.client.get(f"/cases/{w.case_id}{path}", headers=w.recipient)
        assert response.status_code == 404, path
    assert api.client.get("/cases", headers=w.recipient).json()["items"] == []
    assert "国分 一郎" not in referral.text

    # Accepting without consent: on the team, still no case; its referral stays readable.
    accepted = _act(w, rid, "accept", w.recipient)
    assert accepted.status_code == 200
    assert accepted.json()["access"]["caseReadable"] is False
    assert api.client.get(f"/cases/{w.case_id}", headers=w.recipient).status_code == 404
    assert api.client.get(f"/cases/{w.case_id}/timeline", headers=w.recipient).status_code == 404
    assert api.client.get(f"/referrals/{rid}", headers=w.recipient).status_code == 200

    # Consent given later: rule 4 applies from then on.
    _consent(w)
    case = api.client.get(f"/cases/{w.case_id}", headers=w.recipient)
    assert case.status_code == 200
    assert case.json()["access"]["basis"] == "consented_team"
    again = api.client.get(f"/referrals/{rid}", headers=w.recipient).json()
    assert again["mainPersonName"] == "国分 一郎"
    assert again["access"]["caseReadable"] is True


def test_recipient_with_consent_reads_the_case_once_it_accepts(api: Api) -> None:
    w = _world(api)
    _consent(w)
    rid = _send(w)["id"]
    assert api.client.get(f"/cases/{w.case_id}", headers=w.recipient).status_code == 404
    case_etag = api.client.get(f"/cases/{w.case_id}", headers=w.sender).headers["etag"]
    accepted = _act(w, rid, "accept", w.recipient)
    assert accepted.status_code == 200
    assert accepted.json()["access"]["caseReadable"] is True
    assert accepted.json()["mainPersonName"] == "国分 一郎"
    case = api.client.get(f"/cases/{w.case_id}", headers=w.recipient)
    assert case.status_code == 200
    assert case.json()["access"]["basis"] == "consented_team"
    # The team is part of the case: the case's ETag moved on.
    assert api.client.get(f"/cases/{w.case_id}", headers=w.sender).headers["etag"] != case_etag
    # Now able to edit the case, it still may not withdraw what was addressed to it.
    refused = _act(w, rid, "withdraw", w.recipient, note="x", etag=accepted.headers["etag"])
    assert refused.status_code == 403


def test_accepting_org_already_on_the_team_is_not_added_twice(api: Api) -> None:
    w = _world(api)
    team = api.client.post(
        f"/cases/{w.case_id}/team",
        json={"org": "hokatsu_1", "role": "見守り", "startDate": TODAY.isoformat()},
        headers=w.sender,
    )
    assert team.status_code == 201
    rid = _send(w)["id"]
    assert _act(w, rid, "accept", w.recipient).status_code == 200
    roles = [t["role"] for t in api.client.get(f"/cases/{w.case_id}/team", headers=w.sender).json()]
    assert roles == ["見守り"]
    assert _audit(api, action="team.add", outcome="success")[-1].detail == {"org": "hokatsu_1"}


def test_an_ended_membership_does_not_count_as_being_on_the_team(api: Api) -> None:
    w = _world(api)
    api.client.post(
        f"/cases/{w.case_id}/team",
        json={
            "org": "hokatsu_1",
            "role": "以前の支援",
            "startDate": (TODAY - timedelta(days=30)).isoformat(),
            "endDate": (TODAY - timedelta(days=1)).isoformat(),
        },
        headers=w.sender,
    )
    rid = _send(w)["id"]
    assert _act(w, rid, "accept", w.recipient).status_code == 200
    team = api.client.get(f"/cases/{w.case_id}/team", headers=w.sender).json()
    assert [(t["role"], t["active"]) for t in team] == [
        ("以前の支援", False),
        (ACCEPTED_TEAM_ROLE, True),
    ]


# ------------------------------------------------------------------ refused transitions

# How to reach each status (recipient steps unless marked), and what the right side may still do.
PATHS: dict[str, list[str]] = {
    "sent": [],
    "accepted": ["accept"],
    "in_progress": ["accept", "start"],
    "declined": ["decline"],
    "completed": ["accept", "complete"],
    "withdrawn": ["withdraw"],
}
ALLOWED: dict[str, set[str]] = {
    "sent": {"accept", "decline", "withdraw"},
    "accepted": {"start", "complete", "withdraw"},
    "in_progress": {"complete", "withdraw"},
    "declined": set(),
    "completed": set(),
    "withdrawn": set(),
}
LABELS = {
    "sent": "依頼中",
    "accepted": "受諾",
    "declined": "辞退",
    "in_progress": "対応中",
    "completed": "完了",
    "withdrawn": "取り下げ",
}
TARGETS = {
    "accept": "accepted",
    "decline": "declined",
    "start": "in_progress",
    "complete": "completed",
    "withdraw": "withdrawn",
}


@pytest.mark.parametrize("status", sorted(PATHS))
def test_every_transition_the_rules_refuse_is_409_naming_both_states(api: Api, status: str) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    for step in PATHS[status]:
        who = w.sender if step == "withdraw" else w.recipient
        assert _act(w, rid, step, who, note="理由").status_code == 200, step
    assert api.client.get(f"/referrals/{rid}", headers=w.sender).json()["status"] == status
    for action in sorted(set(TARGETS) - ALLOWED[status]):
        who = w.sender if action == "withdraw" else w.recipient
        response = _act(w, rid, action, who, note="理由")
        assert response.status_code == 409, (status, action, response.text)
        detail = response.json()["detail"]
        assert f"「{LABELS[status]}」" in detail and f"「{LABELS[TARGETS[action]]}」" in detail
    assert api.client.get(f"/referrals/{rid}", headers=w.sender).json()["status"] == status


# ------------------------------------------------------------------ refused parties


def test_wrong_side_that_reads_the_referral_gets_403(api: Api) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    for action in ("accept", "decline", "start", "complete"):
        response = _act(w, rid, action, w.sender, note="x")
        assert response.status_code == 403, action
        assert "紹介先" in response.json()["detail"]
    response = _act(w, rid, "withdraw", w.recipient, note="x", etag=_etag(w, rid, w.recipient))
    assert response.status_code == 403
    assert "紹介元" in response.json()["detail"]
    assert api.client.get(f"/referrals/{rid}", headers=w.sender).json()["status"] == "sent"
    refusals = _audit(api, outcome="denied", resource_type="referral")
    assert len(refusals) == 5
    assert {e.case_id for e in refusals} == {w.case_id}


@pytest.mark.parametrize("who", ["stranger", "staff"])
def test_who_reads_neither_the_case_nor_the_referral_gets_404(api: Api, who: str) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    headers = getattr(w, who)
    etag = _etag(w, rid)
    assert api.client.get(f"/referrals/{rid}", headers=headers).status_code == 404
    for action in TARGETS:
        response = _act(w, rid, action, headers, note="x", etag=etag)
        assert response.status_code == 404, action
        assert response.json()["detail"] == "紹介が見つかりません。"
    missing = api.client.get("/referrals/999999", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "紹介が見つかりません。"  # the same answer: no hint
    assert (
        api.client.get("/referrals", params={"box": "inbox"}, headers=headers).json()["items"] == []
    )
    assert api.client.get(f"/referrals/{rid}", headers=w.sender).json()["status"] == "sent"


def test_who_may_not_read_the_case_cannot_send_from_it(api: Api) -> None:
    w = _world(api)
    response = api.client.post(
        f"/cases/{w.case_id}/referrals", json=_body(toOrg="hokatsu_2"), headers=w.staff
    )
    assert response.status_code == 404
    assert (
        api.client.post("/cases/999999/referrals", json=_body(), headers=w.sender).status_code
        == 404
    )
    # The recipient of an open referral (rule 5) reads no case, so it sends nothing from it.
    _send(w)
    response = api.client.post(
        f"/cases/{w.case_id}/referrals", json=_body(toOrg="hokatsu_2"), headers=w.recipient
    )
    assert response.status_code == 404
    assert _count(api, Referral) == 1


def test_admin_and_auditor_have_no_referral_access(api: Api) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    api.user("admin", "it_admin", Role.ADMIN)
    api.user("auditor", "it_admin", Role.AUDITOR)
    for username in ("admin", "auditor"):
        headers = api.login(username)
        assert api.client.get(f"/referrals/{rid}", headers=headers).status_code == 403
        assert (
            api.client.get("/referrals", params={"box": "inbox"}, headers=headers).status_code
            == 403
        )


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(unknownField=1), "unknownField"),
        (lambda b: b.update(dueDate=(TODAY - timedelta(days=1)).isoformat()), "dueDate"),
        (lambda b: b.update(dueDate="2024-02-30"), "dueDate"),
        (lambda b: b.update(toOrg="no_such_org"), "toOrg"),
        (lambda b: b.update(toOrg="it_admin"), "toOrg"),  # IT administration takes no cases
        (lambda b: b.update(toOrg="kyosei"), "toOrg"),  # the sender's own org
        (lambda b: b.update(toOrg="Hokatsu-1"), "toOrg"),
        (lambda b: b.update(urgency="whenever"), "urgency"),
        (lambda b: b.update(summary=""), "summary"),
        (lambda b: b.update(summary="x" * 4001), "summary"),
        (lambda b: b.update(reason="理由\x00"), "reason"),
        (lambda b: b.pop("summary"), "summary"),
        (lambda b: b.pop("toOrg"), "toOrg"),
    ],
)
def test_bad_referral_is_422_and_nothing_is_written(api: Api, mutate: Any, field: str) -> None:
    w = _world(api)
    body = _body()
    mutate(body)
    response = api.client.post(f"/cases/{w.case_id}/referrals", json=body, headers=w.sender)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any(field in e["field"] for e in response.json()["errors"]), response.json()
    assert _count(api, Referral) == 0


def test_a_partner_business_is_never_a_referral_target(api: Api) -> None:
    """協力事業所 (kind partner) hosts 参加支援; it has no staff in the system to take a referral."""
    w = _world(api)
    api.user("admin", "it_admin", Role.ADMIN)
    created = api.client.post(
        "/organizations",
        json={
            "code": "partner_bakery",
            "kind": "partner",
            "name": "ベーカリー本町",
            "kana": "べーかりー",
        },
        headers=api.login("admin"),
    )
    assert created.status_code == 201, created.text
    response = api.client.post(
        f"/cases/{w.case_id}/referrals", json=_body(toOrg="partner_bakery"), headers=w.sender
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("toOrg", "partner_org")]
    assert "協力事業所" in errors[0]["message"]
    assert _count(api, Referral) == 0


def test_due_date_today_is_fine_and_urgency_defaults_to_normal(api: Api) -> None:
    w = _world(api)
    body = _body(dueDate=TODAY.isoformat())
    del body["urgency"]
    response = api.client.post(f"/cases/{w.case_id}/referrals", json=body, headers=w.sender)
    assert response.status_code == 201, response.text
    assert response.json()["urgency"] == "normal"
    assert response.json()["overdue"] is False


def test_a_second_open_referral_to_the_same_org_is_409(api: Api) -> None:
    w = _world(api)
    first = _send(w)["id"]
    again = api.client.post(f"/cases/{w.case_id}/referrals", json=_body(), headers=w.sender)
    assert again.status_code == 409
    assert str(first) in again.json()["detail"]
    _act(w, first, "accept", w.recipient)
    assert (
        api.client.post(f"/cases/{w.case_id}/referrals", json=_body(), headers=w.sender).status_code
        == 409
    )  # accepted is still open
    assert _send(w, toOrg="hokatsu_2")["toOrg"] == "hokatsu_2"  # another org is fine


def test_the_answer_to_sending_is_what_reading_the_referral_gives(api: Api) -> None:
    # Sending works the case's access facts out from what it changed (the referral now awaits
    # to_org) instead of loading them again: the answer must not differ from a fresh read.
    # The sender reads the case because its unit opened it (rule 3), a fact of the case.
    w = _world(api)
    api.user("kyosei_staff", "kyosei", Role.STAFF)
    sender = api.login("kyosei_staff")
    sent = w.api.client.post(f"/cases/{w.case_id}/referrals", json=_body(), headers=sender)
    assert sent.status_code == 201, sent.text
    read = w.api.client.get(f"/referrals/{sent.json()['id']}", headers=sender)
    assert read.status_code == 200, read.text
    assert sent.json() == read.json()
    assert sent.headers["etag"] == read.headers["etag"]
    assert sent.json()["access"]["asSender"] is True
    assert sent.json()["mainPersonName"] is not None  # the sender reads the case


@pytest.mark.parametrize("body", [{"note": "x", "extra": 1}, {"note": ""}, {"note": 5}])
def test_bad_action_body_is_422(api: Api, body: dict[str, Any]) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    response = api.client.post(
        f"/referrals/{rid}/accept", json=body, headers=w.recipient | {"If-Match": _etag(w, rid)}
    )
    assert response.status_code == 422
    assert api.client.get(f"/referrals/{rid}", headers=w.sender).json()["status"] == "sent"


# ------------------------------------------------------------------ ETags


def test_actions_need_the_current_etag(api: Api) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    no_header = api.client.post(f"/referrals/{rid}/accept", json={}, headers=w.recipient)
    assert no_header.status_code == 428
    star = api.client.post(
        f"/referrals/{rid}/accept", json={}, headers=w.recipient | {"If-Match": "*"}
    )
    assert star.status_code == 428
    old = _etag(w, rid, w.recipient)
    assert _act(w, rid, "accept", w.recipient, etag=old).status_code == 200
    stale = _act(w, rid, "start", w.recipient, etag=old)
    assert stale.status_code == 412
    assert stale.headers["etag"] == f'"r{rid}.2"'
    case_etag = api.client.get(f"/cases/{w.case_id}", headers=w.sender).headers["etag"]
    assert _act(w, rid, "start", w.recipient, etag=case_etag).status_code == 412
    assert _act(w, rid, "start", w.recipient, etag=f'W/"r{rid}.2"').status_code == 200


# ------------------------------------------------------------------ inbox and outbox


def _set_due(api: Api, referral_id: int, due: date) -> None:
    with api.db.sessions() as session, session.begin():
        session.execute(update(Referral).where(Referral.id == referral_id).values(due_date=due))


def _box(api: Api, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = api.client.get("/referrals", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_inbox_shows_no_household_names_and_the_outbox_does(api: Api) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    inbox = _box(api, w.recipient, box="inbox")
    assert [r["id"] for r in inbox] == [rid]
    item = inbox[0]
    assert item["mainPersonName"] is None
    assert item["caseNumber"] == w.case["number"]
    assert (item["fromOrgName"], item["toOrgName"]) == (
        "地域共生推進課",
        "国分寺市地域包括支援センター第1",
    )
    assert (item["status"], item["statusLabel"], item["summary"]) == (
        "sent",
        "依頼中",
        _body()["summary"],
    )
    assert (
        "国分 一郎"
        not in api.client.get("/referrals", params={"box": "inbox"}, headers=w.recipient).text
    )
    assert _box(api, w.recipient, box="outbox") == []
    outbox = _box(api, w.sender, box="outbox")
    assert [(r["id"], r["mainPersonName"]) for r in outbox] == [(rid, "国分 一郎")]
    assert _box(api, w.sender, box="inbox") == []
    assert _box(api, w.stranger, box="inbox") == []
    # One audit entry per case shown, per list (the recipient listed its inbox twice).
    listed = _audit(api, action="referral.list", actor_org="hokatsu_1")
    assert [e.case_id for e in listed] == [w.case_id, w.case_id]


def test_partner_agency_integration_reads_its_inbox(api: Api) -> None:
    w = _world(api)
    rid = _send(w)["id"]
    client_id, secret = api.api_client("hokatsu-system", "hokatsu_1")
    headers = api.client_login(client_id, secret)
    assert [r["id"] for r in _box(api, headers, box="inbox")] == [rid]
    accepted = _act(w, rid, "accept", headers, etag=_etag(w, rid, headers))
    assert accepted.status_code == 200
    assert accepted.json()["answeredBy"] == client_id


def test_inbox_filters_by_status_and_overdue(api: Api) -> None:
    w = _world(api)
    cases = [w.case_id] + [_open_case(api, w.sender)["id"] for _ in range(3)]
    late = _send(w, cases[0])["id"]
    answered_late = _send(w, cases[1])["id"]
    in_time = _send(w, cases[2])["id"]
    no_due = _send(w, cases[3], dueDate=None)["id"]
    _act(w, answered_late, "accept", w.recipient)
    _set_due(api, late, TODAY - timedelta(days=5))
    _set_due(api, answered_late, TODAY - timedelta(days=5))
    _set_due(api, in_time, TODAY + timedelta(days=1))

    overdue = _box(api, w.recipient, box="inbox", overdue="true")
    assert [r["id"] for r in overdue] == [late]
    assert overdue[0]["overdue"] is True
    others = _box(api, w.recipient, box="inbox", overdue="false")
    assert [r["id"] for r in others] == [no_due, in_time, answered_late]
    assert all(r["overdue"] is False for r in others)
    every = _box(api, w.recipient, box="inbox")
    assert {r["id"]: r["overdue"] for r in every} == {
        late: True,
        answered_late: False,
        in_time: False,
        no_due: False,
    }
    assert [r["id"] for r in _box(api, w.recipient, box="inbox", status="accepted")] == [
        answered_late
    ]
    assert [r["id"] for r in _box(api, w.recipient, box="inbox", status=["accepted", "sent"])] == [
        no_due,
        in_time,
        answered_late,
        late,
    ]
    assert _box(api, w.recipient, box="inbox", status="completed") == []
    assert [r["id"] for r in _box(api, w.sender, box="outbox", overdue="true")] == [late]
    detail = api.client.get(f"/referrals/{late}", headers=w.recipient).json()
    assert detail["overdue"] is True


def test_inbox_pages_cover_every_referral_once_newest_first(api: Api) -> None:
    w = _world(api)
    created = [_send(w, w.case_id)["id"]]
    created += [_send(w, _open_case(api, w.sender)["id"])["id"] for _ in range(6)]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"box": "inbox", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = api.client.get("/referrals", params=params, headers=w.recipient).json()
        seen += [r["id"] for r in page["items"]]
        pages += 1
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert pages == 3
    assert seen == sorted(created, reverse=True)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 422),  # box is required
        ({"box": "trash"}, 422),
        ({"box": "inbox", "status": "lost"}, 422),
        ({"box": "inbox", "overdue": "maybe"}, 422),
        ({"box": "inbox", "limit": 0}, 422),
        ({"box": "inbox", "limit": 101}, 422),
        ({"box": "inbox", "cursor": "garbage!"}, 400),
    ],
)
def test_bad_list_parameters(api: Api, params: dict[str, Any], status: int) -> None:
    w = _world(api)
    assert api.client.get("/referrals", params=params, headers=w.recipient).status_code == status


def test_case_referrals_list_is_for_case_readers_only(api: Api) -> None:
    w = _world(api)
    first = _send(w)["id"]
    second = _send(w, toOrg="kikan_sodan")["id"]
    listed = api.client.get(f"/cases/{w.case_id}/referrals", headers=w.sender)
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()] == [second, first]
    assert api.client.get(f"/cases/{w.case_id}/referrals", headers=w.recipient).status_code == 404
    assert api.client.get("/cases/999999/referrals", headers=w.sender).status_code == 404
