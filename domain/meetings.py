"""The five kinds of meeting, who convenes them, what may go on their agenda, and the calendar.

支援会議 (Art. 106-6) takes cases without consent because its members are bound to confidentiality;
重層的支援会議 (Art. 106-4 §2 item 5) refuses them. Regular meetings sit on the 2nd Tuesday of each
month; a request for the regular meeting of month M must arrive by the 2nd Tuesday of month M-1.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import jpholiday

from domain.access import Dept, Principal, Role
from domain.fiscal import fiscal_year_bounds


class MeetingKind(StrEnum):
    SUPPORT = "support"  # 支援会議
    MULTI_AGENCY = "multi_agency"  # 重層的支援会議
    STAFF = "staff"  # 担当者会議
    COORDINATION = "coordination"  # 相談支援総合調整会議
    EMERGENCY = "emergency"  # 緊急会議


MEETING_KIND_LABELS: dict[MeetingKind, str] = {
    MeetingKind.SUPPORT: "支援会議",
    MeetingKind.MULTI_AGENCY: "重層的支援会議",
    MeetingKind.STAFF: "担当者会議",
    MeetingKind.COORDINATION: "相談支援総合調整会議",
    MeetingKind.EMERGENCY: "緊急会議",
}

CASE_MEETINGS = frozenset({MeetingKind.SUPPORT, MeetingKind.MULTI_AGENCY})


class AgendaPurpose(StrEnum):
    INFORMATION_SHARING = "information_sharing"  # 情報共有
    ROLE_ASSIGNMENT = "role_assignment"  # 役割分担
    PLAN_REVIEW = "plan_review"  # プランの確認
    PLAN_EVALUATION = "plan_evaluation"  # プランの評価
    CLOSING = "closing"  # 終結の判断


def can_schedule(p: Principal, kind: MeetingKind) -> bool:
    """access.md: the secretariat schedules 支援会議, 担当者会議 and 相談支援総合調整会議;
    coordinators and the secretariat schedule 重層的支援会議; only 健康部長 convenes 緊急会議."""
    if not p.does_case_work:
        return False
    if kind is MeetingKind.EMERGENCY:
        return p.has(Role.DIRECTOR) and p.dept is Dept.HEALTH
    if kind is MeetingKind.MULTI_AGENCY:
        return p.has(Role.SECRETARIAT) or p.has(Role.COORDINATOR)
    return p.has(Role.SECRETARIAT)


class AgendaRefusal(StrEnum):
    NO_CONSENT = "no_consent"
    NOT_A_CASE_MEETING = "not_a_case_meeting"


def agenda_refusal(kind: MeetingKind, *, consent_in_force: bool) -> AgendaRefusal | None:
    """Why a case may not go on a meeting's agenda, or None when it may."""
    if kind is MeetingKind.MULTI_AGENCY and not consent_in_force:
        return AgendaRefusal.NO_CONSENT
    return None


def member_may_read_agenda_item(
    kind: MeetingKind, *, invited: bool, acknowledged_confidentiality: bool
) -> bool:
    """A 支援会議 member reads the agenda item's case summary and the minutes once it has
    acknowledged the duty of confidentiality; that grants nothing else of the case."""
    if kind is MeetingKind.SUPPORT:
        return invited and acknowledged_confidentiality
    return invited


def member_may_read_minutes(
    kind: MeetingKind,
    *,
    invited: bool,
    acknowledged_confidentiality: bool,
    agenda_items_readable: Iterable[bool],
) -> bool:
    """The minutes discuss every case on the agenda, so a member (neither organiser nor
    secretariat) reads them only where it may read each of those agenda items: inside a 支援会議
    once it has acknowledged confidentiality; at any other meeting only while the person's
    consent covers it for every case (a withdrawal takes effect at once)."""
    if not member_may_read_agenda_item(
        kind, invited=invited, acknowledged_confidentiality=acknowledged_confidentiality
    ):
        return False
    return all(agenda_items_readable)


# ---------------------------------------------------------------- the calendar

TUESDAY = calendar.TUESDAY


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday of a month (n from 1)."""
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    day = first + timedelta(days=offset + 7 * (n - 1))
    if day.month != month:
        raise ValueError(f"month {year}-{month:02d} has no weekday #{n}")
    return day


def second_tuesday(year: int, month: int) -> date:
    return nth_weekday(year, month, TUESDAY, 2)


def is_year_end_break(day: date) -> bool:
    """The city's year-end break, 29 December to 3 January."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_closed_day(day: date) -> bool:
    """A day the city hall is closed: weekend, public holiday or the year-end break."""
    return day.weekday() >= 5 or jpholiday.is_holiday(day) or is_year_end_break(day)


@dataclass(frozen=True)
class ClosedDay:
    """A weekday the city hall is closed: a public holiday (its name) or the year-end break."""

    day: date
    holiday_name: str | None
    year_end_break: bool


MAX_CALENDAR_DAYS = 400
CALENDAR_YEARS = (1950, 2200)


def closed_weekdays(first: date, last: date) -> list[ClosedDay]:
    """The public holidays and year-end break days from ``first`` to ``last`` (inclusive), weekends
    left out (a calendar shows those anyway). At most MAX_CALENDAR_DAYS days are asked for."""
    if last < first:
        raise ValueError("last is before first")
    if first.year < CALENDAR_YEARS[0] or last.year > CALENDAR_YEARS[1]:
        raise ValueError(f"only the years {CALENDAR_YEARS[0]} to {CALENDAR_YEARS[1]}")
    if (last - first).days >= MAX_CALENDAR_DAYS:
        raise ValueError(f"at most {MAX_CALENDAR_DAYS} days")
    days = []
    day = first
    while day <= last:
        name = jpholiday.is_holiday_name(day)
        year_end = is_year_end_break(day)
        if (name or year_end) and day.weekday() < 5:
            days.append(ClosedDay(day=day, holiday_name=name, year_end_break=year_end))
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class RegularDate:
    day: date
    holiday_name: str | None  # the public holiday that falls on it, if any
    year_end_break: bool
    request_deadline: date  # requests for this meeting must arrive by this day

    @property
    def needs_attention(self) -> bool:
        return self.holiday_name is not None or self.year_end_break


def request_deadline(meeting_day: date) -> date:
    """Requests for the regular meeting of month M are due by the 2nd Tuesday of month M-1."""
    year, month = (meeting_day.year, meeting_day.month - 1) if meeting_day.month > 1 else (
        meeting_day.year - 1,
        12,
    )
    return second_tuesday(year, month)


def regular_dates(fiscal_year: int) -> list[RegularDate]:
    """The regular meeting days (2nd Tuesday of each month) of a fiscal year, April to March."""
    first, _ = fiscal_year_bounds(fiscal_year)
    dates = []
    for i in range(12):
        year, month = first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1
        day = second_tuesday(year, month)
        dates.append(
            RegularDate(
                day=day,
                holiday_name=jpholiday.is_holiday_name(day),
                year_end_break=is_year_end_break(day),
                request_deadline=request_deadline(day),
            )
        )
    return dates


def request_on_time(requested_on: date, meeting_day: date, *, regular: bool) -> bool:
    """Ad hoc meetings take requests any time; regular ones by the deadline (inclusive)."""
    return not regular or requested_on <= request_deadline(meeting_day)


# ---------------------------------------------------------------- counting


@dataclass(frozen=True)
class Review:
    """One case discussed at one meeting (an agenda item)."""

    meeting_id: int
    kind: MeetingKind
    case_id: int


@dataclass(frozen=True)
class CaseCount:
    distinct_cases: int  # 実件数
    reviews: int  # 延べ件数


def count_cases(reviews: Iterable[Review], kind: MeetingKind) -> CaseCount:
    """実件数 counts each case once; 延べ件数 counts each (meeting, case) once."""
    pairs = {(r.meeting_id, r.case_id) for r in reviews if r.kind is kind}
    return CaseCount(distinct_cases=len({case for _, case in pairs}), reviews=len(pairs))


def count_by_field(attendances: Iterable[tuple[int, str]]) -> dict[str, int]:
    """Agencies attending (cumulative): (meeting id, agency field) per attending agency."""
    counts: dict[str, int] = {}
    for _meeting, field in attendances:
        counts[field] = counts.get(field, 0) + 1
    return counts


# ---------------------------------------------------------------- running a meeting
# (added with the meetings API: labels, status, organiser and reader rules, decisions, schedules)

AGENDA_PURPOSE_LABELS: dict[AgendaPurpose, str] = {
    AgendaPurpose.INFORMATION_SHARING: "情報共有",
    AgendaPurpose.ROLE_ASSIGNMENT: "役割分担",
    AgendaPurpose.PLAN_REVIEW: "プランの確認",
    AgendaPurpose.PLAN_EVALUATION: "プランの評価",
    AgendaPurpose.CLOSING: "終結の判断",
}


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"  # 開催予定
    HELD = "held"  # 開催済み
    CANCELLED = "cancelled"  # 中止


MEETING_STATUS_LABELS: dict[MeetingStatus, str] = {
    MeetingStatus.SCHEDULED: "開催予定",
    MeetingStatus.HELD: "開催済み",
    MeetingStatus.CANCELLED: "中止",
}


def can_change_meeting_status(
    current: MeetingStatus, target: MeetingStatus, *, day: date, today: date
) -> bool:
    """A scheduled meeting is held (on or after its day) or cancelled; both are final."""
    if current is not MeetingStatus.SCHEDULED:
        return False
    if target is MeetingStatus.HELD:
        return day <= today
    return target is MeetingStatus.CANCELLED


def is_organiser(
    p: Principal, kind: MeetingKind, *, organiser_org: str | None, organiser_sub: str
) -> bool:
    """The person who scheduled the meeting, or a colleague in the same unit who may schedule
    that kind too (the secretariat's staff, a 社協 office's coordinators)."""
    if not p.does_case_work:
        return False
    if p.sub == organiser_sub:
        return True
    return p.org is not None and p.org == organiser_org and can_schedule(p, kind)


def may_see_meeting(p: Principal, *, organiser: bool, invited: bool) -> bool:
    """Day, time and place: the organiser, the invited, and the secretariat (which runs them)."""
    if not p.does_case_work:
        return False
    return organiser or invited or p.has(Role.SECRETARIAT)


def member_may_read_item(
    kind: MeetingKind, *, invited: bool, acknowledged_confidentiality: bool, consent_covers: bool
) -> bool:
    """What an invited member who may not otherwise read the case sees of an agenda item (its
    summary and purpose). Without consent a case is shared only inside a 支援会議, whose members
    have acknowledged their duty of confidentiality; at any other meeting the main person's
    consent in force must cover the member."""
    if not member_may_read_agenda_item(
        kind, invited=invited, acknowledged_confidentiality=acknowledged_confidentiality
    ):
        return False
    return kind is MeetingKind.SUPPORT or consent_covers


class DecisionKind(StrEnum):
    ROLE_ASSIGNMENT = "role_assignment"  # 役割分担
    SUPPORT_POLICY = "support_policy"  # 支援方針
    MONITORING_PERIOD = "monitoring_period"  # モニタリング期間
    PLAN_APPROVAL = "plan_approval"  # プランの承認（支援決定）
    CLOSE_CASE = "close_case"  # 終結
    SUSPEND_CASE = "suspend_case"  # 中断


DECISION_KIND_LABELS: dict[DecisionKind, str] = {
    DecisionKind.ROLE_ASSIGNMENT: "役割分担",
    DecisionKind.SUPPORT_POLICY: "支援方針",
    DecisionKind.MONITORING_PERIOD: "モニタリング期間",
    DecisionKind.PLAN_APPROVAL: "プランの承認",
    DecisionKind.CLOSE_CASE: "終結",
    DecisionKind.SUSPEND_CASE: "中断",
}

CASE_STATUS_DECISIONS = frozenset({DecisionKind.CLOSE_CASE, DecisionKind.SUSPEND_CASE})


def may_record_decision(kind: MeetingKind, decision: DecisionKind) -> bool:
    """Closing or suspending a case is decided only by a 重層的支援会議 or a 支援会議; a plan is
    approved only by a 重層的支援会議; the other decisions may come from any meeting."""
    if decision in CASE_STATUS_DECISIONS:
        return kind in CASE_MEETINGS
    if decision is DecisionKind.PLAN_APPROVAL:
        return kind is MeetingKind.MULTI_AGENCY
    return True


def is_schedule_day(day: date, *, week_of_month: int, weekday: int) -> bool:
    """Whether a day is the schedule's n-th weekday of its month (e.g. the 2nd Tuesday)."""
    if day.weekday() != weekday:
        return False
    return (day.day - 1) // 7 + 1 == week_of_month


def schedule_dates(fiscal_year: int, *, week_of_month: int, weekday: int) -> list[RegularDate]:
    """The regular days of a schedule kept as data (n-th weekday of each month), April to March;
    ``regular_dates`` is the Kokubunji schedule (2nd Tuesday). Deadlines follow the request rule."""
    first, _ = fiscal_year_bounds(fiscal_year)
    dates = []
    for i in range(12):
        year, month = first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1
        try:
            day = nth_weekday(year, month, weekday, week_of_month)
        except ValueError:
            continue  # a 5th weekday some months lack
        dates.append(
            RegularDate(
                day=day,
                holiday_name=jpholiday.is_holiday_name(day),
                year_end_break=is_year_end_break(day),
                request_deadline=request_deadline(day),
            )
        )
    return dates


def japanese_date(day: date) -> str:
    """A date as staff write it in Japanese text: 2024年1月9日."""
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------- requests


def takes_requests(
    kind: MeetingKind, status: MeetingStatus, day: date, *, regular: bool, today: date
) -> bool:
    """Whether a case worker may still bring a case to this meeting: a scheduled 支援会議 or
    重層的支援会議 from today on, a regular one only until its request deadline."""
    return (
        kind in (MeetingKind.SUPPORT, MeetingKind.MULTI_AGENCY)
        and status is MeetingStatus.SCHEDULED
        and day >= today
        and request_on_time(today, day, regular=regular)
    )


def may_list_meetings_open_for_requests(p: Principal) -> bool:
    """Day, time, place and organiser of the meetings that take requests, for whoever does case
    work (to choose where to bring a case); agendas and attendees stay closed."""
    return p.does_case_work
