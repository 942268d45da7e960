"""つなぐ: a referral from a case to a unit or agency, and its closed loop back to the sender."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ReferralStatus(StrEnum):
    SENT = "sent"  # 依頼中
    ACCEPTED = "accepted"  # 受諾
    DECLINED = "declined"  # 辞退
    IN_PROGRESS = "in_progress"  # 対応中
    COMPLETED = "completed"  # 完了（報告済み）
    WITHDRAWN = "withdrawn"  # 取り下げ


REFERRAL_STATUS_LABELS: dict[ReferralStatus, str] = {
    ReferralStatus.SENT: "依頼中",
    ReferralStatus.ACCEPTED: "受諾",
    ReferralStatus.DECLINED: "辞退",
    ReferralStatus.IN_PROGRESS: "対応中",
    ReferralStatus.COMPLETED: "完了",
    ReferralStatus.WITHDRAWN: "取り下げ",
}


class ReferralAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    START = "start"
    COMPLETE = "complete"  # with a report back to the sender
    WITHDRAW = "withdraw"


class Party(StrEnum):
    SENDER = "sender"
    RECIPIENT = "recipient"


_R = ReferralStatus
_A = ReferralAction
# (action) -> (who may take it, from which states, to which state)
REFERRAL_ACTIONS: dict[ReferralAction, tuple[Party, frozenset[ReferralStatus], ReferralStatus]] = {
    _A.ACCEPT: (Party.RECIPIENT, frozenset({_R.SENT}), _R.ACCEPTED),
    _A.DECLINE: (Party.RECIPIENT, frozenset({_R.SENT}), _R.DECLINED),
    _A.START: (Party.RECIPIENT, frozenset({_R.ACCEPTED}), _R.IN_PROGRESS),
    _A.COMPLETE: (Party.RECIPIENT, frozenset({_R.ACCEPTED, _R.IN_PROGRESS}), _R.COMPLETED),
    _A.WITHDRAW: (Party.SENDER, frozenset({_R.SENT, _R.ACCEPTED, _R.IN_PROGRESS}), _R.WITHDRAWN),
}

OPEN_STATUSES = frozenset({_R.SENT, _R.ACCEPTED, _R.IN_PROGRESS})
# While a referral is "open" in the sense of access.md rule 5 the recipient reads its summary.
AWAITING_ANSWER = frozenset({_R.SENT})


def next_status(current: ReferralStatus, action: ReferralAction, party: Party) -> ReferralStatus | None:
    """The status after ``party`` takes ``action``, or None when the rules do not allow it."""
    who, sources, target = REFERRAL_ACTIONS[action]
    if party is not who or current not in sources:
        return None
    return target


def needs_reason(action: ReferralAction) -> bool:
    """Declining and withdrawing say why; completing carries the report back (the closed loop)."""
    return action in (_A.DECLINE, _A.WITHDRAW, _A.COMPLETE)


@dataclass(frozen=True)
class ReferralFacts:
    status: ReferralStatus
    due_date: date | None


def is_overdue(referral: ReferralFacts, today: date) -> bool:
    """An answer is overdue when the referral still waits for it after its due date."""
    return (
        referral.status in AWAITING_ANSWER
        and referral.due_date is not None
        and referral.due_date < today
    )
