"""The access matrix of access.md: every principal × every relation × every endpoint of a case, its
referrals, its support plans and the meetings that discuss it.

The expectations come from hand-written rules — what each (principal, relation) may do with the
case (ACCESS), and a small expectation function per endpoint family (case, referral, plan,
meeting) restating access.md and the documented endpoint rules — not from ``domain.access``: this
is the specification checked against the running API. Every cell asserts:

- the status: unreadable → 404, with a body identical to the one for a resource that does not
  exist; readable but not allowed, or a token without the scope → 403;
- that nothing leaks: a principal that may not read the case never sees any of its content (each
  case carries a marker in its names, complaint and plan), lists show the cell's record exactly
  when the rules say so, a referral's recipient or a 支援会議 member sees no more than the rules
  grant (the referral and its summary; the agenda item's summary and the minutes);
- for a write that is refused, that nothing was changed: every row that refers to the case, its
  consents, referrals, plans or meeting is re-read (and a write that succeeds must show in that
  re-read, which proves the re-read would see it).

The world is built once per module (and xdist worker) directly in the database: one case per
(principal, relation) that every read shares, and one per write endpoint and cell.

Later features add their endpoints to ENDPOINTS and their relations to RELATIONS / ACCESS.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from itertools import product
from typing import Any

import httpx
import pytest
from sqlalchemy import ColumnElement, Select, Table, bindparam, func, select
from sqlalchemy.orm import Session

from api.clock import today
from api.models import (
    AgendaItem,
    Attendee,
    Case,
    CaseMember,
    Consent,
    ConsentScopeOrg,
    Decision,
    Meeting,
    MeetingRequest,
    PlanGoal,
    PlanItem,
    Referral,
    SupportPlan,
    TeamMembership,
)
from api.models.base import Base
from conftest import Api
from domain.access import Role

TODAY = today()  # the service's day (Asia/Tokyo), not the machine's
BASE_ORG = "hoiku_yochien"  # opens and leads every matrix case unless a relation says otherwise
THIRD_ORG = "kikan_sodan"  # where a case's referral goes when it is not to the principal's org
WEST_OFFICE = "shakyo_west"  # the other 社協 office: organises the 重層的支援会議 of one relation
WEST_TOWN = "tokura"
EAST_TOWN = "honcho"
MISSING = 2**31 - 1  # an id no row has: the reference for "as if it did not exist"
MINUTES = "議事録: 見守りの役割分担を確認した。"
ITEM_SUMMARY = "支援会議の資料（議題の要約）"
REFERRAL_SUMMARY = "紹介元が添えた要約"  # what the addressed org reads (rule 5)
POSTAL = "〒185-8501 東京都国分寺市泉町2-2-18"


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

    @property
    def case_work(self) -> bool:
        """Admins and auditors never touch case content (their tokens lack the case scopes)."""
        return not ({Role.ADMIN, Role.AUDITOR} & set(self.roles))

    def has(self, role: Role) -> bool:
        return role in self.roles


PRINCIPALS = [
    PrincipalSpec("staff", "koreifukushi", (Role.STAFF,)),
    PrincipalSpec("chief", "koreifukushi", (Role.CHIEF,)),
    PrincipalSpec("manager", "koreifukushi", (Role.MANAGER,)),
    PrincipalSpec("director", "koreifukushi", (Role.DIRECTOR,)),  # 福祉部長, not 健康部長
    PrincipalSpec("secretariat", "kyosei", (Role.SECRETARIAT,)),
    PrincipalSpec("coordinator", "shakyo_east", (Role.COORDINATOR,), area="east"),
    PrincipalSpec("agency_user", "hokatsu_1", (Role.AGENCY,)),
    PrincipalSpec("agency_client", "hokatsu_1", (Role.AGENCY,), client=True),
    PrincipalSpec("admin", "it_admin", (Role.ADMIN,)),
    PrincipalSpec("auditor", "it_admin", (Role.AUDITOR,)),
]
HEALTH_ORGS = {"kyosei"}  # the principals' units in 健康部 (a 緊急会議 is convened by its 部長)

RELATIONS = [
    "opened",  # the principal's org opened the case (intake)
    "lead",  # the principal's org is the lead (主担当), and so responsible for the plan's item
    "team_with_consent",  # active on the team, main consent covers the whole team
    "team_consent_names_org",  # active on the team, consent names the org explicitly
    "team_without_consent",  # active on the team, consent covers another org only
    "team_consent_withdrawn",  # active on the team, consent given then withdrawn
    "team_consent_expired",  # active on the team, consent expired yesterday
    "team_membership_ended",  # consent covers the team, membership ended yesterday
    "coordinator_assigned",  # the case's coordinator is the principal (case in the west)
    "coordinator_area",  # the household lives in the east area
    # The case's referral is addressed to the principal's org (rule 5: the referral, not the
    # case). It waits for an answer (依頼中), except where an action needs it accepted or started.
    "open_referral",
    # The org sits on the 支援会議 that has the case on its agenda (no consent); the principal
    # has acknowledged its duty of confidentiality (an integration cannot: its org's seat is
    # marked acknowledged, which must count for nobody).
    "support_meeting_seat",
    "support_meeting_invited",  # the same seat, not acknowledged yet
    # The org is invited to a 重層的支援会議 (organised by the west 社協 office) that has the case
    # on its agenda; the person's consent covers the whole team, but the org is not on it.
    "multi_agency_seat",
    # The same seat, but the person withdrew consent after the case went on the agenda: from then
    # on nothing of the case reaches the members (access.md, Consent): not the item, not the
    # minutes that discuss it.
    "multi_agency_seat_withdrawn",
    # A 重層的支援会議 with the case on its agenda is organised by the principal's own unit (by a
    # colleague); consent covers the whole team, the org is not on it.
    "multi_agency_organiser",
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

TEAM_RELATIONS = {r for r in RELATIONS if r.startswith("team_")}
# The main person's consent in force covers every org (whole team).
WHOLE_TEAM_CONSENT = {
    "team_with_consent",
    "team_membership_ended",
    "multi_agency_seat",
    "multi_agency_organiser",
}


@dataclass(frozen=True)
class MeetingSpec:
    """The meeting that has a relation's case on its agenda."""

    kind: str  # support (支援会議) / multi_agency (重層的支援会議)
    organiser_org: str | None  # None: the principal's own unit
    seat: str | None = None  # the principal's org: None, "invited" or "acknowledged"


DEFAULT_MEETING = MeetingSpec("support", "kyosei")  # the secretariat's 支援会議; nobody invited
MEETINGS = {
    "support_meeting_seat": MeetingSpec("support", "kyosei", "acknowledged"),
    "support_meeting_invited": MeetingSpec("support", "kyosei", "invited"),
    "multi_agency_seat": MeetingSpec("multi_agency", WEST_OFFICE, "invited"),
    "multi_agency_seat_withdrawn": MeetingSpec("multi_agency", WEST_OFFICE, "invited"),
    "multi_agency_organiser": MeetingSpec("multi_agency", None),
}


def meeting_of(relation: str) -> MeetingSpec:
    return MEETINGS.get(relation, DEFAULT_MEETING)


# ------------------------------------------------------------------ the rules, restated


def reads_case(p: PrincipalSpec, relation: str) -> bool:
    """access.md rules 1-4 (ACCESS): the household, its plans, its referrals."""
    return ACCESS[p.name][relation] in (Level.EDIT, Level.MANAGE)


def is_recipient(p: PrincipalSpec, relation: str) -> bool:
    """The case's referral is addressed to the principal's org (it answers and reports back)."""
    return p.case_work and relation == "open_referral"


def is_sender(p: PrincipalSpec, relation: str) -> bool:
    """Whoever may send referrals from the case acts for the sender; never the addressed org."""
    return reads_case(p, relation) and not is_recipient(p, relation)


def reads_referral(p: PrincipalSpec, relation: str) -> bool:
    """Rule 5: the addressed org reads the referral (and its summary) but not the case."""
    return reads_case(p, relation) or is_recipient(p, relation)


def writes_plans(p: PrincipalSpec) -> bool:
    """access.md: a support plan is written or revised by a coordinator or the secretariat."""
    return p.has(Role.COORDINATOR) or p.has(Role.SECRETARIAT)


def records_monitoring(p: PrincipalSpec, relation: str) -> bool:
    """Whoever writes plans, or a unit with an item in the plan (the lead's) that reads the case."""
    return writes_plans(p) or relation == "lead"


def may_schedule(p: PrincipalSpec, kind: str) -> bool:
    """access.md: the secretariat schedules 支援会議 and the internal meetings; coordinators and the
    secretariat a 重層的支援会議; only the director of 健康部 convenes a 緊急会議."""
    if not p.case_work:
        return False
    if kind == "emergency":
        return p.has(Role.DIRECTOR) and p.org in HEALTH_ORGS
    if kind == "multi_agency":
        return p.has(Role.SECRETARIAT) or p.has(Role.COORDINATOR)
    return p.has(Role.SECRETARIAT)


def organises(p: PrincipalSpec, relation: str) -> bool:
    """The organiser: the unit that scheduled the meeting, for those in it who may schedule that
    kind (the meetings here were scheduled by a colleague)."""
    spec = meeting_of(relation)
    return (spec.organiser_org or p.org) == p.org and may_schedule(p, spec.kind)


def invited(p: PrincipalSpec, relation: str) -> bool:
    return p.case_work and meeting_of(relation).seat is not None


def acknowledged(p: PrincipalSpec, relation: str) -> bool:
    """The duty binds a person: only the principal's own acknowledgement counts."""
    return invited(p, relation) and meeting_of(relation).seat == "acknowledged" and not p.client


def sees_meeting(p: PrincipalSpec, relation: str) -> bool:
    """A meeting is seen by its organiser, the invited, and the secretariat (which runs them)."""
    return p.case_work and (
        organises(p, relation) or invited(p, relation) or p.has(Role.SECRETARIAT)
    )


def consent_covers(relation: str) -> bool:
    return relation in WHOLE_TEAM_CONSENT or relation == "team_consent_names_org"


def agenda_view(p: PrincipalSpec, relation: str) -> str | None:
    """How the principal reads the case's agenda item: in full (organiser, case readers), its
    summary only (a member: of a 支援会議 once acknowledged, of a 重層的支援会議 while consent
    covers it), or not at all."""
    if organises(p, relation) or reads_case(p, relation):
        return "full"
    if invited(p, relation):
        if meeting_of(relation).kind == "support":
            return "restricted" if acknowledged(p, relation) else None
        return "restricted" if consent_covers(relation) else None
    return None


def reads_minutes(p: PrincipalSpec, relation: str) -> bool:
    """The minutes discuss the cases on the agenda: a 支援会議 member reads them once acknowledged
    (no consent needed there); at any other meeting a member reads them only while the person's
    consent covers it, as for the agenda item (without consent a case is shared only inside a
    支援会議)."""
    if organises(p, relation) or p.has(Role.SECRETARIAT):
        return True
    if meeting_of(relation).kind == "support":
        return acknowledged(p, relation)
    return invited(p, relation) and consent_covers(relation)


# ------------------------------------------------------------------ cases and endpoints


@dataclass
class MatrixCase:
    id: int
    number: str
    marker: str  # in the household's names, the complaint and the plan: never shown to non-readers
    main_member_id: int
    mother_member_id: int
    mother_consent_id: int
    team_membership_id: int = MISSING
    meeting_id: int = MISSING  # an upcoming ad hoc 支援会議 that takes requests (shared)
    referral_id: int = MISSING
    plan_id: int = MISSING
    goal_id: int = MISSING
    case_meeting_id: int = MISSING  # the meeting with this case on its agenda
    meeting_day: date = TODAY
    agenda_item_id: int = MISSING
    attendee_id: int = MISSING  # an attendee notified by post (another org)
    decision_id: int = MISSING
    request_id: int = MISSING


Etag = Callable[[Session, MatrixCase], str]


def case_etag(session: Session, c: MatrixCase) -> str:
    return f'"{c.id}.{session.scalar(select(Case.version).where(Case.id == c.id))}"'


def referral_etag(session: Session, c: MatrixCase) -> str:
    version = session.scalar(select(Referral.version).where(Referral.id == c.referral_id))
    return f'"r{c.referral_id}.{version}"'


def plan_etag(session: Session, c: MatrixCase) -> str:
    version = session.scalar(select(SupportPlan.version).where(SupportPlan.id == c.plan_id))
    return f'"plan-{c.plan_id}.{version}"'


def meeting_etag(session: Session, c: MatrixCase) -> str:
    version = session.scalar(select(Meeting.version).where(Meeting.id == c.case_meeting_id))
    return f'"m{c.case_meeting_id}.{version}"'


@dataclass(frozen=True)
class Endpoint:
    name: str  # the operationId; a variant of one operation follows a dot
    method: str
    path: Callable[[MatrixCase], str]
    body: Callable[[MatrixCase], dict[str, Any] | None]
    ok: int
    family: str  # whose rules decide: case / referral / plan / meeting
    kind: str  # what the rules look at, within the family
    if_match: Etag | None = None
    own_case: bool = False  # a write: each cell gets a case (and its records) of its own
    changes: bool = True  # a write that succeeds changes a row (what a refused one must not do)
    case_key: str = "read"  # which shared case a read uses

    @property
    def operation(self) -> str:
        return self.name.split(".")[0]

    @property
    def variant(self) -> str:
        return self.name.partition(".")[2]

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    @property
    def key(self) -> str:
        return self.name if self.own_case else self.case_key


def _none(c: MatrixCase) -> None:
    return None


def _read(
    name: str, path: Callable[[MatrixCase], str], family: str, kind: str = "read", **kw: Any
) -> Endpoint:
    return Endpoint(name, "GET", path, _none, 200, family, kind, **kw)


def _write(
    name: str,
    method: str,
    path: Callable[[MatrixCase], str],
    body: Callable[[MatrixCase], dict[str, Any] | None],
    ok: int,
    family: str,
    kind: str,
    **kw: Any,
) -> Endpoint:
    return Endpoint(
        name, method, path, body, ok, family, kind, own_case=kw.pop("own_case", True), **kw
    )


CASE_ENDPOINTS = [
    _read("getCase", lambda c: f"/cases/{c.id}", "case"),
    _read("listCases", lambda c: f"/cases?number={c.number}", "case", "list"),
    _read("listConsents", lambda c: f"/cases/{c.id}/consents", "case"),
    _read("listTeamMembers", lambda c: f"/cases/{c.id}/team", "case"),
    _read("listTimelineEntries", lambda c: f"/cases/{c.id}/timeline", "case"),
    _write(
        "updateCase",
        "PATCH",
        lambda c: f"/cases/{c.id}",
        lambda c: {"referrer": "民生委員"},
        200,
        "case",
        "edit",
        if_match=case_etag,
    ),
    _write(
        "changeCaseStatus",
        "POST",
        lambda c: f"/cases/{c.id}/status",
        lambda c: {"status": "screening"},
        200,
        "case",
        "edit",
        if_match=case_etag,
    ),
    _write(
        "addCaseMember",
        "POST",
        lambda c: f"/cases/{c.id}/members",
        lambda c: {"name": "国分 次郎", "relationship": "弟"},
        201,
        "case",
        "edit",
        if_match=case_etag,
    ),
    _write(
        "updateCaseMember",
        "PATCH",
        lambda c: f"/cases/{c.id}/members/{c.main_member_id}",
        lambda c: {"notes": "面談済み"},
        200,
        "case",
        "edit",
        if_match=case_etag,
    ),
    _write(
        "addTeamMember",
        "POST",
        lambda c: f"/cases/{c.id}/team",
        lambda c: {
            "org": "kikan_sodan",
            "role": "障害福祉サービスの調整",
            "startDate": TODAY.isoformat(),
        },
        201,
        "case",
        "edit",
    ),
    _write(
        "updateTeamMember",
        "PATCH",
        lambda c: f"/cases/{c.id}/team/{c.team_membership_id}",
        lambda c: {"role": "見守り"},
        200,
        "case",
        "edit",
    ),
    _write(
        "createTimelineEntry",
        "POST",
        lambda c: f"/cases/{c.id}/timeline",
        lambda c: {"occurredOn": TODAY.isoformat(), "means": "phone", "content": "電話で状況確認"},
        201,
        "case",
        "edit",
    ),
    _read("listCaseReferrals", lambda c: f"/cases/{c.id}/referrals", "case"),
    _write(
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
        "case",
        "edit",
    ),
    _read("listPlans", lambda c: f"/cases/{c.id}/plans", "case"),
    _write(
        "createPlan",
        "POST",
        lambda c: f"/cases/{c.id}/plans",
        lambda c: {
            "assessmentSummary": "母の介護と長男の社会参加",
            "goals": [{"term": "long", "text": "母子が地域で安心して暮らす"}],
            "monitoringEveryMonths": 3,
        },
        201,
        "case",
        "plan",
    ),
    _write(
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
        "case",
        "edit",
    ),
    _read("listCaseMeetings", lambda c: f"/cases/{c.id}/meetings", "case"),
    _write(
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
        "case",
        "consent",
    ),
    _write(
        "withdrawConsent",
        "POST",
        lambda c: f"/cases/{c.id}/consents/{c.mother_consent_id}/withdrawal",
        lambda c: {"reason": "本人の申し出"},
        200,
        "case",
        "consent",
    ),
]


def _referral_action(action: str, kind: str) -> Endpoint:
    return _write(
        f"{action}Referral",
        "POST",
        lambda c: f"/referrals/{c.referral_id}/{action}",
        lambda c: {"note": "対応の記録"},
        200,
        "referral",
        kind,
        if_match=referral_etag,
    )


REFERRAL_ENDPOINTS = [
    _read("getReferral", lambda c: f"/referrals/{c.referral_id}", "referral"),
    _read("listReferrals.inbox", lambda c: "/referrals?box=inbox&limit=100", "referral", "list"),
    _read("listReferrals.outbox", lambda c: "/referrals?box=outbox&limit=100", "referral", "list"),
    _read(
        "listReferrals.overdue",
        lambda c: "/referrals?box=inbox&overdue=true&limit=100",
        "referral",
        "list",
    ),
    _referral_action("accept", "recipient"),
    _referral_action("decline", "recipient"),
    _referral_action("start", "recipient"),
    _referral_action("complete", "recipient"),
    _referral_action("withdraw", "sender"),
]

PLAN_ENDPOINTS = [
    _read("getPlan", lambda c: f"/plans/{c.plan_id}", "plan"),
    _read(
        "listPlansForMonitoring.due", lambda c: "/plans?monitoring=due&limit=100", "plan", "list"
    ),
    _read(
        "listPlansForMonitoring.overdue",
        lambda c: "/plans?monitoring=overdue&limit=100",
        "plan",
        "list",
        case_key="overdue",
    ),
    _write(
        "updatePlan",
        "PATCH",
        lambda c: f"/plans/{c.plan_id}",
        lambda c: {"assessmentSummary": "課題を更新"},
        200,
        "plan",
        "write",
        if_match=plan_etag,
    ),
    _write(
        "proposePlan", "POST", lambda c: f"/plans/{c.plan_id}/propose", _none, 200, "plan", "write"
    ),
    _write(
        "withdrawPlanProposal",
        "POST",
        lambda c: f"/plans/{c.plan_id}/withdraw-proposal",
        _none,
        200,
        "plan",
        "write",
    ),
    _write(
        "revisePlan",
        "POST",
        lambda c: f"/plans/{c.plan_id}/revise",
        lambda c: {"reason": "役割分担を見直す"},
        201,
        "plan",
        "write",
    ),
    _write(
        "addMonitoringRecord",
        "POST",
        lambda c: f"/plans/{c.plan_id}/monitoring-records",
        lambda c: {"monitoredOn": TODAY.isoformat(), "content": "訪問して様子を確認"},
        201,
        "plan",
        "monitoring",
    ),
    _write(
        "evaluatePlan",
        "POST",
        lambda c: f"/plans/{c.plan_id}/evaluation",
        lambda c: {"goals": [{"goalId": c.goal_id, "achievement": "partly"}], "comment": "継続"},
        200,
        "plan",
        "write",
    ),
    _write(
        "closePlan",
        "POST",
        lambda c: f"/plans/{c.plan_id}/close",
        lambda c: {"reason": "目標を達成した"},
        200,
        "plan",
        "write",
    ),
    _write(
        "suspendPlan",
        "POST",
        lambda c: f"/plans/{c.plan_id}/suspend",
        lambda c: {"reason": "本人の入院"},
        200,
        "plan",
        "write",
    ),
]


def _schedule(kind: str) -> Endpoint:
    return _write(
        f"scheduleMeeting.{kind}",
        "POST",
        lambda c: "/meetings",
        lambda c: {"kind": kind, "day": (TODAY + timedelta(days=30)).isoformat(), "regular": False},
        201,
        "meeting",
        "schedule",
        own_case=False,  # touches no case: the number of meetings is checked
    )


MEETING_ENDPOINTS = [
    _read("listMeetingSchedules", lambda c: "/meeting-schedules", "meeting", "master"),
    _read("listRegularDates", lambda c: "/meeting-schedules/support/dates", "meeting", "master"),
    _read(
        "getMeetingStatistics",
        lambda c: f"/meetings/statistics?from={TODAY - timedelta(days=30)}&to={TODAY}",
        "meeting",
        "statistics",
    ),
    _schedule("support"),
    _schedule("multi_agency"),
    _schedule("emergency"),
    _read(
        "listMeetings",
        lambda c: f"/meetings?from={c.meeting_day}&to={c.meeting_day}",
        "meeting",
        "list",
    ),
    _read(
        "listRequestableMeetings",
        lambda c: "/meetings/open-for-requests",
        "meeting",
        "requestable",
    ),
    _read("getMeeting", lambda c: f"/meetings/{c.case_meeting_id}", "meeting"),
    _write(
        "updateMeeting",
        "PATCH",
        lambda c: f"/meetings/{c.case_meeting_id}",
        lambda c: {"place": "市役所 第2会議室"},
        200,
        "meeting",
        "organiser",
        if_match=meeting_etag,
    ),
    _write(
        "recordMinutes",
        "PUT",
        lambda c: f"/meetings/{c.case_meeting_id}/minutes",
        lambda c: {"minutes": "議事録を差し替える"},
        200,
        "meeting",
        "organiser",
        if_match=meeting_etag,
    ),
    _read(
        "listMeetingRequests",
        lambda c: f"/meeting-requests?meetingId={c.case_meeting_id}",
        "meeting",
        "screening",
    ),
    _write(
        "screenMeetingRequest",
        "POST",
        lambda c: f"/meeting-requests/{c.request_id}/screening",
        lambda c: {"decision": "accepted", "note": "次回の支援会議で検討する"},
        200,
        "meeting",
        "screening",
    ),
    _write(
        "addAgendaItem",
        "POST",
        lambda c: f"/meetings/{c.case_meeting_id}/agenda-items",
        lambda c: {"caseId": c.id, "purpose": "role_assignment", "summary": "役割分担を検討する"},
        201,
        "meeting",
        "organiser",
    ),
    _read(
        "listAgendaItems",
        lambda c: f"/meetings/{c.case_meeting_id}/agenda-items",
        "meeting",
        "agenda",
    ),
    _write(
        "updateAgendaItem",
        "PATCH",
        lambda c: f"/meetings/{c.case_meeting_id}/agenda-items/{c.agenda_item_id}",
        lambda c: {"summary": "要約を差し替える"},
        200,
        "meeting",
        "organiser",
    ),
    _write(
        "addAttendee",
        "POST",
        lambda c: f"/meetings/{c.case_meeting_id}/attendees",
        lambda c: {"org": "seikatsufukushi", "noticeChannel": "post", "postalAddress": POSTAL},
        201,
        "meeting",
        "organiser",
    ),
    _read("listAttendees", lambda c: f"/meetings/{c.case_meeting_id}/attendees", "meeting"),
    _write(
        "recordAttendance",
        "POST",
        lambda c: f"/meetings/{c.case_meeting_id}/attendees/{c.attendee_id}/attendance",
        lambda c: {"attended": True},
        200,
        "meeting",
        "organiser",
    ),
    _write(
        "acknowledgeConfidentiality",
        "POST",
        lambda c: f"/meetings/{c.case_meeting_id}/confidentiality-acknowledgements",
        _none,
        201,
        "meeting",
        "acknowledge",
    ),
    _write(
        "recordDecision",
        "POST",
        lambda c: f"/meetings/{c.case_meeting_id}/decisions",
        lambda c: {
            "agendaItemId": c.agenda_item_id,
            "kind": "support_policy",
            "content": {"policy": "見守りを続ける"},
        },
        201,
        "meeting",
        "organiser",
    ),
    _read(
        "listDecisions", lambda c: f"/meetings/{c.case_meeting_id}/decisions", "meeting", "agenda"
    ),
    _write(
        "sendMeetingNotices",
        "POST",
        lambda c: f"/meetings/{c.case_meeting_id}/notices",
        lambda c: {"attendeeIds": [c.attendee_id]},
        200,
        "meeting",
        "organiser",
        changes=False,  # a notice by post is printed, not marked as sent
    ),
    _write(
        "markNoticePosted",
        "POST",
        lambda c: f"/meetings/{c.case_meeting_id}/attendees/{c.attendee_id}/notice-posted",
        lambda c: {},
        200,
        "meeting",
        "organiser",
    ),
    _read(
        "getMeetingNoticePdf",
        lambda c: f"/meetings/{c.case_meeting_id}/attendees/{c.attendee_id}/notice.pdf",
        "meeting",
        "organiser",
    ),
]

ENDPOINTS = CASE_ENDPOINTS + REFERRAL_ENDPOINTS + PLAN_ENDPOINTS + MEETING_ENDPOINTS
assert len({e.name for e in ENDPOINTS}) == len(ENDPOINTS)

# ------------------------------------------------------------------ expected outcomes

Expected = tuple[int, str | None]  # the status, and for a 404 the MatrixCase id that "is missing"


def expect_case(p: PrincipalSpec, relation: str, e: Endpoint) -> Expected:
    level = ACCESS[p.name][relation]
    if level is Level.NO_SCOPE:
        return 403, None
    if e.kind == "consent" and not p.consent_scope:
        return 403, None  # the token lacks consent:write: refused before the case is looked up
    if level is Level.NONE:
        return (200, None) if e.kind == "list" else (404, "id")
    if e.kind == "consent" and level is not Level.MANAGE:
        return 403, None
    if e.kind == "plan" and not writes_plans(p):
        return 403, None  # plans are written by coordinators and the secretariat only
    if e.name == "updateTeamMember" and relation not in TEAM_RELATIONS:
        return 404, "team_membership_id"  # the case has no membership of the caller's org
    return e.ok, None


def expect_referral(p: PrincipalSpec, relation: str, e: Endpoint) -> Expected:
    if not p.case_work:
        return 403, None
    if e.kind == "list":
        return 200, None
    if not reads_referral(p, relation):
        return 404, "referral_id"
    if e.kind == "recipient":
        return (e.ok if is_recipient(p, relation) else 403), None
    if e.kind == "sender":
        return (e.ok if is_sender(p, relation) else 403), None
    return e.ok, None


def expect_plan(p: PrincipalSpec, relation: str, e: Endpoint) -> Expected:
    if not p.case_work:
        return 403, None
    if e.kind == "list":
        return 200, None
    if not reads_case(p, relation):
        return 404, "plan_id"
    if e.kind == "monitoring":
        return (e.ok if records_monitoring(p, relation) else 403), None
    if e.kind == "write":
        return (e.ok if writes_plans(p) else 403), None
    return e.ok, None


def expect_meeting(p: PrincipalSpec, relation: str, e: Endpoint) -> Expected:
    if e.kind == "master":
        return 200, None  # schedules are master data: every token has master:read
    if not p.case_work:
        return 403, None
    if e.kind == "statistics":
        return (200 if p.has(Role.SECRETARIAT) else 403), None
    if e.kind == "schedule":
        return (e.ok if may_schedule(p, e.variant) else 403), None
    if e.kind == "screening":  # requests go through screening by a coordinator or the secretariat
        return (e.ok if writes_plans(p) else 403), None
    if e.kind in ("list", "requestable"):
        return 200, None
    if not sees_meeting(p, relation):
        return 404, "case_meeting_id"
    if e.kind == "agenda":
        support = meeting_of(relation).kind == "support"
        may = organises(p, relation) or p.has(Role.SECRETARIAT) or acknowledged(p, relation)
        return (403 if support and not may else 200), None
    if e.kind == "acknowledge":  # by a person invited, not by an integration
        return (e.ok if invited(p, relation) and not p.client else 403), None
    if e.kind == "organiser":
        if not organises(p, relation):
            return 403, None
        if e.name == "addAgendaItem" and not reads_case(p, relation):
            return 404, "id"  # only a case the organiser may read goes on the agenda
    return e.ok, None


EXPECTATIONS: dict[str, Callable[[PrincipalSpec, str, Endpoint], Expected]] = {
    "case": expect_case,
    "referral": expect_referral,
    "plan": expect_plan,
    "meeting": expect_meeting,
}


def expected_status(p: PrincipalSpec, relation: str, e: Endpoint) -> Expected:
    return EXPECTATIONS[e.family](p, relation, e)


# ------------------------------------------------------------------ the world


@dataclass
class _Draft:
    """One case of the world while it is built (its rows, phase by phase)."""

    seq: int
    group: int  # the (principal, relation) it belongs to
    p: PrincipalSpec
    relation: str
    key: str
    rows: dict[str, Any] = field(default_factory=dict)

    @property
    def marker(self) -> str:
        return f"秘{self.seq:05d}"


# What each key (a shared read case, or a write endpoint's own case) needs besides the case.
REFERRAL_STATES = {
    "read": "sent",
    "acceptReferral": "sent",
    "declineReferral": "sent",
    "withdrawReferral": "sent",
    "startReferral": "accepted",
    "completeReferral": "in_progress",
}
PLAN_STATES = {
    "read": "monitoring",
    "overdue": "monitoring",
    "updatePlan": "draft",
    "proposePlan": "draft",
    "withdrawPlanProposal": "proposed",
    "revisePlan": "monitoring",
    "addMonitoringRecord": "monitoring",
    "evaluatePlan": "monitoring",
    "closePlan": "evaluated",
    "suspendPlan": "monitoring",
}
NEXT_MONITORING = {"read": TODAY + timedelta(days=7), "overdue": TODAY - timedelta(days=3)}
MEETING_KEYS = {"read"} | {
    e.name for e in MEETING_ENDPOINTS if e.own_case and e.name != "screenMeetingRequest"
}


def _build(session: Session, drafts: list[_Draft], user_ids: dict[str, str], upcoming: int) -> None:
    """Every case of the world, a phase (and one flush) per kind of row."""
    now = datetime.now(UTC)
    for d in drafts:
        org, r = d.p.org, d.relation
        d.rows["case"] = Case(
            number=f"2099-{d.seq:05d}",
            fiscal_year=2099,
            sequence=d.seq,
            status="received",
            town_code=EAST_TOWN if r == "coordinator_area" else WEST_TOWN,
            area_code="east" if r == "coordinator_area" else "west",
            intake_date=TODAY - timedelta(days=30),
            intake_route="window",
            main_complaint=f"アクセス検証用のケース{d.marker}",
            opened_by_org_code=org if r == "opened" else BASE_ORG,
            opened_by_sub="matrix",
            lead_org_code=org if r == "lead" else BASE_ORG,
            coordinator_id=user_ids["coordinator"] if r == "coordinator_assigned" else None,
        )
    session.add_all(d.rows["case"] for d in drafts)
    session.flush()

    for d in drafts:
        case_id = d.rows["case"].id
        for position, (given, kana, born, label) in enumerate(
            [("太郎", "たろう", 1970, "本人"), ("ハナ", "はな", 1940, "母")], start=1
        ):
            d.rows["main" if position == 1 else "mother"] = CaseMember(
                case_id=case_id,
                position=position,
                is_main=position == 1,
                name=f"検証{d.marker} {given}",
                name_kana=f"けんしょう {kana}",
                name_search=f"検証{d.marker}{given}",
                kana_search=f"ケンショウ{kana}",
                birth_date=date(born, 1, 1),
                relationship_label=label,
            )
    session.add_all(d.rows[m] for d in drafts for m in ("main", "mother"))
    session.flush()

    def consent(d: _Draft, member: str, *, whole: bool, **kw: Any) -> Consent:
        return Consent(
            case_id=d.rows["case"].id,
            member_id=d.rows[member].id,
            decision="given",
            decided_on=TODAY - timedelta(days=20),
            method="written",
            given_by="self",
            covers_whole_team=whole,
            recorded_by_sub="matrix",
            recorded_at=now,
            **kw,
        )

    scopes: list[tuple[_Draft, str]] = []
    for d in drafts:
        r = d.relation
        if r in WHOLE_TEAM_CONSENT:
            main = consent(d, "main", whole=True)
        elif r == "team_consent_names_org":
            main = consent(d, "main", whole=False)
            scopes.append((d, d.p.org))
        elif r in ("team_consent_withdrawn", "multi_agency_seat_withdrawn"):
            main = consent(
                d,
                "main",
                whole=True,
                withdrawn_at=now,
                withdrawn_reason="撤回",
                withdrawn_by_sub="matrix",
            )
        elif r == "team_consent_expired":
            main = consent(d, "main", whole=True, valid_until=TODAY - timedelta(days=1))
        else:
            main = consent(d, "main", whole=False)  # consent, but not covering the principal
            scopes.append((d, "nozei"))
        d.rows["main_consent"] = main
        d.rows["mother_consent"] = consent(d, "mother", whole=True)
    session.add_all(d.rows[k] for d in drafts for k in ("main_consent", "mother_consent"))
    session.flush()
    session.add_all(
        ConsentScopeOrg(consent_id=d.rows["main_consent"].id, org_code=o) for d, o in scopes
    )

    for d in drafts:
        org, r, key, case = d.p.org, d.relation, d.key, d.rows["case"]
        if r in TEAM_RELATIONS:
            d.rows["membership"] = TeamMembership(
                case_id=case.id,
                org_code=org,
                role="支援",
                start_date=TODAY - timedelta(days=10),
                end_date=TODAY - timedelta(days=1) if r == "team_membership_ended" else None,
                added_by_sub="matrix",
            )
        if key in REFERRAL_STATES or r == "open_referral":
            d.rows["referral"] = Referral(
                case_id=case.id,
                from_org_code=case.opened_by_org_code,
                from_sub="matrix",
                to_org_code=org if r == "open_referral" else THIRD_ORG,
                reason="つなぎ",
                urgency="normal",
                due_date=TODAY - timedelta(days=1) if key == "read" else None,
                summary=REFERRAL_SUMMARY,
                status=REFERRAL_STATES.get(key, "sent"),
            )
        if key in PLAN_STATES:
            d.rows["plan"] = SupportPlan(
                case_id=case.id,
                version_number=1,
                status=PLAN_STATES[key],
                assessment_summary=f"課題{d.marker}",
                monitoring_every_months=1,
                start_date=TODAY - timedelta(days=60),
                end_date=TODAY + timedelta(days=300),
                next_monitoring_date=NEXT_MONITORING.get(key),
                created_by_sub="matrix",
            )
        if key in MEETING_KEYS or r in MEETINGS:
            spec = meeting_of(r)
            d.rows["meeting"] = Meeting(
                kind=spec.kind,
                regular=False,
                # Past (minutes, attendance and decisions wait for the day), so that it takes no
                # more requests; the read meeting on a day of its own per (principal, relation),
                # which listMeetings asks for.
                day=TODAY - timedelta(days=2 + d.group if key == "read" else 1),
                status="scheduled",
                organiser_org_code=spec.organiser_org or org,
                organiser_sub="matrix",
                minutes=MINUTES,
            )
    session.add_all(
        d.rows[k]
        for d in drafts
        for k in ("membership", "referral", "plan", "meeting")
        if k in d.rows
    )
    session.flush()

    for d in drafts:
        case, key = d.rows["case"], d.key
        if plan := d.rows.get("plan"):
            d.rows["goal"] = PlanGoal(
                plan_id=plan.id, position=1, term="long", text=f"目標{d.marker}"
            )
            d.rows["item"] = PlanItem(
                plan_id=plan.id,
                position=1,
                content=f"支援内容{d.marker}",
                responsible_org_code=case.lead_org_code,
                is_lead=True,
            )
        if meeting := d.rows.get("meeting"):
            spec = meeting_of(d.relation)
            if key != "addAgendaItem":
                d.rows["agenda_item"] = AgendaItem(
                    meeting_id=meeting.id,
                    case_id=case.id,
                    position=1,
                    purpose="information_sharing",
                    summary=ITEM_SUMMARY,
                )
            d.rows["attendee"] = Attendee(
                meeting_id=meeting.id,
                org_code=THIRD_ORG,
                notice_channel="post",
                postal_address=POSTAL,
            )
            if spec.seat is not None:
                person = spec.seat == "acknowledged" and not d.p.client
                d.rows["seat"] = Attendee(
                    meeting_id=meeting.id,
                    org_code=d.p.org,
                    user_id=user_ids[d.p.name] if person else None,
                    notice_channel="post",
                    postal_address=POSTAL,
                    confidentiality_acknowledged_at=now if spec.seat == "acknowledged" else None,
                )
        if key in ("read", "screenMeetingRequest"):
            # The read case's request is for its own meeting (listMeetingRequests asks for that
            # one); a request to screen is for the upcoming 支援会議, which still takes it.
            requested = d.rows["meeting"] if key == "read" else None
            d.rows["request"] = MeetingRequest(
                case_id=case.id,
                kind=requested.kind if requested is not None else "support",
                meeting_id=requested.id if requested is not None else upcoming,
                purpose="information_sharing",
                note="情報共有のための検討依頼",
                requested_on=TODAY - timedelta(days=10),
                requested_by_sub="matrix",
                requested_by_org_code=BASE_ORG,
                status="submitted",
            )
    session.add_all(
        d.rows[k]
        for d in drafts
        for k in ("goal", "item", "agenda_item", "attendee", "seat", "request")
        if k in d.rows
    )
    session.flush()

    decisions = [
        Decision(
            meeting_id=d.rows["meeting"].id,
            agenda_item_id=d.rows["agenda_item"].id,
            kind="support_policy",
            content={"policy": "見守りを続ける"},
            decided_by_sub="matrix",
        )
        for d in drafts
        if d.key == "read"
    ]
    session.add_all(decisions)
    session.flush()
    for d, decision in zip((d for d in drafts if d.key == "read"), decisions, strict=True):
        d.rows["decision"] = decision


def _matrix_case(d: _Draft, upcoming: int) -> MatrixCase:
    rows = d.rows

    def row_id(name: str) -> int:
        return rows[name].id if name in rows else MISSING

    return MatrixCase(
        id=rows["case"].id,
        number=rows["case"].number,
        marker=d.marker,
        main_member_id=rows["main"].id,
        mother_member_id=rows["mother"].id,
        mother_consent_id=rows["mother_consent"].id,
        team_membership_id=row_id("membership"),
        meeting_id=upcoming,
        referral_id=row_id("referral"),
        plan_id=row_id("plan"),
        goal_id=row_id("goal"),
        case_meeting_id=row_id("meeting"),
        meeting_day=rows["meeting"].day if "meeting" in rows else TODAY,
        agenda_item_id=row_id("agenda_item"),
        attendee_id=row_id("attendee"),
        decision_id=row_id("decision"),
        request_id=row_id("request"),
    )


# The rows a write could touch, re-read to show that a refused one changed nothing: every table
# that refers to the case, its consents, referrals and plans, or its meeting (so a table added later
# is covered too); the audit log, which records refusals, excepted.
_NOT_STATE = {"audit_events"}


def _rows_json(table: Table, condition: ColumnElement[bool], dialect: str) -> Any:
    """The rows of ``table`` that meet ``condition``, as one JSON array (a single round trip
    re-reads them all)."""
    if dialect == "postgresql":
        rows = func.json_agg(func.json_build_array(*table.c))
    else:
        rows = func.json_group_array(func.json_array(*table.c))
    return select(rows).where(condition).scalar_subquery()


def _state_statement(dialect: str) -> Select[Any]:
    """One SELECT for the whole state of a cell (built once per dialect: compiled once, and
    prepared by the server)."""
    case_id, meeting_id = bindparam("case_id"), bindparam("meeting_id")
    owners: dict[str, Any] = {
        "case_id": case_id,
        "consent_id": select(Consent.id).where(Consent.case_id == case_id),
        "referral_id": select(Referral.id).where(Referral.case_id == case_id),
        "plan_id": select(SupportPlan.id).where(SupportPlan.case_id == case_id),
        "meeting_id": meeting_id,
    }
    parts: dict[str, Any] = {
        "meetings.count": select(func.count()).select_from(Meeting).scalar_subquery(),
        "cases": _rows_json(Case.__table__, Case.id == case_id, dialect),
        "meetings": _rows_json(Meeting.__table__, Meeting.id == meeting_id, dialect),
    }
    for table in Base.metadata.sorted_tables:
        if table.name in _NOT_STATE:
            continue
        for column, owner in owners.items():
            if column in table.c:
                condition = (
                    table.c[column].in_(owner)
                    if isinstance(owner, Select)
                    else table.c[column] == owner
                )
                parts[f"{table.name}.{column}"] = _rows_json(table, condition, dialect)
    return select(*(part.label(name) for name, part in parts.items()))


_STATE_STATEMENTS: dict[str, Select[Any]] = {}


def state_of(session: Session, c: MatrixCase) -> dict[str, Any]:
    dialect = session.get_bind().dialect.name
    if dialect not in _STATE_STATEMENTS:
        _STATE_STATEMENTS[dialect] = _state_statement(dialect)
    params = {"case_id": c.id, "meeting_id": c.case_meeting_id}
    row = session.execute(_STATE_STATEMENTS[dialect], params).one()
    state: dict[str, Any] = {}
    for name, value in row._mapping.items():
        if isinstance(value, str):
            value = json.loads(value)
        if isinstance(value, list):  # in no particular order
            value = sorted(json.dumps(item, sort_keys=True) for item in value)
        state[name] = [] if value is None else value
    return state


@dataclass
class World:
    api: Api
    headers: dict[str, dict[str, str]]
    cases: dict[tuple[str, str, str], MatrixCase]
    not_found: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    def state(self, c: MatrixCase) -> dict[str, Any]:
        with self.api.db.sessions() as session:
            return state_of(session, c)

    def not_found_body(
        self, p: PrincipalSpec, e: Endpoint, c: MatrixCase, missing: str, headers: dict[str, str]
    ) -> dict[str, Any]:
        """What the same request answers when the record named by ``missing`` does not exist."""
        key = (p.name, e.name, missing)
        if key not in self.not_found:
            gone = replace(c, **{missing: MISSING})
            response = self.api.client.request(
                e.method, e.path(gone), json=e.body(gone), headers=headers
            )
            assert response.status_code == 404, (e.name, missing, response.text[:300])
            self.not_found[key] = _without_instance(response.json())
        return self.not_found[key]


def _without_instance(problem: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in problem.items() if k != "instance"}


CASE_KEYS = ["read", "overdue", *(e.name for e in ENDPOINTS if e.own_case)]


@pytest.fixture(scope="module")
def world(module_api: Api) -> Iterator[World]:
    api = module_api
    headers: dict[str, dict[str, str]] = {}
    user_ids: dict[str, str] = {}
    for p in PRINCIPALS:
        if p.client:
            client_id, secret = api.api_client(f"matrix-{p.name}", p.org)
            headers[p.name] = api.client_login(client_id, secret)
        else:
            user_ids[p.name] = api.user(f"matrix.{p.name}", p.org, *p.roles, area=p.area)
            headers[p.name] = api.login(f"matrix.{p.name}")
    drafts = [
        _Draft(seq, group, p, relation, key)
        for seq, (group, (p, relation), key) in enumerate(
            (
                (group, pr, key)
                for group, pr in enumerate(product(PRINCIPALS, RELATIONS))
                for key in CASE_KEYS
            ),
            start=1,
        )
    ]
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
        _build(session, drafts, user_ids, upcoming.id)
        cases = {(d.p.name, d.relation, d.key): _matrix_case(d, upcoming.id) for d in drafts}
    yield World(api, headers, cases)


# ------------------------------------------------------------------ what a response may show


@dataclass
class Cell:
    world: World
    p: PrincipalSpec
    relation: str
    e: Endpoint
    c: MatrixCase
    headers: dict[str, str]

    def pages(self, first: httpx.Response) -> list[dict[str, Any]]:
        """Every item of a paged list, following nextCursor."""
        items: list[dict[str, Any]] = []
        body = first.json()
        while True:
            items += body["items"]
            if not body.get("nextCursor"):
                return items
            separator = "&" if "?" in self.e.path(self.c) else "?"
            response = self.world.api.client.get(
                f"{self.e.path(self.c)}{separator}cursor={body['nextCursor']}", headers=self.headers
            )
            assert response.status_code == 200, response.text[:300]
            body = response.json()


def _one(items: list[dict[str, Any]], key: str, value: int) -> dict[str, Any] | None:
    found = [item for item in items if item[key] == value]
    assert len(found) <= 1, found
    return found[0] if found else None


def check_list_cases(cell: Cell, response: httpx.Response) -> None:
    numbers = [item["number"] for item in response.json()["items"]]
    assert (cell.c.number in numbers) == reads_case(cell.p, cell.relation), numbers


def check_case_meetings(cell: Cell, response: httpx.Response) -> None:
    """A case reader sees the meetings the case was brought to, with what was decided there."""
    item = _one(response.json(), "agendaItemId", cell.c.agenda_item_id)
    assert item is not None and item["meetingId"] == cell.c.case_meeting_id, response.json()
    assert [d["id"] for d in item["decisions"]] == [cell.c.decision_id], item


def check_referral(cell: Cell, response: httpx.Response) -> None:
    p, r = cell.p, cell.relation
    body = response.json()
    readable = reads_case(p, r)
    assert (body["reason"], body["summary"]) == ("つなぎ", REFERRAL_SUMMARY), body
    assert (body["mainPersonName"] is not None) == readable, body  # the household: readers only
    access = body["access"]
    assert (access["caseReadable"], access["asRecipient"], access["asSender"]) == (
        readable,
        is_recipient(p, r),
        is_sender(p, r),
    ), access
    allowed = (["accept", "decline"] if is_recipient(p, r) else []) + (
        ["withdraw"] if is_sender(p, r) else []
    )
    assert access["allowedActions"] == allowed, access


def check_referral_list(cell: Cell, response: httpx.Response) -> None:
    p, r = cell.p, cell.relation
    present = r == "opened" if cell.e.variant == "outbox" else is_recipient(p, r)
    item = _one(cell.pages(response), "id", cell.c.referral_id)
    assert (item is not None) == present, (cell.e.name, item)
    if item is not None:
        assert (item["mainPersonName"] is not None) == reads_case(p, r), item


def check_plan(cell: Cell, response: httpx.Response) -> None:
    access = response.json()["access"]
    assert access == {
        "canWrite": writes_plans(cell.p),
        "canRecordMonitoring": records_monitoring(cell.p, cell.relation),
    }, access


def check_plan_list(cell: Cell, response: httpx.Response) -> None:
    item = _one(cell.pages(response), "id", cell.c.plan_id)
    assert (item is not None) == reads_case(cell.p, cell.relation), item


def check_meeting_list(cell: Cell, response: httpx.Response) -> None:
    ids = [m["id"] for m in cell.pages(response)]
    assert (cell.c.case_meeting_id in ids) == sees_meeting(cell.p, cell.relation), ids


def check_requestable(cell: Cell, response: httpx.Response) -> None:
    """Case workers choosing where to bring a case see the meetings that still take requests (day,
    time, place, organiser; never an agenda): the upcoming 支援会議, not the cell's past one."""
    ids = [m["id"] for m in response.json()]
    assert cell.c.meeting_id in ids and cell.c.case_meeting_id not in ids, ids
    for meeting in response.json():
        assert not set(meeting) & {"minutes", "agendaItems", "attendees", "access"}, meeting


def check_meeting(cell: Cell, response: httpx.Response) -> None:
    p, r = cell.p, cell.relation
    body = response.json()
    minutes = MINUTES if reads_minutes(p, r) else None
    assert body["minutes"] == minutes, f"minutes: expected {minutes!r}, got {body['minutes']!r}"
    assert body["access"] == {
        "organiser": organises(p, r),
        "invited": invited(p, r),
        "confidentialityAcknowledged": acknowledged(p, r),
    }, body["access"]


def check_agenda(cell: Cell, response: httpx.Response) -> None:
    view = agenda_view(cell.p, cell.relation)
    item = _one(response.json(), "id", cell.c.agenda_item_id)
    assert (item is not None) == (view is not None), (view, item)
    if item is None:
        return
    assert item["summary"] == ITEM_SUMMARY
    if view == "full":
        assert (item["restricted"], item["caseId"], item["caseNumber"]) == (
            False,
            cell.c.id,
            cell.c.number,
        ), item
    else:  # the summary and purpose only: nothing that names the case
        assert (item["restricted"], item["caseId"], item["caseNumber"], item["planId"]) == (
            True,
            None,
            None,
            None,
        ), item


def check_decisions(cell: Cell, response: httpx.Response) -> None:
    decision = _one(response.json(), "id", cell.c.decision_id)
    assert (decision is not None) == (agenda_view(cell.p, cell.relation) is not None), decision


def check_attendees(cell: Cell, response: httpx.Response) -> None:
    attendees = response.json()
    other = _one(attendees, "id", cell.c.attendee_id)
    assert other is not None, attendees
    contact = organises(cell.p, cell.relation)  # contact details for the organiser only
    assert other["postalAddress"] == (POSTAL if contact else None), other
    if not contact:
        assert all(a["email"] is None and a["postalAddress"] is None for a in attendees), attendees


def check_requests(cell: Cell, response: httpx.Response) -> None:
    assert _one(response.json()["items"], "id", cell.c.request_id) is not None


def check_pdf(cell: Cell, response: httpx.Response) -> None:
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


CHECKS: dict[str, Callable[[Cell, httpx.Response], None]] = {
    "listCases": check_list_cases,
    "listCaseMeetings": check_case_meetings,
    "getReferral": check_referral,
    "listReferrals.inbox": check_referral_list,
    "listReferrals.outbox": check_referral_list,
    "listReferrals.overdue": check_referral_list,
    "getPlan": check_plan,
    "listPlansForMonitoring.due": check_plan_list,
    "listPlansForMonitoring.overdue": check_plan_list,
    "listMeetings": check_meeting_list,
    "listRequestableMeetings": check_requestable,
    "getMeeting": check_meeting,
    "listAgendaItems": check_agenda,
    "listDecisions": check_decisions,
    "listAttendees": check_attendees,
    "listMeetingRequests": check_requests,
    "getMeetingNoticePdf": check_pdf,
}


# ------------------------------------------------------------------ the matrix

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
    api = world.api
    case = world.cases[(principal.name, relation, endpoint.key)]
    headers = dict(world.headers[principal.name])
    if endpoint.if_match is not None:
        with api.db.sessions() as session:
            headers["If-Match"] = endpoint.if_match(session, case)
    before = world.state(case) if endpoint.writes else None
    response = api.client.request(
        endpoint.method, endpoint.path(case), json=endpoint.body(case), headers=headers
    )
    expected, missing = expected_status(principal, relation, endpoint)
    cell = f"{principal.name} / {relation} / {endpoint.name}"
    assert response.status_code == expected, (
        f"{cell}: expected {expected}, got {response.status_code}: {response.text[:300]}"
    )
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "etag" not in response.headers
        if before is not None:
            assert world.state(case) == before, f"{cell}: refused, but something changed"
    elif (
        before is not None
        and endpoint.changes
        and not (
            endpoint.name == "acknowledgeConfidentiality" and acknowledged(principal, relation)
        )
    ):
        # The re-read sees what a write does: so it would see a refused write that did it.
        assert world.state(case) != before, f"{cell}: succeeded, but the state did not change"
    if response.status_code == 404:
        # Indistinguishable from a record that does not exist.
        assert missing is not None
        reference = world.not_found_body(principal, endpoint, case, missing, headers)
        assert _without_instance(response.json()) == reference, cell
    if not reads_case(principal, relation):
        # Nothing of the household reaches whoever may not read the case: not its names, its
        # complaint or its plan (a referral's recipient and a meeting member included).
        assert case.marker.encode() not in response.content, f"{cell}: {response.text[:300]}"
    check = CHECKS.get(endpoint.name)
    if check is not None and response.status_code < 300:
        check(Cell(world, principal, relation, endpoint, case, headers), response)


def test_matrix_covers_every_operation_on_cases_referrals_plans_and_meetings(world: World) -> None:
    """A new endpoint of these routers must be added to the matrix (and so to the access rules)."""
    prefixes = (
        "/cases",
        "/referrals",
        "/plans",
        "/meetings",
        "/meeting-requests",
        "/meeting-schedules",
    )
    schema = world.api.app.openapi()
    operations = {
        op["operationId"]
        for path, item in schema["paths"].items()
        if path.startswith(prefixes)
        for method, op in item.items()
        if method in {"get", "post", "patch", "put", "delete"}
    }
    covered = {e.operation for e in ENDPOINTS} | {"createCase"}  # intake: test_cases.py, by role
    assert operations <= covered, operations - covered


def test_the_world_is_what_the_relations_say(world: World) -> None:
    """A few spot checks that the world built directly in the database is the one described."""
    with world.api.db.sessions() as session:
        for p in PRINCIPALS:
            seat = world.cases[(p.name, "support_meeting_seat", "read")]
            rows = session.scalars(
                select(Attendee).where(
                    Attendee.meeting_id == seat.case_meeting_id, Attendee.org_code == p.org
                )
            ).all()
            assert len(rows) == 1 and rows[0].confidentiality_acknowledged_at is not None
            assert (rows[0].user_id is not None) == (not p.client)
            referral = session.get(
                Referral, world.cases[(p.name, "open_referral", "read")].referral_id
            )
            assert referral is not None and (referral.to_org_code, referral.status) == (
                p.org,
                "sent",
            )
            plan = session.get(SupportPlan, world.cases[(p.name, "lead", "read")].plan_id)
            assert plan is not None
            item_orgs = session.scalars(
                select(PlanItem.responsible_org_code).where(PlanItem.plan_id == plan.id)
            )
            assert list(item_orgs) == [p.org]
