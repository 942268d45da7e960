"""The access matrix of access.md: every principal × every case endpoint × every relation.

The expectations come from two hand-written tables — what each (principal, relation) may do, and
what each endpoint needs — not from ``domain.access``: this is the specification checked against
the running API. Later features add their endpoints to ENDPOINTS and their relations to
RELATIONS / ACCESS.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

import pytest
from sqlalchemy import select

from api.clock import today
from api.models import (
    AgendaItem,
    Attendee,
    Case,
    CaseMember,
    Consent,
    ConsentScopeOrg,
    Meeting,
    Referral,
    TeamMembership,
    User,
)
from conftest import Api
from domain.access import Role

TODAY = today()  # the service's day (Asia/Tokyo), not the machine's
BASE_ORG = "hoiku_yochien"  # opens and leads every matrix case unless a relation says otherwise
WEST_TOWN = "tokura"
EAST_TOWN = "honcho"


class Level(Enum):
    NO_SCOPE = "no case scopes at all (403 everywhere)"
    NONE = "may not read (404, absent from lists)"
    EDIT = "read and edit (rules 1-4), not consent"
    MANAGE = "read, edit and record / withdraw consent"


@dataclass(frozen=True)
class PrincipalSpec:
    name: str
    org: str
    roles: tuple[Role, ...]
    area: str | None = None
    client: bool = False  # an agency integration (client credentials) instead of a user

    @property
    def consent_scope(self) -> bool:
        return not ({Role.AGENCY, Role.ADMIN, Role.AUDITOR} & set(self.roles))


PRINCIPALS = [
    PrincipalSpec("staff", "koreifukushi", (Role.STAFF,)),
    PrincipalSpec("chief", "koreifukushi", (Role.CHIEF,)),
    PrincipalSpec("manager", "koreifukushi", (Role.MANAGER,)),
    PrincipalSpec("director", "koreifukushi", (Role.DIRECTOR,)),
    PrincipalSpec("secretariat", "kyosei", (Role.SECRETARIAT,)),
    PrincipalSpec("coordinator", "shakyo_east", (Role.COORDINATOR,), area="east"),
    PrincipalSpec("agency_user", "hokatsu_1", (Role.AGENCY,)),
    PrincipalSpec("agency_client", "hokatsu_1", (Role.AGENCY,), client=True),
    PrincipalSpec("admin", "it_admin", (Role.ADMIN,)),
    PrincipalSpec("auditor", "it_admin", (Role.AUDITOR,)),
]

RELATIONS = [
    "opened",  # the principal's org opened the case (intake)
    "lead",  # the principal's org is the lead (主担当)
    "team_with_consent",  # active on the team, main consent covers the whole team
    "team_consent_names_org",  # active on the team, consent names the org explicitly
    "team_without_consent",  # active on the team, consent covers another org only
    "team_consent_withdrawn",  # active on the team, consent given then withdrawn
    "team_consent_expired",  # active on the team, consent expired yesterday
    "team_membership_ended",  # consent covers the team, membership ended yesterday
    "coordinator_assigned",  # the case's coordinator is the principal (case in the west)
    "coordinator_area",  # the household lives in the east area
    "open_referral",  # a referral to the principal's org awaits its answer (rule 5: not the case)
    "support_meeting_seat",  # the org sits on a 支援会議 with the case on its agenda, acknowledged
    "unrelated",
]

_CITY = {r: Level.NONE for r in RELATIONS} | {
    "opened": Level.EDIT,
    "lead": Level.MANAGE,
    "team_with_consent": Level.EDIT,
    "team_consent_names_org": Level.EDIT,
}
_AGENCY = _CITY | {"lead": Level.EDIT}  # agencies never hold consent:write
_COORDINATOR = {r: Level.NONE for r in RELATIONS} | {
    "opened": Level.MANAGE,
    "lead": Level.MANAGE,
    "team_with_consent": Level.MANAGE,
    "team_consent_names_org": Level.MANAGE,
    "coordinator_assigned": Level.MANAGE,
    "coordinator_area": Level.MANAGE,
}

ACCESS: dict[str, dict[str, Level]] = {
    "staff": _CITY,
    "chief": _CITY,
    "manager": _CITY,
    "director": _CITY,
    "secretariat": {r: Level.MANAGE for r in RELATIONS},
    "coordinator": _COORDINATOR,
    "agency_user": _AGENCY,
    "agency_client": _AGENCY,
    "admin": {r: Level.NO_SCOPE for r in RELATIONS},
    "auditor": {r: Level.NO_SCOPE for r in RELATIONS},
}


@dataclass
class MatrixCase:
    id: int
    number: str
    version: int
    main_member_id: int
    mother_member_id: int
    mother_consent_id: int
    team_membership_id: int | None
    meeting_id: int = 0  # an upcoming ad hoc 支援会議 that takes requests


@dataclass(frozen=True)
class Endpoint:
    name: str  # the operationId
    method: str
    path: Callable[[MatrixCase], str]
    body: Callable[[MatrixCase], dict[str, Any] | None]
    ok: int
    kind: str  # "read", "list", "edit", "consent", "plan"
    if_match: bool = False


ENDPOINTS = [
    Endpoint("getCase", "GET", lambda c: f"/cases/{c.id}", lambda c: None, 200, "read"),
    Endpoint(
        "listCases", "GET", lambda c: f"/cases?number={c.number}", lambda c: None, 200, "list"
    ),
    Endpoint(
        "listConsents", "GET", lambda c: f"/cases/{c.id}/consents", lambda c: None, 200, "read"
    ),
    Endpoint(
        "listTeamMembers", "GET", lambda c: f"/cases/{c.id}/team", lambda c: None, 200, "read"
    ),
    Endpoint(
        "listTimelineEntries",
        "GET",
        lambda c: f"/cases/{c.id}/timeline",
        lambda c: None,
        200,
        "read",
    ),
    Endpoint(
        "updateCase",
        "PATCH",
        lambda c: f"/cases/{c.id}",
        lambda c: {"referrer": "民生委員"},
        200,
        "edit",
        if_match=True,
    ),
    Endpoint(
        "changeCaseStatus",
        "POST",
        lambda c: f"/cases/{c.id}/status",
        lambda c: {"status": "screening"},
        200,
        "edit",
        if_match=True,
    ),
    Endpoint(
        "addCaseMember",
        "POST",
        lambda c: f"/cases/{c.id}/members",
        lambda c: {"name": "国分 次郎", "relationship": "弟"},
        201,
        "edit",
        if_match=True,
    ),
    Endpoint(
        "updateCaseMember",
        "PATCH",
        lambda c: f"/cases/{c.id}/members/{c.main_member_id}",
        lambda c: {"notes": "面談済み"},
        200,
        "edit",
        if_match=True,
    ),
    Endpoint(
        "addTeamMember",
        "POST",
        lambda c: f"/cases/{c.id}/team",
        lambda c: {
            "org": "kikan_sodan",
            "role": "障害福祉サービスの調整",
            "startDate": TODAY.isoformat(),
        },
        201,
        "edit",
    ),
    Endpoint(
        "updateTeamMember",
        "PATCH",
        lambda c: f"/cases/{c.id}/team/{c.team_membership_id or 999999}",
        lambda c: {"role": "見守り"},
        200,
        "edit",
    ),
    Endpoint(
        "createTimelineEntry",
        "POST",
        lambda c: f"/cases/{c.id}/timeline",
        lambda c: {"occurredOn": TODAY.isoformat(), "means": "phone", "content": "電話で状況確認"},
        201,
        "edit",
    ),
    Endpoint(
        "listCaseReferrals",
        "GET",
        lambda c: f"/cases/{c.id}/referrals",
        lambda c: None,
        200,
        "read",
    ),
    Endpoint(
        "createReferral",
        "POST",
        lambda c: f"/cases/{c.id}/referrals",
        lambda c: {
            "toOrg": "kikan_sodan",
            "reason": "障害福祉サービスの相談",
            "urgency": "normal",
            "summary": "本人の障害福祉サービス利用について",
        },
        201,
        "edit",
    ),
    Endpoint("listPlans", "GET", lambda c: f"/cases/{c.id}/plans", lambda c: None, 200, "read"),
    Endpoint(
        "createPlan",
        "POST",
        lambda c: f"/cases/{c.id}/plans",
        lambda c: {
            "assessmentSummary": "母の介護と長男の社会参加",
            "goals": [{"term": "long", "text": "母子が地域で安心して暮らす"}],
            "monitoringEveryMonths": 3,
        },
        201,
        "plan",
    ),
    Endpoint(
        "createMeetingRequest",
        "POST",
        lambda c: f"/cases/{c.id}/meeting-requests",
        lambda c: {
            "kind": "support",
            "meetingId": c.meeting_id,
            "purpose": "information_sharing",
            "note": "情報共有のため",
        },
        201,
        "edit",
    ),
    Endpoint(
        "recordConsent",
        "POST",
        lambda c: f"/cases/{c.id}/members/{c.main_member_id}/consents",
        lambda c: {
            "decision": "given",
            "decidedOn": TODAY.isoformat(),
            "method": "written",
            "coversWholeTeam": True,
            "reason": "面談で同意を得た",
        },
        201,
        "consent",
    ),
    Endpoint(
        "withdrawConsent",
        "POST",
        lambda c: f"/cases/{c.id}/consents/{c.mother_consent_id}/withdrawal",
        lambda c: {"reason": "本人の申し出"},
        200,
        "consent",
    ),
]

READ_KINDS = {"read", "list"}


def expected_status(principal: PrincipalSpec, relation: str, endpoint: Endpoint) -> int:
    level = ACCESS[principal.name][relation]
    if level is Level.NO_SCOPE:
        return 403
    if endpoint.kind == "consent" and not principal.consent_scope:
        return 403  # the token lacks consent:write: refused before the case is even looked up
    if level is Level.NONE:
        return 200 if endpoint.kind == "list" else 404
    if endpoint.kind == "consent" and level is not Level.MANAGE:
        return 403
    if endpoint.kind == "plan" and not (
        {Role.SECRETARIAT, Role.COORDINATOR} & set(principal.roles)
    ):
        return 403  # plans are written by coordinators and the secretariat only
    if endpoint.name == "updateTeamMember" and relation not in TEAM_RELATIONS:
        return 404  # no membership of the caller's org to change: the case has none
    return endpoint.ok


TEAM_RELATIONS = {r for r in RELATIONS if r.startswith("team_")}


def expected_in_list(principal: PrincipalSpec, relation: str) -> bool:
    return ACCESS[principal.name][relation] in (Level.EDIT, Level.MANAGE)


# ------------------------------------------------------------------ the world


@dataclass
class World:
    api: Api
    headers: dict[str, dict[str, str]]
    cases: dict[tuple[str, str, str], MatrixCase]


def _build_case(
    session: Any, seq: int, principal: PrincipalSpec, relation: str, coordinator_id: str | None
) -> MatrixCase:
    now = datetime.now(UTC)
    org = principal.org
    case = Case(
        number=f"2099-{seq:05d}",
        fiscal_year=2099,
        sequence=seq,
        status="received",
        town_code=EAST_TOWN if relation == "coordinator_area" else WEST_TOWN,
        area_code="east" if relation == "coordinator_area" else "west",
        intake_date=TODAY - timedelta(days=30),
        intake_route="window",
        main_complaint="アクセス検証用のケース",
        opened_by_org_code=org if relation == "opened" else BASE_ORG,
        opened_by_sub="matrix",
        lead_org_code=org if relation == "lead" else BASE_ORG,
        coordinator_id=coordinator_id if relation == "coordinator_assigned" else None,
    )
    session.add(case)
    session.flush()
    main = CaseMember(
        case_id=case.id,
        position=1,
        is_main=True,
        name="検証 太郎",
        name_kana="けんしょう たろう",
        name_search="検証太郎",
        kana_search="ケンショウタロウ",
        birth_date=date(1970, 1, 1),
        relationship_label="本人",
    )
    mother = CaseMember(
        case_id=case.id,
        position=2,
        is_main=False,
        name="検証 ハナ",
        name_kana="けんしょう はな",
        name_search="検証ハナ",
        kana_search="ケンショウハナ",
        birth_date=date(1940, 1, 1),
        relationship_label="母",
    )
    session.add_all([main, mother])
    session.flush()

    def consent(
        member: CaseMember, *, whole: bool, orgs: tuple[str, ...] = (), **kw: Any
    ) -> Consent:
        row = Consent(
            case_id=case.id,
            member_id=member.id,
            decision="given",
            decided_on=TODAY - timedelta(days=20),
            method="written",
            given_by="self",
            covers_whole_team=whole,
            recorded_by_sub="matrix",
            recorded_at=now,
            **kw,
        )
        session.add(row)
        session.flush()
        session.add_all(ConsentScopeOrg(consent_id=row.id, org_code=o) for o in orgs)
        return row

    if relation in ("team_with_consent", "team_membership_ended"):
        consent(main, whole=True)
    elif relation == "team_consent_names_org":
        consent(main, whole=False, orgs=(org,))
    elif relation == "team_consent_withdrawn":
        consent(
            main, whole=True, withdrawn_at=now, withdrawn_reason="撤回", withdrawn_by_sub="matrix"
        )
    elif relation == "team_consent_expired":
        consent(main, whole=True, valid_until=TODAY - timedelta(days=1))
    else:
        consent(main, whole=False, orgs=("nozei",))  # consent, but not covering the principal
    mother_consent = consent(mother, whole=True)

    if relation == "open_referral":
        session.add(
            Referral(
                case_id=case.id,
                from_org_code=BASE_ORG,
                from_sub="matrix",
                to_org_code=org,
                reason="つなぎ",
                urgency="normal",
                summary="要約のみ",
                status="sent",
            )
        )
    if relation == "support_meeting_seat":
        meeting = Meeting(
            kind="support",
            regular=False,
            day=TODAY,
            status="scheduled",
            organiser_org_code="kyosei",
            organiser_sub="matrix",
        )
        session.add(meeting)
        session.flush()
        session.add_all(
            [
                AgendaItem(
                    meeting_id=meeting.id,
                    case_id=case.id,
                    position=1,
                    purpose="information_sharing",
                    summary="支援会議の資料",
                ),
                Attendee(
                    meeting_id=meeting.id,
                    org_code=org,
                    notice_channel="email",
                    confidentiality_acknowledged_at=now,
                ),
            ]
        )

    membership_id = None
    if relation in TEAM_RELATIONS:
        membership = TeamMembership(
            case_id=case.id,
            org_code=org,
            role="支援",
            start_date=TODAY - timedelta(days=10),
            end_date=TODAY - timedelta(days=1) if relation == "team_membership_ended" else None,
            added_by_sub="matrix",
        )
        session.add(membership)
        session.flush()
        membership_id = membership.id
    return MatrixCase(
        id=case.id,
        number=case.number,
        version=case.version,
        main_member_id=main.id,
        mother_member_id=mother.id,
        mother_consent_id=mother_consent.id,
        team_membership_id=membership_id,
    )


@pytest.fixture(scope="module")
def world(module_api: Api) -> Iterator[World]:
    api = module_api
    headers: dict[str, dict[str, str]] = {}
    for p in PRINCIPALS:
        if p.client:
            client_id, secret = api.api_client(f"matrix-{p.name}", p.org)
            headers[p.name] = api.client_login(client_id, secret)
        else:
            api.user(f"matrix.{p.name}", p.org, *p.roles, area=p.area)
            headers[p.name] = api.login(f"matrix.{p.name}")
    cases: dict[tuple[str, str, str], MatrixCase] = {}
    with api.db.sessions() as session, session.begin():
        upcoming = Meeting(
            kind="support",
            regular=False,
            day=TODAY + timedelta(days=7),
            status="scheduled",
            organiser_org_code="kyosei",
            organiser_sub="matrix",
        )
        session.add(upcoming)
        session.flush()
        coordinator_id = session.scalar(
            select(User.id).where(User.username == "matrix.coordinator")
        )
        seq = 0
        for p in PRINCIPALS:
            for relation in RELATIONS:
                # Reads share one case per cell; each write gets a case of its own.
                for key in ["read", *(e.name for e in ENDPOINTS if e.kind not in READ_KINDS)]:
                    seq += 1
                    built = _build_case(session, seq, p, relation, coordinator_id)
                    built.meeting_id = upcoming.id
                    cases[(p.name, relation, key)] = built
    yield World(api, headers, cases)


CELLS = [
    pytest.param(p, relation, e, id=f"{p.name}-{relation}-{e.name}")
    for p in PRINCIPALS
    for relation in RELATIONS
    for e in ENDPOINTS
]


@pytest.mark.parametrize(("principal", "relation", "endpoint"), CELLS)
def test_access_matrix(
    world: World, principal: PrincipalSpec, relation: str, endpoint: Endpoint
) -> None:
    key = "read" if endpoint.kind in READ_KINDS else endpoint.name
    case = world.cases[(principal.name, relation, key)]
    headers = dict(world.headers[principal.name])
    if endpoint.if_match:
        with world.api.db.sessions() as session:
            version = session.scalar(select(Case.version).where(Case.id == case.id))
        headers["If-Match"] = f'"{case.id}.{version}"'
    response = world.api.client.request(
        endpoint.method, endpoint.path(case), json=endpoint.body(case), headers=headers
    )
    expected = expected_status(principal, relation, endpoint)
    assert response.status_code == expected, (
        f"{principal.name} / {relation} / {endpoint.name}: "
        f"expected {expected}, got {response.status_code}: {response.text[:300]}"
    )
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    if response.status_code == 404:
        # Indistinguishable from a case that does not exist.
        assert "見つかりません" in response.json()["detail"]
    if endpoint.kind == "list" and response.status_code == 200:
        numbers = [item["number"] for item in response.json()["items"]]
        assert (case.number in numbers) == expected_in_list(principal, relation), numbers


def test_matrix_covers_every_case_operation(world: World) -> None:
    """A new case endpoint must be added to the matrix (and so to the access rules)."""
    schema = world.api.app.openapi()
    case_operations = {
        op["operationId"]
        for path, item in schema["paths"].items()
        if path.startswith("/cases")
        for method, op in item.items()
        if method in {"get", "post", "patch", "put", "delete"}
    }
    covered = {e.name for e in ENDPOINTS} | {"createCase"}  # intake: test_cases.py, by role
    assert case_operations <= covered, case_operations - covered
