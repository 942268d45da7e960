"""Request and response bodies of referrals (つなぎ)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from api.schemas.base import ApiModel, Code, InputModel
from api.schemas.cases import _no_control_chars
from domain.referrals import ReferralAction, ReferralStatus


class ReferralUrgency(StrEnum):
    NORMAL = "normal"  # 通常
    URGENT = "urgent"  # 緊急


class ReferralBox(StrEnum):
    INBOX = "inbox"  # 受けた紹介（自分の組織あて）
    OUTBOX = "outbox"  # 送った紹介（自分の組織から）


class ReferralCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "toOrg": "hokatsu_1",
                    "reason": "母（80代）の介護保険申請と見守りの相談",
                    "urgency": "normal",
                    "dueDate": "2024-03-15",
                    "summary": "本町在住の80代の母と50代の長男の世帯。母の物忘れが進み、"
                    "介護保険の申請を希望。長男はひきこもり状態で、訪問時は母のみと面談。",
                }
            ]
        }
    )

    to_org: Code = Field(description="The unit or agency the referral is addressed to.")
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="紹介の理由 / why the household is referred."
    )
    urgency: ReferralUrgency = ReferralUrgency.NORMAL
    due_date: date | None = Field(
        default=None, description="回答期限 / answer by this day (not in the past)."
    )
    summary: Annotated[str, StringConstraints(min_length=1, max_length=4000)] = Field(
        description="What the recipient may read before it accepts (access.md rule 5). Write only "
        "what it needs to decide; it sees nothing else of the case until it accepts and the "
        "person's consent covers it."
    )

    _text = field_validator("reason", "summary")(_no_control_chars)


class ReferralActionIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"note": "1/20に母と面談し、介護保険の申請を支援。要支援1の認定を受けた。"},
            ]
        }
    )

    note: Annotated[str, StringConstraints(min_length=1, max_length=4000)] | None = Field(
        default=None,
        description="Required to decline or withdraw (the reason) and to complete (the report "
        "back to the sender); optional when accepting or starting.",
    )

    _text = field_validator("note")(_no_control_chars)


# ---- responses ----


class ReferralAccessOut(ApiModel):
    as_sender: bool = Field(description="The caller may act for the sending side (withdraw).")
    as_recipient: bool = Field(description="The caller's org is the one the referral addresses.")
    case_readable: bool = Field(
        description="The caller may read the whole case (access.md rules 1-4); otherwise it "
        "sees the referral and its summary only."
    )
    allowed_actions: list[ReferralAction] = Field(
        description="What the caller may do now (accept, decline, start, complete, withdraw)."
    )


class ReferralSummary(ApiModel):
    id: int
    case_id: int
    case_number: str
    main_person_name: str | None = Field(
        description="本人の氏名: only when the caller may read the case; null otherwise."
    )
    from_org: str | None
    from_org_name: str | None
    to_org: str
    to_org_name: str
    urgency: ReferralUrgency
    due_date: date | None
    overdue: bool = Field(description="Still waiting for an answer after its due date.")
    status: ReferralStatus
    status_label: str
    summary: str
    created_at: datetime
    updated_at: datetime


class ReferralEventOut(ApiModel):
    action: str = Field(
        description="send, accept, decline, start, complete or withdraw.", examples=["decline"]
    )
    from_status: ReferralStatus | None = Field(description="null for the sending.")
    to_status: ReferralStatus
    status_label: str
    note: str | None = Field(
        description="The note of this step: the reason of a decline or withdrawal, the report of "
        "a completion, the recipient's message on accepting or starting."
    )
    actor: str = Field(description="The user or client that took the step.")
    actor_org: str | None
    at: datetime


class ReferralOut(ReferralSummary):
    reason: str
    from_sub: str = Field(description="The user or client that sent the referral.")
    answer_note: str | None = Field(
        description="The note of the last answer: why it was declined or withdrawn, or the "
        "recipient's message on accepting or starting."
    )
    report: str | None = Field(description="The report back to the sender on completion.")
    answered_by: str | None
    answered_at: datetime | None
    completed_at: datetime | None
    version: int
    access: ReferralAccessOut
    history: list[ReferralEventOut] = Field(
        default_factory=list, description="Every step so far, oldest first (the closed loop)."
    )
