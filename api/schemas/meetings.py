"""Request and response bodies of meetings: schedules, meetings, requests and screening, agenda
items, attendees, confidentiality acknowledgements, minutes, decisions and statistics."""

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from api.schemas.admin import Email
from api.schemas.base import ApiModel, ClockTime, Code, InputModel
from api.schemas.master import no_control_chars, not_null, patch_field
from domain.case_status import CaseStatus
from domain.meetings import AgendaPurpose, DecisionKind, MeetingKind, MeetingStatus

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=36)]
Place = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Minutes = Annotated[str, StringConstraints(min_length=1, max_length=50_000)]
RequestKind = Literal["support", "multi_agency"]
NoticeChannel = Literal["email", "post"]
ScreeningDecision = Literal["accepted", "rejected"]


def _email(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError as exc:
        if any(e["type"] == "value_error" for e in exc.errors()):
            raise ValueError("メールアドレスの形式が正しくありません。") from None
        raise


# The days a meeting can be held or recorded on (the city's records start long after 2000).
MeetingDay = Annotated[
    date,
    Field(ge=date(2000, 1, 1), le=date(2100, 12, 31), description="開催日 (2000-2100)."),
]


def _times_in_order(start: time | None, end: time | None) -> None:
    if start is not None and end is not None and end <= start:
        raise ValueError("終了時刻は開始時刻より後にしてください。")


# ---- schedules ----


class ScheduleOut(ApiModel):
    kind: MeetingKind
    kind_label: str
    week_of_month: int = Field(description="第n週 (1-5).")
    weekday: int = Field(description="Monday = 0 … Sunday = 6.")
    description: str = Field(description="e.g. 毎月第2火曜日 15:00～17:15")
    start_time: ClockTime
    end_time: ClockTime
    place: str


class RegularDateOut(ApiModel):
    day: date
    holiday_name: str | None = Field(description="The public holiday on that day, if any.")
    year_end_break: bool = Field(description="Falls in the year-end break (12/29-1/3).")
    needs_attention: bool = Field(description="A holiday or the year-end break: check the day.")
    request_deadline: date = Field(
        description="Requests for this meeting are due by this day (前月の第2火曜日)."
    )


class RegularDatesOut(ApiModel):
    kind: MeetingKind
    fiscal_year: int
    dates: list[RegularDateOut]


# ---- meetings ----


class MeetingCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "support",
                    "day": "2024-03-12",
                    "startTime": "15:00",
                    "endTime": "17:15",
                    "place": "市役所 会議室",
                    "regular": True,
                }
            ]
        }
    )

    kind: MeetingKind
    day: MeetingDay
    start_time: ClockTime | None = Field(
        default=None, description="Defaults to the schedule's time for a regular meeting."
    )
    end_time: ClockTime | None = None
    place: Place | None = Field(
        default=None, description="Defaults to the schedule's place for a regular meeting."
    )
    regular: bool = Field(
        default=False,
        description="定例開催: must fall on a regular date of the kind's schedule. "
        "臨時開催 (false) may be any day.",
    )

    _text = field_validator("place")(no_control_chars)

    @model_validator(mode="after")
    def _times(self) -> "MeetingCreate":
        _times_in_order(self.start_time, self.end_time)
        return self


class MeetingUpdate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"place": "市役所 第1会議室", "startTime": "14:00"},
                {"status": "held"},
                {"status": "cancelled"},
            ]
        }
    )

    day: MeetingDay | None = patch_field()
    start_time: ClockTime | None = None
    end_time: ClockTime | None = None
    place: Place | None = None
    status: Literal["held", "cancelled"] | None = patch_field(
        description="held: the meeting took place (on or after its day); cancelled: 中止."
    )

    _nulls = field_validator("day", "status")(not_null)
    _text = field_validator("place")(no_control_chars)

    @model_validator(mode="after")
    def _times(self) -> "MeetingUpdate":
        _times_in_order(self.start_time, self.end_time)
        return self


class MeetingAccessOut(ApiModel):
    organiser: bool = Field(description="The caller organises the meeting.")
    invited: bool = Field(description="The caller (or its unit / agency) is invited.")
    confidentiality_acknowledged: bool = Field(
        description="The caller has acknowledged the duty of confidentiality for this meeting."
    )


class MeetingSummary(ApiModel):
    id: int
    kind: MeetingKind
    kind_label: str
    regular: bool
    day: date
    start_time: ClockTime | None
    end_time: ClockTime | None
    place: str | None
    status: MeetingStatus
    status_label: str
    organiser_org: str | None
    organiser_org_name: str | None
    request_deadline: date | None = Field(
        description="For a regular meeting: requests are due by this day."
    )


class MeetingOut(MeetingSummary):
    organiser_sub: str
    minutes: str | None = Field(
        description="Only for the organiser, the secretariat and members who may read the agenda."
    )
    version: int
    created_at: datetime
    updated_at: datetime
    access: MeetingAccessOut


class MinutesIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "minutes": "議題1: 地域包括支援センターが母の介護保険申請を支援し、"
                    "自立生活サポートセンターが長男の就労相談を担当することを確認した。"
                }
            ]
        }
    )

    minutes: Minutes
    _text = field_validator("minutes")(no_control_chars)


# ---- requests and screening ----


class MeetingRequestCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "support",
                    "meetingId": 12,
                    "purpose": "information_sharing",
                    "note": "本人の同意が得られないが、母の介護と長男のひきこもりについて"
                    "関係機関で情報を共有したい。",
                }
            ]
        }
    )

    kind: RequestKind = Field(description="支援会議 (support) or 重層的支援会議 (multi_agency).")
    meeting_id: Id
    purpose: AgendaPurpose
    note: Text | None = Field(
        default=None, description="What to discuss; becomes the agenda item's summary."
    )
    _text = field_validator("note")(no_control_chars)


class ScreeningIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"decision": "accepted", "note": "次回定例の支援会議で検討する。"},
                {"decision": "rejected", "note": "担当課での対応が適当。"},
            ]
        }
    )

    decision: ScreeningDecision
    note: Text | None = None
    _text = field_validator("note")(no_control_chars)


class MeetingRequestOut(ApiModel):
    id: int
    case_id: int
    case_number: str
    kind: MeetingKind
    kind_label: str
    meeting_id: int | None
    meeting_day: date | None
    purpose: AgendaPurpose
    note: str | None
    requested_on: date
    requested_by: str
    requested_by_org: str | None
    status: Literal["submitted", "accepted", "rejected"]
    screened_by: str | None
    screening_note: str | None
    agenda_item_id: int | None = Field(description="The agenda item an accepted request became.")
    created_at: datetime


# ---- agenda ----


class AgendaItemCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "caseId": 42,
                    "purpose": "role_assignment",
                    "summary": "80代の母と50代の長男の世帯。長男が長年ひきこもり、母の介護が"
                    "難しくなっている。関係機関の役割分担を検討する。",
                }
            ]
        }
    )

    case_id: Id
    purpose: AgendaPurpose
    summary: Text = Field(
        description="What members of a 支援会議 may read of the case: write only what they need."
    )
    plan_id: Id | None = None
    _text = field_validator("summary")(no_control_chars)


class AgendaItemUpdate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"summary": "母の入院により状況が変わった。"}]}
    )

    purpose: AgendaPurpose | None = patch_field()
    summary: Text | None = patch_field()
    plan_id: Id | None = Field(default=None, description="null removes the plan.")
    _nulls = field_validator("purpose", "summary")(not_null)
    _text = field_validator("summary")(no_control_chars)


class AgendaItemOut(ApiModel):
    id: int
    meeting_id: int
    position: int
    purpose: AgendaPurpose
    purpose_label: str
    summary: str
    restricted: bool = Field(
        description="True for a member who may not read the case itself: only the summary and "
        "purpose are shown, no case id, number, plan or request."
    )
    case_id: int | None = None
    case_number: str | None = None
    plan_id: int | None = None
    request_id: int | None = None


class CaseDecisionOut(ApiModel):
    id: int
    kind: DecisionKind
    kind_label: str
    content: dict[str, Any]


class CaseMeetingOut(ApiModel):
    """A meeting the case was brought to: on its agenda, or requested and not (yet) on it."""

    meeting_id: int | None = Field(description="null for a request without a meeting.")
    kind: MeetingKind
    kind_label: str
    day: date | None
    regular: bool | None
    meeting_status: MeetingStatus | None
    purpose: AgendaPurpose
    purpose_label: str
    agenda_item_id: int | None = Field(description="null while the request waits or was rejected.")
    request_id: int | None
    request_status: Literal["submitted", "accepted", "rejected"] | None
    decisions: list[CaseDecisionOut] = Field(description="Decided on this agenda item.")


class ClosedDayOut(ApiModel):
    day: date
    holiday_name: str | None = Field(description="The public holiday's name (jpholiday).")
    year_end_break: bool = Field(description="The city's year-end break (12/29-1/3).")


class ClosedDaysOut(ApiModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    days: list[ClosedDayOut] = Field(description="Weekdays the city hall is closed, by day.")


# ---- attendees ----


class AttendeeCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"org": "hokatsu_1", "noticeChannel": "email", "email": "hokatsu1@example.jp"},
                {
                    "org": "minsei_jido_iin",
                    "name": "国分 花子",
                    "noticeChannel": "post",
                    "postalAddress": "〒185-0012 東京都国分寺市本町1-2-3",
                },
            ]
        }
    )

    org: Code = Field(description="The org unit or agency invited.")
    user_id: UserId | None = Field(default=None, description="A user of that org, if named.")
    name: ShortText | None = Field(default=None, description="A person without an account.")
    email: Email | None = None
    postal_address: Text | None = None
    notice_channel: NoticeChannel = Field(description="How the 開催通知 goes out.")

    _email_format = field_validator("email", mode="wrap")(_email)
    _text = field_validator("name", "postal_address")(no_control_chars)

    @model_validator(mode="after")
    def _reachable(self) -> "AttendeeCreate":
        if self.notice_channel == "post" and not self.postal_address:
            raise ValueError("郵送で通知する出席者には住所（postalAddress）が必要です。")
        if self.notice_channel == "email" and not (self.email or self.user_id):
            raise ValueError(
                "メールで通知する出席者にはメールアドレス（email）か利用者（userId）が必要です。"
            )
        return self


class AttendeeOut(ApiModel):
    id: int
    meeting_id: int
    org: str
    org_name: str
    org_kind: str = Field(description="unit (city / 社協) or agency.")
    field: str | None = Field(description="The agency's field (分野).")
    user_id: str | None
    name: str | None
    email: str | None = Field(description="Shown to the organiser only.")
    postal_address: str | None = Field(description="Shown to the organiser only.")
    notice_channel: NoticeChannel
    attended: bool | None
    confidentiality_acknowledged_at: datetime | None
    notice_sent_at: datetime | None


class AttendanceIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"attended": True}]})

    attended: bool


class AcknowledgementOut(ApiModel):
    meeting_id: int
    attendee_id: int
    acknowledged_at: datetime


# ---- decisions ----


class RoleAssignmentContent(InputModel):
    """Who does what: the org joins the support team with ``role`` from the meeting day, and the
    case's open plan (if any) gains an item for it."""

    org: Code
    role: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The team role (役割), e.g. 見守り・訪問."
    )
    end_date: date | None = None
    support_content: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = Field(
        default=None, description="The plan item's 支援内容; the role when omitted."
    )
    frequency: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="頻度 of the plan item (e.g. 月1回)."
    )
    function: Code | None = Field(
        default=None, description="Art. 106-4 function of the plan item (listSupportFunctions)."
    )
    _text = field_validator("role", "support_content", "frequency")(no_control_chars)


class SupportPolicyContent(InputModel):
    policy: Text
    _text = field_validator("policy")(no_control_chars)


class MonitoringPeriodContent(InputModel):
    every_months: int = Field(ge=1, le=24)
    next_monitoring_on: date | None = None
    note: Text | None = None
    _text = field_validator("note")(no_control_chars)


class PlanApprovalContent(InputModel):
    plan_id: Id


class CaseStatusContent(InputModel):
    reason: Text
    _text = field_validator("reason")(no_control_chars)


DECISION_CONTENT: dict[DecisionKind, type[InputModel]] = {
    DecisionKind.ROLE_ASSIGNMENT: RoleAssignmentContent,
    DecisionKind.SUPPORT_POLICY: SupportPolicyContent,
    DecisionKind.MONITORING_PERIOD: MonitoringPeriodContent,
    DecisionKind.PLAN_APPROVAL: PlanApprovalContent,
    DecisionKind.CLOSE_CASE: CaseStatusContent,
    DecisionKind.SUSPEND_CASE: CaseStatusContent,
}


class DecisionCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "agendaItemId": 7,
                    "kind": "role_assignment",
                    "content": {"org": "hokatsu_1", "role": "母の見守り・介護保険申請の支援"},
                },
                {"agendaItemId": 7, "kind": "plan_approval", "content": {"planId": 3}},
                {"agendaItemId": 7, "kind": "close_case", "content": {"reason": "目標を達成した"}},
            ]
        }
    )

    agenda_item_id: Id = Field(description="The agenda item (case) the decision is about.")
    kind: DecisionKind
    content: dict[str, Any] = Field(
        description="By kind — role_assignment: {org, role, endDate?} (adds the org to the "
        "support team from the meeting day); support_policy: {policy}; monitoring_period: "
        "{everyMonths, nextMonitoringOn?, note?}; plan_approval: {planId}; close_case / "
        "suspend_case: {reason}."
    )


class DecisionOut(ApiModel):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    kind: DecisionKind
    kind_label: str
    content: dict[str, Any]
    decided_by: str
    created_at: datetime
    case_status: CaseStatus | None = Field(
        default=None, description="The case's status after a close_case / suspend_case decision."
    )
    team_membership_id: int | None = Field(
        default=None, description="The support-team membership a role_assignment created."
    )
    plan_id: int | None = Field(
        default=None,
        description="The open plan a role_assignment added an item to (null: the case had none).",
    )
    plan_item_id: int | None = Field(
        default=None, description="The plan item a role_assignment created."
    )


# ---- statistics ----


class FieldCount(ApiModel):
    field: str
    name: str
    count: int


class KindStatistics(ApiModel):
    kind: MeetingKind
    kind_label: str
    held_regular: int = Field(description="定例開催の回数")
    held_ad_hoc: int = Field(description="臨時開催の回数")
    held_total: int
    distinct_cases: int = Field(description="検討実件数")
    reviews: int = Field(description="検討延べ件数")
    agencies_by_field: list[FieldCount] = Field(
        description="関係機関参加状況（のべ）: attending agencies per held meeting, by field."
    )


class MeetingStatisticsOut(ApiModel):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    kinds: list[KindStatistics]
    agencies_by_field: list[FieldCount] = Field(
        description="関係機関参加状況（のべ） of the case meetings (支援会議 and 重層的支援会議) "
        "together, as the city reports it."
    )
