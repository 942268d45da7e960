"""つなぐ: a referral from a case to a unit or agency, and its closed loop back to the sender."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.access import Principal


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


# ---------------------------------------------------------------- who reads and who acts


def can_read_referral(p: Principal, referral_to_org: str, *, case_readable: bool) -> bool:
    """A referral is read by the sender side (whoever may read its case by access.md rules 1-4)
    and by the addressed unit or agency, in every status: it is that org's own record of what it
    was asked and what it answered. The addressed org reads the referral, never more of the case;
    admins and auditors read neither."""
    if not p.does_case_work:
        return False
    return case_readable or (p.org is not None and p.org == referral_to_org)


def referral_parties(p: Principal, referral_to_org: str, *, can_send: bool) -> frozenset[Party]:
    """The sides ``p`` may act for: the addressed org (recipient) answers, and those who may send
    a referral on the case (``domain.access.can_send_referral``) act for the sender. The addressed
    org never acts for the sender, even once it may edit the case: nobody refers to itself, so it
    declines or reports back instead of withdrawing."""
    if not p.does_case_work:
        return frozenset()
    parties: set[Party] = set()
    if p.org is not None and p.org == referral_to_org:
        parties.add(Party.RECIPIENT)
    if can_send and p.org != referral_to_org:
        parties.add(Party.SENDER)
    return frozenset(parties)


def allowed_actions(current: ReferralStatus, parties: frozenset[Party]) -> list[ReferralAction]:
    """The actions the state machine lets any of ``parties`` take now, in declaration order."""
    return [
        action
        for action in ReferralAction
        if any(next_status(current, action, party) is not None for party in parties)
    ]
