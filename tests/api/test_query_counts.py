"""The SQL statements a request runs do not grow with the page size or with related rows (no N+1):
every list and detail GET endpoint is counted on a small and on a large instance of the same
thing, and a coverage test fails when a GET operation of the API is neither counted here nor
exempt with a reason."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from api.clock import today
from api.models import AgencyField, Area, Department, IssueCategory, MeetingSchedule, SupportPlan
from api.models import SupportFunction as SupportFunctionRow
from conftest import Api, household, statements_run
from domain.access import Role
from domain.meetings import MeetingKind

# ---------------------------------------------------------------- counting


def _statements(api: Api, url: str, headers: dict[str, str], **params: Any) -> int:
    with statements_run(api.db.engine) as statements:
        response = api.client.get(url, params=params, headers=headers)
    assert response.status_code == 200, (url, response.text)
    return len(statements)


def _ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


# ---------------------------------------------------------------- the world


@dataclass
class World:
    api: Api
    headers: dict[str, dict[str, str]]
    users: dict[str, str]
    small: dict[str, Any]
    large: dict[str, Any]
    ids: dict[str, int] = field(default_factory=dict)


def _consent(api: Api, case: dict[str, Any], member: dict[str, Any], jimu: dict[str, str]) -> None:
    body = {
        "decision": "given",
        "decidedOn": today().isoformat(),
        "method": "written",
        "coversWholeTeam": True,
    }
    url = f"/cases/{case['id']}/members/{member['id']}/consents"
    _ok(api.client.post(url, json=body, headers=jimu))


def _team(api: Api, case: dict[str, Any], org: str, jimu: dict[str, str]) -> None:
    body = {"org": org, "role": "見守り", "startDate": today().isoformat()}
    _ok(api.client.post(f"/cases/{case['id']}/team", json=body, headers=jimu))


def _meeting(api: Api, jimu: dict[str, str], kind: str, day: date) -> int:
    body = {"kind": kind, "day": day.isoformat(), "regular": False}
    meeting_id: int = _ok(api.client.post("/meetings", json=body, headers=jimu))["id"]
    return meeting_id


def _agenda(api: Api, jimu: dict[str, str], meeting_id: int, case_id: int, **extra: Any) -> int:
    body = {"caseId": case_id, "purpose": "information_sharing", "summary": "要約", **extra}
    url = f"/meetings/{meeting_id}/agenda-items"
    item_id: int = _ok(api.client.post(url, json=body, headers=jimu))["id"]
    return item_id


def _attend(api: Api, jimu: dict[str, str], meeting_id: int, org: str) -> int:
    body = {"org": org, "noticeChannel": "email", "email": f"{org}@example.jp"}
    url = f"/meetings/{meeting_id}/attendees"
    attendee_id: int = _ok(api.client.post(url, json=body, headers=jimu))["id"]
    return attendee_id


def _decide(api: Api, jimu: dict[str, str], meeting_id: int, item_id: int, **decision: Any) -> None:
    body = decision or {"kind": "support_policy", "content": {"policy": "見守りを続ける"}}
    body["agendaItemId"] = item_id
    _ok(api.client.post(f"/meetings/{meeting_id}/decisions", json=body, headers=jimu))


def _patch_meeting(
    api: Api, jimu: dict[str, str], meeting_id: int, method: str, path: str, body: Any
) -> None:
    tag = api.client.get(f"/meetings/{meeting_id}", headers=jimu).headers["etag"]
    response = api.client.request(
        method, f"/meetings/{meeting_id}{path}", json=body, headers=jimu | {"If-Match": tag}
    )
    _ok(response, 200)


def _plan(api: Api, jimu: dict[str, str], case: dict[str, Any], size: int) -> dict[str, Any]:
    body = {
        "assessmentSummary": "課題",
        "goals": [{"term": "long", "text": f"目標{n}"} for n in range(size)],
        "items": [
            {"content": f"支援{n}", "responsibleOrg": "koreifukushi", "isLead": n == 0}
            for n in range(size)
        ],
        "monitoringEveryMonths": 3,
        "startDate": today().isoformat(),
        "agreedOn": today().isoformat(),
        "agreementMethod": "written",
    }
    plan: dict[str, Any] = _ok(
        api.client.post(f"/cases/{case['id']}/plans", json=body, headers=jimu)
    )
    return plan


@pytest.fixture(scope="module")
def world(module_api: Api) -> World:
    """One database for the whole module (the probes only read it, but for the audit entries
    the reads write): a small and a large instance of everything a GET endpoint lists."""
    api = module_api
    users = {
        "jimu": api.user("jimu", "kyosei", Role.SECRETARIAT),
        "member": api.user("kourei", "koreifukushi", Role.STAFF),
        "hokatsu": api.user("hokatsu", "hokatsu_1", Role.AGENCY),
        "admin": api.user("kanri", "it_admin", Role.ADMIN),
        "auditor": api.user("kansa", "it_admin", Role.AUDITOR),
    }
    logins = {"jimu": "jimu", "member": "kourei", "hokatsu": "hokatsu", "admin": "kanri"}
    headers = {who: api.login(name) for who, name in logins.items()}
    headers["auditor"] = api.login("kansa")
    jimu = headers["jimu"]
    day = today()
    others = [
        {"name": f"家族 {n}", "nameKana": "かぞく", "relationship": "子", "birthDate": "2001-01-01"}
        for n in range(6)
    ]
    small = _ok(api.client.post("/cases", json=household(), headers=jimu))
    large = _ok(api.client.post("/cases", json=household(others=others), headers=jimu))
    extra = [_ok(api.client.post("/cases", json=household(), headers=jimu)) for _ in range(23)]
    w = World(api=api, headers=headers, users=users, small=small, large=large)

    # Consent, team, timeline and referrals: one or few on the small case, many on the large.
    _consent(api, small, small["members"][0], jimu)
    for member in large["members"]:
        _consent(api, large, member, jimu)
    _team(api, small, "hokatsu_1", jimu)
    for org in ("hokatsu_1", "koreifukushi", "shogaifukushi", "seikatsufukushi"):
        _team(api, large, org, jimu)
    entry = {"occurredOn": day.isoformat(), "means": "visit", "content": "訪問"}
    _ok(api.client.post(f"/cases/{small['id']}/timeline", json=entry, headers=jimu))
    for _ in range(12):
        _ok(api.client.post(f"/cases/{large['id']}/timeline", json=entry, headers=jimu))
    referrals = []
    for org in ("hokatsu_1", "koreifukushi", "shogaifukushi", "seikatsufukushi", "kosodate_sodan"):
        body = {"toOrg": org, "reason": "つなぎ", "summary": "要約"}
        url = f"/cases/{large['id']}/referrals"
        referrals.append(_ok(api.client.post(url, json=body, headers=jimu)))
    for case in extra[11:14]:
        body = {"toOrg": "hokatsu_1", "reason": "つなぎ", "summary": "要約"}
        _ok(api.client.post(f"/cases/{case['id']}/referrals", json=body, headers=jimu))
    body = {"toOrg": "koreifukushi", "reason": "つなぎ", "summary": "要約"}
    w.ids["referral_small"] = _ok(
        api.client.post(f"/cases/{small['id']}/referrals", json=body, headers=jimu)
    )["id"]
    # The large referral's history: sent, accepted, started, completed.
    w.ids["referral_large"] = referrals[0]["id"]
    for action, note in (("accept", None), ("start", None), ("complete", "報告")):
        url = f"/referrals/{referrals[0]['id']}"
        tag = api.client.get(url, headers=headers["hokatsu"]).headers["etag"]
        response = api.client.post(
            f"{url}/{action}", json={"note": note}, headers=headers["hokatsu"] | {"If-Match": tag}
        )
        _ok(response, 200)

    # Two 支援会議 today: one agenda item and one attendee, or ten items and five attendees.
    m_small = _meeting(api, jimu, "support", day)
    m_large = _meeting(api, jimu, "support", day)
    w.ids |= {"meeting_small": m_small, "meeting_large": m_large}
    items_small = [_agenda(api, jimu, m_small, small["id"])]
    large_cases = [small, large, *extra[:8]]
    items_large = [_agenda(api, jimu, m_large, c["id"]) for c in large_cases]
    w.ids["attendee_small"] = _attend(api, jimu, m_small, "koreifukushi")
    orgs = ("koreifukushi", "hokatsu_1", "shogaifukushi", "seikatsufukushi", "kosodate_sodan")
    attendees_large = [_attend(api, jimu, m_large, org) for org in orgs]
    w.ids["attendee_large"] = attendees_large[0]
    for meeting_id in (m_small, m_large):
        url = f"/meetings/{meeting_id}/confidentiality-acknowledgements"
        _ok(api.client.post(url, headers=headers["member"]), 201)
    for meeting_id, items in ((m_small, items_small), (m_large, items_large)):
        for item_id in items:
            _decide(api, jimu, meeting_id, item_id)
        _patch_meeting(api, jimu, meeting_id, "PUT", "/minutes", {"minutes": "議事録"})

    # A 重層的支援会議 approves plans: the large case's (eight goals and items, three monitoring
    # records, then revised: two versions) and three more, all overdue for monitoring.
    plans = {"small": _plan(api, jimu, small, 1), "large": _plan(api, jimu, large, 8)}
    monitored = extra[8:11]
    for case in monitored:
        _consent(api, case, case["members"][0], jimu)
        plans[f"case{case['id']}"] = _plan(api, jimu, case, 1)
    m_multi = _meeting(api, jimu, "multi_agency", day)
    w.ids["meeting_multi"] = m_multi
    for key in ("large", *(f"case{c['id']}" for c in monitored)):
        plan = plans[key]
        _ok(api.client.post(f"/plans/{plan['id']}/propose", headers=jimu), 200)
        item_id = _agenda(api, jimu, m_multi, plan["caseId"], planId=plan["id"])
        _decide(api, jimu, m_multi, item_id, kind="plan_approval", content={"planId": plan["id"]})
    for _ in range(3):
        record = {"monitoredOn": day.isoformat(), "content": "モニタリング"}
        url = f"/plans/{plans['large']['id']}/monitoring-records"
        _ok(api.client.post(url, json=record, headers=jimu))
    with api.db.sessions() as session, session.begin():
        session.execute(
            update(SupportPlan)
            .where(SupportPlan.status == "monitoring")
            .values(next_monitoring_date=day - timedelta(days=1))
        )
    plan_large = api.client.get(f"/plans/{plans['large']['id']}", headers=jimu)
    _ok(
        api.client.post(
            f"/plans/{plans['large']['id']}/revise",
            json={"reason": "見直し"},
            headers=jimu | {"If-Match": plan_large.headers["etag"]},
        )
    )
    w.ids |= {"plan_small": plans["small"]["id"], "plan_large": plans["large"]["id"]}

    # Meetings ahead that take requests: three 支援会議 and one 重層的支援会議; ten requests,
    # some screened onto the agenda, some rejected, and the large case's on two meetings.
    ahead = [_meeting(api, jimu, "support", day + timedelta(days=n)) for n in (7, 14, 21)]
    _meeting(api, jimu, "multi_agency", day + timedelta(days=7))
    w.ids["meeting_ahead"] = ahead[0]
    requested = [*extra[11:20], large]
    ask: dict[str, Any]
    for n, case in enumerate(requested):
        ask = {"kind": "support", "meetingId": ahead[n % 2], "purpose": "information_sharing"}
        url = f"/cases/{case['id']}/meeting-requests"
        request = _ok(api.client.post(url, json=ask, headers=jimu))
        if n % 3 < 2:
            decision = {"decision": "accepted" if n % 3 == 0 else "rejected", "note": "検討"}
            url = f"/meeting-requests/{request['id']}/screening"
            _ok(api.client.post(url, json=decision, headers=jimu), 200)
    ask = {"kind": "support", "meetingId": ahead[2], "purpose": "information_sharing"}
    _ok(api.client.post(f"/cases/{large['id']}/meeting-requests", json=ask, headers=jimu))

    # The meetings of today are held (for the statistics).
    for meeting_id in (m_small, m_large, m_multi):
        _patch_meeting(api, jimu, meeting_id, "PATCH", "", {"status": "held"})

    # Partner agencies' integrations: one of 地域包括 1, three in all.
    api.api_client("包括1 連携", "hokatsu_1")
    api.api_client("包括2 連携", "hokatsu_2")
    api.api_client("包括2 連携 その2", "hokatsu_2")
    return w


# ---------------------------------------------------------------- the probes


Grow = Callable[[World], None]


@dataclass(frozen=True)
class Probe:
    """One GET operation, counted as ``who`` on a small and on a large instance: two URLs (with
    their query parameters), one URL before and after ``grow`` adds rows to what it lists, or
    one URL for two callers (``large_who``)."""

    operation: str
    who: str
    small: str
    large: str | None = None
    small_params: dict[str, Any] = field(default_factory=dict)
    large_params: dict[str, Any] = field(default_factory=dict)
    grow: Grow | None = None
    large_who: str | None = None
    id: str = ""

    @property
    def name(self) -> str:
        return f"{self.operation}-{self.who}{'-' + self.id if self.id else ''}"


def _add_rows(*rows: Callable[[int], Any]) -> Grow:
    def grow(w: World) -> None:
        with w.api.db.sessions() as session, session.begin():
            for make in rows:
                for n in range(5):
                    session.add(make(n))

    return grow


def _add_schedules(w: World) -> None:
    with w.api.db.sessions() as session, session.begin():
        for kind in MeetingKind:
            if session.get(MeetingSchedule, kind.value) is None:
                session.add(
                    MeetingSchedule(
                        kind=kind.value,
                        week_of_month=3,
                        weekday=2,
                        start_time=time(10),
                        end_time=time(12),
                        place="会議室",
                    )
                )


YEAR = today().year
FISCAL_YEAR = today().year if today().month >= 4 else today().year - 1
# Case pages: a page of 2 against a page of 25 (or 10).
PAGE_SMALL, PAGE_LARGE = {"limit": 2}, {"limit": 25}

PROBES = [
    # ---- you
    Probe("getMe", "member", "/me", large_who="jimu"),
    # ---- cases and their lists
    Probe("listCases", "jimu", "/cases", "/cases", PAGE_SMALL, PAGE_LARGE),
    Probe(
        "listCases",
        "jimu",
        "/cases",
        "/cases",
        {"limit": 2, "q": "かぞく"},
        {"limit": 25, "q": "かぞく"},
        id="search",
    ),
    Probe("listCases", "hokatsu", "/cases", "/cases", {"limit": 1}, PAGE_LARGE),
    Probe("getCase", "jimu", "/cases/{small}", "/cases/{large}"),
    Probe("listConsents", "jimu", "/cases/{small}/consents", "/cases/{large}/consents"),
    Probe("listTeamMembers", "jimu", "/cases/{small}/team", "/cases/{large}/team"),
    Probe("listTimelineEntries", "jimu", "/cases/{small}/timeline", "/cases/{large}/timeline"),
    Probe("listCaseReferrals", "jimu", "/cases/{small}/referrals", "/cases/{large}/referrals"),
    Probe("listCaseMeetings", "jimu", "/cases/{small}/meetings", "/cases/{large}/meetings"),
    Probe("listPlans", "jimu", "/cases/{small}/plans", "/cases/{large}/plans"),
    # ---- referrals
    Probe(
        "listReferrals",
        "jimu",
        "/referrals",
        "/referrals",
        {"box": "outbox", "limit": 1},
        {"box": "outbox", "limit": 10},
    ),
    Probe(
        "listReferrals",
        "hokatsu",
        "/referrals",
        "/referrals",
        {"box": "inbox", "limit": 1},
        {"box": "inbox", "limit": 10},
    ),
    Probe("getReferral", "jimu", "/referrals/{referral_small}", "/referrals/{referral_large}"),
    # ---- plans
    Probe("getPlan", "jimu", "/plans/{plan_small}", "/plans/{plan_large}"),
    Probe(
        "listPlansForMonitoring",
        "jimu",
        "/plans",
        "/plans",
        {"monitoring": "overdue", "limit": 1},
        {"monitoring": "overdue", "limit": 10},
    ),
    # ---- meetings
    Probe("listMeetingSchedules", "jimu", "/meeting-schedules", grow=_add_schedules),
    Probe(
        "listRegularDates",
        "jimu",
        "/meeting-schedules/support/dates",
        "/meeting-schedules/multi_agency/dates",
        {"fiscalYear": FISCAL_YEAR},
        {"fiscalYear": FISCAL_YEAR + 1},
    ),
    Probe(
        "listClosedDays",
        "jimu",
        "/calendar/closed-days",
        "/calendar/closed-days",
        {"from": f"{YEAR}-01-05", "to": f"{YEAR}-01-06"},
        {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"},
    ),
    Probe(
        "getMeetingStatistics",
        "jimu",
        "/meetings/statistics",
        "/meetings/statistics",
        {"from": f"{YEAR - 2}-04-01", "to": f"{YEAR - 2}-04-30"},
        {"from": f"{FISCAL_YEAR}-04-01", "to": f"{FISCAL_YEAR + 1}-03-31"},
    ),
    Probe("listMeetings", "jimu", "/meetings", "/meetings", {"kind": "emergency"}, {}),
    Probe("listMeetings", "member", "/meetings", "/meetings", {"kind": "multi_agency"}, {}),
    Probe(
        "listRequestableMeetings",
        "jimu",
        "/meetings/open-for-requests",
        "/meetings/open-for-requests",
        {"kind": "multi_agency"},
        {"kind": "support"},
    ),
    Probe("getMeeting", "jimu", "/meetings/{meeting_small}", "/meetings/{meeting_large}"),
    Probe("getMeeting", "member", "/meetings/{meeting_small}", "/meetings/{meeting_large}"),
    Probe(
        "listMeetingRequests",
        "jimu",
        "/meeting-requests",
        "/meeting-requests",
        {"limit": 1},
        {"limit": 10},
    ),
    Probe(
        "listAgendaItems",
        "jimu",
        "/meetings/{meeting_small}/agenda-items",
        "/meetings/{meeting_large}/agenda-items",
    ),
    Probe(
        "listAgendaItems",
        "member",
        "/meetings/{meeting_small}/agenda-items",
        "/meetings/{meeting_large}/agenda-items",
    ),
    Probe(
        "listAttendees",
        "jimu",
        "/meetings/{meeting_small}/attendees",
        "/meetings/{meeting_large}/attendees",
    ),
    Probe(
        "listAttendees",
        "member",
        "/meetings/{meeting_small}/attendees",
        "/meetings/{meeting_large}/attendees",
    ),
    Probe(
        "listDecisions",
        "jimu",
        "/meetings/{meeting_small}/decisions",
        "/meetings/{meeting_large}/decisions",
    ),
    Probe(
        "listDecisions",
        "member",
        "/meetings/{meeting_small}/decisions",
        "/meetings/{meeting_large}/decisions",
    ),
    Probe(
        "getMeetingNoticePdf",
        "jimu",
        "/meetings/{meeting_small}/attendees/{attendee_small}/notice.pdf",
        "/meetings/{meeting_large}/attendees/{attendee_large}/notice.pdf",
    ),
    # ---- reports: a year without cases against the year of the world's
    Probe(
        "getStatisticsReport",
        "jimu",
        "/reports/statistics",
        "/reports/statistics",
        {"fiscalYear": FISCAL_YEAR - 3},
        {"fiscalYear": FISCAL_YEAR},
    ),
    Probe(
        "exportStatisticsWorkbook",
        "jimu",
        "/reports/statistics.xlsx",
        "/reports/statistics.xlsx",
        {"fiscalYear": FISCAL_YEAR - 3},
        {"fiscalYear": FISCAL_YEAR},
    ),
    Probe(
        "exportStatisticsTable",
        "jimu",
        "/reports/statistics.csv",
        "/reports/statistics.csv",
        {"fiscalYear": FISCAL_YEAR - 3, "table": "overview"},
        {"fiscalYear": FISCAL_YEAR, "table": "overview"},
    ),
    # ---- master data
    Probe(
        "listDepartments",
        "jimu",
        "/departments",
        grow=_add_rows(lambda n: Department(code=f"x{n}", name=f"部{n}", name_en=f"D{n}")),
    ),
    Probe(
        "listAgencyFields",
        "jimu",
        "/agency-fields",
        grow=_add_rows(lambda n: AgencyField(code=f"x{n}", name=f"分野{n}", name_en=f"F{n}")),
    ),
    Probe(
        "listAreas",
        "jimu",
        "/areas",
        grow=_add_rows(lambda n: Area(code=f"x{n}", name=f"圏域{n}", name_en=f"A{n}")),
    ),
    Probe(
        "listSupportFunctions",
        "jimu",
        "/support-functions",
        grow=_add_rows(
            lambda n: SupportFunctionRow(
                code=f"x{n}",
                article_item=f"{n}",
                name=f"機能{n}",
                name_en=f"S{n}",
                lead_units=["kyosei", "koreifukushi"],
            )
        ),
    ),
    Probe(
        "listIssueCategories",
        "jimu",
        "/issue-categories",
        grow=_add_rows(
            lambda n: IssueCategory(code=f"x{n}", name=f"課題{n}", name_en=f"I{n}", national=False)
        ),
    ),
    Probe("listCodeLabels", "jimu", "/code-lists/intake_route", "/code-lists/contact_means"),
    Probe("listTowns", "jimu", "/towns", "/towns", {"area": "west"}, {}),
    Probe("listOrganizations", "jimu", "/organizations", "/organizations", {"kind": "agency"}, {}),
    Probe("getOrganization", "jimu", "/organizations/kyosei", "/organizations/hokatsu_1"),
    # ---- administration
    Probe("listUsers", "admin", "/users", "/users", {"limit": 1}, {"limit": 50}),
    Probe("getUser", "admin", "/users/{user_member}", "/users/{user_jimu}"),
    Probe("listApiClients", "admin", "/api-clients", "/api-clients", {"org": "hokatsu_1"}, {}),
    # ---- the audit log: the auditor's, and the secretariat's (the cases it reads)
    Probe(
        "listAuditEvents", "auditor", "/audit-events", "/audit-events", PAGE_SMALL, {"limit": 50}
    ),
    Probe("listAuditEvents", "jimu", "/audit-events", "/audit-events", PAGE_SMALL, {"limit": 50}),
    Probe(
        "listAuditEvents",
        "jimu",
        "/audit-events",
        "/audit-events",
        {"limit": 2, "caseId": "{large}"},
        {"limit": 50, "caseId": "{large}"},
        id="case",
    ),
]

# GET operations not counted here, each with the reason.
EXEMPT = {
    "getLiveness": "health check: no database",
    "getReadiness": "health check: one fixed probe of the database",
}


def _fill(w: World, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    names = {
        "small": w.small["id"],
        "large": w.large["id"],
        **w.ids,
        **{f"user_{k}": v for k, v in w.users.items()},
    }
    return value.format(**names)


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_statements_do_not_grow_with_the_page_or_related_rows(world: World, probe: Probe) -> None:
    api, headers = world.api, world.headers[probe.who]
    small_url = _fill(world, probe.small)
    small_params = {k: _fill(world, v) for k, v in probe.small_params.items()}
    large_url = _fill(world, probe.large or probe.small)
    large_params = {k: _fill(world, v) for k, v in probe.large_params.items()}
    _statements(api, small_url, headers, **small_params)  # warm-up: caches of the first call
    small = _statements(api, small_url, headers, **small_params)
    if probe.grow is not None:
        probe.grow(world)
    large_headers = world.headers[probe.large_who or probe.who]
    large = _statements(api, large_url, large_headers, **large_params)
    assert small == large, (probe.name, small, large)


def test_the_probes_see_a_small_and_a_large_instance(world: World) -> None:
    """The large instances are large: the probes above would prove nothing on empty lists."""
    api, jimu, member = world.api, world.headers["jimu"], world.headers["member"]

    def size(url: str, headers: dict[str, str], **params: Any) -> int:
        body = _ok(api.client.get(_fill(world, url), params=params, headers=headers), 200)
        return len(body["items"] if isinstance(body, dict) and "items" in body else body)

    assert size("/meetings/{meeting_small}/agenda-items", member) == 1
    assert size("/meetings/{meeting_large}/agenda-items", member) == 10
    assert size("/meetings/{meeting_large}/decisions", member) == 10
    assert size("/meetings/{meeting_large}/attendees", jimu) >= 5
    meeting = _ok(api.client.get(_fill(world, "/meetings/{meeting_large}"), headers=member), 200)
    assert meeting["minutes"] == "議事録"
    assert size("/meeting-requests", jimu, limit=10) == 10
    assert size("/meetings/open-for-requests", jimu, kind="support") == 3
    assert size("/meetings", member) == 2
    assert size("/cases/{large}/meetings", jimu) >= 4
    assert size("/cases/{large}/plans", jimu) == 2
    assert size("/plans", jimu, monitoring="overdue", limit=10) == 3
    plan = _ok(api.client.get(_fill(world, "/plans/{plan_large}"), headers=jimu), 200)
    assert len(plan["monitoringRecords"]) == 3 and len(plan["goals"]) == 8
    referral = _ok(api.client.get(_fill(world, "/referrals/{referral_large}"), headers=jimu), 200)
    assert len(referral["history"]) == 4
    assert size("/referrals", world.headers["hokatsu"], box="inbox", limit=10) == 4
    assert size("/cases", world.headers["hokatsu"]) >= 2
    assert size("/users", world.headers["admin"], limit=50) >= 5
    assert size("/api-clients", world.headers["admin"]) == 3


def test_every_get_operation_is_counted_or_exempt(world: World) -> None:
    """A new list or detail endpoint must be counted here (or exempt, with the reason)."""
    schema = world.api.app.openapi()
    operations = {
        op["operationId"]
        for item in schema["paths"].values()
        for method, op in item.items()
        if method == "get"
    }
    counted = {p.operation for p in PROBES}
    assert not counted & set(EXEMPT), counted & set(EXEMPT)
    assert operations <= counted | set(EXEMPT), sorted(operations - counted - set(EXEMPT))
    assert counted | set(EXEMPT) <= operations, sorted((counted | set(EXEMPT)) - operations)
