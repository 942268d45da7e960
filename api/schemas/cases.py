"""Request and response bodies of cases, members, consent, team and timeline."""

from datetime import date, datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from api.schemas.base import ApiModel, Code, InputModel
from domain.case_status import CaseStatus
from domain.consent import ConsentDecision, ConsentGivenBy, ConsentMethod

Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Kana = Annotated[str, StringConstraints(max_length=200)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=4000)]


def _no_control_chars(value: str | None) -> str | None:
    if value is None:
        return value
    if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in value) or "\x7f" in value:
        raise ValueError("制御文字は使用できません。")
    return value


class CategoryIn(InputModel):
    code: Code = Field(description="Issue category code (see listIssueCategories).")
    primary: bool = False


def _one_primary(categories: list[CategoryIn]) -> list[CategoryIn]:
    if categories and sum(c.primary for c in categories) != 1:
        raise ValueError("課題分類を指定するときは、主たる課題を1つだけ選んでください。")
    if len({c.code for c in categories}) != len(categories):
        raise ValueError("同じ課題分類が重複しています。")
    return categories


class ConsentIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "decision": "given",
                    "decidedOn": "2024-02-26",
                    "method": "written",
                    "givenBy": "self",
                    "coversWholeTeam": True,
                    "validUntil": "2025-03-31",
                    "reason": "初回面談で書面により同意を得た",
                }
            ]
        }
    )

    decision: ConsentDecision
    decided_on: date
    method: ConsentMethod
    given_by: ConsentGivenBy = ConsentGivenBy.SELF
    guardian_name: Name | None = None
    covers_whole_team: bool = False
    covered_orgs: list[Code] = Field(default_factory=list, max_length=100)
    valid_until: date | None = None
    note: LongText | None = None
    reason: ShortText | None = Field(default=None, description="Why consent is being recorded.")

    _text = field_validator("guardian_name", "note", "reason")(_no_control_chars)


class MemberIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "国分 次郎",
                    "nameKana": "こくぶ じろう",
                    "birthDate": "1976-08-20",
                    "relationship": "弟",
                }
            ]
        }
    )

    name: Name
    name_kana: Kana | None = None
    birth_date: date | None = None
    relationship: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="続柄: relationship to the main person (本人, 母, 長男, …)."
    )
    is_main: bool = False
    notes: LongText | None = None
    categories: list[CategoryIn] = Field(default_factory=list, max_length=20)
    consent: ConsentIn | None = Field(
        default=None, description="Consent taken at intake (needs consent:write)."
    )

    _text = field_validator("name", "name_kana", "relationship", "notes")(_no_control_chars)
    _categories = field_validator("categories")(_one_primary)


class CaseCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "intakeDate": "2024-02-26",
                    "intakeRoute": "window",
                    "referrer": "民生委員",
                    "mainComplaint": "80代の母と50代の長男の世帯。長男が長年ひきこもっている。",
                    "town": "honcho",
                    "categories": [{"code": "c8050", "primary": True}],
                    "members": [
                        {
                            "name": "国分寺 太郎",
                            "nameKana": "こくぶんじ たろう",
                            "birthDate": "1973-05-01",
                            "relationship": "本人",
                            "isMain": True,
                            "categories": [{"code": "social_isolation", "primary": True}],
                        },
                        {
                            "name": "国分寺 ハナ",
                            "nameKana": "こくぶんじ はな",
                            "birthDate": "1943-09-10",
                            "relationship": "母",
                        },
                    ],
                }
            ]
        }
    )

    intake_date: date
    intake_route: Code = Field(description="相談経路 code (see listCodeLabels intake_route).")
    referrer: ShortText | None = None
    referrer_org: Code | None = None
    main_complaint: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    town: Code | None = None
    address_detail: ShortText | None = None
    lead_org: Code | None = Field(default=None, description="主担当; defaults to the caller's org.")
    coordinator_id: Annotated[str, StringConstraints(max_length=36)] | None = None
    categories: list[CategoryIn] = Field(default_factory=list, max_length=20)
    members: list[MemberIn] = Field(min_length=1, max_length=30)

    _text = field_validator("referrer", "main_complaint", "address_detail")(_no_control_chars)
    _categories = field_validator("categories")(_one_primary)

    @model_validator(mode="after")
    def _one_main_person(self) -> "CaseCreate":
        if sum(m.is_main for m in self.members) != 1:
            raise ValueError("世帯員のうち1人を本人（isMain）にしてください。")
        return self


class CaseUpdate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"referrer": "民生委員（本町地区）", "leadOrg": "koreifukushi"}]
        }
    )

    intake_route: Code | None = None
    referrer: ShortText | None = None
    referrer_org: Code | None = None
    main_complaint: Annotated[str, StringConstraints(min_length=1, max_length=4000)] | None = None
    town: Code | None = None
    address_detail: ShortText | None = None
    lead_org: Code | None = None
    coordinator_id: Annotated[str, StringConstraints(max_length=36)] | None = None
    categories: list[CategoryIn] | None = Field(default=None, max_length=20)

    _text = field_validator("referrer", "main_complaint", "address_detail")(_no_control_chars)

    @field_validator("categories")
    @classmethod
    def _primary(cls, value: list[CategoryIn] | None) -> list[CategoryIn] | None:
        return None if value is None else _one_primary(value)


class StatusChange(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "screening", "reason": "主訴を確認し、スクリーニングへ"}]
        }
    )

    status: CaseStatus
    reason: LongText | None = None


class MemberUpdate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "notes": "日中は自室で過ごしている",
                    "categories": [{"code": "social_isolation", "primary": True}],
                }
            ]
        }
    )

    name: Name | None = None
    name_kana: Kana | None = None
    birth_date: date | None = None
    relationship: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    notes: LongText | None = None
    categories: list[CategoryIn] | None = Field(default=None, max_length=20)

    _text = field_validator("name", "name_kana", "relationship", "notes")(_no_control_chars)

    @field_validator("categories")
    @classmethod
    def _primary(cls, value: list[CategoryIn] | None) -> list[CategoryIn] | None:
        return None if value is None else _one_primary(value)


class ConsentWithdrawal(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "本人から電話で撤回の申し出があった"}]}
    )

    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    _text = field_validator("reason")(_no_control_chars)


class TeamMemberIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"org": "hokatsu_1", "role": "母の見守り・介護相談", "startDate": "2024-03-01"}
            ]
        }
    )

    org: Code
    role: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    start_date: date
    end_date: date | None = None
    _text = field_validator("role")(_no_control_chars)

    @model_validator(mode="after")
    def _period(self) -> "TeamMemberIn":
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("終了日は開始日以降にしてください。")
        return self


class TeamMemberUpdate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"endDate": "2025-03-31"}]})

    role: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    end_date: date | None = None
    _text = field_validator("role")(_no_control_chars)


class TimelineEntryIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "occurredOn": "2024-03-06",
                    "means": "visit",
                    "function": "outreach",
                    "content": "地域包括支援センターと同行訪問。母の介護保険申請を案内。",
                },
                {
                    "occurredOn": "2024-03-13",
                    "means": "accompany",
                    "function": "participation",
                    "memberId": 2,
                    "content": "長男とパン工房の就労体験に同行。1時間作業できた。",
                },
            ]
        }
    )

    occurred_on: date
    means: Code
    function: Code | None = Field(default=None, description="Art. 106-4 function code.")
    member_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The household member the contact was with (a member id of this case); "
        "leave it out for a contact with the household as a whole. アウトリーチ and 参加支援 "
        "people (実人数) are counted from it.",
        examples=[2],
    )
    content: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    _text = field_validator("content")(_no_control_chars)


# ---- responses ----


class CategoryOut(ApiModel):
    code: str
    name: str
    primary: bool


class ConsentOut(ApiModel):
    id: int
    member_id: int
    decision: ConsentDecision
    decided_on: date
    method: ConsentMethod
    given_by: ConsentGivenBy
    guardian_name: str | None
    covers_whole_team: bool
    covered_orgs: list[str]
    valid_until: date | None
    note: str | None
    recorded_by: str
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    superseded_at: datetime | None
    in_force: bool = Field(description="Given, not withdrawn, not expired, not superseded.")


class MemberOut(ApiModel):
    id: int
    position: int
    is_main: bool
    relationship: str
    age_band: str = Field(description="年代 (e.g. 50代); shown even when the member is redacted.")
    redacted: bool = Field(
        description="True when the reader may not see this member (no consent covering them)."
    )
    name: str | None = None
    name_kana: str | None = None
    birth_date: date | None = None
    notes: str | None = None
    categories: list[CategoryOut] = Field(default_factory=list)
    consent_in_force: bool | None = None


class TeamMemberOut(ApiModel):
    id: int
    org: str
    org_name: str
    role: str
    start_date: date
    end_date: date | None
    active: bool


class StatusChangeOut(ApiModel):
    from_status: CaseStatus
    to_status: CaseStatus
    to_status_label: str
    effective_on: date = Field(description="The meeting's day when a meeting decided it.")
    reason: str | None
    meeting_id: int | None = Field(description="The meeting that decided it, if any.")
    changed_by: str
    at: datetime


class CaseAccessOut(ApiModel):
    basis: str = Field(description="Why the caller may read the case (access.md rules 1-4).")
    can_edit: bool
    can_manage_consent: bool


class CaseOut(ApiModel):
    id: int
    number: str
    fiscal_year: int
    status: CaseStatus
    status_label: str
    town: str | None
    town_name: str | None
    area: str | None
    address_detail: str | None
    intake_date: date
    intake_route: str
    referrer: str | None
    referrer_org: str | None
    main_complaint: str
    opened_by_org: str | None
    lead_org: str | None
    coordinator_id: str | None
    categories: list[CategoryOut]
    members: list[MemberOut]
    team: list[TeamMemberOut]
    status_history: list[StatusChangeOut] = Field(
        description="Every change of status, oldest first, with its reason (終結・中断 included)."
    )
    consent_in_force: bool = Field(description="The main person's consent is in force.")
    consent_valid_until: date | None
    version: int
    created_at: datetime
    updated_at: datetime
    access: CaseAccessOut


class CaseSummary(ApiModel):
    id: int
    number: str
    status: CaseStatus
    status_label: str
    main_person_name: str | None
    main_person_kana: str | None
    town: str | None
    area: str | None
    lead_org: str | None
    primary_category: str | None
    intake_date: date
    updated_at: datetime


class TimelineMemberOut(ApiModel):
    """The member a contact was with, shown as the reader may see that member: a member whose
    details the reader may not see (no consent covering them) shows only the relationship."""

    id: int = Field(description="The member's id (as in the case's members).", examples=[2])
    relationship: str = Field(
        description="続柄 (e.g. 長男); shown even when redacted.", examples=["長男"]
    )
    redacted: bool = Field(
        description="True when the reader may not see this member's details.", examples=[False]
    )
    name: str | None = Field(
        default=None, description="The member's name; null when redacted.", examples=["国分 一郎"]
    )


class TimelineEntryOut(ApiModel):
    id: int
    case_id: int
    occurred_on: date
    means: str
    function: str | None
    member: TimelineMemberOut | None = Field(
        default=None,
        description="The household member the contact was with; null for the household as a whole.",
    )
    content: str
    author_sub: str
    author_name: str
    author_org: str | None
    created_at: datetime
