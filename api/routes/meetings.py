"""Meeting endpoints: thin — parse, call ``api.services.meetings``, shape the response."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response, status

from api.deps import ReadCases, ReadMaster, WriteCases
from api.errors import problem_responses
from api.idempotency import Idempotent
from api.routes.paging import Cursor, Limit
from api.schemas import meetings as s
from api.schemas.base import Page
from api.services import meetings as service
from domain.fiscal import fiscal_year
from domain.meetings import MeetingKind

router = APIRouter()

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
MeetingId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Meeting id.")]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description="The meeting's current ETag (from getMeeting). "
        "Required: 428 without it, 412 if stale.",
    ),
]

READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 413, 422)
ETAG_WRITE_ERRORS = problem_responses(401, 403, 404, 409, 412, 413, 422, 428)


def _with_etag(response: Response, result: tuple[s.MeetingOut, str]) -> s.MeetingOut:
    out, tag = result
    response.headers["ETag"] = tag
    return out


# ---------------------------------------------------------------- schedules


@router.get(
    "/meeting-schedules",
    response_model=list[s.ScheduleOut],
    tags=["meetings"],
    summary="定例会議の日程 / Regular meeting schedules",
    responses=problem_responses(401, 403),
)
async def list_meeting_schedules(ctx: ReadMaster) -> list[s.ScheduleOut]:
    """The regular schedules kept as data (Kokubunji: 支援会議 and 重層的支援会議 on the 2nd
    Tuesday of each month, 15:00-17:15, city hall)."""
    return service.list_meeting_schedules(ctx)


@router.get(
    "/meeting-schedules/{kind}/dates",
    response_model=s.RegularDatesOut,
    tags=["meetings"],
    summary="定例開催日と依頼締切 / Regular dates and request deadlines",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_regular_dates(
    ctx: ReadMaster,
    kind: Annotated[MeetingKind, Path(description="Meeting kind.")],
    fiscal_year_param: Annotated[
        int | None,
        Query(
            alias="fiscalYear",
            ge=2000,
            le=2100,
            description="年度 (April-March), e.g. 2024; defaults to the current one.",
        ),
    ] = None,
) -> s.RegularDatesOut:
    """The regular dates of a fiscal year, flagging public holidays and the year-end break, each
    with its request deadline (the 2nd Tuesday of the previous month). 404 for a kind without a
    regular schedule."""
    year = fiscal_year_param if fiscal_year_param is not None else fiscal_year(ctx.today)
    return service.list_regular_dates(ctx, kind, year)


@router.get(
    "/calendar/closed-days",
    response_model=s.ClosedDaysOut,
    tags=["meetings"],
    summary="閉庁日（祝日・年末年始） / Closed days",
    responses=problem_responses(401, 403, 422),
)
async def list_closed_days(
    ctx: ReadMaster,
    date_from: Annotated[date, Query(alias="from", description="First day (inclusive).")],
    date_to: Annotated[
        date, Query(alias="to", description="Last day (inclusive); at most 400 days in all.")
    ],
) -> s.ClosedDaysOut:
    """The weekdays the city hall is closed, for calendars: public holidays (with their names)
    and the year-end break (29 December to 3 January). Weekends are not listed."""
    return service.list_closed_days(date_from, date_to)


# ---------------------------------------------------------------- meetings


@router.get(
    "/meetings/statistics",
    response_model=s.MeetingStatisticsOut,
    tags=["meetings"],
    summary="会議の開催実績 / Meeting statistics",
    responses=problem_responses(401, 403, 422),
)
def get_meeting_statistics(
    ctx: ReadCases,
    date_from: Annotated[date, Query(alias="from", description="First day (inclusive).")],
    date_to: Annotated[date, Query(alias="to", description="Last day (inclusive).")],
) -> s.MeetingStatisticsOut:
    """For the secretariat: per kind, the meetings held (regular / ad hoc), the cases discussed
    (実件数 and 延べ件数) and the partner agencies that attended, by field (のべ)."""
    return service.get_meeting_statistics(ctx, date_from, date_to)


@router.post(
    "/meetings",
    response_model=s.MeetingOut,
    status_code=status.HTTP_201_CREATED,
    tags=["meetings"],
    summary="会議の設定 / Schedule a meeting",
    responses=problem_responses(401, 403, 409, 413, 422),
)
async def schedule_meeting(
    ctx: WriteCases, _: Idempotent, body: s.MeetingCreate, response: Response
) -> s.MeetingOut:
    """The secretariat schedules 支援会議, 担当者会議 and 相談支援総合調整会議; coordinators and the
    secretariat 重層的支援会議; only the director of 健康部 convenes a 緊急会議. A regular meeting
    must fall on a regular date of its kind's schedule; the caller becomes the organiser."""
    out = _with_etag(response, service.schedule_meeting(ctx, body))
    response.headers["Location"] = f"/meetings/{out.id}"
    return out


@router.get(
    "/meetings",
    response_model=Page[s.MeetingSummary],
    tags=["meetings"],
    summary="会議の一覧 / List meetings",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_meetings(
    ctx: ReadCases,
    date_from: Annotated[date | None, Query(alias="from", description="From this day.")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Through this day.")] = None,
    kind: Annotated[MeetingKind | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[s.MeetingSummary]:
    """The meetings the caller's unit organises or is invited to (all of them for the
    secretariat), by day and start time (those without a start time first in their day), a page
    at a time."""
    filters = service.MeetingFilters(date_from=date_from, date_to=date_to, kind=kind)
    items, next_cursor = service.list_meetings(ctx, filters, cursor, limit)
    return Page[s.MeetingSummary](items=items, next_cursor=next_cursor)


@router.get(
    "/meetings/open-for-requests",
    response_model=list[s.MeetingSummary],
    tags=["meetings"],
    summary="検討依頼を受け付けている会議 / Meetings open for requests",
    responses=problem_responses(401, 403, 422),
)
async def list_requestable_meetings(
    ctx: WriteCases,
    kind: Annotated[s.RequestKind | None, Query(description="support or multi_agency.")] = None,
) -> list[s.MeetingSummary]:
    """For case workers choosing where to bring a case (`createMeetingRequest` needs its
    `meetingId`): the scheduled 支援会議 and 重層的支援会議 from today on that still take
    requests — regular ones until their deadline (前月の第2火曜日), ad hoc ones until the day.
    Day, time, place and organiser only: never the agenda or the attendees."""
    return service.list_requestable_meetings(ctx, kind)


@router.get(
    "/meetings/{meeting_id}",
    response_model=s.MeetingOut,
    tags=["meetings"],
    summary="会議の詳細 / Read a meeting",
    responses=READ_ERRORS,
)
async def get_meeting(ctx: ReadCases, meeting_id: MeetingId, response: Response) -> s.MeetingOut:
    """With the minutes for those who may read them (organiser, secretariat, members; a 支援会議
    member after acknowledging confidentiality — audited). 404 for a meeting the caller does not
    take part in."""
    return _with_etag(response, service.get_meeting(ctx, meeting_id))


@router.patch(
    "/meetings/{meeting_id}",
    response_model=s.MeetingOut,
    tags=["meetings"],
    summary="会議の変更・開催・中止 / Change, hold or cancel a meeting",
    responses=ETAG_WRITE_ERRORS,
)
async def update_meeting(
    ctx: WriteCases,
    meeting_id: MeetingId,
    body: s.MeetingUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> s.MeetingOut:
    """By the organiser: day, time, place; status ``held`` (on or after the day) or
    ``cancelled``. A held or cancelled meeting no longer changes."""
    return _with_etag(response, service.update_meeting(ctx, meeting_id, if_match, body))


@router.put(
    "/meetings/{meeting_id}/minutes",
    response_model=s.MeetingOut,
    tags=["meetings"],
    summary="議事録の記録 / Record the minutes",
    responses=ETAG_WRITE_ERRORS,
)
async def record_minutes(
    ctx: WriteCases,
    meeting_id: MeetingId,
    body: s.MinutesIn,
    response: Response,
    if_match: IfMatch = None,
) -> s.MeetingOut:
    """By the organiser, on or after the meeting day; replaces the minutes."""
    return _with_etag(response, service.record_minutes(ctx, meeting_id, if_match, body))


# ---------------------------------------------------------------- requests and screening


@router.post(
    "/cases/{case_id}/meeting-requests",
    response_model=s.MeetingRequestOut,
    status_code=status.HTTP_201_CREATED,
    tags=["meetings"],
    summary="会議への検討依頼 / Request a meeting for a case",
    responses=WRITE_ERRORS,
)
async def create_meeting_request(
    ctx: WriteCases,
    case_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="Case id.")],
    body: s.MeetingRequestCreate,
) -> s.MeetingRequestOut:
    """By anyone who may edit the case. A request for a regular meeting of month M is due by the
    2nd Tuesday of month M-1 (422 after it); ad hoc meetings take requests any time. A
    重層的支援会議 needs the person's consent in force (409)."""
    return service.create_meeting_request(ctx, case_id, body)


@router.get(
    "/cases/{case_id}/meetings",
    response_model=list[s.CaseMeetingOut],
    tags=["meetings"],
    summary="ケースの会議 / The case's meetings",
    responses=problem_responses(401, 403, 404),
)
async def list_case_meetings(ctx: ReadCases, case_id: Id) -> list[s.CaseMeetingOut]:
    """The meetings the case was brought to, by day: its agenda items with what was decided on
    each, and its requests not (yet) on an agenda. For those who read the whole case (404
    otherwise, as for a case that does not exist)."""
    return service.list_case_meetings(ctx, case_id)


@router.get(
    "/meeting-requests",
    response_model=Page[s.MeetingRequestOut],
    tags=["meetings"],
    summary="検討依頼の一覧 / List meeting requests",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_meeting_requests(
    ctx: ReadCases,
    request_status: Annotated[
        Literal["submitted", "accepted", "rejected"] | None, Query(alias="status")
    ] = None,
    kind: Annotated[Literal["support", "multi_agency"] | None, Query()] = None,
    meeting_id: Annotated[int | None, Query(alias="meetingId", ge=1, le=2**31 - 1)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[s.MeetingRequestOut]:
    """For coordinators and the secretariat, who screen them; newest first."""
    filters = service.RequestFilters(
        status=request_status,
        kind=MeetingKind(kind) if kind else None,
        meeting_id=meeting_id,
    )
    items, next_cursor = service.list_meeting_requests(ctx, filters, cursor, limit)
    return Page[s.MeetingRequestOut](items=items, next_cursor=next_cursor)


@router.post(
    "/meeting-requests/{request_id}/screening",
    response_model=s.MeetingRequestOut,
    tags=["meetings"],
    summary="検討依頼のスクリーニング / Screen a meeting request",
    responses=WRITE_ERRORS,
)
async def screen_meeting_request(
    ctx: WriteCases, request_id: Id, body: s.ScreeningIn
) -> s.MeetingRequestOut:
    """By a coordinator or the secretariat. Accepting puts the case on the requested meeting's
    agenda, its summary being the request's note (or the case's main complaint)."""
    return service.screen_meeting_request(ctx, request_id, body)


# ---------------------------------------------------------------- agenda


@router.post(
    "/meetings/{meeting_id}/agenda-items",
    response_model=s.AgendaItemOut,
    status_code=status.HTTP_201_CREATED,
    tags=["meetings"],
    summary="議題の追加 / Add an agenda item",
    responses=WRITE_ERRORS,
)
async def add_agenda_item(
    ctx: WriteCases, meeting_id: MeetingId, body: s.AgendaItemCreate
) -> s.AgendaItemOut:
    """By the organiser, for a case it may read. A 支援会議 takes a case without consent; a
    重層的支援会議 refuses it (409)."""
    return service.add_agenda_item(ctx, meeting_id, body)


@router.get(
    "/meetings/{meeting_id}/agenda-items",
    response_model=list[s.AgendaItemOut],
    tags=["meetings"],
    summary="議題の一覧 / List agenda items",
    responses=READ_ERRORS,
)
async def list_agenda_items(ctx: ReadCases, meeting_id: MeetingId) -> list[s.AgendaItemOut]:
    """The organiser and those who may read a case see its item in full; an invited member sees
    the summary and purpose only (of a 支援会議 once it has acknowledged confidentiality, 403
    before). Every item read is audited with the meeting as purpose."""
    return service.list_agenda_items(ctx, meeting_id)


@router.patch(
    "/meetings/{meeting_id}/agenda-items/{item_id}",
    response_model=s.AgendaItemOut,
    tags=["meetings"],
    summary="議題の編集 / Edit an agenda item",
    responses=WRITE_ERRORS,
)
async def update_agenda_item(
    ctx: WriteCases, meeting_id: MeetingId, item_id: Id, body: s.AgendaItemUpdate
) -> s.AgendaItemOut:
    """By the organiser: the summary members read, the purpose, the plan."""
    return service.update_agenda_item(ctx, meeting_id, item_id, body)


# ---------------------------------------------------------------- attendees


@router.post(
    "/meetings/{meeting_id}/attendees",
    response_model=s.AttendeeOut,
    status_code=status.HTTP_201_CREATED,
    tags=["meetings"],
    summary="出席者の追加 / Invite an attendee",
    responses=WRITE_ERRORS,
)
async def add_attendee(
    ctx: WriteCases, meeting_id: MeetingId, body: s.AttendeeCreate
) -> s.AttendeeOut:
    """By the organiser: a unit or agency, optionally a named user or a person without an account,
    and how its notice goes out (e-mail or post)."""
    return service.add_attendee(ctx, meeting_id, body)


@router.get(
    "/meetings/{meeting_id}/attendees",
    response_model=list[s.AttendeeOut],
    tags=["meetings"],
    summary="出席者の一覧 / List attendees",
    responses=READ_ERRORS,
)
async def list_attendees(ctx: ReadCases, meeting_id: MeetingId) -> list[s.AttendeeOut]:
    """Contact details (e-mail, postal address) for the organiser only."""
    return service.list_attendees(ctx, meeting_id)


@router.post(
    "/meetings/{meeting_id}/attendees/{attendee_id}/attendance",
    response_model=s.AttendeeOut,
    tags=["meetings"],
    summary="出欠の記録 / Record attendance",
    responses=WRITE_ERRORS,
)
async def record_attendance(
    ctx: WriteCases, meeting_id: MeetingId, attendee_id: Id, body: s.AttendanceIn
) -> s.AttendeeOut:
    """By the organiser, on or after the meeting day."""
    return service.record_attendance(ctx, meeting_id, attendee_id, body)


@router.post(
    "/meetings/{meeting_id}/confidentiality-acknowledgements",
    response_model=s.AcknowledgementOut,
    status_code=status.HTTP_201_CREATED,
    tags=["meetings"],
    summary="守秘義務の確認 / Acknowledge the duty of confidentiality",
    responses=problem_responses(401, 403, 404, 409),
)
async def acknowledge_confidentiality(
    ctx: WriteCases, meeting_id: MeetingId
) -> s.AcknowledgementOut:
    """By an invited person (a user named as attendee, or any user of an invited unit or agency).
    Members of a 支援会議 are bound to confidentiality by law (Art. 106-6), also after they
    leave; the acknowledgement is recorded with its time and audited."""
    return service.acknowledge_confidentiality(ctx, meeting_id)


# ---------------------------------------------------------------- decisions


@router.post(
    "/meetings/{meeting_id}/decisions",
    response_model=s.DecisionOut,
    status_code=status.HTTP_201_CREATED,
    tags=["meetings"],
    summary="決定事項の記録 / Record a decision",
    responses=WRITE_ERRORS,
)
async def record_decision(
    ctx: WriteCases, meeting_id: MeetingId, body: s.DecisionCreate
) -> s.DecisionOut:
    """By the organiser, on or after the meeting day: a role assignment adds the org to the case's
    support team from the meeting day; a plan approval (重層的支援会議 only, with consent) approves
    the plan; closing or suspending the case (重層的支援会議 or 支援会議 only) changes its status."""
    return service.record_decision(ctx, meeting_id, body)


@router.get(
    "/meetings/{meeting_id}/decisions",
    response_model=list[s.DecisionOut],
    tags=["meetings"],
    summary="決定事項の一覧 / List decisions",
    responses=READ_ERRORS,
)
async def list_decisions(ctx: ReadCases, meeting_id: MeetingId) -> list[s.DecisionOut]:
    """The decisions about the agenda items the caller may read."""
    return service.list_decisions(ctx, meeting_id)
