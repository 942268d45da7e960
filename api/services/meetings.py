"""Meeting use cases: schedules, meetings, requests and screening, agenda, attendees,
confidentiality, minutes, decisions and the statistics the city reports.

A meeting is seen by its organiser, its invited units, agencies and users, and the secretariat;
anyone else gets 404. A 支援会議 takes cases without consent: its members read an agenda item's
summary (and the minutes) once they have acknowledged their duty of confidentiality, every such
read audited with the meeting as its purpose, and nothing else of the case.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from typing import Any, get_args

from pydantic import ValidationError
from sqlalchemy import ColumnElement, Row, and_, bindparam, func, or_, select

from api.clock import now
from api.db import page_limit, plain_rows
from api.errors import AppError, FieldError, forbidden, not_found
from api.models import (
    AgencyField,
    AgendaItem,
    Attendee,
    Case,
    Decision,
    Meeting,
    MeetingRequest,
    MeetingSchedule,
    Organization,
    SupportPlan,
    TeamMembership,
    User,
)
from api.schemas import meetings as s
from api.schemas.base import decode_cursor, decode_key_cursor, encode_cursor, encode_key_cursor
from api.schemas.plans import ItemIn
from api.services import concurrency
from api.services.audit import Entry
from api.services.case_access import (
    CASE_HEAD_COLUMNS,
    get_case_row,
    load_facts,
    load_facts_many,
)
from api.services.cases import _readable, record_status_change
from api.services.context import Context
from api.services.plans import AddedItem, add_item_by_meeting, approve_by_meeting
from domain.access import FULL_READ, CaseFacts, PrincipalKind, Role, can_edit_case, read_basis
from domain.case_status import STATUS_LABELS, CaseStatus, can_transition
from domain.consent import consent_covers
from domain.meetings import (
    AGENDA_PURPOSE_LABELS,
    CALENDAR_YEARS,
    CASE_MEETINGS,
    DECISION_KIND_LABELS,
    MAX_CALENDAR_DAYS,
    MEETING_KIND_LABELS,
    MEETING_STATUS_LABELS,
    AgendaPurpose,
    AgendaRefusal,
    DecisionKind,
    MeetingKind,
    MeetingStatus,
    Review,
    agenda_refusal,
    can_change_meeting_status,
    can_schedule,
    closed_weekdays,
    count_by_field,
    count_cases,
    is_organiser,
    is_schedule_day,
    japanese_date,
    may_list_meetings_open_for_requests,
    may_record_decision,
    may_see_meeting,
    member_may_read_agenda_item,
    member_may_read_item,
    member_may_read_minutes,
    request_deadline,
    request_on_time,
    schedule_dates,
    takes_requests,
)
from domain.organizations import OrgKind, does_support_work

WEEKDAYS_JA = "月火水木金土日"


def _purpose(meeting_id: int) -> str:
    """The audit purpose of access that came through a meeting."""
    return f"meeting:{meeting_id}"


def _validation(field: str, code: str, detail_ja: str, detail_en: str) -> AppError:
    return AppError(
        "validation-error",
        detail_ja,
        detail_en,
        errors=[FieldError(field=field, message=detail_ja, code=code)],
    )


def _conflict(detail_ja: str, detail_en: str) -> AppError:
    return AppError("conflict", detail_ja, detail_en)


def _consent_in_force(facts: CaseFacts, today: date) -> bool:
    return facts.main_consent is not None and facts.main_consent.is_in_force(today)


# ---------------------------------------------------------------- guards


@dataclass
class MeetingView:
    """A meeting and what the caller is to it."""

    meeting: Meeting
    kind: MeetingKind
    organiser: bool
    invited: bool
    acknowledged: bool

    @property
    def id(self) -> int:
        return self.meeting.id


def _invitations(ctx: Context, meeting_id: int) -> list[Attendee]:
    """The attendee rows that invite the caller: its own, or its unit's / agency's."""
    p = ctx.principal
    conditions = [Attendee.user_id == p.sub]
    if p.org is not None:
        conditions.append(Attendee.org_code == p.org)
    return list(
        ctx.session.scalars(
            select(Attendee)
            .where(Attendee.meeting_id == meeting_id, or_(*conditions))
            .order_by(Attendee.id)
        )
    )


# What invites the caller to a meeting (its own seat, or its unit's / agency's), as plain rows,
# built once: every read of a meeting decides on it.
_INVITATIONS = select(Attendee.user_id, Attendee.confidentiality_acknowledged_at).where(
    Attendee.meeting_id == bindparam("meeting_id"),
    or_(Attendee.user_id == bindparam("sub"), Attendee.org_code == bindparam("org")),
)


def _view(ctx: Context, meeting: Meeting) -> MeetingView:
    kind = MeetingKind(meeting.kind)
    p = ctx.principal
    rows = (
        plain_rows(
            ctx.session, _INVITATIONS, {"meeting_id": meeting.id, "sub": p.sub, "org": p.org}
        ).all()
        if p.does_case_work
        else []
    )
    return MeetingView(
        meeting=meeting,
        kind=kind,
        organiser=is_organiser(
            ctx.principal,
            kind,
            organiser_org=meeting.organiser_org_code,
            organiser_sub=meeting.organiser_sub,
        ),
        invited=bool(rows),
        # The duty binds a person: only the caller's own acknowledgement counts.
        acknowledged=any(
            r.user_id == ctx.principal.sub and r.confidentiality_acknowledged_at is not None
            for r in rows
        ),
    )


def _visible(
    ctx: Context, meeting_id: int, action: str, *, for_update: bool = False
) -> MeetingView:
    meeting = ctx.session.get(Meeting, meeting_id, with_for_update=for_update)
    if meeting is None:
        ctx.audit.record_refusal(action, "meeting", meeting_id, detail={"exists": False})
        raise not_found("会議", "meeting")
    view = _view(ctx, meeting)
    if not may_see_meeting(ctx.principal, organiser=view.organiser, invited=view.invited):
        ctx.audit.record_refusal(action, "meeting", meeting_id)
        raise not_found("会議", "meeting")
    return view


def _organised(ctx: Context, meeting_id: int, action: str) -> MeetingView:
    view = _visible(ctx, meeting_id, action, for_update=True)
    if not view.organiser:
        ctx.audit.record_refusal(action, "meeting", meeting_id)
        raise forbidden(
            "この操作ができるのは会議の主催者だけです。",
            "Only the meeting's organiser may do this.",
        )
    return view


def _not_cancelled(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise _conflict("中止された会議は変更できません。", "The meeting is cancelled.")


def _on_or_after_the_day(ctx: Context, meeting: Meeting, what_ja: str, what_en: str) -> None:
    if meeting.day > ctx.today:
        raise _conflict(
            f"開催日（{japanese_date(meeting.day)}）より前に{what_ja}は記録できません。",
            f"{what_en} cannot be recorded before the meeting day ({meeting.day.isoformat()}).",
        )


def etag(meeting: Meeting) -> str:
    return concurrency.MEETING.etag(meeting.id, meeting.version)


def check_if_match(meeting: Meeting, if_match: str | None) -> None:
    concurrency.check_if_match(concurrency.MEETING, etag(meeting), if_match)


def _flush(ctx: Context) -> None:
    concurrency.flush(ctx.session, concurrency.MEETING)


# ---------------------------------------------------------------- schedules


def _schedule_description(row: MeetingSchedule) -> str:
    return (
        f"毎月第{row.week_of_month}{WEEKDAYS_JA[row.weekday]}曜日 "
        f"{row.start_time:%H:%M}～{row.end_time:%H:%M}"
    )


def _schedule_out(row: MeetingSchedule) -> s.ScheduleOut:
    kind = MeetingKind(row.kind)
    return s.ScheduleOut(
        kind=kind,
        kind_label=MEETING_KIND_LABELS[kind],
        week_of_month=row.week_of_month,
        weekday=row.weekday,
        description=_schedule_description(row),
        start_time=row.start_time,
        end_time=row.end_time,
        place=row.place,
    )


def list_meeting_schedules(ctx: Context) -> list[s.ScheduleOut]:
    rows = ctx.session.scalars(select(MeetingSchedule)).all()
    order = list(MeetingKind)
    return [_schedule_out(r) for r in sorted(rows, key=lambda r: order.index(MeetingKind(r.kind)))]


def _schedule_of(ctx: Context, kind: MeetingKind) -> MeetingSchedule | None:
    return ctx.session.get(MeetingSchedule, kind.value)


def list_regular_dates(ctx: Context, kind: MeetingKind, fiscal_year: int) -> s.RegularDatesOut:
    row = _schedule_of(ctx, kind)
    if row is None:
        raise not_found(f"{MEETING_KIND_LABELS[kind]}の定例日の設定", "regular schedule")
    dates = schedule_dates(fiscal_year, week_of_month=row.week_of_month, weekday=row.weekday)
    return s.RegularDatesOut(
        kind=kind,
        fiscal_year=fiscal_year,
        dates=[
            s.RegularDateOut(
                day=d.day,
                holiday_name=d.holiday_name,
                year_end_break=d.year_end_break,
                needs_attention=d.needs_attention,
                request_deadline=d.request_deadline,
            )
            for d in dates
        ],
    )


def _check_regular_day(ctx: Context, kind: MeetingKind, day: date) -> MeetingSchedule:
    row = _schedule_of(ctx, kind)
    if row is None:
        raise _validation(
            "regular",
            "no_regular_schedule",
            f"{MEETING_KIND_LABELS[kind]}には定例日が登録されていません。臨時開催として登録してください。",
            f"{kind} has no regular schedule; schedule it as an ad hoc meeting.",
        )
    if not is_schedule_day(day, week_of_month=row.week_of_month, weekday=row.weekday):
        raise _validation(
            "day",
            "not_a_regular_date",
            f"{japanese_date(day)}は{MEETING_KIND_LABELS[kind]}の定例日"
            f"（{_schedule_description(row)}）ではありません。臨時開催として登録してください。",
            f"{day.isoformat()} is not a regular date of the {kind} schedule.",
        )
    return row


def _no_second_regular(ctx: Context, kind: MeetingKind, day: date, except_id: int | None) -> None:
    stmt = select(Meeting.id).where(
        Meeting.kind == kind.value,
        Meeting.day == day,
        Meeting.regular.is_(True),
        Meeting.status != MeetingStatus.CANCELLED.value,
    )
    if except_id is not None:
        stmt = stmt.where(Meeting.id != except_id)
    if ctx.session.scalar(stmt.limit(1)) is not None:
        raise _conflict(
            f"{japanese_date(day)}の{MEETING_KIND_LABELS[kind]}（定例）は既に登録されています。",
            f"A regular {kind} meeting on {day.isoformat()} already exists.",
        )


# ---------------------------------------------------------------- meetings


def _org_name(ctx: Context, code: str | None) -> str | None:
    if code is None:
        return None
    return ctx.session.scalar(select(Organization.name).where(Organization.code == code))


def _summary_out(meeting: Meeting, org_name: str | None) -> s.MeetingSummary:
    kind, status = MeetingKind(meeting.kind), MeetingStatus(meeting.status)
    return s.MeetingSummary(
        id=meeting.id,
        kind=kind,
        kind_label=MEETING_KIND_LABELS[kind],
        regular=meeting.regular,
        day=meeting.day,
        start_time=meeting.start_time,
        end_time=meeting.end_time,
        place=meeting.place,
        status=status,
        status_label=MEETING_STATUS_LABELS[status],
        organiser_org=meeting.organiser_org_code,
        organiser_org_name=org_name,
        request_deadline=request_deadline(meeting.day) if meeting.regular else None,
    )


def _may_read_minutes(ctx: Context, view: MeetingView) -> bool:
    if view.organiser or ctx.principal.has(Role.SECRETARIAT):
        return True
    if not member_may_read_agenda_item(
        view.kind, invited=view.invited, acknowledged_confidentiality=view.acknowledged
    ):
        return False
    items = ctx.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == view.id)).all()
    return member_may_read_minutes(
        view.kind,
        invited=view.invited,
        acknowledged_confidentiality=view.acknowledged,
        agenda_items_readable=(a is not None for a in _items_access(ctx, view, items).values()),
    )


def _agenda_case_ids(ctx: Context, meeting_id: int) -> list[int]:
    return list(
        ctx.session.scalars(
            select(AgendaItem.case_id)
            .where(AgendaItem.meeting_id == meeting_id)
            .distinct()
            .order_by(AgendaItem.case_id)
        )
    )


def _record_per_case(ctx: Context, action: str, meeting_id: int) -> None:
    """Minutes concern every case on the agenda: one audit entry per case."""
    case_ids: list[int | None] = [*_agenda_case_ids(ctx, meeting_id)] or [None]
    ctx.audit.record_many(
        action,
        "meeting",
        (Entry(meeting_id, case_id=case_id, purpose=_purpose(meeting_id)) for case_id in case_ids),
    )


def _meeting_out(ctx: Context, view: MeetingView, *, audit_minutes: bool) -> s.MeetingOut:
    m = view.meeting
    minutes = m.minutes if _may_read_minutes(ctx, view) else None
    if minutes is not None and audit_minutes:
        _record_per_case(ctx, "meeting.minutes.read", m.id)
    summary = _summary_out(m, _org_name(ctx, m.organiser_org_code))
    return s.MeetingOut(
        **summary.model_dump(),
        organiser_sub=m.organiser_sub,
        minutes=minutes,
        version=m.version,
        created_at=m.created_at,
        updated_at=m.updated_at,
        access=s.MeetingAccessOut(
            organiser=view.organiser,
            invited=view.invited,
            confidentiality_acknowledged=view.acknowledged,
        ),
    )


def _written(ctx: Context, meeting_id: int) -> tuple[s.MeetingOut, str]:
    meeting = ctx.session.get(Meeting, meeting_id)
    assert meeting is not None
    view = _view(ctx, meeting)
    return _meeting_out(ctx, view, audit_minutes=False), etag(meeting)


def schedule_meeting(ctx: Context, data: s.MeetingCreate) -> tuple[s.MeetingOut, str]:
    p = ctx.principal
    if not can_schedule(p, data.kind):
        ctx.audit.record_refusal("meeting.create", "meeting", detail={"kind": data.kind.value})
        if data.kind is MeetingKind.EMERGENCY:
            raise forbidden(
                "緊急会議を招集できるのは健康部長だけです。",
                "Only the director of the health department convenes an emergency meeting.",
            )
        if data.kind is MeetingKind.MULTI_AGENCY:
            raise forbidden(
                "重層的支援会議を設定できるのは、地域福祉コーディネーターと事務局（地域共生推進課）です。",
                "Only coordinators and the secretariat schedule a multi-agency meeting.",
            )
        raise forbidden(
            f"{MEETING_KIND_LABELS[data.kind]}を設定できるのは事務局（地域共生推進課）です。",
            f"Only the secretariat schedules a {data.kind} meeting.",
        )
    start, end, place = data.start_time, data.end_time, data.place
    if data.regular:
        row = _check_regular_day(ctx, data.kind, data.day)
        _no_second_regular(ctx, data.kind, data.day, None)
        start = start or row.start_time
        end = end or row.end_time
        place = place or row.place
        if start is not None and end is not None and end <= start:
            raise _validation(
                "endTime",
                "time_order",
                "終了時刻は開始時刻より後にしてください。",
                "endTime must be after startTime.",
            )
    meeting = Meeting(
        kind=data.kind.value,
        regular=data.regular,
        day=data.day,
        start_time=start,
        end_time=end,
        place=place,
        status=MeetingStatus.SCHEDULED.value,
        organiser_org_code=p.org,
        organiser_sub=p.sub,
    )
    ctx.session.add(meeting)
    _flush(ctx)
    ctx.audit.record(
        "meeting.create",
        "meeting",
        meeting.id,
        detail={"kind": data.kind.value, "regular": data.regular, "day": data.day.isoformat()},
    )
    return _written(ctx, meeting.id)


@dataclass(frozen=True)
class MeetingFilters:
    date_from: date | None = None
    date_to: date | None = None
    kind: MeetingKind | None = None


# Meetings by day, then start time (those without one first, on both databases), then id: the
# order of a calendar, and a unique key for the list's cursor.
_BY_DAY = (Meeting.day, Meeting.start_time.asc().nulls_first(), Meeting.id)
_MEETING_CURSOR = "meeting"


def _meeting_cursor(meeting: Meeting) -> str:
    start = "" if meeting.start_time is None else meeting.start_time.isoformat()
    return encode_key_cursor(_MEETING_CURSOR, meeting.day.isoformat(), start, str(meeting.id))


def _optional_time(text: str) -> time | None:
    return time.fromisoformat(text) if text else None


def _after_meeting(cursor: str | None) -> ColumnElement[bool] | None:
    """The meetings that come after the one the cursor names, in ``_BY_DAY`` order."""
    key = decode_key_cursor(_MEETING_CURSOR, cursor, date.fromisoformat, _optional_time, int)
    if key is None:
        return None
    day, start, last_id = key
    later_start: ColumnElement[bool]
    same_start: ColumnElement[bool]
    if start is None:
        later_start = Meeting.start_time.is_not(None)
        same_start = Meeting.start_time.is_(None)
    else:
        later_start = Meeting.start_time > start
        same_start = Meeting.start_time == start
    return or_(
        Meeting.day > day,
        and_(Meeting.day == day, or_(later_start, and_(same_start, Meeting.id > last_id))),
    )


def list_meetings(
    ctx: Context, filters: MeetingFilters, cursor: str | None, limit: int
) -> tuple[list[s.MeetingSummary], str | None]:
    p = ctx.principal
    after = _after_meeting(cursor)
    if not p.does_case_work:
        return [], None
    stmt = (
        select(Meeting, Organization.name)
        .outerjoin(Organization, Organization.code == Meeting.organiser_org_code)
        .order_by(*_BY_DAY)
        .limit(page_limit(limit + 1))
    )
    if not p.has(Role.SECRETARIAT):
        invited = [Attendee.user_id == p.sub]
        conditions = [Meeting.organiser_sub == p.sub]
        if p.org is not None:
            invited.append(Attendee.org_code == p.org)
            kinds = [k.value for k in MeetingKind if can_schedule(p, k)]
            if kinds:
                conditions.append(
                    and_(Meeting.organiser_org_code == p.org, Meeting.kind.in_(kinds))
                )
        conditions.append(
            select(Attendee.id).where(Attendee.meeting_id == Meeting.id, or_(*invited)).exists()
        )
        stmt = stmt.where(or_(*conditions))
    if after is not None:
        stmt = stmt.where(after)
    if filters.date_from is not None:
        stmt = stmt.where(Meeting.day >= filters.date_from)
    if filters.date_to is not None:
        stmt = stmt.where(Meeting.day <= filters.date_to)
    if filters.kind is not None:
        stmt = stmt.where(Meeting.kind == filters.kind.value)
    rows = ctx.session.execute(stmt).all()
    page = rows[:limit]
    next_cursor = _meeting_cursor(page[-1][0]) if len(rows) > limit else None
    return [_summary_out(m, name) for m, name in page], next_cursor


def list_requestable_meetings(ctx: Context, kind: s.RequestKind | None) -> list[s.MeetingSummary]:
    """Meetings a case worker may bring a case to (see the route); nothing for accounts that do
    no case work. The deadline is checked in the domain, meeting by meeting, on the few
    scheduled meetings ahead."""
    if not may_list_meetings_open_for_requests(ctx.principal):
        return []
    kinds = [kind] if kind is not None else list(get_args(s.RequestKind))
    stmt = (
        select(Meeting, Organization.name)
        .outerjoin(Organization, Organization.code == Meeting.organiser_org_code)
        .where(
            Meeting.kind.in_(kinds),
            Meeting.status == MeetingStatus.SCHEDULED.value,
            Meeting.day >= ctx.today,
        )
        .order_by(*_BY_DAY)
    )
    return [
        _summary_out(m, name)
        for m, name in ctx.session.execute(stmt).all()
        if takes_requests(
            MeetingKind(m.kind),
            MeetingStatus(m.status),
            m.day,
            regular=m.regular,
            today=ctx.today,
        )
    ]


def get_meeting(ctx: Context, meeting_id: int) -> tuple[s.MeetingOut, str]:
    view = _visible(ctx, meeting_id, "meeting.read")
    return _meeting_out(ctx, view, audit_minutes=True), etag(view.meeting)


def update_meeting(
    ctx: Context, meeting_id: int, if_match: str | None, data: s.MeetingUpdate
) -> tuple[s.MeetingOut, str]:
    view = _organised(ctx, meeting_id, "meeting.update")
    m = view.meeting
    check_if_match(m, if_match)
    current = MeetingStatus(m.status)
    if current is not MeetingStatus.SCHEDULED:
        raise _conflict(
            f"「{MEETING_STATUS_LABELS[current]}」の会議は変更できません。",
            f"A {current} meeting cannot be changed.",
        )
    changes = data.model_dump(exclude_unset=True)
    day = data.day if data.day is not None else m.day
    if "day" in changes and m.regular and day != m.day:
        _check_regular_day(ctx, view.kind, day)
        _no_second_regular(ctx, view.kind, day, m.id)
    start = changes.get("start_time", m.start_time)
    end = changes.get("end_time", m.end_time)
    if start is not None and end is not None and end <= start:
        raise _validation(
            "endTime",
            "time_order",
            "終了時刻は開始時刻より後にしてください。",
            "endTime must be after startTime.",
        )
    m.day, m.start_time, m.end_time = day, start, end
    if "place" in changes:
        m.place = data.place
    if data.status is not None:
        target = MeetingStatus(data.status)
        if not can_change_meeting_status(current, target, day=day, today=ctx.today):
            raise _conflict(
                f"開催日（{japanese_date(day)}）より前に開催済みにはできません。",
                "A meeting cannot be marked held before its day.",
            )
        m.status = target.value
    m.updated_at = now()
    _flush(ctx)
    ctx.audit.record(
        "meeting.update",
        "meeting",
        m.id,
        detail={"fields": sorted(changes), **({"status": data.status} if data.status else {})},
    )
    return _written(ctx, m.id)


def record_minutes(
    ctx: Context, meeting_id: int, if_match: str | None, data: s.MinutesIn
) -> tuple[s.MeetingOut, str]:
    view = _organised(ctx, meeting_id, "meeting.minutes")
    m = view.meeting
    check_if_match(m, if_match)
    _not_cancelled(m)
    _on_or_after_the_day(ctx, m, "議事録", "Minutes")
    m.minutes = data.minutes
    m.updated_at = now()
    _flush(ctx)
    _record_per_case(ctx, "meeting.minutes.write", m.id)
    return _written(ctx, m.id)


# ---------------------------------------------------------------- agenda


def _agenda_item(ctx: Context, view: MeetingView, item_id: int) -> AgendaItem:
    item = ctx.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != view.id:
        raise not_found("議題", "agenda item")
    return item


def _check_plan(ctx: Context, plan_id: int | None, case_id: int, field: str) -> None:
    if plan_id is None:
        return
    owner = ctx.session.scalar(select(SupportPlan.case_id).where(SupportPlan.id == plan_id))
    if owner != case_id:
        raise _validation(
            field,
            "unknown_plan",
            "このケースの支援プランではありません。",
            "The plan does not belong to the agenda item's case.",
        )


def _refuse_agenda(ctx: Context, action: str, kind: MeetingKind, case_id: int) -> None:
    ctx.audit.record_refusal(
        action, "case", case_id, case_id=case_id, detail={"reason": AgendaRefusal.NO_CONSENT}
    )
    raise _conflict(
        f"本人の同意が有効でないケースは{MEETING_KIND_LABELS[kind]}の議題にできません。"
        "同意を得るまでは支援会議で検討してください。",
        f"A case without the person's consent in force cannot go on a {kind} meeting's agenda.",
    )


def _not_on_agenda(ctx: Context, meeting_id: int, case_id: int) -> None:
    found = ctx.session.scalar(
        select(AgendaItem.id)
        .where(AgendaItem.meeting_id == meeting_id, AgendaItem.case_id == case_id)
        .limit(1)
    )
    if found is not None:
        raise _conflict(
            "このケースは既にこの会議の議題になっています。",
            "The case is already on this meeting's agenda.",
        )


def _new_item(
    ctx: Context,
    meeting_id: int,
    case_id: int,
    purpose: AgendaPurpose,
    summary: str,
    plan_id: int | None,
    request_id: int | None,
) -> AgendaItem:
    position = (
        ctx.session.scalar(
            select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting_id)
        )
        or 0
    ) + 1
    item = AgendaItem(
        meeting_id=meeting_id,
        case_id=case_id,
        position=position,
        purpose=purpose.value,
        summary=summary,
        plan_id=plan_id,
        request_id=request_id,
    )
    ctx.session.add(item)
    ctx.session.flush()
    ctx.audit.record(
        "agenda_item.create",
        "agenda_item",
        item.id,
        case_id=case_id,
        purpose=_purpose(meeting_id),
        detail={"request_id": request_id} if request_id else None,
    )
    return item


def _item_out(
    item: AgendaItem | Row[Any], *, restricted: bool, case_number: str | None = None
) -> s.AgendaItemOut:
    purpose = AgendaPurpose(item.purpose)
    out = s.AgendaItemOut(
        id=item.id,
        meeting_id=item.meeting_id,
        position=item.position,
        purpose=purpose,
        purpose_label=AGENDA_PURPOSE_LABELS[purpose],
        summary=item.summary,
        restricted=restricted,
    )
    if not restricted:
        out.case_id = item.case_id
        out.case_number = case_number
        out.plan_id = item.plan_id
        out.request_id = item.request_id
    return out


def add_agenda_item(ctx: Context, meeting_id: int, data: s.AgendaItemCreate) -> s.AgendaItemOut:
    view = _organised(ctx, meeting_id, "agenda_item.create")
    _not_cancelled(view.meeting)
    access = _readable(ctx, data.case_id, "agenda_item.create")
    if agenda_refusal(view.kind, consent_in_force=_consent_in_force(access.facts, ctx.today)):
        _refuse_agenda(ctx, "agenda_item.create", view.kind, data.case_id)
    _check_plan(ctx, data.plan_id, data.case_id, "planId")
    _not_on_agenda(ctx, view.id, data.case_id)
    item = _new_item(
        ctx, view.id, data.case_id, data.purpose, data.summary, data.plan_id, request_id=None
    )
    return _item_out(item, restricted=False, case_number=access.case.number)


def update_agenda_item(
    ctx: Context, meeting_id: int, item_id: int, data: s.AgendaItemUpdate
) -> s.AgendaItemOut:
    view = _organised(ctx, meeting_id, "agenda_item.update")
    _not_cancelled(view.meeting)
    item = _agenda_item(ctx, view, item_id)
    changes = data.model_dump(exclude_unset=True)
    if data.purpose is not None:
        item.purpose = data.purpose.value
    if data.summary is not None:
        item.summary = data.summary
    if "plan_id" in changes:
        _check_plan(ctx, data.plan_id, item.case_id, "planId")
        item.plan_id = data.plan_id
    _flush(ctx)
    ctx.audit.record(
        "agenda_item.update",
        "agenda_item",
        item.id,
        case_id=item.case_id,
        purpose=_purpose(view.id),
        detail={"fields": sorted(changes)},
    )
    number = ctx.session.scalar(select(Case.number).where(Case.id == item.case_id))
    return _item_out(item, restricted=False, case_number=number)


@dataclass(frozen=True)
class ItemAccess:
    """How the caller reads one agenda item: in full, restricted to its summary, or not at all."""

    basis: str
    restricted: bool
    case_number: str | None


# The columns of the agenda's cases that access is decided on, built once.
_ITEM_CASES = select(*CASE_HEAD_COLUMNS).where(Case.id.in_(bindparam("case_ids", expanding=True)))


def _items_access(
    ctx: Context, view: MeetingView, items: Iterable[AgendaItem | Row[Any]]
) -> dict[int, ItemAccess | None]:
    """How the caller reads each agenda item, by item id. The items' cases and their access
    facts are loaded together: a constant number of queries however long the agenda."""
    items = list(items)
    if not items:
        return {}
    case_ids = sorted({item.case_id for item in items})
    cases = {c.id: c for c in plain_rows(ctx.session, _ITEM_CASES, {"case_ids": case_ids})}
    if view.organiser:
        return {
            item.id: ItemAccess("organiser", False, cases[item.case_id].number) for item in items
        }
    facts_of = load_facts_many(ctx.session, cases.values(), ctx.today)
    return {
        item.id: _item_access(ctx, view, cases[item.case_id].number, facts_of[item.case_id][0])
        for item in items
    }


def _item_access(
    ctx: Context, view: MeetingView, case_number: str, facts: CaseFacts
) -> ItemAccess | None:
    basis = read_basis(ctx.principal, facts, ctx.today)
    if basis in FULL_READ:
        return ItemAccess(str(basis), False, case_number)
    if member_may_read_item(
        view.kind,
        invited=view.invited,
        acknowledged_confidentiality=view.acknowledged,
        consent_covers=consent_covers(facts.main_consent, ctx.principal.org, ctx.today),
    ):
        return ItemAccess("meeting_member", True, None)
    return None


def _require_acknowledgement(ctx: Context, view: MeetingView, action: str) -> None:
    """A 支援会議 member reads nothing of its cases before acknowledging confidentiality."""
    p = ctx.principal
    if view.kind is not MeetingKind.SUPPORT or view.organiser or p.has(Role.SECRETARIAT):
        return
    if not view.acknowledged:
        ctx.audit.record_refusal(
            action, "meeting", view.id, detail={"reason": "confidentiality_not_acknowledged"}
        )
        raise forbidden(
            "支援会議の議題を閲覧するには、先に守秘義務の確認"
            "（POST /meetings/{id}/confidentiality-acknowledgements）をしてください。",
            "Acknowledge the duty of confidentiality before reading a support meeting's agenda.",
        )


# A meeting's agenda, as plain rows (shown, not changed), built once.
_AGENDA = (
    select(AgendaItem.__table__)
    .where(AgendaItem.meeting_id == bindparam("meeting_id"))
    .order_by(AgendaItem.position, AgendaItem.id)
)


def list_agenda_items(ctx: Context, meeting_id: int) -> list[s.AgendaItemOut]:
    view = _visible(ctx, meeting_id, "agenda_item.list")
    _require_acknowledgement(ctx, view, "agenda_item.list")
    items = plain_rows(ctx.session, _AGENDA, {"meeting_id": view.id}).all()
    access_of = _items_access(ctx, view, items)
    readable = [(item, access) for item in items if (access := access_of[item.id]) is not None]
    ctx.audit.record_many(
        "agenda_item.read",
        "agenda_item",
        (
            Entry(
                item.id,
                case_id=item.case_id,
                purpose=_purpose(view.id),
                detail={"basis": access.basis},
            )
            for item, access in readable
        ),
    )
    return [
        _item_out(item, restricted=access.restricted, case_number=access.case_number)
        for item, access in readable
    ]


# ---------------------------------------------------------------- requests and screening


def _may_screen(ctx: Context) -> bool:
    p = ctx.principal
    return p.does_case_work and (p.has(Role.COORDINATOR) or p.has(Role.SECRETARIAT))


def _request_out(
    r: MeetingRequest, case_number: str, meeting_day: date | None, agenda_item_id: int | None
) -> s.MeetingRequestOut:
    kind = MeetingKind(r.kind)
    return s.MeetingRequestOut(
        id=r.id,
        case_id=r.case_id,
        case_number=case_number,
        kind=kind,
        kind_label=MEETING_KIND_LABELS[kind],
        meeting_id=r.meeting_id,
        meeting_day=meeting_day,
        purpose=AgendaPurpose(r.purpose),
        note=r.note,
        requested_on=r.requested_on,
        requested_by=r.requested_by_sub,
        requested_by_org=r.requested_by_org_code,
        status=r.status,
        screened_by=r.screened_by_sub,
        screening_note=r.screening_note,
        agenda_item_id=agenda_item_id,
        created_at=r.created_at,
    )


def create_meeting_request(
    ctx: Context, case_id: int, data: s.MeetingRequestCreate
) -> s.MeetingRequestOut:
    access = _readable(ctx, case_id, "meeting_request.create")
    if not can_edit_case(ctx.principal, access.facts, ctx.today):
        ctx.audit.record_refusal("meeting_request.create", "case", case_id, case_id=case_id)
        raise forbidden(
            "このケースの会議への検討依頼をする権限がありません。",
            "You may not request a meeting for this case.",
        )
    kind = MeetingKind(data.kind)
    meeting = ctx.session.get(Meeting, data.meeting_id)
    if meeting is None:
        raise _validation(
            "meetingId", "unknown_meeting", "存在しない会議です。", "No such meeting."
        )
    if meeting.kind != kind.value:
        raise _validation(
            "meetingId",
            "kind_mismatch",
            f"指定の会議は{MEETING_KIND_LABELS[MeetingKind(meeting.kind)]}です"
            f"（依頼の種類: {MEETING_KIND_LABELS[kind]}）。",
            f"The meeting is a {meeting.kind} meeting, not {kind}.",
        )
    if meeting.status != MeetingStatus.SCHEDULED.value or meeting.day < ctx.today:
        raise _conflict(
            "この会議は開催済みか中止のため、検討依頼を受け付けていません。",
            "The meeting is past or cancelled; it takes no more requests.",
        )
    if not request_on_time(ctx.today, meeting.day, regular=meeting.regular):
        deadline = request_deadline(meeting.day)
        raise _validation(
            "meetingId",
            "past_deadline",
            f"{meeting.day.year}年{meeting.day.month}月の定例{MEETING_KIND_LABELS[kind]}への"
            f"検討依頼の締切は{japanese_date(deadline)}（前月の第2火曜日）でした。"
            "翌月以降の定例会議か、臨時開催の会議に依頼してください。",
            f"Requests for the regular meeting of {meeting.day:%Y-%m} were due by "
            f"{deadline.isoformat()}; request a later or an ad hoc meeting.",
        )
    if agenda_refusal(kind, consent_in_force=_consent_in_force(access.facts, ctx.today)):
        _refuse_agenda(ctx, "meeting_request.create", kind, case_id)
    pending = ctx.session.scalar(
        select(MeetingRequest.id)
        .where(
            MeetingRequest.case_id == case_id,
            MeetingRequest.meeting_id == meeting.id,
            MeetingRequest.status.in_(("submitted", "accepted")),
        )
        .limit(1)
    )
    if pending is not None:
        raise _conflict(
            "このケースはこの会議に既に依頼されています。",
            "The case has already been requested for this meeting.",
        )
    request = MeetingRequest(
        case_id=case_id,
        kind=kind.value,
        meeting_id=meeting.id,
        purpose=data.purpose.value,
        note=data.note,
        requested_on=ctx.today,
        requested_by_sub=ctx.principal.sub,
        requested_by_org_code=ctx.principal.org,
        status="submitted",
    )
    ctx.session.add(request)
    ctx.session.flush()
    ctx.audit.record(
        "meeting_request.create",
        "meeting_request",
        request.id,
        case_id=case_id,
        detail={"meeting_id": meeting.id, "kind": kind.value},
    )
    return _request_out(request, access.case.number, meeting.day, None)


@dataclass(frozen=True)
class RequestFilters:
    status: str | None = None
    kind: MeetingKind | None = None
    meeting_id: int | None = None


def _refuse_screening(ctx: Context, action: str) -> AppError:
    ctx.audit.record_refusal(action, "meeting_request")
    return forbidden(
        "会議への検討依頼を扱えるのは、地域福祉コーディネーターと事務局（地域共生推進課）です。",
        "Only coordinators and the secretariat handle meeting requests.",
    )


def list_meeting_requests(
    ctx: Context, filters: RequestFilters, cursor: str | None, limit: int
) -> tuple[list[s.MeetingRequestOut], str | None]:
    if not _may_screen(ctx):
        raise _refuse_screening(ctx, "meeting_request.list")
    after = decode_cursor(cursor)
    stmt = (
        select(MeetingRequest, Case.number, Meeting.day, AgendaItem.id)
        .join(Case, Case.id == MeetingRequest.case_id)
        .outerjoin(Meeting, Meeting.id == MeetingRequest.meeting_id)
        .outerjoin(AgendaItem, AgendaItem.request_id == MeetingRequest.id)
        .order_by(MeetingRequest.id.desc())
        .limit(page_limit(limit + 1))
    )
    if after is not None:
        stmt = stmt.where(MeetingRequest.id < after)
    if filters.status is not None:
        stmt = stmt.where(MeetingRequest.status == filters.status)
    if filters.kind is not None:
        stmt = stmt.where(MeetingRequest.kind == filters.kind.value)
    if filters.meeting_id is not None:
        stmt = stmt.where(MeetingRequest.meeting_id == filters.meeting_id)
    rows = ctx.session.execute(stmt).all()
    page = rows[:limit]
    ctx.audit.record_case_reads(
        "meeting_request.list", list(dict.fromkeys(r.case_id for r, *_ in page))
    )
    items = [_request_out(r, number, day, item_id) for r, number, day, item_id in page]
    return items, (encode_cursor(page[-1][0].id) if len(rows) > limit else None)


def screen_meeting_request(
    ctx: Context, request_id: int, data: s.ScreeningIn
) -> s.MeetingRequestOut:
    if not _may_screen(ctx):
        raise _refuse_screening(ctx, "meeting_request.screen")
    request = ctx.session.get(MeetingRequest, request_id, with_for_update=True)
    if request is None:
        raise not_found("検討依頼", "meeting request")
    if request.status != "submitted":
        raise _conflict(
            "この検討依頼は既にスクリーニング済みです。", "The request has already been screened."
        )
    case = get_case_row(ctx.session, request.case_id, for_update=True)
    meeting = (
        ctx.session.get(Meeting, request.meeting_id, with_for_update=True)
        if request.meeting_id is not None
        else None
    )
    item_id = None
    if data.decision == "accepted":
        if meeting is None or meeting.status != MeetingStatus.SCHEDULED.value:
            raise _conflict(
                "依頼先の会議が開催済みか中止のため、議題にできません。却下して別の会議に依頼してください。",
                "The requested meeting is past or cancelled; reject the request instead.",
            )
        kind = MeetingKind(meeting.kind)
        facts, _ = load_facts(ctx.session, case, ctx.today)
        if agenda_refusal(kind, consent_in_force=_consent_in_force(facts, ctx.today)):
            _refuse_agenda(ctx, "meeting_request.screen", kind, case.id)
        _not_on_agenda(ctx, meeting.id, case.id)
        item = _new_item(
            ctx,
            meeting.id,
            case.id,
            AgendaPurpose(request.purpose),
            request.note or case.main_complaint,
            plan_id=None,
            request_id=request.id,
        )
        item_id = item.id
    request.status = data.decision
    request.screened_by_sub = ctx.principal.sub
    request.screening_note = data.note
    ctx.session.flush()
    ctx.audit.record(
        "meeting_request.screen",
        "meeting_request",
        request.id,
        case_id=case.id,
        detail={"decision": data.decision, "agenda_item_id": item_id},
    )
    return _request_out(request, case.number, meeting.day if meeting else None, item_id)


def list_case_meetings(ctx: Context, case_id: int) -> list[s.CaseMeetingOut]:
    """The meetings a case was brought to, by day: its agenda items (with what was decided on
    them) and its requests not on an agenda (waiting for screening, or rejected). For those who
    read the whole case; a member of a 支援会議 reads the agenda item there, not this list."""
    access = _readable(ctx, case_id, "case_meetings.list")
    items = ctx.session.execute(
        select(AgendaItem, Meeting)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.case_id == case_id)
    ).all()
    decisions: dict[int, list[s.CaseDecisionOut]] = {}
    item_ids = [item.id for item, _ in items]
    if item_ids:
        for d in ctx.session.scalars(
            select(Decision).where(Decision.agenda_item_id.in_(item_ids)).order_by(Decision.id)
        ):
            assert d.agenda_item_id is not None
            kind = DecisionKind(d.kind)
            decisions.setdefault(d.agenda_item_id, []).append(
                s.CaseDecisionOut(
                    id=d.id, kind=kind, kind_label=DECISION_KIND_LABELS[kind], content=d.content
                )
            )
    requests = ctx.session.execute(
        select(MeetingRequest, Meeting)
        .outerjoin(Meeting, Meeting.id == MeetingRequest.meeting_id)
        .where(MeetingRequest.case_id == case_id)
    ).all()
    status_of = {r.id: r.status for r, _ in requests}
    out = [
        _case_meeting(
            m,
            MeetingKind(m.kind),
            AgendaPurpose(item.purpose),
            agenda_item_id=item.id,
            request_id=item.request_id,
            request_status=status_of.get(item.request_id) if item.request_id else None,
            decisions=decisions.get(item.id, []),
        )
        for item, m in items
    ]
    on_agenda = {item.request_id for item, _ in items if item.request_id is not None}
    out += [
        _case_meeting(
            m,
            MeetingKind(r.kind),
            AgendaPurpose(r.purpose),
            agenda_item_id=None,
            request_id=r.id,
            request_status=r.status,
            decisions=[],
        )
        for r, m in requests
        if r.id not in on_agenda
    ]
    out.sort(key=lambda c: (c.day or date.max, c.meeting_id or 0, c.request_id or 0))
    ctx.audit.record("case_meetings.list", "case", access.case.id, case_id=access.case.id)
    return out


def _case_meeting(
    m: Meeting | None,
    kind: MeetingKind,
    purpose: AgendaPurpose,
    *,
    agenda_item_id: int | None,
    request_id: int | None,
    request_status: str | None,
    decisions: list[s.CaseDecisionOut],
) -> s.CaseMeetingOut:
    return s.CaseMeetingOut(
        meeting_id=m.id if m else None,
        kind=kind,
        kind_label=MEETING_KIND_LABELS[kind],
        day=m.day if m else None,
        regular=m.regular if m else None,
        meeting_status=MeetingStatus(m.status) if m else None,
        purpose=purpose,
        purpose_label=AGENDA_PURPOSE_LABELS[purpose],
        agenda_item_id=agenda_item_id,
        request_id=request_id,
        request_status=request_status,
        decisions=decisions,
    )


def list_closed_days(first: date, last: date) -> s.ClosedDaysOut:
    try:
        days = closed_weekdays(first, last)
    except ValueError as exc:
        raise _validation(
            "to",
            "bad_range",
            f"期間は{CALENDAR_YEARS[0]}年から{CALENDAR_YEARS[1]}年までの間で、開始日から"
            f"{MAX_CALENDAR_DAYS}日以内で指定してください。",
            f"Give a range of at most {MAX_CALENDAR_DAYS} days, from before to, between "
            f"{CALENDAR_YEARS[0]} and {CALENDAR_YEARS[1]}.",
        ) from exc
    return s.ClosedDaysOut(
        from_=first,
        to=last,
        days=[
            s.ClosedDayOut(day=d.day, holiday_name=d.holiday_name, year_end_break=d.year_end_break)
            for d in days
        ],
    )


# ---------------------------------------------------------------- attendees


def _attendee_out(a: Attendee, org: Organization, *, contact: bool) -> s.AttendeeOut:
    return s.AttendeeOut(
        id=a.id,
        meeting_id=a.meeting_id,
        org=a.org_code,
        org_name=org.name,
        org_kind=org.kind,
        field=org.field_code,
        user_id=a.user_id,
        name=a.name,
        email=a.email if contact else None,
        postal_address=a.postal_address if contact else None,
        notice_channel=a.notice_channel,
        attended=a.attended,
        confidentiality_acknowledged_at=a.confidentiality_acknowledged_at,
        notice_sent_at=a.notice_sent_at,
    )


def _org(ctx: Context, code: str, field: str) -> Organization:
    org = ctx.session.get(Organization, code)
    if org is None or not org.active:
        raise _validation(
            field, "unknown_code", f"存在しないコードです: {code}", f"Unknown org {code}."
        )
    if not does_support_work(OrgKind(org.kind)):
        raise _validation(
            field,
            "partner_org",
            f"「{org.name}」は参加支援の協力事業所のため、会議の出席者や役割分担には指定できません。",
            f"{code} is a partner business of participation support; it attends no meeting and "
            "takes no role.",
        )
    return org


def add_attendee(ctx: Context, meeting_id: int, data: s.AttendeeCreate) -> s.AttendeeOut:
    view = _organised(ctx, meeting_id, "attendee.create")
    _not_cancelled(view.meeting)
    org = _org(ctx, data.org, "org")
    email = data.email
    if data.user_id is not None:
        user = ctx.session.get(User, data.user_id)
        if user is None or not user.active or user.org_code != data.org:
            raise _validation(
                "userId",
                "unknown_user",
                "指定の組織に所属する有効な利用者ではありません。",
                "userId is not an active user of that org.",
            )
        email = email or user.email
    if data.notice_channel == "email" and not email:
        raise _validation(
            "email",
            "no_email_address",
            "メールで通知する出席者のメールアドレスが登録されていません。",
            "The attendee has no e-mail address for an e-mail notice.",
        )
    same = ctx.session.scalar(
        select(Attendee.id)
        .where(
            Attendee.meeting_id == view.id,
            Attendee.org_code == data.org,
            Attendee.user_id == data.user_id
            if data.user_id is not None
            else Attendee.user_id.is_(None),
            Attendee.name == data.name if data.name is not None else Attendee.name.is_(None),
        )
        .limit(1)
    )
    if same is not None:
        raise _conflict("この出席者は既に登録されています。", "The attendee is already invited.")
    attendee = Attendee(
        meeting_id=view.id,
        org_code=data.org,
        user_id=data.user_id,
        name=data.name,
        email=email,
        postal_address=data.postal_address,
        notice_channel=data.notice_channel,
    )
    ctx.session.add(attendee)
    ctx.session.flush()
    ctx.audit.record("attendee.create", "attendee", attendee.id, detail={"meeting_id": view.id})
    return _attendee_out(attendee, org, contact=True)


def list_attendees(ctx: Context, meeting_id: int) -> list[s.AttendeeOut]:
    view = _visible(ctx, meeting_id, "attendee.list")
    contact = view.organiser
    rows = ctx.session.execute(
        select(Attendee, Organization)
        .join(Organization, Organization.code == Attendee.org_code)
        .where(Attendee.meeting_id == view.id)
        .order_by(Attendee.id)
    ).all()
    return [_attendee_out(a, org, contact=contact) for a, org in rows]


def record_attendance(
    ctx: Context, meeting_id: int, attendee_id: int, data: s.AttendanceIn
) -> s.AttendeeOut:
    view = _organised(ctx, meeting_id, "attendee.attendance")
    _not_cancelled(view.meeting)
    _on_or_after_the_day(ctx, view.meeting, "出欠", "Attendance")
    attendee = ctx.session.get(Attendee, attendee_id)
    if attendee is None or attendee.meeting_id != view.id:
        raise not_found("出席者", "attendee")
    attendee.attended = data.attended
    ctx.session.flush()
    ctx.audit.record(
        "attendee.attendance",
        "attendee",
        attendee.id,
        detail={"meeting_id": view.id, "attended": data.attended},
    )
    org = ctx.session.get(Organization, attendee.org_code)
    assert org is not None
    return _attendee_out(attendee, org, contact=True)


def acknowledge_confidentiality(ctx: Context, meeting_id: int) -> s.AcknowledgementOut:
    view = _visible(ctx, meeting_id, "meeting.confidentiality", for_update=True)
    p = ctx.principal
    if not view.invited:
        ctx.audit.record_refusal("meeting.confidentiality", "meeting", view.id)
        raise forbidden("この会議に招待されていません。", "You are not invited to this meeting.")
    if p.kind is not PrincipalKind.USER:
        ctx.audit.record_refusal("meeting.confidentiality", "meeting", view.id)
        raise forbidden(
            "守秘義務の確認は、会議に出席する職員本人がログインして行ってください。",
            "The duty of confidentiality is acknowledged by a person, not an API client.",
        )
    _not_cancelled(view.meeting)
    rows = _invitations(ctx, view.id)
    own = next((r for r in rows if r.user_id == p.sub), None)
    if own is None:
        # Invited through its unit or agency: the acknowledgement is personal, so the person
        # gets a seat of its own (notified with the unit's notice already).
        seat = next((r for r in rows if r.user_id is None), rows[0])
        user = ctx.session.get(User, p.sub)
        own = Attendee(
            meeting_id=view.id,
            org_code=seat.org_code,
            user_id=p.sub,
            email=user.email if user else None,
            notice_channel="email" if user and user.email else seat.notice_channel,
            postal_address=None if user and user.email else seat.postal_address,
            notice_sent_at=seat.notice_sent_at,
        )
        ctx.session.add(own)
    if own.confidentiality_acknowledged_at is None:
        own.confidentiality_acknowledged_at = now()
    ctx.session.flush()
    ctx.audit.record(
        "meeting.confidentiality_acknowledge",
        "attendee",
        own.id,
        purpose=_purpose(view.id),
        detail={"meeting_id": view.id},
    )
    assert own.confidentiality_acknowledged_at is not None
    return s.AcknowledgementOut(
        meeting_id=view.id, attendee_id=own.id, acknowledged_at=own.confidentiality_acknowledged_at
    )


# ---------------------------------------------------------------- decisions


def _content(kind: DecisionKind, content: dict[str, Any]) -> Any:
    model = s.DECISION_CONTENT[kind]
    try:
        return model.model_validate(content)
    except ValidationError as exc:
        errors = [
            FieldError(
                field=".".join(["content", *(str(part) for part in err["loc"])]),
                message=str(err["msg"]),
                code=str(err["type"]),
            )
            for err in exc.errors()
        ]
        raise AppError(
            "validation-error",
            f"「{DECISION_KIND_LABELS[kind]}」の内容（content）を確認してください。",
            f"Check the content of the {kind} decision.",
            errors=errors,
        ) from exc


def _decision_out(
    d: Decision,
    *,
    case_status: CaseStatus | None = None,
    team_membership_id: int | None = None,
    plan_item: AddedItem | None = None,
) -> s.DecisionOut:
    kind = DecisionKind(d.kind)
    return s.DecisionOut(
        id=d.id,
        meeting_id=d.meeting_id,
        agenda_item_id=d.agenda_item_id,
        kind=kind,
        kind_label=DECISION_KIND_LABELS[kind],
        content=d.content,
        decided_by=d.decided_by_sub,
        created_at=d.created_at,
        case_status=case_status,
        team_membership_id=team_membership_id,
        plan_id=plan_item.plan_id if plan_item else None,
        plan_item_id=plan_item.item_id if plan_item else None,
    )


def _refuse_decision(kind: MeetingKind, decision: DecisionKind) -> AppError:
    if decision is DecisionKind.PLAN_APPROVAL:
        return _conflict(
            "支援プランを承認できるのは重層的支援会議だけです。",
            "Only a multi-agency meeting approves a plan.",
        )
    return _conflict(
        f"{MEETING_KIND_LABELS[kind]}では「{DECISION_KIND_LABELS[decision]}」を決定できません"
        "（重層的支援会議または支援会議で決定します）。",
        f"A {kind} meeting cannot decide {decision}.",
    )


def record_decision(ctx: Context, meeting_id: int, data: s.DecisionCreate) -> s.DecisionOut:
    view = _organised(ctx, meeting_id, "decision.create")
    m = view.meeting
    _not_cancelled(m)
    _on_or_after_the_day(ctx, m, "決定", "A decision")
    item = _agenda_item(ctx, view, data.agenda_item_id)
    content = _content(data.kind, data.content)
    if not may_record_decision(view.kind, data.kind):
        raise _refuse_decision(view.kind, data.kind)
    case = get_case_row(ctx.session, item.case_id, for_update=True)
    purpose = _purpose(m.id)
    case_status: CaseStatus | None = None
    membership_id: int | None = None
    plan_item: AddedItem | None = None
    if data.kind is DecisionKind.ROLE_ASSIGNMENT:
        assert isinstance(content, s.RoleAssignmentContent)
        _org(ctx, content.org, "content.org")
        if content.end_date is not None and content.end_date < m.day:
            raise _validation(
                "content.endDate",
                "end_before_start",
                "終了日は会議の日以降にしてください。",
                "endDate is before the meeting day.",
            )
        membership = TeamMembership(
            case_id=case.id,
            org_code=content.org,
            role=content.role,
            start_date=m.day,
            end_date=content.end_date,
            added_by_sub=ctx.principal.sub,
        )
        ctx.session.add(membership)
        case.updated_at = now()
        _flush(ctx)
        membership_id = membership.id
        ctx.audit.record(
            "team.add",
            "team_membership",
            membership.id,
            case_id=case.id,
            purpose=purpose,
            detail={"org": content.org},
        )
        plan_item = add_item_by_meeting(
            ctx,
            case_id=case.id,
            item=ItemIn(
                content=content.support_content or content.role,
                responsible_org=content.org,
                frequency=content.frequency,
                start_date=m.day,
                end_date=content.end_date,
                function=content.function,
            ),
            meeting_id=m.id,
            field="content",
        )
    elif data.kind is DecisionKind.PLAN_APPROVAL:
        assert isinstance(content, s.PlanApprovalContent)
        _check_plan(ctx, content.plan_id, case.id, "content.planId")
        facts, _ = load_facts(ctx.session, case, ctx.today)
        approve_by_meeting(
            ctx,
            plan_id=content.plan_id,
            meeting_id=m.id,
            meeting_kind=m.kind,
            consent_in_force=_consent_in_force(facts, ctx.today),
        )
    elif data.kind in (DecisionKind.CLOSE_CASE, DecisionKind.SUSPEND_CASE):
        current = CaseStatus(case.status)
        target = CaseStatus.CLOSED if data.kind is DecisionKind.CLOSE_CASE else CaseStatus.SUSPENDED
        if not can_transition(current, target):
            raise _conflict(
                f"「{STATUS_LABELS[current]}」から「{STATUS_LABELS[target]}」には変更できません。",
                f"A case cannot go from {current} to {target}.",
            )
        case.status = target.value
        case.updated_at = now()
        assert isinstance(content, s.CaseStatusContent)
        record_status_change(
            ctx, case, current, target, content.reason, effective_on=m.day, meeting_id=m.id
        )
        _flush(ctx)
        case_status = target
        ctx.audit.record(
            "case.status",
            "case",
            case.id,
            case_id=case.id,
            purpose=purpose,
            detail={"from": current.value, "to": target.value},
        )
    decision = Decision(
        meeting_id=m.id,
        agenda_item_id=item.id,
        kind=data.kind.value,
        content=content.model_dump(mode="json", by_alias=True, exclude_none=True),
        decided_by_sub=ctx.principal.sub,
    )
    ctx.session.add(decision)
    _flush(ctx)
    ctx.audit.record(
        "decision.create",
        "decision",
        decision.id,
        case_id=case.id,
        purpose=purpose,
        detail={"kind": data.kind.value},
    )
    return _decision_out(
        decision, case_status=case_status, team_membership_id=membership_id, plan_item=plan_item
    )


def list_decisions(ctx: Context, meeting_id: int) -> list[s.DecisionOut]:
    view = _visible(ctx, meeting_id, "decision.list")
    _require_acknowledgement(ctx, view, "decision.list")
    rows: list[tuple[Decision, AgendaItem | None]] = [
        (decision, item)
        for decision, item in ctx.session.execute(
            select(Decision, AgendaItem)
            .outerjoin(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
            .where(Decision.meeting_id == view.id)
            .order_by(Decision.id)
        ).all()
    ]
    items = {item.id: item for _, item in rows if item is not None}
    access_of = _items_access(ctx, view, items.values())
    # The decisions without an item concern the meeting as a whole: read with its minutes.
    minutes_readable = any(item is None for _, item in rows) and _may_read_minutes(ctx, view)
    ctx.audit.record_many(
        "decision.list",
        "agenda_item",
        (
            Entry(item.id, case_id=item.case_id, purpose=_purpose(view.id))
            for item in items.values()
            if access_of[item.id] is not None
        ),
    )
    return [
        _decision_out(decision)
        for decision, item in rows
        if (access_of[item.id] is not None if item is not None else minutes_readable)
    ]


# ---------------------------------------------------------------- statistics


def _field_counts(counts: dict[str, int], fields: Iterable[AgencyField]) -> list[s.FieldCount]:
    return [s.FieldCount(field=f.code, name=f.name, count=counts.get(f.code, 0)) for f in fields]


def get_meeting_statistics(ctx: Context, date_from: date, date_to: date) -> s.MeetingStatisticsOut:
    if not (ctx.principal.does_case_work and ctx.principal.has(Role.SECRETARIAT)):
        ctx.audit.record_refusal("meeting.statistics", "meeting")
        raise forbidden(
            "会議の実績集計を見られるのは事務局（地域共生推進課）です。",
            "Only the secretariat reads the meeting statistics.",
        )
    if date_to < date_from:
        raise _validation(
            "to", "range", "終了日は開始日以降にしてください。", "'to' is before 'from'."
        )
    held = and_(
        Meeting.status == MeetingStatus.HELD.value,
        Meeting.day >= date_from,
        Meeting.day <= date_to,
    )
    meetings = ctx.session.execute(select(Meeting.kind, Meeting.regular).where(held)).all()
    reviews = [
        Review(meeting_id=meeting_id, kind=MeetingKind(kind), case_id=case_id)
        for meeting_id, kind, case_id in ctx.session.execute(
            select(AgendaItem.meeting_id, Meeting.kind, AgendaItem.case_id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(held)
        ).all()
    ]
    # One count per agency per meeting, however many of its people attended.
    attendance = ctx.session.execute(
        select(Attendee.meeting_id, Attendee.org_code, Meeting.kind, Organization.field_code)
        .join(Meeting, Meeting.id == Attendee.meeting_id)
        .join(Organization, Organization.code == Attendee.org_code)
        .where(held, Attendee.attended.is_(True), Organization.kind == "agency")
        .distinct()
    ).all()
    fields = ctx.session.scalars(select(AgencyField).order_by(AgencyField.sort_order)).all()
    kinds = []
    for kind in MeetingKind:
        regular = sum(1 for k, r in meetings if k == kind.value and r)
        ad_hoc = sum(1 for k, r in meetings if k == kind.value and not r)
        cases = count_cases(reviews, kind)
        by_field = count_by_field(
            (meeting_id, field or "other")
            for meeting_id, _org, k, field in attendance
            if k == kind.value
        )
        kinds.append(
            s.KindStatistics(
                kind=kind,
                kind_label=MEETING_KIND_LABELS[kind],
                held_regular=regular,
                held_ad_hoc=ad_hoc,
                held_total=regular + ad_hoc,
                distinct_cases=cases.distinct_cases,
                reviews=cases.reviews,
                agencies_by_field=_field_counts(by_field, fields),
            )
        )
    # The figure the city reports: agencies at its case meetings (支援会議 and 重層的支援会議).
    total = count_by_field(
        (meeting_id, field or "other")
        for meeting_id, _o, kind, field in attendance
        if MeetingKind(kind) in CASE_MEETINGS
    )
    ctx.audit.record(
        "meeting.statistics",
        "meeting",
        detail={"from": date_from.isoformat(), "to": date_to.isoformat()},
    )
    return s.MeetingStatisticsOut(
        date_from=date_from,
        date_to=date_to,
        kinds=kinds,
        agencies_by_field=_field_counts(total, fields),
    )
