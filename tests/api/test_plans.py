"""Support plan endpoints: who writes, versions, approval by a 重層的支援会議 only, monitoring,
evaluation, closing; refused transitions, ETags, bad input, nothing half-written."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select, update

from api.clock import today
from api.errors import AppError
from api.models import AuditEvent, Meeting, MonitoringRecord, PlanGoal, PlanItem, SupportPlan
from api.routes import plans as plan_routes
from api.services import plans as plan_service
from api.services.audit import AuditTrail
from api.services.context import Context
from conftest import Api, household
from domain.access import Dept, Principal, PrincipalKind, Role
from domain.plans import add_months, monitoring_due_dates

TODAY = today()


# ------------------------------------------------------------------ the world


@dataclass
class World:
    api: Api
    jimu: dict[str, str]  # secretariat
    coord: dict[str, str]  # coordinator of the east area (the cases are in the east)
    coord_west: dict[str, str]  # coordinator of the west: may not read east cases
    staff: dict[str, str]  # 高齢福祉課 staff: the cases' lead unit (reads, may not write plans)
    agency: dict[str, str]  # 地域包括 1: on the team with consent; has an item in the plans
    outsider: dict[str, str]  # 学務課 staff: unrelated
    admin: dict[str, str]
    jimu_principal: Principal


@pytest.fixture
def w(api: Api) -> World:
    jimu_id = api.user("jimu", "kyosei", Role.SECRETARIAT)
    api.user("coord", "shakyo_east", Role.COORDINATOR, area="east")
    api.user("coordw", "shakyo_west", Role.COORDINATOR, area="west")
    api.user("kourei", "koreifukushi", Role.STAFF)
    api.user("hokatsu", "hokatsu_1", Role.AGENCY)
    api.user("gakumu", "gakumu", Role.STAFF)
    api.user("admin", "it_admin", Role.ADMIN)
    return World(
        api=api,
        jimu=api.login("jimu"),
        coord=api.login("coord"),
        coord_west=api.login("coordw"),
        staff=api.login("kourei"),
        agency=api.login("hokatsu"),
        outsider=api.login("gakumu"),
        admin=api.login("admin"),
        jimu_principal=Principal(
            sub=jimu_id,
            kind=PrincipalKind.USER,
            org="kyosei",
            dept=Dept.HEALTH,
            roles=frozenset({Role.SECRETARIAT}),
            scopes=frozenset(),
        ),
    )


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _case(w: World, *, consent: bool = True, team: bool = True) -> int:
    """An east household led by 高齢福祉課, with the main person's consent and 地域包括 1 on the
    team (each optional)."""
    case = _ok(
        w.api.client.post("/cases", json=household(leadOrg="koreifukushi"), headers=w.jimu), 201
    )
    if consent:
        _ok(
            w.api.client.post(
                f"/cases/{case['id']}/members/{case['members'][0]['id']}/consents",
                json={
                    "decision": "given",
                    "decidedOn": TODAY.isoformat(),
                    "method": "written",
                    "coversWholeTeam": True,
                },
                headers=w.jimu,
            ),
            201,
        )
    if team:
        _ok(
            w.api.client.post(
                f"/cases/{case['id']}/team",
                json={"org": "hokatsu_1", "role": "母の見守り", "startDate": TODAY.isoformat()},
                headers=w.jimu,
            ),
            201,
        )
    case_id: int = case["id"]
    return case_id


def plan_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "assessmentSummary": "80代の母と50代の長男。長男はひきこもり、母は物忘れが進んでいる。",
        "goals": [
            {"term": "long", "text": "母子が地域で安心して暮らし続ける。"},
            {"term": "short", "text": "母が介護保険サービスを使い始める。"},
        ],
        "items": [
            {
                "content": "母の介護保険申請と見守り",
                "responsibleOrg": "hokatsu_1",
                "frequency": "月1回",
                "function": "consultation",
            },
            {
                "content": "長男への訪問",
                "responsibleOrg": "kyosei",
                "isLead": True,
                "function": "outreach",
            },
        ],
        "monitoringEveryMonths": 3,
        "startDate": TODAY.isoformat(),
        "endDate": (TODAY + timedelta(days=364)).isoformat(),
        "agreedOn": TODAY.isoformat(),
        "agreementMethod": "written",
    }
    body.update(extra)
    return body


def _create(
    w: World, case_id: int, headers: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    return _ok(
        w.api.client.post(
            f"/cases/{case_id}/plans", json=plan_body(**extra), headers=headers or w.jimu
        ),
        201,
    )


def _get(w: World, plan_id: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return _ok(w.api.client.get(f"/plans/{plan_id}", headers=headers or w.jimu))


def _post(
    w: World, plan_id: int, action: str, body: dict[str, Any] | None = None, **kw: Any
) -> Any:
    headers = kw.pop("headers", None) or w.jimu
    return w.api.client.post(f"/plans/{plan_id}/{action}", json=body, headers=headers, **kw)


def _meeting(api: Api, kind: str) -> int:
    with api.db.sessions() as session, session.begin():
        meeting = Meeting(
            kind=kind,
            regular=False,
            day=TODAY,
            status="held",
            organiser_org_code="shakyo_east",
            organiser_sub="coord",
        )
        session.add(meeting)
        session.flush()
        return meeting.id


@contextmanager
def _service(w: World) -> Iterator[Context]:
    """A service context as the meetings module would have it: one transaction, committed at the
    end, rolled back (and refusals audited) when the call raises."""
    with contextmanager(w.api.db.session)() as session:
        p = w.jimu_principal
        yield Context(session=session, principal=p, audit=AuditTrail(session, p, None), today=TODAY)


def _approve(
    w: World,
    plan_id: int,
    *,
    kind: str = "multi_agency",
    meeting_kind: str | None = None,
    consent: bool = True,
) -> int:
    meeting_id = _meeting(w.api, kind)
    with _service(w) as ctx:
        plan_service.approve_by_meeting(
            ctx,
            plan_id=plan_id,
            meeting_id=meeting_id,
            meeting_kind=meeting_kind or kind,
            consent_in_force=consent,
        )
    return meeting_id


def _approve_refused(w: World, plan_id: int, **kw: Any) -> AppError:
    with pytest.raises(AppError) as raised:
        _approve(w, plan_id, **kw)
    assert raised.value.status == 409
    return raised.value


def _monitoring(w: World, case_id: int | None = None, **extra: Any) -> dict[str, Any]:
    """A plan approved by a 重層的支援会議 (so in monitoring)."""
    plan = _create(w, case_id or _case(w), **extra)
    _ok(_post(w, plan["id"], "propose"))
    _approve(w, plan["id"])
    return _get(w, plan["id"])


def _evaluation(plan: dict[str, Any]) -> dict[str, Any]:
    return {
        "goals": [{"goalId": g["id"], "achievement": "partly"} for g in plan["goals"]],
        "comment": "母の生活は安定した。",
    }


def _count(api: Api, model: Any) -> int:
    with api.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _audit(api: Api, action: str) -> list[AuditEvent]:
    with api.db.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


# ------------------------------------------------------------------ who may write


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("jimu", 201),
        ("coord", 201),
        ("staff", 403),  # reads the case (lead unit) but does not write plans
        ("agency", 403),  # reads the case (team, consent) but does not write plans
        ("coord_west", 404),  # may not read the case: as if it did not exist
        ("outsider", 404),
        ("admin", 403),  # no case scopes at all
    ],
)
def test_who_may_write_a_plan(w: World, who: str, status: int) -> None:
    case_id = _case(w)
    response = w.api.client.post(
        f"/cases/{case_id}/plans", json=plan_body(), headers=getattr(w, who)
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(
        "application/json" if status == 201 else "application/problem+json"
    )
    if status == 404:
        assert "見つかりません" in response.json()["detail"]
    if status == 201:
        return
    assert _count(w.api, SupportPlan) == 0
    if status == 403 and who != "admin":
        refusals = _audit(w.api, "plan.create")
        assert [(e.outcome, e.case_id) for e in refusals] == [("denied", case_id)]


def test_a_new_plan_is_draft_version_1_with_goals_items_and_an_etag(w: World) -> None:
    case_id = _case(w)
    response = w.api.client.post(f"/cases/{case_id}/plans", json=plan_body(), headers=w.coord)
    plan = _ok(response, 201)
    assert response.headers["location"] == f"/plans/{plan['id']}"
    assert response.headers["etag"] == f'"plan-{plan["id"]}.{plan["version"]}"'
    assert plan["status"] == "draft" and plan["statusLabel"] == "作成中"
    assert plan["versionNumber"] == 1 and plan["previousPlanId"] is None
    assert plan["caseId"] == case_id
    assert [(g["position"], g["term"]) for g in plan["goals"]] == [(1, "long"), (2, "short")]
    assert [(i["responsibleOrg"], i["isLead"], i["function"]) for i in plan["items"]] == [
        ("hokatsu_1", False, "consultation"),
        ("kyosei", True, "outreach"),
    ]
    assert plan["items"][1]["responsibleOrgName"] == "地域共生推進課"
    assert plan["nextMonitoringDate"] is None and plan["monitoringRecords"] == []
    assert plan["agreementMethod"] == "written"
    assert plan["access"] == {"canWrite": True, "canRecordMonitoring": True}
    [event] = _audit(w.api, "plan.create")
    assert (event.resource_id, event.case_id, event.outcome) == (
        str(plan["id"]),
        case_id,
        "success",
    )


def test_a_case_has_one_open_plan_at_a_time(w: World) -> None:
    case_id = _case(w)
    first = _create(w, case_id)
    response = w.api.client.post(f"/cases/{case_id}/plans", json=plan_body(), headers=w.jimu)
    assert response.status_code == 409
    assert _count(w.api, SupportPlan) == 1
    # Proposed and monitoring plans are open too.
    _ok(_post(w, first["id"], "propose"))
    assert (
        w.api.client.post(f"/cases/{case_id}/plans", json=plan_body(), headers=w.jimu).status_code
        == 409
    )
    _approve(w, first["id"])
    assert (
        w.api.client.post(f"/cases/{case_id}/plans", json=plan_body(), headers=w.jimu).status_code
        == 409
    )
    # Once suspended, a new plan may be written; it is the case's version 2.
    _ok(_post(w, first["id"], "suspend", {"reason": "本人の入院"}))
    second = _create(w, case_id)
    assert second["versionNumber"] == 2 and second["previousPlanId"] is None


def test_a_closed_case_takes_no_plan(w: World) -> None:
    case_id = _case(w)
    etag = w.api.client.get(f"/cases/{case_id}", headers=w.jimu).headers["etag"]
    _ok(
        w.api.client.post(
            f"/cases/{case_id}/status",
            json={"status": "closed"},
            headers=w.jimu | {"If-Match": etag},
        )
    )
    response = w.api.client.post(f"/cases/{case_id}/plans", json=plan_body(), headers=w.jimu)
    assert response.status_code == 409


# ------------------------------------------------------------------ bad input


def _drop_lead(b: dict[str, Any]) -> None:
    b["items"][1]["isLead"] = False


def _two_leads(b: dict[str, Any]) -> None:
    b["items"][0]["isLead"] = True


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(goals=[{"term": "short", "text": "短期だけ"}]), "goals"),
        (lambda b: b.update(goals=[]), "goals"),
        (lambda b: b["goals"][0].update(term="medium"), "goals.0.term"),
        (_drop_lead, "items"),
        (_two_leads, "items"),
        (lambda b: b["items"][0].update(responsibleOrg="atlantis"), "items.0.responsibleOrg"),
        (lambda b: b["items"][1].update(function="magic"), "items.1.function"),
        (lambda b: b["items"][0].update(startDate="2024-05-01", endDate="2024-04-01"), "items.0"),
        (lambda b: b.update(monitoringEveryMonths=0), "monitoringEveryMonths"),
        (lambda b: b.update(monitoringEveryMonths=13), "monitoringEveryMonths"),
        (lambda b: b.pop("monitoringEveryMonths"), "monitoringEveryMonths"),
        (lambda b: b.update(endDate=(TODAY - timedelta(days=1)).isoformat()), "endDate"),
        (lambda b: b.update(agreedOn=(TODAY + timedelta(days=1)).isoformat()), "agreedOn"),
        (lambda b: b.pop("agreementMethod"), "agreementMethod"),
        (lambda b: b.update(agreementMethod="telepathy"), "agreementMethod"),
        (lambda b: b.update(assessmentSummary=""), "assessmentSummary"),
        (lambda b: b.update(assessmentSummary="課題\x00"), "assessmentSummary"),
        (lambda b: b.update(status="approved"), "status"),
        (lambda b: b.update(startDate="2024-02-30"), "startDate"),
    ],
)
def test_bad_plan_input_is_422_with_field_errors_and_writes_nothing(
    w: World, mutate: Any, field: str
) -> None:
    case_id = _case(w)
    body = plan_body()
    mutate(body)
    response = w.api.client.post(f"/cases/{case_id}/plans", json=body, headers=w.jimu)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"], problem
    assert any(e["field"].startswith(field) for e in problem["errors"]), problem
    assert all(e["message"] for e in problem["errors"])
    assert _count(w.api, SupportPlan) == 0
    assert _count(w.api, PlanGoal) == 0 and _count(w.api, PlanItem) == 0


def test_unknown_codes_are_reported_per_item(w: World) -> None:
    body = plan_body()
    body["items"][0]["responsibleOrg"] = "atlantis"
    body["items"][1]["function"] = "magic"
    response = w.api.client.post(f"/cases/{_case(w)}/plans", json=body, headers=w.jimu)
    assert response.status_code == 422
    fields = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert fields == {
        ("items.0.responsibleOrg", "unknown_code"),
        ("items.1.function", "unknown_code"),
    }


# ------------------------------------------------------------------ 参加支援 partner businesses


def _partners(w: World) -> None:
    """Two partner businesses (協力事業所), the second one no longer active."""
    for code, name, active in (
        ("partner_bakery", "ベーカリー本町", True),
        ("partner_closed", "閉店した商店", False),
    ):
        _ok(
            w.api.client.post(
                "/organizations",
                json={"code": code, "kind": "partner", "name": name, "kana": "じぎょうしょ"},
                headers=w.admin,
            ),
            201,
        )
        if not active:
            _ok(
                w.api.client.patch(
                    f"/organizations/{code}", json={"active": False}, headers=w.admin
                )
            )


PARTICIPATION_ITEM = {
    "content": "長男のパン工房での就労体験",
    "responsibleOrg": "kyosei",
    "frequency": "週1回",
    "function": "participation",
    "partnerOrg": "partner_bakery",
}


def test_a_participation_item_names_its_partner_business(w: World) -> None:
    _partners(w)
    case_id = _case(w)
    body = plan_body()
    body["items"].append(PARTICIPATION_ITEM)
    plan = _ok(w.api.client.post(f"/cases/{case_id}/plans", json=body, headers=w.coord), 201)
    item = plan["items"][2]
    assert (item["function"], item["partnerOrg"], item["partnerOrgName"]) == (
        "participation",
        "partner_bakery",
        "ベーカリー本町",
    )
    assert plan["items"][0]["partnerOrg"] is None and plan["items"][0]["partnerOrgName"] is None
    with w.api.db.sessions() as session:
        assert (
            session.scalar(
                select(PlanItem.partner_org_code).where(PlanItem.function_code == "participation")
            )
            == "partner_bakery"
        )
    # A revision keeps the partner.
    _ok(_post(w, plan["id"], "propose", headers=w.coord))
    _approve(w, plan["id"])
    revised = _ok(
        _post(w, plan["id"], "revise", {"reason": "就労体験の頻度を見直す"}, headers=w.coord), 201
    )
    assert revised["items"][2]["partnerOrg"] == "partner_bakery"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"function": "outreach"}, "partner_needs_participation"),
        ({"function": None}, "partner_needs_participation"),
        ({"partnerOrg": "hokatsu_1"}, "not_partner"),  # an agency is not a partner business
        ({"partnerOrg": "kyosei"}, "not_partner"),
        ({"partnerOrg": "partner_closed"}, "inactive_partner"),
        ({"partnerOrg": "nowhere"}, "unknown_code"),
        ({"responsibleOrg": "partner_bakery"}, "partner_not_responsible"),
    ],
)
def test_a_partner_business_only_on_a_participation_item_and_only_an_active_partner(
    w: World, change: dict[str, Any], code: str
) -> None:
    _partners(w)
    case_id = _case(w)
    body = plan_body()
    body["items"].append({**PARTICIPATION_ITEM, **change})
    response = w.api.client.post(f"/cases/{case_id}/plans", json=body, headers=w.coord)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    field = "responsibleOrg" if "responsibleOrg" in change else "partnerOrg"
    assert [(e["field"], e["code"]) for e in errors] == [(f"items.2.{field}", code)]
    assert errors[0]["message"]
    assert _count(w.api, SupportPlan) == 0


def test_an_edit_cannot_move_a_partner_onto_another_function(w: World) -> None:
    _partners(w)
    case_id = _case(w)
    body = plan_body()
    body["items"].append(PARTICIPATION_ITEM)
    plan = _ok(w.api.client.post(f"/cases/{case_id}/plans", json=body, headers=w.coord), 201)
    items = [*body["items"][:2], {**PARTICIPATION_ITEM, "function": "community"}]
    response = w.api.client.patch(
        f"/plans/{plan['id']}",
        json={"items": items},
        headers=w.coord | {"If-Match": f'"plan-{plan["id"]}.{plan["version"]}"'},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "items.2.partnerOrg"
    assert _get(w, plan["id"])["items"][2]["function"] == "participation"


def test_a_plan_without_items_or_dates_is_a_valid_draft(w: World) -> None:
    case_id = _case(w)
    body = plan_body(items=[])
    for key in ("startDate", "endDate", "agreedOn", "agreementMethod"):
        body.pop(key)
    plan = _ok(w.api.client.post(f"/cases/{case_id}/plans", json=body, headers=w.jimu), 201)
    assert plan["items"] == [] and plan["startDate"] is None
    # It cannot be proposed until the roles are settled.
    assert _post(w, plan["id"], "propose").status_code == 409
    assert _get(w, plan["id"])["status"] == "draft"


# ------------------------------------------------------------------ reading


def test_readers_see_every_version_and_others_get_404(w: World) -> None:
    case_id = _case(w)
    plan = _create(w, case_id)
    for headers in (w.jimu, w.coord, w.staff, w.agency):
        assert _get(w, plan["id"], headers)["id"] == plan["id"]
        listed = _ok(w.api.client.get(f"/cases/{case_id}/plans", headers=headers))
        assert [p["id"] for p in listed] == [plan["id"]]
    assert _get(w, plan["id"], w.staff)["access"] == {
        "canWrite": False,
        "canRecordMonitoring": False,
    }
    assert _get(w, plan["id"], w.agency)["access"] == {
        "canWrite": False,
        "canRecordMonitoring": True,
    }
    for headers in (w.coord_west, w.outsider):
        for url in (f"/plans/{plan['id']}", f"/cases/{case_id}/plans"):
            response = w.api.client.get(url, headers=headers)
            assert response.status_code == 404, url
            assert "見つかりません" in response.json()["detail"]
    missing = w.api.client.get("/plans/999999", headers=w.outsider)
    hidden = w.api.client.get(f"/plans/{plan['id']}", headers=w.outsider)
    assert missing.json()["detail"] == hidden.json()["detail"]
    assert w.api.client.get(f"/plans/{plan['id']}", headers=w.admin).status_code == 403


def test_a_withdrawn_consent_hides_the_plan_from_the_team_agency(w: World) -> None:
    case_id = _case(w)
    plan = _create(w, case_id)
    consent_id = _ok(w.api.client.get(f"/cases/{case_id}/consents", headers=w.jimu))[0]["id"]
    _ok(
        w.api.client.post(
            f"/cases/{case_id}/consents/{consent_id}/withdrawal",
            json={"reason": "本人の申し出"},
            headers=w.jimu,
        )
    )
    assert w.api.client.get(f"/plans/{plan['id']}", headers=w.agency).status_code == 404
    assert w.api.client.get(f"/cases/{case_id}/plans", headers=w.agency).status_code == 404


def test_reads_are_audited(w: World) -> None:
    case_id = _case(w)
    plan = _create(w, case_id)
    _get(w, plan["id"], w.agency)
    w.api.client.get(f"/cases/{case_id}/plans", headers=w.staff)
    w.api.client.get(f"/plans/{plan['id']}", headers=w.outsider)
    reads = _audit(w.api, "plan.read")
    assert [(e.outcome, e.actor_org, e.resource_type, e.case_id) for e in reads] == [
        ("success", "hokatsu_1", "plan", case_id),
        ("denied", "gakumu", "case", case_id),
    ]
    assert reads[0].detail == {"basis": "consented_team"}
    [listed] = _audit(w.api, "plan.list")
    assert (listed.actor_org, listed.case_id) == ("koreifukushi", case_id)


# ------------------------------------------------------------------ editing a draft


def test_patch_needs_the_current_etag_and_replaces_goals_and_items(w: World) -> None:
    plan = _create(w, _case(w))
    url = f"/plans/{plan['id']}"
    change = {
        "monitoringEveryMonths": 2,
        "goals": [{"term": "long", "text": "新しい長期目標"}],
        "items": [{"content": "訪問", "responsibleOrg": "shakyo_east", "isLead": True}],
    }
    assert w.api.client.patch(url, json=change, headers=w.jimu).status_code == 428
    stale = w.api.client.patch(url, json=change, headers=w.jimu | {"If-Match": '"plan-1.99"'})
    assert stale.status_code == 412
    etag = w.api.client.get(url, headers=w.jimu).headers["etag"]
    assert stale.headers["etag"] == etag
    response = w.api.client.patch(url, json=change, headers=w.coord | {"If-Match": etag})
    updated = _ok(response)
    assert response.headers["etag"] != etag
    assert updated["version"] == plan["version"] + 1
    assert updated["monitoringEveryMonths"] == 2
    assert [g["text"] for g in updated["goals"]] == ["新しい長期目標"]
    assert [i["responsibleOrg"] for i in updated["items"]] == ["shakyo_east"]
    assert _count(w.api, PlanGoal) == 1 and _count(w.api, PlanItem) == 1
    # The old ETag is now stale.
    again = w.api.client.patch(
        url, json={"monitoringEveryMonths": 4}, headers=w.jimu | {"If-Match": etag}
    )
    assert again.status_code == 412
    [event] = _audit(w.api, "plan.update")
    assert event.detail == {"fields": ["goals", "items", "monitoring_every_months"]}


def test_patch_keeps_the_stored_terms_consistent(w: World) -> None:
    plan = _create(w, _case(w))
    url = f"/plans/{plan['id']}"
    etag = w.api.client.get(url, headers=w.jimu).headers["etag"]
    for body, field in [
        ({"endDate": (TODAY - timedelta(days=1)).isoformat()}, "endDate"),
        ({"agreementMethod": None}, "agreementMethod"),
        ({"assessmentSummary": None}, "assessmentSummary"),
        ({"goals": None}, "goals"),
        (
            {"items": [{"content": "x", "responsibleOrg": "nowhere", "isLead": True}]},
            "items.0.responsibleOrg",
        ),
    ]:
        response = w.api.client.patch(url, json=body, headers=w.jimu | {"If-Match": etag})
        assert response.status_code == 422, body
        assert [e["field"] for e in response.json()["errors"]] == [field], response.text
    assert _get(w, plan["id"])["version"] == plan["version"]


@pytest.mark.parametrize(("who", "status"), [("staff", 403), ("agency", 403), ("outsider", 404)])
def test_only_writers_edit(w: World, who: str, status: int) -> None:
    plan = _create(w, _case(w))
    url = f"/plans/{plan['id']}"
    etag = w.api.client.get(url, headers=w.jimu).headers["etag"]
    response = w.api.client.patch(
        url, json={"monitoringEveryMonths": 1}, headers=getattr(w, who) | {"If-Match": etag}
    )
    assert response.status_code == status
    for action in ("propose", "revise"):
        body = {"reason": "見直し"} if action == "revise" else None
        assert _post(w, plan["id"], action, body, headers=getattr(w, who)).status_code == status
    assert _get(w, plan["id"])["version"] == plan["version"]
    assert _count(w.api, SupportPlan) == 1


# ------------------------------------------------------------------ proposal and approval


def test_propose_and_withdraw(w: World) -> None:
    plan = _create(w, _case(w))
    proposed = _ok(_post(w, plan["id"], "propose", headers=w.coord))
    assert proposed["status"] == "proposed" and proposed["statusLabel"] == "会議提案中"
    etag = f'"plan-{plan["id"]}.{proposed["version"]}"'
    assert (
        w.api.client.patch(
            f"/plans/{plan['id']}",
            json={"monitoringEveryMonths": 1},
            headers=w.jimu | {"If-Match": etag},
        ).status_code
        == 409
    )
    back = _ok(_post(w, plan["id"], "withdraw-proposal"))
    assert back["status"] == "draft"
    assert [
        e.action for e in _audit(w.api, "plan.propose") + _audit(w.api, "plan.withdraw_proposal")
    ] == [
        "plan.propose",
        "plan.withdraw_proposal",
    ]


def test_a_stale_if_match_on_a_transition_is_412(w: World) -> None:
    plan = _create(w, _case(w))
    old = f'"plan-{plan["id"]}.{plan["version"]}"'
    _ok(_post(w, plan["id"], "propose", headers=w.jimu | {"If-Match": old}))
    response = _post(w, plan["id"], "withdraw-proposal", headers=w.jimu | {"If-Match": old})
    assert response.status_code == 412
    assert _get(w, plan["id"])["status"] == "proposed"


def test_a_multi_agency_meeting_approves_and_monitoring_starts(w: World) -> None:
    start = TODAY - timedelta(days=10)
    plan = _create(w, _case(w), startDate=start.isoformat(), monitoringEveryMonths=2)
    _ok(_post(w, plan["id"], "propose"))
    meeting_id = _approve(w, plan["id"])
    approved = _get(w, plan["id"])
    assert approved["status"] == "monitoring"
    assert approved["approvedMeetingId"] == meeting_id
    assert approved["nextMonitoringDate"] == add_months(start, 2).isoformat()
    [event] = _audit(w.api, "plan.approve")
    assert (event.purpose, event.outcome, event.case_id) == (
        f"meeting:{meeting_id}",
        "success",
        plan["caseId"],
    )
    assert event.detail["status"] == "monitoring"


def test_approval_gives_a_plan_without_dates_a_year_from_today(w: World) -> None:
    body = plan_body()
    for key in ("startDate", "endDate"):
        body.pop(key)
    plan = _ok(w.api.client.post(f"/cases/{_case(w)}/plans", json=body, headers=w.jimu), 201)
    _ok(_post(w, plan["id"], "propose"))
    _approve(w, plan["id"])
    approved = _get(w, plan["id"])
    assert approved["startDate"] == TODAY.isoformat()
    assert approved["endDate"] == add_months(TODAY, 12).isoformat()
    assert approved["nextMonitoringDate"] == add_months(TODAY, 3).isoformat()


def _proposed(w: World, *, consent: bool = True) -> dict[str, Any]:
    plan = _create(w, _case(w, consent=consent))
    return _ok(_post(w, plan["id"], "propose"))


def _unchanged(w: World, plan: dict[str, Any]) -> None:
    now = _get(w, plan["id"])
    assert (now["status"], now["version"], now["approvedMeetingId"], now["nextMonitoringDate"]) == (
        plan["status"],
        plan["version"],
        None,
        None,
    )


def test_approval_is_refused_without_the_persons_consent(w: World) -> None:
    plan = _proposed(w, consent=False)
    error = _approve_refused(w, plan["id"])
    assert "本人同意がない" in (error.detail_ja or "")
    _unchanged(w, plan)
    [refusal] = _audit(w.api, "plan.approve")
    assert (refusal.outcome, refusal.detail["reason"]) == ("denied", "no_consent")


def test_approval_is_refused_when_the_caller_says_consent_is_not_in_force(w: World) -> None:
    plan = _proposed(w)
    error = _approve_refused(w, plan["id"], consent=False)
    assert "本人同意がない" in (error.detail_ja or "")
    _unchanged(w, plan)


def test_approval_is_refused_after_consent_is_withdrawn(w: World) -> None:
    plan = _proposed(w)
    case_id = plan["caseId"]
    consent_id = _ok(w.api.client.get(f"/cases/{case_id}/consents", headers=w.jimu))[0]["id"]
    _ok(
        w.api.client.post(
            f"/cases/{case_id}/consents/{consent_id}/withdrawal",
            json={"reason": "撤回"},
            headers=w.jimu,
        )
    )
    # Even if the caller believes it is still in force, the records say otherwise.
    error = _approve_refused(w, plan["id"], consent=True)
    assert "本人同意がない" in (error.detail_ja or "")
    _unchanged(w, plan)


@pytest.mark.parametrize("state", ["draft", "monitoring"])
def test_approval_is_refused_when_the_plan_is_not_proposed(w: World, state: str) -> None:
    plan = _create(w, _case(w))
    if state == "monitoring":
        plan = _monitoring(w)
    before = _get(w, plan["id"])
    error = _approve_refused(w, plan["id"])
    assert "提案中ではない" in (error.detail_ja or "")
    after = _get(w, plan["id"])
    assert (after["status"], after["version"], after["approvedMeetingId"]) == (
        before["status"],
        before["version"],
        before["approvedMeetingId"],
    )


@pytest.mark.parametrize(
    ("kind", "meeting_kind"),
    [
        ("support", "support"),  # a 支援会議 (no consent needed there) never approves a plan
        ("staff", "staff"),
        ("emergency", "emergency"),
        ("support", "multi_agency"),  # the caller's word does not override the meeting's kind
        ("multi_agency", "support"),
    ],
)
def test_approval_is_refused_by_any_other_meeting(w: World, kind: str, meeting_kind: str) -> None:
    plan = _proposed(w)
    error = _approve_refused(w, plan["id"], kind=kind, meeting_kind=meeting_kind)
    assert "重層的支援会議の決定ではない" in (error.detail_ja or "")
    _unchanged(w, plan)
    [refusal] = _audit(w.api, "plan.approve")
    assert refusal.detail["reason"] == "not_multi_agency_meeting"


def test_approving_an_unknown_plan_is_404(w: World) -> None:
    meeting_id = _meeting(w.api, "multi_agency")
    with pytest.raises(AppError) as raised, _service(w) as ctx:
        plan_service.approve_by_meeting(
            ctx,
            plan_id=999999,
            meeting_id=meeting_id,
            meeting_kind="multi_agency",
            consent_in_force=True,
        )
    assert raised.value.status == 404


def test_no_http_endpoint_approves_a_plan(w: World) -> None:
    schema = w.api.app.openapi()
    operations = [
        (path, op["operationId"])
        for path, item in schema["paths"].items()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert not [o for o in operations if "approv" in o[0].lower() or "approv" in o[1].lower()]
    routes = [r for r in plan_routes.router.routes if isinstance(r, APIRoute)]
    assert routes and not [r for r in routes if "approv" in r.path or "approv" in r.name]
    # No body takes a status either: a status in a request is an unknown field.
    plan = _proposed(w)
    etag = f'"plan-{plan["id"]}.{plan["version"]}"'
    for method, url, body in [
        ("patch", f"/plans/{plan['id']}", {"status": "approved"}),
        ("post", f"/plans/{plan['id']}/revise", {"reason": "x", "status": "approved"}),
        ("post", f"/plans/{plan['id']}/close", {"reason": "x", "status": "approved"}),
    ]:
        response = w.api.client.request(method, url, json=body, headers=w.jimu | {"If-Match": etag})
        assert response.status_code == 422, url
    _unchanged(w, plan)


# ------------------------------------------------------------------ revision


def test_revise_makes_version_2_and_keeps_the_history(w: World) -> None:
    case_id = _case(w)
    v1 = _monitoring(w, case_id)
    response = _post(
        w,
        v1["id"],
        "revise",
        {"reason": "母の入院で役割を見直す", "monitoringEveryMonths": 1},
        headers=w.coord,
    )
    v2 = _ok(response, 201)
    assert response.headers["location"] == f"/plans/{v2['id']}"
    assert (v2["status"], v2["versionNumber"], v2["previousPlanId"]) == ("draft", 2, v1["id"])
    assert v2["monitoringEveryMonths"] == 1
    assert [(g["term"], g["text"]) for g in v2["goals"]] == [
        (g["term"], g["text"]) for g in v1["goals"]
    ]
    assert [g["id"] for g in v2["goals"]] != [g["id"] for g in v1["goals"]]
    assert [(i["responsibleOrg"], i["isLead"], i["content"]) for i in v2["items"]] == [
        (i["responsibleOrg"], i["isLead"], i["content"]) for i in v1["items"]
    ]
    # The person's agreement is for a version: the new one needs its own.
    assert v2["agreedOn"] is None and v2["agreementMethod"] is None
    old = _get(w, v1["id"])
    assert (old["status"], old["replacedByPlanId"], old["nextMonitoringDate"]) == (
        "replaced",
        v2["id"],
        None,
    )
    assert old["approvedMeetingId"] == v1["approvedMeetingId"]  # history stays as it was
    assert old["statusReason"] == "母の入院で役割を見直す"
    assert v2["statusReason"] is None
    listed = _ok(w.api.client.get(f"/cases/{case_id}/plans", headers=w.staff))
    assert [(p["versionNumber"], p["status"]) for p in listed] == [(2, "draft"), (1, "replaced")]
    [event] = _audit(w.api, "plan.revise")
    assert event.detail["replaces_plan_id"] == v1["id"]
    assert event.detail["reason"] == "母の入院で役割を見直す"
    # A replaced version is final.
    assert _post(w, v1["id"], "revise", {"reason": "again"}).status_code == 409
    # A draft can be revised too: v3 replaces v2.
    v3 = _ok(
        _post(
            w,
            v2["id"],
            "revise",
            {"reason": "誤記の訂正", "goals": [{"term": "long", "text": "改訂"}]},
        ),
        201,
    )
    assert v3["versionNumber"] == 3 and [g["text"] for g in v3["goals"]] == ["改訂"]
    assert _count(w.api, SupportPlan) == 3


def test_revise_is_refused_when_it_would_make_a_second_open_plan(w: World) -> None:
    case_id = _case(w)
    v1 = _monitoring(w, case_id)
    _ok(_post(w, v1["id"], "suspend", {"reason": "入院"}))
    _create(w, case_id)  # version 2, a fresh draft
    before = _count(w.api, SupportPlan)
    response = _post(w, v1["id"], "revise", {"reason": "再開"})
    assert response.status_code == 409
    assert _count(w.api, SupportPlan) == before
    assert _get(w, v1["id"])["status"] == "suspended"


def test_revise_with_bad_changes_writes_nothing(w: World) -> None:
    v1 = _monitoring(w)
    bad = {"reason": "x", "items": [{"content": "x", "responsibleOrg": "atlantis", "isLead": True}]}
    assert _post(w, v1["id"], "revise", bad).status_code == 422
    assert _post(w, v1["id"], "revise", {"reason": ""}).status_code == 422
    assert _post(w, v1["id"], "revise", {}).status_code == 422
    assert _count(w.api, SupportPlan) == 1
    assert _get(w, v1["id"])["status"] == "monitoring"


# ------------------------------------------------------------------ monitoring


def test_monitoring_records_advance_the_next_date(w: World) -> None:
    start = TODAY - timedelta(days=100)
    plan = _monitoring(w, startDate=start.isoformat(), monitoringEveryMonths=1)
    due = monitoring_due_dates(start, 1, date.fromisoformat(plan["endDate"]))
    assert plan["nextMonitoringDate"] == due[0].isoformat()
    assert plan["monitoringState"] == "overdue"
    response = _post(
        w,
        plan["id"],
        "monitoring-records",
        {"monitoredOn": TODAY.isoformat(), "content": "母は通所介護を利用開始。"},
        headers=w.agency,  # an agency with an item in the plan
    )
    recorded = _ok(response, 201)
    assert recorded["nextMonitoringDate"] == min(d for d in due if d > TODAY).isoformat()
    assert recorded["monitoringState"] != "overdue"
    assert [(r["monitoredOn"], r["content"]) for r in recorded["monitoringRecords"]] == [
        (TODAY.isoformat(), "母は通所介護を利用開始。")
    ]
    assert response.headers["etag"] == f'"plan-{plan["id"]}.{recorded["version"]}"'
    [event] = _audit(w.api, "monitoring.create")
    assert event.detail["plan_id"] == plan["id"] and event.actor_org == "hokatsu_1"


@pytest.mark.parametrize(
    ("who", "status"),
    [("jimu", 201), ("coord", 201), ("agency", 201), ("staff", 403), ("outsider", 404)],
)
def test_who_may_record_monitoring(w: World, who: str, status: int) -> None:
    plan = _monitoring(w)
    response = _post(
        w,
        plan["id"],
        "monitoring-records",
        {"monitoredOn": TODAY.isoformat(), "content": "訪問"},
        headers=getattr(w, who),
    )
    assert response.status_code == status, response.text
    assert _count(w.api, MonitoringRecord) == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"monitoredOn": (TODAY + timedelta(days=1)).isoformat(), "content": "x"}, "monitoredOn"),
        ({"monitoredOn": (TODAY - timedelta(days=30)).isoformat(), "content": "x"}, "monitoredOn"),
        ({"monitoredOn": TODAY.isoformat(), "content": ""}, "content"),
        ({"monitoredOn": TODAY.isoformat()}, "content"),
    ],
)
def test_bad_monitoring_records_are_422(w: World, body: dict[str, Any], field: str) -> None:
    plan = _monitoring(w)  # starts today: a record before today is before the plan
    response = _post(w, plan["id"], "monitoring-records", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert _count(w.api, MonitoringRecord) == 0
    assert _get(w, plan["id"])["version"] == plan["version"]


def test_monitoring_lists_due_and_overdue_plans_of_readable_cases(w: World) -> None:
    due_start = TODAY - timedelta(days=80)  # quarterly: next date in 9-12 days
    due = _monitoring(w, startDate=due_start.isoformat())
    overdue = _monitoring(
        w, startDate=(TODAY - timedelta(days=100)).isoformat(), monitoringEveryMonths=1
    )
    later = _monitoring(w)  # next date in three months
    hidden_case = _case(w, team=False)  # the agency is not on this one's team
    hidden = _monitoring(
        w, hidden_case, startDate=(TODAY - timedelta(days=40)).isoformat(), monitoringEveryMonths=1
    )
    draft = _create(w, _case(w), startDate=(TODAY - timedelta(days=100)).isoformat())
    assert due["monitoringState"] == "due" and later["monitoringState"] is None

    def ids(headers: dict[str, str], state: str, **params: Any) -> list[int]:
        response = w.api.client.get(
            "/plans", params={"monitoring": state, **params}, headers=headers
        )
        page = _ok(response)
        return [p["id"] for p in page["items"]]

    assert ids(w.jimu, "due") == [due["id"]]
    assert ids(w.jimu, "overdue") == [hidden["id"], overdue["id"]]
    assert ids(w.coord, "overdue") == [hidden["id"], overdue["id"]]
    assert ids(w.agency, "overdue") == [overdue["id"]]
    assert ids(w.outsider, "overdue") == [] and ids(w.coord_west, "due") == []
    assert draft["id"] not in ids(w.jimu, "overdue")
    summary = _ok(w.api.client.get("/plans", params={"monitoring": "due"}, headers=w.jimu))[
        "items"
    ][0]
    assert summary["caseId"] == due["caseId"] and summary["leadOrg"] == "kyosei"
    assert summary["nextMonitoringDate"] == add_months(due_start, 3).isoformat()
    # Pages of one cover everything once.
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"monitoring": "overdue", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = _ok(w.api.client.get("/plans", params=params, headers=w.jimu))
        seen += [p["id"] for p in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == [hidden["id"], overdue["id"]]
    listed = [
        e.case_id for e in _audit(w.api, "plan.monitoring_list") if e.actor_org == "hokatsu_1"
    ]
    assert listed == [overdue["caseId"]]


@pytest.mark.parametrize("params", [{}, {"monitoring": "soon"}, {"monitoring": "due", "limit": 0}])
def test_monitoring_list_needs_a_valid_filter(w: World, params: dict[str, Any]) -> None:
    assert w.api.client.get("/plans", params=params, headers=w.jimu).status_code == 422


def test_monitoring_list_refuses_a_bad_cursor(w: World) -> None:
    response = w.api.client.get(
        "/plans", params={"monitoring": "due", "cursor": "garbage!"}, headers=w.jimu
    )
    assert response.status_code == 400


# ------------------------------------------------------------------ evaluation, closing


def test_evaluation_rates_every_goal(w: World) -> None:
    plan = _monitoring(w)
    goals = plan["goals"]
    body = {
        "goals": [
            {"goalId": goals[0]["id"], "achievement": "achieved", "comment": "安定"},
            {"goalId": goals[1]["id"], "achievement": "not_achieved"},
        ],
        "comment": "長男への支援は次のプランで。",
    }
    evaluated = _ok(_post(w, plan["id"], "evaluation", body, headers=w.coord))
    assert evaluated["status"] == "evaluated"
    assert [(g["achievement"], g["comment"]) for g in evaluated["goals"]] == [
        ("achieved", "安定"),
        ("not_achieved", None),
    ]
    assert evaluated["evaluationComment"] == "長男への支援は次のプランで。"
    assert evaluated["nextMonitoringDate"] is None
    closed = _ok(_post(w, plan["id"], "close", {"reason": "目標を達成し終結"}))
    assert closed["status"] == "closed" and closed["statusLabel"] == "終結"
    [event] = _audit(w.api, "plan.close")
    assert event.detail == {"from": "evaluated", "reason": "目標を達成し終結"}


def _goal_ids(plan: dict[str, Any]) -> list[int]:
    return [g["id"] for g in plan["goals"]]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda ids: [ids[0]], "goals"),  # one goal left out
        (lambda ids: [*ids, 999999], "goals.2.goalId"),  # not this plan's goal
        (lambda ids: [ids[0], ids[0], ids[1]], "goals"),  # twice
        (lambda ids: [], "goals"),
    ],
)
def test_an_incomplete_evaluation_is_422(w: World, make: Any, field: str) -> None:
    plan = _monitoring(w)
    body = {
        "goals": [{"goalId": g, "achievement": "partly"} for g in make(_goal_ids(plan))],
        "comment": "評価",
    }
    response = _post(w, plan["id"], "evaluation", body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    after = _get(w, plan["id"])
    assert after["status"] == "monitoring" and after["version"] == plan["version"]
    assert all(g["achievement"] is None for g in after["goals"])


def test_suspend_then_close(w: World) -> None:
    plan = _monitoring(w)
    suspended = _ok(_post(w, plan["id"], "suspend", {"reason": "本人が転居"}))
    assert suspended["status"] == "suspended" and suspended["nextMonitoringDate"] is None
    assert suspended["statusReason"] == "本人が転居"
    assert suspended["statusChangedAt"] is not None
    assert plan["statusReason"] is None
    assert _post(w, plan["id"], "suspend", {"reason": "again"}).status_code == 409
    assert _get(w, plan["id"])["statusReason"] == "本人が転居", "a refused step changes nothing"
    closed = _ok(_post(w, plan["id"], "close", {"reason": "転居先へ引継ぎ"}))
    assert (closed["status"], closed["statusReason"]) == ("closed", "転居先へ引継ぎ")
    assert closed["statusChangedAt"] >= suspended["statusChangedAt"]
    assert _post(w, plan["id"], "close", {}).status_code == 422
    assert _get(w, plan["id"])["statusReason"] == "転居先へ引継ぎ"


# ------------------------------------------------------------------ every transition


STATES = [
    "draft",
    "proposed",
    "approved",
    "monitoring",
    "evaluated",
    "suspended",
    "closed",
    "replaced",
]
ACTIONS = [
    "patch",
    "propose",
    "withdraw-proposal",
    "revise",
    "monitoring-records",
    "evaluation",
    "close",
    "suspend",
]
# Which action succeeds from which state (domain.plans.PLAN_TRANSITIONS as the API applies it).
ALLOWED: dict[str, set[str]] = {
    "patch": {"draft"},
    "propose": {"draft"},
    "withdraw-proposal": {"proposed"},
    "revise": {"draft", "proposed", "approved", "monitoring", "evaluated", "suspended"},
    "monitoring-records": {"monitoring"},
    "evaluation": {"monitoring"},
    "close": {"evaluated", "suspended"},
    "suspend": {"approved", "monitoring"},
}
RESULT = {
    "patch": "draft",
    "propose": "proposed",
    "withdraw-proposal": "draft",
    "revise": "replaced",
    "monitoring-records": "monitoring",
    "evaluation": "evaluated",
    "close": "closed",
    "suspend": "suspended",
}


def _plan_in(w: World, state: str) -> dict[str, Any]:
    case_id = _case(w)
    if state == "draft":
        return _create(w, case_id)
    if state == "proposed":
        return _ok(_post(w, _create(w, case_id)["id"], "propose"))
    if state == "approved":  # only an instant inside approve_by_meeting; set directly
        plan = _ok(_post(w, _create(w, case_id)["id"], "propose"))
        with w.api.db.sessions() as session, session.begin():
            session.execute(
                update(SupportPlan)
                .where(SupportPlan.id == plan["id"])
                .values(status="approved", version=SupportPlan.version + 1)
            )
        return _get(w, plan["id"])
    plan = _monitoring(w, case_id)
    if state == "evaluated":
        return _ok(_post(w, plan["id"], "evaluation", _evaluation(plan)))
    if state == "suspended":
        return _ok(_post(w, plan["id"], "suspend", {"reason": "中断"}))
    if state == "closed":
        _ok(_post(w, plan["id"], "evaluation", _evaluation(plan)))
        return _ok(_post(w, plan["id"], "close", {"reason": "終結"}))
    if state == "replaced":
        _ok(_post(w, plan["id"], "revise", {"reason": "見直し"}), 201)
        return _get(w, plan["id"])
    return plan


def _act(w: World, plan: dict[str, Any], action: str) -> Any:
    etag = {"If-Match": f'"plan-{plan["id"]}.{plan["version"]}"'}
    if action == "patch":
        return w.api.client.patch(
            f"/plans/{plan['id']}", json={"monitoringEveryMonths": 1}, headers=w.jimu | etag
        )
    body: dict[str, Any] | None = {
        "propose": None,
        "withdraw-proposal": None,
        "revise": {"reason": "見直し"},
        "monitoring-records": {"monitoredOn": TODAY.isoformat(), "content": "訪問"},
        "evaluation": _evaluation(plan),
        "close": {"reason": "終結"},
        "suspend": {"reason": "中断"},
    }[action]
    return _post(w, plan["id"], action, body, headers=w.jimu | etag)


@pytest.mark.parametrize("state", STATES)
def test_every_action_from_every_state(w: World, state: str) -> None:
    for action in ACTIONS:
        plan = _plan_in(w, state)
        assert plan["status"] == state
        response = _act(w, plan, action)
        after = _get(w, plan["id"])
        if state in ALLOWED[action]:
            assert response.status_code in (200, 201), (state, action, response.text)
            assert after["status"] == RESULT[action], (state, action)
        else:
            assert response.status_code == 409, (state, action, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert (after["status"], after["version"]) == (state, plan["version"]), action
        assert after["status"] != "approved" or state == "approved"
