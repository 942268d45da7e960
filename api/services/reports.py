"""The statistics report (実績報告): the figures the city reports, as JSON, .xlsx and .csv.

Every figure is a SQL aggregate (GROUP BY over the period's rows, never a loop over a table in
Python); the counting rules, the tables and their masking are ``domain.reports``'. A report holds
aggregates only, no name and no case number. Every view and export is audited, and so is every
refusal.
"""

import csv
import io
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    distinct,
    extract,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from api.clock import TOKYO
from api.errors import AppError, FieldError, forbidden
from api.models import (
    AgencyField,
    AgendaItem,
    Area,
    Attendee,
    Case,
    CaseCategory,
    CaseStatusChange,
    CodeLabel,
    Department,
    IssueCategory,
    Meeting,
    Organization,
    PlanItem,
    Referral,
    SupportFunction,
    SupportPlan,
    TeamMembership,
    TimelineEntry,
)
from api.schemas import reports as s
from api.services.context import Context
from domain.access import Dept
from domain.case_status import CaseStatus
from domain.meetings import MEETING_KIND_LABELS, MeetingKind, MeetingStatus
from domain.referrals import REFERRAL_STATUS_LABELS, ReferralStatus
from domain.reports import (
    ANSWER_BOUNDS,
    CONSULTATION,
    ENDED_PLAN_STATUSES,
    MULTI_AGENCY,
    OUTREACH,
    PARTICIPATION,
    UNKNOWN_AREA,
    VISIT,
    AnswerBucket,
    Figure,
    FunctionTally,
    HeldCount,
    Label,
    MonthBucket,
    Period,
    PeriodError,
    ReportMeta,
    ReportRefusal,
    Table,
    TableId,
    Tally,
    agencies_table,
    categories_table,
    functions_table,
    meetings_table,
    month_buckets,
    monthly_table,
    overview_table,
    publish,
    referrals_table,
    report_access,
    report_period,
    routes_table,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OCTET_STREAM = "application/octet-stream"
CSV = "text/csv; charset=utf-8"

MEETING_KIND_EN = {
    MeetingKind.SUPPORT: "Support meeting (Art. 106-6)",
    MeetingKind.MULTI_AGENCY: "Multi-agency meeting (Art. 106-4 §2 item 5)",
    MeetingKind.STAFF: "Staff meeting",
    MeetingKind.COORDINATION: "Consultation coordination meeting",
    MeetingKind.EMERGENCY: "Emergency meeting",
}
REFERRAL_ORDER = (
    ReferralStatus.SENT,
    ReferralStatus.ACCEPTED,
    ReferralStatus.IN_PROGRESS,
    ReferralStatus.COMPLETED,
    ReferralStatus.DECLINED,
    ReferralStatus.WITHDRAWN,
)


@dataclass(frozen=True)
class ReportRequest:
    fiscal_year: int | None = None
    month: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    department: Dept | None = None
    publication: bool = False
    threshold: int = 5


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str  # ASCII
    filename_ja: str
    media_type: str

    @property
    def content_disposition(self) -> str:
        return (
            f"attachment; filename=\"{self.filename}\"; filename*=UTF-8''{quote(self.filename_ja)}"
        )


# ---------------------------------------------------------------- guards


def _authorise(ctx: Context, request: ReportRequest, action: str) -> Dept | None:
    access = report_access(ctx.principal, request.department)
    if not access.allowed:
        ctx.audit.record_refusal(
            action,
            "report",
            "statistics",
            detail={"department": request.department.value if request.department else None},
        )
        if access.refusal is ReportRefusal.OTHER_DEPARTMENT:
            raise forbidden(
                "課長・部長が集計できるのは自分の部の実績だけです。",
                "Managers and directors report on their own department only.",
            )
        raise forbidden(
            "実績報告を作成できるのは、事務局（地域共生推進課）と4部の課長・部長です。",
            "Only the secretariat and the managers and directors of the four departments run "
            "reports.",
        )
    return access.department


def _period(ctx: Context, request: ReportRequest) -> Period:
    try:
        return report_period(
            fiscal_year_param=request.fiscal_year,
            month=request.month,
            date_from=request.date_from,
            date_to=request.date_to,
            today=ctx.today,
        )
    except PeriodError as exc:
        raise AppError(
            "validation-error",
            exc.detail_ja,
            exc.detail_en,
            errors=[FieldError(field=exc.field, message=exc.detail_ja, code=exc.code)],
        ) from exc


# ---------------------------------------------------------------- SQL helpers


def _instant(day: date) -> datetime:
    """Midnight in Tokyo at the start of ``day``, as a UTC instant."""
    return datetime.combine(day, time(), TOKYO).astimezone(UTC)


def _instant_range(column: Any, first: date, last: date) -> ColumnElement[bool]:
    return and_(column >= _instant(first), column < _instant(last + timedelta(days=1)))


def _month_of_day(column: Any, buckets: Sequence[MonthBucket]) -> ColumnElement[str]:
    return case(*((column.between(b.first, b.last), b.key) for b in buckets), else_=None)


def _month_of_instant(column: Any, buckets: Sequence[MonthBucket]) -> ColumnElement[str]:
    return case(*((_instant_range(column, b.first, b.last), b.key) for b in buckets), else_=None)


def _hours_between(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24
    return extract("epoch", end - start) / 3600


@dataclass(frozen=True)
class Scope:
    """The rows a report counts: the period, and for a department its households and referrals."""

    period: Period
    buckets: tuple[MonthBucket, ...]
    department: Dept | None

    def _orgs(self) -> Select[Any]:
        assert self.department is not None
        return select(Organization.code).where(
            Organization.department_code == self.department.value
        )

    def cases(self) -> ColumnElement[bool]:
        """Households a unit of the department opened, leads or supports (any time)."""
        return self.households(Case.id)

    def households(self, case_id: Any) -> ColumnElement[bool]:
        """``case_id`` is one of the households of ``cases``."""
        if self.department is None:
            return true()
        orgs = self._orgs()
        involved = union(
            select(Case.id).where(
                or_(Case.opened_by_org_code.in_(orgs), Case.lead_org_code.in_(orgs))
            ),
            select(TeamMembership.case_id).where(TeamMembership.org_code.in_(orgs)),
        )
        in_scope: ColumnElement[bool] = case_id.in_(involved)
        return in_scope

    def referrals(self) -> ColumnElement[bool]:
        """Referrals a unit of the department sent or received."""
        if self.department is None:
            return true()
        orgs = self._orgs()
        return or_(Referral.from_org_code.in_(orgs), Referral.to_org_code.in_(orgs))

    def days(self, column: Any) -> ColumnElement[bool]:
        within: ColumnElement[bool] = column.between(self.period.first, self.period.last)
        return within

    def instants(self, column: Any) -> ColumnElement[bool]:
        return _instant_range(column, self.period.first, self.period.last)


def _held(scope: Scope) -> ColumnElement[bool]:
    return and_(Meeting.status == MeetingStatus.HELD.value, scope.days(Meeting.day))


# ---------------------------------------------------------------- contacts (相談, 機能別)


@dataclass(frozen=True)
class Share:
    """Some of the households: those whose case id leaves ``index`` when divided by ``of``."""

    index: int
    of: int

    def holds(self, case_id: Any) -> ColumnElement[bool]:
        held: ColumnElement[bool] = case_id % self.of == self.index
        return held


HALVES = (Share(0, 2), Share(1, 2))


def _contacts(scope: Scope, share: Share | None) -> Subquery:
    """One row per consultation contact: the intake, and every contact log entry, with the
    function it counts under (untagged → 相談支援) and the member it names (the intake: none),
    for the households of ``share`` (all by default). The household's area and intake route
    are joined after grouping, once per household."""
    intakes = select(
        Case.id.label("case_id"),
        cast(null(), Integer).label("member"),
        literal(CONSULTATION, String).label("function"),
        literal(0, Integer).label("visit"),
        literal(1, Integer).label("intake"),
        _month_of_day(Case.intake_date, scope.buckets).label("month"),
    ).where(scope.days(Case.intake_date), scope.cases())
    if share is not None:
        intakes = intakes.where(share.holds(Case.id))
    entries = select(
        TimelineEntry.case_id.label("case_id"),
        TimelineEntry.member_id.label("member"),
        func.coalesce(TimelineEntry.function_code, CONSULTATION).label("function"),
        case((TimelineEntry.means == VISIT, 1), else_=0).label("visit"),
        literal(0, Integer).label("intake"),
        _month_of_day(TimelineEntry.occurred_on, scope.buckets).label("month"),
    ).where(scope.days(TimelineEntry.occurred_on), scope.households(TimelineEntry.case_id))
    if share is not None:
        entries = entries.where(share.holds(TimelineEntry.case_id))
    return union_all(intakes, entries).subquery("contacts")


@dataclass(frozen=True)
class ContactCounts:
    households: int
    contacts: int
    visits: int
    intakes: int
    people: int = 0

    def __add__(self, other: "ContactCounts") -> "ContactCounts":
        return ContactCounts(
            self.households + other.households,
            self.contacts + other.contacts,
            self.visits + other.visits,
            self.intakes + other.intakes,
            self.people + other.people,
        )


@dataclass(frozen=True)
class ContactTallies:
    """The period's contacts counted three ways, from one pass over them."""

    fine: dict[tuple[str, ...], ContactCounts]  # (function, area, route)
    by_month: dict[tuple[str, ...], ContactCounts]  # (function, month)
    category_households: dict[str, int]  # households consulting, by issue category
    category_primary: dict[str, int]  # … whose household-level primary issue it is
    category_contacts: dict[str, int]  # … and their consultation contacts

    def __add__(self, other: "ContactTallies") -> "ContactTallies":
        """The tallies of two disjoint sets of households: every figure is counted within a
        household (its members, months and categories are its own), so they add up."""
        return ContactTallies(
            _add(self.fine, other.fine),
            _add(self.by_month, other.by_month),
            _add(self.category_households, other.category_households),
            _add(self.category_primary, other.category_primary),
            _add(self.category_contacts, other.category_contacts),
        )


K = TypeVar("K")
V = TypeVar("V", int, ContactCounts)


def _add(a: dict[K, V], b: dict[K, V]) -> dict[K, V]:
    out = dict(a)
    for key, value in b.items():
        out[key] = out[key] + value if key in out else value
    return out


def _int(value: ColumnElement[Any]) -> ColumnElement[int]:
    """A count or sum kept as a 4-byte integer between grouping levels: PostgreSQL sums a
    bigint (COUNT, SUM of integers) into numeric, which is several times slower to add up."""
    return cast(value, Integer)


def _contact_tallies(session: Session, scope: Scope, share: Share | None = None) -> ContactTallies:
    """Households, contacts, visits, intakes and people by (function, area, route), by
    (function, month), and the consultation households by issue category, for the households
    of ``share``: one statement.

    The contacts are grouped once per (function, household, member named, month) — a common
    table expression every tally reads — and each tally groups that result by household, then
    counts households. A household's people are the distinct members its contacts name, or one
    when they name nobody (``domain.reports.people_in_household``). Its area and intake route are
    its own, so they split households and members, never share them."""
    contacts = _contacts(scope, share).c
    groups = (
        select(
            contacts.function,
            contacts.case_id,
            contacts.member,
            contacts.month,
            _int(func.count()).label("n"),
            _int(func.sum(contacts.visit)).label("v"),
            _int(func.sum(contacts.intake)).label("i"),
        )
        .group_by(contacts.function, contacts.case_id, contacts.member, contacts.month)
        .cte("contact_groups")
    )
    g = groups.c

    def tally(kind: str, h: Subquery, first: Any, second: Any) -> Select[Any]:
        people = case((h.c.named > 0, h.c.named), else_=1)
        return select(
            literal(kind, String).label("kind"),
            h.c.function,
            first.label("k1"),
            second.label("k2"),
            func.count().label("households"),
            func.sum(h.c.n).label("n"),
            func.sum(h.c.v).label("v"),
            func.sum(h.c.i).label("i"),
            func.sum(people).label("people"),
            literal(0, Integer).label("primary"),
        ).group_by(h.c.function, first, second)

    sums = (
        _int(func.sum(g.n)).label("n"),
        _int(func.sum(g.v)).label("v"),
        _int(func.sum(g.i)).label("i"),
    )
    # Over the whole period a member named in several months is one person: once per member,
    # then per household (two hash passes; COUNT(DISTINCT) sorts and took twice as long).
    per_member = (
        select(
            g.function,
            g.case_id,
            g.member,
            *sums,
        )
        .group_by(g.function, g.case_id, g.member)
        .subquery("per_member")
    )
    m = per_member.c
    per_household = (
        select(
            m.function,
            m.case_id,
            _int(func.sum(m.n)).label("n"),
            _int(func.sum(m.v)).label("v"),
            _int(func.sum(m.i)).label("i"),
            _int(func.count(m.member)).label("named"),
        )
        .group_by(m.function, m.case_id)
        .subquery("per_household")
    )
    h = per_household.c
    fine = (
        select(
            h.function,
            Case.area_code.label("area"),
            Case.intake_route.label("route"),
            h.n,
            h.v,
            h.i,
            h.named,
        )
        .join(Case, Case.id == h.case_id)
        .subquery("fine")
    )
    # Within a month the groups are already one per member.
    monthly = (
        select(g.function, g.month, *sums, _int(func.count(g.member)).label("named"))
        .group_by(g.function, g.case_id, g.month)
        .subquery("monthly")
    )
    consulting = (
        select(g.case_id, _int(func.sum(g.n)).label("n"))
        .where(g.function == CONSULTATION)
        .group_by(g.case_id)
        .subquery("consulting")
    )
    # The households' categories, looked up for the households consulting only.
    cat = (
        select(
            CaseCategory.category_code,
            func.max(consulting.c.n).label("n"),
            func.max(
                case(
                    (and_(CaseCategory.is_primary, CaseCategory.member_id.is_(None)), 1),
                    else_=0,
                )
            ).label("primary"),
        )
        .select_from(consulting)
        .join(CaseCategory, CaseCategory.case_id == consulting.c.case_id)
        .group_by(consulting.c.case_id, CaseCategory.category_code)
        .subquery("cat")
    )
    categories = select(
        literal("category", String),
        cast(null(), String),
        cat.c.category_code,
        cast(null(), String),
        func.count(),
        func.sum(cat.c.n),
        literal(0, Integer),
        literal(0, Integer),
        literal(0, Integer),
        func.sum(cat.c.primary),
    ).group_by(cat.c.category_code)
    rows = session.execute(
        union_all(
            tally("fine", fine, fine.c.area, fine.c.route),
            tally("month", monthly, monthly.c.month, cast(null(), String)),
            categories,
        )
    ).all()
    out = ContactTallies({}, {}, {}, {}, {})
    for kind, function, k1, k2, hh, n, v, i, pp, primary in rows:
        if kind == "category":
            out.category_households[k1] = int(hh)
            out.category_primary[k1] = int(primary or 0)
            out.category_contacts[k1] = int(n or 0)
            continue
        counts = ContactCounts(int(hh), int(n or 0), int(v or 0), int(i or 0), int(pp or 0))
        unknown = UNKNOWN_AREA.code
        if kind == "fine":
            out.fine[(function, k1 or unknown, k2 or unknown)] = counts
        else:
            out.by_month[(function, k1 or unknown)] = counts
    return out


def _merge(
    counts: dict[tuple[str, ...], ContactCounts], *positions: int
) -> dict[tuple[str, ...], ContactCounts]:
    """Add up counts over the keys left out. Valid for distinct households and people too because
    the keys are the household's own (its area, its intake route): they split households (and
    so their members), never share them."""
    out: dict[tuple[str, ...], ContactCounts] = {}
    for key, c in counts.items():
        kept = tuple(key[i] for i in positions)
        out[kept] = out[kept] + c if kept in out else c
    return out


# ---------------------------------------------------------------- case events


def _multi_agency_days() -> tuple[Select[int, date], Select[int, date]]:
    """(household, day) of its multi-agency work: on the agenda of a held 支援会議 or
    重層的支援会議, and contacts logged under the multi-agency function."""
    agenda = (
        select(AgendaItem.case_id.label("case_id"), Meeting.day.label("day"))
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            Meeting.status == MeetingStatus.HELD.value,
            Meeting.kind.in_([MeetingKind.SUPPORT.value, MeetingKind.MULTI_AGENCY.value]),
        )
    )
    contacts = select(
        TimelineEntry.case_id.label("case_id"), TimelineEntry.occurred_on.label("day")
    ).where(TimelineEntry.function_code == MULTI_AGENCY)
    return agenda, contacts


def _first_multi_agency_days(scope: Scope) -> Subquery:
    """(household, day) for the households whose multi-agency work began in the period: their
    first such day in the period, where they had none before it (so the whole history is never
    grouped; each candidate is checked with two index look-ups)."""
    agenda, contacts = _multi_agency_days()
    within = union_all(
        agenda.where(scope.days(Meeting.day)),
        contacts.where(scope.days(TimelineEntry.occurred_on)),
    ).subquery("within")
    earlier_agenda, earlier_contacts = _multi_agency_days()
    before = scope.period.first
    return (
        select(within.c.case_id, func.min(within.c.day).label("day"))
        .where(
            ~earlier_agenda.where(
                AgendaItem.case_id == within.c.case_id, Meeting.day < before
            ).exists(),
            ~earlier_contacts.where(
                TimelineEntry.case_id == within.c.case_id, TimelineEntry.occurred_on < before
            ).exists(),
        )
        .group_by(within.c.case_id)
        .subquery("first")
    )


def _events(scope: Scope) -> Subquery:
    """One row per (figure, household) event in the period: taken on for multi-agency work,
    plans approved, reviews at held meetings, closed or suspended, referrals sent. Each kind
    names its household; the households' areas are joined once, over all of them."""
    b = scope.buckets
    first = _first_multi_agency_days(scope)
    taken_on = select(
        literal(Figure.MULTI_AGENCY_TAKEN_ON.value, String).label("figure"),
        first.c.case_id.label("case_id"),
        _month_of_day(first.c.day, b).label("month"),
    ).where(scope.households(first.c.case_id))
    plans = (
        select(
            case(
                (SupportPlan.previous_plan_id.is_(None), Figure.PLANS_NEW.value),
                else_=Figure.PLANS_REVISED.value,
            ),
            SupportPlan.case_id,
            _month_of_day(Meeting.day, b),
        )
        .select_from(SupportPlan)
        .join(Meeting, Meeting.id == SupportPlan.approved_meeting_id)
        .where(scope.days(Meeting.day), scope.households(SupportPlan.case_id))
    )
    pairs = (
        select(AgendaItem.meeting_id, AgendaItem.case_id, Meeting.kind, Meeting.day)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(_held(scope))
        .distinct()
        .subquery("pairs")
    )
    reviews = select(
        "review:" + pairs.c.kind, pairs.c.case_id, _month_of_day(pairs.c.day, b)
    ).where(scope.households(pairs.c.case_id))
    ended = select(
        case(
            (CaseStatusChange.to_status == CaseStatus.CLOSED.value, Figure.CASES_CLOSED.value),
            else_=Figure.CASES_SUSPENDED.value,
        ),
        CaseStatusChange.case_id,
        _month_of_day(CaseStatusChange.effective_on, b),
    ).where(
        CaseStatusChange.to_status.in_([CaseStatus.CLOSED.value, CaseStatus.SUSPENDED.value]),
        scope.days(CaseStatusChange.effective_on),
        scope.households(CaseStatusChange.case_id),
    )
    referrals = select(
        literal(Figure.REFERRALS_SENT.value, String),
        Referral.case_id,
        _month_of_instant(Referral.created_at, b),
    ).where(scope.instants(Referral.created_at), scope.referrals())
    events = union_all(taken_on, plans, reviews, ended, referrals).subquery("case_events")
    return (
        select(events.c.figure, events.c.case_id, Case.area_code.label("area"), events.c.month)
        .join(Case, Case.id == events.c.case_id)
        .subquery("events")
    )


# How an event figure is counted: distinct households, or every event.
DISTINCT_EVENTS = {
    Figure.MULTI_AGENCY_TAKEN_ON.value: Figure.MULTI_AGENCY_TAKEN_ON,
    Figure.CASES_CLOSED.value: Figure.CASES_CLOSED,
    Figure.CASES_SUSPENDED.value: Figure.CASES_SUSPENDED,
    "review:support": Figure.SUPPORT_MEETING_CASES,
    "review:multi_agency": Figure.MULTI_AGENCY_MEETING_CASES,
}
TOTAL_EVENTS = {
    Figure.PLANS_NEW.value: Figure.PLANS_NEW,
    Figure.PLANS_REVISED.value: Figure.PLANS_REVISED,
    Figure.REFERRALS_SENT.value: Figure.REFERRALS_SENT,
    "review:support": Figure.SUPPORT_MEETING_REVIEWS,
    "review:multi_agency": Figure.MULTI_AGENCY_MEETING_REVIEWS,
}


def _event_tallies(
    session: Session, events: Subquery
) -> tuple[dict[tuple[str, str], Tally], dict[tuple[str, str], Tally]]:
    """(figure, area) and (figure, month) → distinct households and events: one statement over
    the events computed once."""
    e = events.c
    shared = select(e.figure, e.case_id, e.area, e.month).cte("report_events")
    s = shared.c
    rows = session.execute(
        union_all(
            *(
                select(
                    literal(by, String),
                    s.figure,
                    s[by],
                    func.count(distinct(s.case_id)),
                    func.count(),
                ).group_by(s.figure, s[by])
                for by in ("area", "month")
            )
        )
    ).all()
    out: dict[str, dict[tuple[str, str], Tally]] = {"area": {}, "month": {}}
    for by, fig, key, d, n in rows:
        out[by][(fig, key or UNKNOWN_AREA.code)] = Tally(int(d), int(n))
    return out["area"], out["month"]


# ---------------------------------------------------------------- the figures


Counts = dict[Figure, dict[str, int]]


def _figures(
    contacts: dict[tuple[str, ...], ContactCounts], events: dict[tuple[str, str], Tally]
) -> Counts:
    """Figure → key (area or month) → count, from the grouped contacts and events."""
    out: Counts = defaultdict(dict)
    for (function, key), c in contacts.items():
        if function == CONSULTATION:
            out[Figure.NEW_CONSULTATIONS][key] = c.intakes
            out[Figure.CONSULTATION_HOUSEHOLDS][key] = c.households
            out[Figure.CONSULTATION_CONTACTS][key] = c.contacts
        elif function == OUTREACH:
            out[Figure.OUTREACH_HOUSEHOLDS][key] = c.households
            out[Figure.OUTREACH_CONTACTS][key] = c.contacts
            out[Figure.OUTREACH_VISITS][key] = c.visits
            out[Figure.OUTREACH_PEOPLE][key] = c.people
        elif function == PARTICIPATION:
            out[Figure.PARTICIPATION_HOUSEHOLDS][key] = c.households
            out[Figure.PARTICIPATION_CONTACTS][key] = c.contacts
            out[Figure.PARTICIPATION_PEOPLE][key] = c.people
    for (name, key), t in events.items():
        if name in DISTINCT_EVENTS:
            out[DISTINCT_EVENTS[name]][key] = t.distinct
        if name in TOTAL_EVENTS:
            out[TOTAL_EVENTS[name]][key] = t.total
    return out


# ---------------------------------------------------------------- 参加支援 partner businesses


def _tokyo_day(dialect: str, column: Any) -> ColumnElement[Any]:
    """The Tokyo day of a stored UTC instant."""
    if dialect == "sqlite":
        return func.date(column, "+9 hours")
    return cast(func.timezone("Asia/Tokyo", column), Date)


def _partner_runs(dialect: str, scope: Scope) -> Subquery:
    """One row per 参加支援 item naming a partner business, of a plan a 重層的支援会議 approved:
    the partner, the household's area, and the days the item runs (``domain.reports.
    plan_item_run``: its own dates, else the plan's, else the approval day; cut short on the day
    the plan was closed, suspended or replaced)."""
    ended_on = case(
        (
            and_(
                SupportPlan.status.in_([st.value for st in ENDED_PLAN_STATUSES]),
                SupportPlan.status_changed_at.is_not(None),
            ),
            _tokyo_day(dialect, SupportPlan.status_changed_at),
        ),
        else_=None,
    )
    planned_end = func.coalesce(PlanItem.end_date, SupportPlan.end_date)
    last = case(
        (ended_on.is_(None), planned_end),
        (or_(planned_end.is_(None), ended_on < planned_end), ended_on),
        else_=planned_end,
    )
    return (
        select(
            PlanItem.partner_org_code.label("partner"),
            Case.area_code.label("area"),
            func.coalesce(PlanItem.start_date, SupportPlan.start_date, Meeting.day).label("first"),
            last.label("last"),
        )
        .select_from(PlanItem)
        .join(SupportPlan, SupportPlan.id == PlanItem.plan_id)
        .join(Meeting, Meeting.id == SupportPlan.approved_meeting_id)
        .join(Case, Case.id == SupportPlan.case_id)
        .where(
            PlanItem.function_code == PARTICIPATION,
            PlanItem.partner_org_code.is_not(None),
            scope.cases(),
        )
        .subquery("runs")
    )


def _runs_within(runs: Subquery, first: date, last: date) -> ColumnElement[bool]:
    """The item runs on at least one day from ``first`` through ``last`` (``Run.overlaps``), and
    did not end before it began."""
    r = runs.c
    return and_(
        r.first <= last,
        or_(r.last.is_(None), and_(r.last >= first, r.last >= r.first)),
    )


@dataclass(frozen=True)
class PartnerCounts:
    by_area: dict[str, int]
    by_month: dict[str, int]
    city: int


def _partners(session: Session, scope: Scope) -> PartnerCounts:
    """参加支援の協力事業所数 (``domain.reports.count_partners``): distinct partner businesses
    by area, by month and in the whole period; a business counts once in each, so the areas and
    months do not add up to the period's figure."""
    runs = _partner_runs(session.get_bind().dialect.name, scope)
    r = runs.c
    period = _runs_within(runs, scope.period.first, scope.period.last)
    by_area = {
        area or UNKNOWN_AREA.code: int(n)
        for area, n in session.execute(
            select(r.area, func.count(distinct(r.partner))).where(period).group_by(r.area)
        )
    }
    city = int(session.scalar(select(func.count(distinct(r.partner))).where(period)) or 0)
    by_month: dict[str, int] = {}
    if scope.buckets:
        months = union_all(
            *(
                select(literal(b.key, String).label("month"), r.partner.label("partner")).where(
                    _runs_within(runs, b.first, b.last)
                )
                for b in scope.buckets
            )
        ).subquery("months")
        by_month = {
            month: int(n)
            for month, n in session.execute(
                select(months.c.month, func.count(distinct(months.c.partner))).group_by(
                    months.c.month
                )
            )
        }
    return PartnerCounts(by_area, by_month, city)


def _meetings_held(session: Session, scope: Scope) -> list[tuple[str, bool, str, int]]:
    """(kind, regular, month, count) of the meetings held in the period, citywide."""
    month = _month_of_day(Meeting.day, scope.buckets)
    rows = session.execute(
        select(Meeting.kind, Meeting.regular, month, func.count())
        .where(_held(scope))
        .group_by(Meeting.kind, Meeting.regular, month)
    ).all()
    return [(kind, bool(regular), m, int(n)) for kind, regular, m, n in rows]


def _agency_seats(session: Session, scope: Scope) -> dict[tuple[str, str], int]:
    """Partner agencies present at held meetings, once per meeting and agency, citywide."""
    seats = (
        select(
            Attendee.meeting_id,
            Attendee.org_code,
            Meeting.kind.label("kind"),
            func.coalesce(Organization.field_code, "other").label("field"),
        )
        .join(Meeting, Meeting.id == Attendee.meeting_id)
        .join(Organization, Organization.code == Attendee.org_code)
        .where(_held(scope), Attendee.attended.is_(True), Organization.kind == "agency")
        .distinct()
        .subquery("seats")
    )
    rows = session.execute(
        select(seats.c.kind, seats.c.field, func.count()).group_by(seats.c.kind, seats.c.field)
    ).all()
    return {(kind, f): int(n) for kind, f, n in rows}


def _referral_answers(session: Session, scope: Scope) -> dict[tuple[str, AnswerBucket], int]:
    hours = _hours_between(session, Referral.created_at, Referral.answered_at)
    bucket = case(
        (Referral.answered_at.is_(None), AnswerBucket.UNANSWERED.value),
        *((hours <= bound, b.value) for b, bound in ANSWER_BOUNDS),
        else_=AnswerBucket.OVER_7_DAYS.value,
    )
    rows = session.execute(
        select(Referral.status, bucket, func.count())
        .where(scope.instants(Referral.created_at), scope.referrals())
        .group_by(Referral.status, bucket)
    ).all()
    return {(status, AnswerBucket(b)): int(n) for status, b, n in rows}


# ---------------------------------------------------------------- master data as labels


def _areas(ctx: Context) -> list[Label]:
    return [
        Label(a.code, a.name, a.name_en)
        for a in ctx.session.scalars(select(Area).order_by(Area.code))
    ]


def _routes(ctx: Context) -> list[Label]:
    return [
        Label(r.code, r.name, r.name_en)
        for r in ctx.session.scalars(
            select(CodeLabel)
            .where(CodeLabel.list_name == "intake_route")
            .order_by(CodeLabel.sort_order, CodeLabel.code)
        )
    ]


def _issue_categories(ctx: Context, counted: set[str]) -> list[Label]:
    return [
        Label(c.code, c.name, c.name_en)
        for c in ctx.session.scalars(
            select(IssueCategory).order_by(IssueCategory.sort_order, IssueCategory.code)
        )
        if c.active or c.code in counted
    ]


def _functions(ctx: Context) -> list[Label]:
    return [
        Label(f.code, f.name if not f.article_item else f"{f.article_item} {f.name}", f.name_en)
        for f in ctx.session.scalars(select(SupportFunction).order_by(SupportFunction.article_item))
    ]


def _fields(ctx: Context) -> list[Label]:
    return [
        Label(f.code, f.name, f.name_en)
        for f in ctx.session.scalars(select(AgencyField).order_by(AgencyField.sort_order))
    ]


def _kinds() -> list[Label]:
    return [Label(k.value, MEETING_KIND_LABELS[k], MEETING_KIND_EN[k]) for k in MeetingKind]


def _statuses() -> list[Label]:
    return [Label(st.value, REFERRAL_STATUS_LABELS[st], st.value) for st in REFERRAL_ORDER]


# ---------------------------------------------------------------- the report


T = TypeVar("T")


@contextmanager
def _alongside(ctx: Context, work: Callable[[Session], T]) -> Iterator[Callable[[], T]]:
    """Run ``work`` while the caller goes on with its own statements, and hand back its result.

    On PostgreSQL, ``work`` runs in a thread with a session and a connection of its own (with
    the same planner settings), so that the server works on two statements at once: the
    contacts statement keeps one core busy for most of its time and leaves the other idle.
    ``work`` only reads, and reads the committed rows at the time it starts, as every statement
    of a READ COMMITTED transaction does. Elsewhere (SQLite) it simply runs first, in the
    request's session."""
    bind = ctx.session.get_bind()
    if bind.dialect.name != "postgresql":
        result = work(ctx.session)
        yield lambda: result
        return

    def separately() -> T:
        with Session(bind) as session, session.begin():
            _plan_for_grouping(session)
            return work(session)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report") as pool:
        yield pool.submit(separately).result


@dataclass(frozen=True)
class OtherTallies:
    """Everything the report counts but the contacts."""

    area_events: dict[tuple[str, str], Tally]
    month_events: dict[tuple[str, str], Tally]
    partners: PartnerCounts
    meetings_held: list[tuple[str, bool, str, int]]
    agency_seats: dict[tuple[str, str], int]
    referral_answers: dict[tuple[str, AnswerBucket], int]


def _other_tallies(session: Session, scope: Scope) -> OtherTallies:
    area_events, month_events = _event_tallies(session, _events(scope))
    return OtherTallies(
        area_events,
        month_events,
        _partners(session, scope),
        _meetings_held(session, scope),
        _agency_seats(session, scope),
        _referral_answers(session, scope),
    )


def _all_contact_tallies(ctx: Context, scope: Scope) -> ContactTallies:
    """The contacts of every household in scope. On PostgreSQL, counted in two halves at once
    (by case id), the second on a connection of its own: the statement's groupings after its
    scan run on one core, and a half takes 55-60% of the whole's time (docs/benchmarks.md)."""
    if ctx.session.get_bind().dialect.name != "postgresql":
        return _contact_tallies(ctx.session, scope)
    first, second = HALVES
    with _alongside(ctx, lambda session: _contact_tallies(session, scope, second)) as other:
        return _contact_tallies(ctx.session, scope, first) + other()


def _tables(ctx: Context, scope: Scope) -> tuple[Table, ...]:
    # The contacts are about three quarters of the work; the rest is counted alongside them.
    with _alongside(ctx, lambda session: _other_tallies(session, scope)) as others:
        contacts = _all_contact_tallies(ctx, scope)
        other = others()
    area_events, month_events = other.area_events, other.month_events
    # Counted by (function, area, route); the area and route tables are its sums.
    fine = contacts.fine
    area_contacts = _merge(fine, 0, 1)
    by_area = _figures(area_contacts, area_events)
    by_month = _figures(contacts.by_month, month_events)
    totals = {figure: sum(counts.values()) for figure, counts in by_area.items()}
    partners = other.partners
    by_area[Figure.PARTICIPATION_PARTNERS] = partners.by_area
    by_month[Figure.PARTICIPATION_PARTNERS] = partners.by_month
    totals[Figure.PARTICIPATION_PARTNERS] = partners.city

    held: dict[str, HeldCount] = {}
    held_by_month: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, regular, month, n in other.meetings_held:
        h = held.get(kind, HeldCount(0, 0))
        held[kind] = (
            HeldCount(h.regular + n, h.ad_hoc) if regular else HeldCount(h.regular, h.ad_hoc + n)
        )
        held_by_month[kind][month] = held_by_month[kind].get(month, 0) + n
    for figure, kind in (
        (Figure.SUPPORT_MEETINGS_HELD, MeetingKind.SUPPORT),
        (Figure.MULTI_AGENCY_MEETINGS_HELD, MeetingKind.MULTI_AGENCY),
    ):
        by_month[figure] = held_by_month.get(kind.value, {})
        totals[figure] = held.get(kind.value, HeldCount(0, 0)).total

    route_contacts = _merge(fine, 0, 2)
    route_new = {r: c.intakes for (f, r), c in route_contacts.items() if f == CONSULTATION}
    route_tallies = {
        r: Tally(c.households, c.contacts)
        for (f, r), c in route_contacts.items()
        if f == CONSULTATION
    }
    # Households lie in one area each: the areas' counts add up to the function's.
    function_tallies: dict[str, FunctionTally] = {}
    for (function, _area), c in area_contacts.items():
        t = function_tallies.get(function, FunctionTally(0, 0, 0))
        function_tallies[function] = FunctionTally(
            t.households + c.households,
            t.contacts + c.contacts,
            t.visits + c.visits,
            t.people + c.people,
        )
    reviews: dict[str, Tally] = {}
    for (name, _area), tally in area_events.items():
        if name.startswith("review:"):
            kind = name.removeprefix("review:")
            r = reviews.get(kind, Tally(0, 0))
            reviews[kind] = Tally(r.distinct + tally.distinct, r.total + tally.total)
    households = contacts.category_households
    return (
        overview_table(_areas(ctx), by_area, totals),
        monthly_table(scope.buckets, by_month, totals),
        routes_table(_routes(ctx), route_new, route_tallies),
        categories_table(
            _issue_categories(ctx, set(households)),
            households,
            contacts.category_primary,
            contacts.category_contacts,
        ),
        functions_table(_functions(ctx), function_tallies),
        meetings_table(_kinds(), held, reviews),
        agencies_table(_kinds(), _fields(ctx), other.agency_seats),
        referrals_table(_statuses(), other.referral_answers),
    )


def _plan_for_grouping(session: Session) -> None:
    """PostgreSQL groups a fiscal year's contacts (about 150,000 rows at 100,000 households) by
    household, member and month, then again by household: for this transaction only, with
    64 MB of work memory (the default 4 MB sorts on disk) and by sorting rather than hashing,
    because a sorted grouping hands the next level its rows already in order (the contacts
    statement 1,085 → 810 ms; docs/benchmarks.md)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL enable_hashagg = off"))


def _build(ctx: Context, request: ReportRequest, action: str) -> ReportMeta:
    department = _authorise(ctx, request, action)
    period = _period(ctx, request)
    _plan_for_grouping(ctx.session)
    scope = Scope(period=period, buckets=month_buckets(period), department=department)
    department_name = None
    if department is not None:
        row = ctx.session.get(Department, department.value)
        department_name = row.name if row else department.value
    threshold = request.threshold if request.publication else None
    return ReportMeta(
        period=period,
        department=department,
        department_name=department_name,
        threshold=threshold,
        tables=publish(_tables(ctx, scope), threshold),
    )


def _audit(ctx: Context, action: str, meta: ReportMeta, **extra: Any) -> None:
    ctx.audit.record(
        action,
        "report",
        "statistics",
        detail={
            "from": meta.period.first.isoformat(),
            "to": meta.period.last.isoformat(),
            "department": meta.department.value if meta.department else None,
            "publication": meta.threshold is not None,
            "threshold": meta.threshold,
            **extra,
        },
    )


def _table_out(t: Table) -> s.ReportTableOut:
    return s.ReportTableOut(
        id=t.id,
        title=t.title,
        title_en=t.title_en,
        row_heading=t.row_heading,
        columns=[
            s.ReportColumnOut(key=c.code, label=c.name, label_en=c.name_en) for c in t.columns
        ],
        rows=[
            s.ReportRowOut(key=r.key, label=r.label, label_en=r.label_en, values=dict(r.values))
            for r in t.rows
        ],
        note=t.note,
        masked=t.masked,
    )


def get_statistics(ctx: Context, request: ReportRequest) -> s.StatisticsReportOut:
    """The report as JSON (audited as a view)."""
    meta = _build(ctx, request, "report.view")
    _audit(ctx, "report.view", meta)
    department: Any = meta.department.value if meta.department else None
    return s.StatisticsReportOut(
        title=meta.title,
        fiscal_year=meta.period.fiscal_year,
        fiscal_year_label=meta.period.fiscal_year_label,
        date_from=meta.period.first,
        date_to=meta.period.last,
        period_label=meta.period.label,
        month=meta.period.month,
        department=department,
        scope_label=meta.scope_label,
        publication=meta.threshold is not None,
        threshold=meta.threshold,
        tables=[_table_out(t) for t in meta.tables],
    )


# ---------------------------------------------------------------- exports


def _filename(meta: ReportMeta, suffix: str, ext: str) -> tuple[str, str]:
    p = meta.period
    scope = meta.department.value if meta.department else "city"
    public = "-public" if meta.threshold is not None else ""
    ascii_name = (
        f"tsunagu-statistics-{p.first.isoformat()}-{p.last.isoformat()}-{scope}{suffix}{public}"
        f".{ext}"
    )
    ja_public = "（公表用）" if meta.threshold is not None else ""
    ja_name = (
        f"{p.fiscal_year_label}実績報告_{meta.scope_label}{ja_public}_"
        f"{p.first:%Y%m%d}-{p.last:%Y%m%d}{suffix}.{ext}"
    )
    return ascii_name, ja_name


def _display_width(value: object) -> int:
    """Columns as wide as their text: a full-width character takes two."""
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _sheet(wb: Workbook, meta: ReportMeta, table: Table, first: bool) -> None:
    ws = wb.active if first and wb.active is not None else wb.create_sheet()
    ws.title = table.sheet_name
    masked = f"　公表用（{meta.threshold}未満は「＊」）" if meta.threshold is not None else ""
    ws.append([f"{meta.title}　{table.title}"])
    ws.append([f"期間: {meta.period.label}　対象: {meta.scope_label}{masked}"])
    ws.append([])
    ws.append([table.row_heading, *(c.name for c in table.columns)])
    for row in table.rows:
        ws.append([row.label, *(row.values[c.code] for c in table.columns)])
    ws.append([])
    ws.append([f"注: {table.note}"])
    ws["A1"].font = Font(bold=True, size=13)
    for cell in ws[4]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for cells in ws.iter_rows(min_row=5, max_row=4 + len(table.rows), min_col=2):
        for cell in cells:
            cell.alignment = Alignment(horizontal="right")
    ws.freeze_panes = "B5"
    label_width = max(
        [_display_width(table.row_heading), *(_display_width(r.label) for r in table.rows)]
    )
    ws.column_dimensions["A"].width = min(max(label_width + 2, 12), 60)
    for i, column in enumerate(table.columns, start=2):
        values = [column.name, *(r.values[column.code] for r in table.rows)]
        width = max(_display_width(v) for v in values)
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 30)


def export_workbook(ctx: Context, request: ReportRequest, media_type: str = XLSX) -> ExportFile:
    """The report as an Excel workbook: one sheet per table, Japanese headings, the fiscal year
    in the Japanese era in every title (audited as an export)."""
    meta = _build(ctx, request, "report.export")
    wb = Workbook()
    wb.properties.title = meta.title
    wb.properties.creator = "Tsunagu"
    for i, table in enumerate(meta.tables):
        _sheet(wb, meta, table, first=i == 0)
    buffer = io.BytesIO()
    wb.save(buffer)
    _audit(ctx, "report.export", meta, format="xlsx")
    ascii_name, ja_name = _filename(meta, "", "xlsx")
    return ExportFile(buffer.getvalue(), ascii_name, ja_name, media_type)


def export_table_csv(ctx: Context, request: ReportRequest, table_id: TableId) -> ExportFile:
    """One table as CSV, UTF-8 with a BOM (so that Excel reads the Japanese): a header row
    (the row heading, then the column labels) and one line per row (audited as an export)."""
    meta = _build(ctx, request, "report.export")
    table = next(t for t in meta.tables if t.id is table_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([table.row_heading, *(c.name for c in table.columns)])
    for row in table.rows:
        writer.writerow([row.label, *(row.values[c.code] for c in table.columns)])
    _audit(ctx, "report.export", meta, format="csv", table=table_id.value)
    ascii_name, ja_name = _filename(meta, f"-{table_id.value}", "csv")
    return ExportFile(("\ufeff" + out.getvalue()).encode("utf-8"), ascii_name, ja_name, CSV)
