"""Request and response bodies of support plans (プラン兼事業等利用申込書), monitoring, evaluation."""

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    field_validator,
    model_validator,
)

from api.schemas.base import ApiModel, Code, InputModel
from api.schemas.cases import _no_control_chars
from domain.plans import (
    Achievement,
    AgreementMethod,
    GoalTerm,
    MonitoringState,
    PlanStatus,
    goal_problems,
    lead_problems,
)

Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
ItemText = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Frequency = Annotated[str, StringConstraints(max_length=100)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
MonitoringEvery = Annotated[
    int, Field(ge=1, le=12, description="モニタリング間隔（月）/ Monitoring period in months.")
]


class GoalIn(InputModel):
    term: GoalTerm = Field(description="long (長期目標) / short (短期目標).")
    text: Text

    _text = field_validator("text")(_no_control_chars)


class ItemIn(InputModel):
    content: ItemText = Field(description="支援内容 / what is done.")
    responsible_org: Code = Field(description="The unit or agency that does it (org code).")
    is_lead: bool = Field(default=False, description="主担当: exactly one item when there are any.")
    frequency: Frequency | None = Field(default=None, description="頻度 (e.g. 月1回).")
    start_date: date | None = None
    end_date: date | None = None
    function: Code | None = Field(
        default=None, description="Art. 106-4 §2 function code (see listSupportFunctions)."
    )
    partner_org: Code | None = Field(
        default=None,
        description="参加支援 items only: the partner business (協力事業所) hosting the person, "
        "the code of an active organisation of kind `partner` (see listOrganizations).",
        examples=["bakery_honcho"],
    )

    _text = field_validator("content", "frequency")(_no_control_chars)

    @model_validator(mode="after")
    def _period(self) -> "ItemIn":
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("終了日は開始日以降にしてください。")
        return self


def _goals_ok(goals: list[GoalIn]) -> list[GoalIn]:
    problems = goal_problems([g.term for g in goals])
    if problems:
        raise ValueError(problems[0])
    return goals


def _items_ok(items: list[ItemIn]) -> list[ItemIn]:
    problems = lead_problems([i.is_lead for i in items])
    if problems:
        raise ValueError(problems[0])
    return items


_PLAN_EXAMPLE: dict[str, JsonValue] = {
    "assessmentSummary": "80代の母と50代の長男の世帯。長男は20年来ひきこもり、母は物忘れが進み家計管理が困難。",
    "goals": [
        {"term": "long", "text": "母子が地域とのつながりを保ちながら安心して暮らし続ける。"},
        {"term": "short", "text": "母が介護保険のサービスを利用し始める。"},
        {"term": "short", "text": "長男が月1回、若者支援の相談に来所する。"},
    ],
    "items": [
        {
            "content": "母の介護保険申請と見守り",
            "responsibleOrg": "hokatsu_1",
            "isLead": False,
            "frequency": "月1回",
            "function": "consultation",
        },
        {
            "content": "長男への訪問（アウトリーチ）と関係づくり",
            "responsibleOrg": "kyosei",
            "isLead": True,
            "frequency": "隔週",
            "function": "outreach",
        },
        {
            "content": "長男のパン工房での就労体験（参加支援）",
            "responsibleOrg": "kyosei",
            "frequency": "週1回",
            "function": "participation",
            "partnerOrg": "bakery_honcho",
        },
    ],
    "monitoringEveryMonths": 3,
    "startDate": "2024-03-12",
    "endDate": "2025-03-11",
    "agreedOn": "2024-03-05",
    "agreementMethod": "written",
}


class PlanCreate(InputModel):
    """The period (endDate ≥ startDate) and the agreement (agreedOn with agreementMethod) are
    checked with the stored values, so that an edit cannot make them inconsistent either."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PLAN_EXAMPLE]})

    assessment_summary: Text = Field(description="課題（アセスメントのまとめ）.")
    goals: list[GoalIn] = Field(min_length=1, max_length=20)
    items: list[ItemIn] = Field(default_factory=list, max_length=30)
    monitoring_every_months: MonitoringEvery
    start_date: date | None = None
    end_date: date | None = None
    agreed_on: date | None = Field(default=None, description="本人の同意（署名）の日.")
    agreement_method: AgreementMethod | None = None

    _text = field_validator("assessment_summary")(_no_control_chars)
    _goals = field_validator("goals")(_goals_ok)
    _items = field_validator("items")(_items_ok)


class PlanUpdate(InputModel):
    """Only the fields sent change; ``goals`` and ``items``, when sent, replace the lists."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "monitoringEveryMonths": 2,
                    "goals": [
                        {"term": "long", "text": "母子が安心して暮らし続ける。"},
                        {"term": "short", "text": "母が通所介護を週1回利用する。"},
                    ],
                }
            ]
        }
    )

    assessment_summary: Text | None = None
    goals: list[GoalIn] | None = Field(default=None, min_length=1, max_length=20)
    items: list[ItemIn] | None = Field(default=None, max_length=30)
    monitoring_every_months: MonitoringEvery | None = None
    start_date: date | None = None
    end_date: date | None = None
    agreed_on: date | None = None
    agreement_method: AgreementMethod | None = None

    _text = field_validator("assessment_summary")(_no_control_chars)

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: list[GoalIn] | None) -> list[GoalIn] | None:
        return None if value is None else _goals_ok(value)

    @field_validator("items")
    @classmethod
    def _items(cls, value: list[ItemIn] | None) -> list[ItemIn] | None:
        return None if value is None else _items_ok(value)


class PlanRevision(PlanUpdate):
    """A new version: the current one's content, with the changes sent here."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reason": "母の入院により役割分担を見直す",
                    "items": [
                        {
                            "content": "入院先の医療ソーシャルワーカーとの連絡調整",
                            "responsibleOrg": "kyosei",
                            "isLead": True,
                        }
                    ],
                }
            ]
        }
    )

    reason: Reason = Field(description="見直しの理由 / why the plan is revised.")
    _reason = field_validator("reason")(_no_control_chars)


class ReasonIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "重層的支援会議（3月12日）で終結と決定"}]}
    )

    reason: Reason
    _text = field_validator("reason")(_no_control_chars)


class MonitoringRecordIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "monitoredOn": "2024-06-11",
                    "content": "母は通所介護を週1回利用開始。長男とは訪問時に短時間会話できた。",
                }
            ]
        }
    )

    monitored_on: date = Field(description="モニタリング実施日 (not in the future).")
    content: Text
    _text = field_validator("content")(_no_control_chars)


class GoalEvaluationIn(InputModel):
    goal_id: int = Field(ge=1, le=2**31 - 1)
    achievement: Achievement
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None
    _text = field_validator("comment")(_no_control_chars)


class EvaluationIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "goals": [
                        {"goalId": 1, "achievement": "partly", "comment": "見守りは継続が必要"},
                        {"goalId": 2, "achievement": "achieved"},
                    ],
                    "comment": "母の生活は安定。長男への支援は次のプランで継続する。",
                }
            ]
        }
    )

    goals: list[GoalEvaluationIn] = Field(
        min_length=1, max_length=20, description="One entry for every goal of the plan."
    )
    comment: Text = Field(description="全体の評価 / overall evaluation.")
    _text = field_validator("comment")(_no_control_chars)

    @field_validator("goals")
    @classmethod
    def _distinct(cls, value: list[GoalEvaluationIn]) -> list[GoalEvaluationIn]:
        if len({g.goal_id for g in value}) != len(value):
            raise ValueError("同じ目標が重複しています。")
        return value


# ---- responses ----


class GoalOut(ApiModel):
    id: int
    position: int
    term: GoalTerm
    text: str
    achievement: Achievement | None
    comment: str | None


class ItemOut(ApiModel):
    id: int
    position: int
    content: str
    responsible_org: str
    responsible_org_name: str
    is_lead: bool
    frequency: str | None
    start_date: date | None
    end_date: date | None
    function: str | None
    partner_org: str | None = Field(
        default=None,
        description="The partner business (協力事業所) of a 参加支援 item, or null.",
        examples=["bakery_honcho"],
    )
    partner_org_name: str | None = Field(
        default=None, description="The partner business's name.", examples=["ベーカリー本町"]
    )


class MonitoringRecordOut(ApiModel):
    id: int
    monitored_on: date
    content: str
    recorded_by: str
    created_at: datetime


class PlanAccessOut(ApiModel):
    can_write: bool = Field(description="May edit, propose, revise, evaluate, close or suspend.")
    can_record_monitoring: bool


class PlanOut(ApiModel):
    id: int
    case_id: int
    version_number: int = Field(description="1 for the case's first plan, n+1 for a revision.")
    previous_plan_id: int | None
    replaced_by_plan_id: int | None
    status: PlanStatus
    status_label: str
    assessment_summary: str
    goals: list[GoalOut]
    items: list[ItemOut]
    monitoring_every_months: int | None
    start_date: date | None
    end_date: date | None
    next_monitoring_date: date | None
    monitoring_state: MonitoringState | None = Field(
        description="due: within 14 days; overdue: past (only while monitoring)."
    )
    agreed_on: date | None
    agreement_method: AgreementMethod | None
    approved_meeting_id: int | None
    evaluation_comment: str | None
    status_reason: str | None = Field(
        description="Why the plan reached its status: the reason given to close (終結), suspend "
        "(中断) or revise it (見直し, on the replaced version); null otherwise."
    )
    status_changed_at: datetime | None = Field(description="When the status last changed.")
    monitoring_records: list[MonitoringRecordOut]
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime
    access: PlanAccessOut


class PlanSummary(ApiModel):
    id: int
    case_id: int
    case_number: str
    version_number: int
    status: PlanStatus
    status_label: str
    lead_org: str | None = Field(description="The 主担当 item's org.")
    monitoring_every_months: int | None
    start_date: date | None
    end_date: date | None
    next_monitoring_date: date | None
    monitoring_state: MonitoringState | None
    approved_meeting_id: int | None
    created_at: datetime
    updated_at: datetime
