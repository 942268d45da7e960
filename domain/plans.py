"""支援プラン (the MHLW プラン兼事業等利用申込書): versions, states, evaluation."""

from datetime import date, timedelta
from enum import StrEnum


class PlanStatus(StrEnum):
    DRAFT = "draft"  # 作成中
    PROPOSED = "proposed"  # 重層的支援会議に提案
    APPROVED = "approved"  # 承認（支援決定）
    MONITORING = "monitoring"  # モニタリング中
    EVALUATED = "evaluated"  # 評価済み
    CLOSED = "closed"  # 終結
    SUSPENDED = "suspended"  # 中断
    REPLACED = "replaced"  # 見直し（新しい版に置き換え）


PLAN_STATUS_LABELS: dict[PlanStatus, str] = {
    PlanStatus.DRAFT: "作成中",
    PlanStatus.PROPOSED: "会議提案中",
    PlanStatus.APPROVED: "承認",
    PlanStatus.MONITORING: "モニタリング中",
    PlanStatus.EVALUATED: "評価済み",
    PlanStatus.CLOSED: "終結",
    PlanStatus.SUSPENDED: "中断",
    PlanStatus.REPLACED: "見直し済み",
}

_P = PlanStatus
PLAN_TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    _P.DRAFT: frozenset({_P.PROPOSED, _P.REPLACED}),
    _P.PROPOSED: frozenset({_P.APPROVED, _P.DRAFT, _P.REPLACED}),
    _P.APPROVED: frozenset({_P.MONITORING, _P.SUSPENDED, _P.REPLACED}),
    _P.MONITORING: frozenset({_P.EVALUATED, _P.SUSPENDED, _P.REPLACED}),
    _P.EVALUATED: frozenset({_P.CLOSED, _P.REPLACED}),
    _P.CLOSED: frozenset(),
    _P.SUSPENDED: frozenset({_P.REPLACED, _P.CLOSED}),
    _P.REPLACED: frozenset(),
}

EDITABLE = frozenset({_P.DRAFT})
# Only a meeting decision moves a plan to APPROVED; the API refuses it as a plain transition.
DECIDED_BY_MEETING = frozenset({_P.APPROVED})


class GoalTerm(StrEnum):
    LONG = "long"  # 長期目標
    SHORT = "short"  # 短期目標


class Achievement(StrEnum):
    ACHIEVED = "achieved"  # 達成
    PARTLY = "partly"  # 一部達成
    NOT_ACHIEVED = "not_achieved"  # 未達成


def can_transition(current: PlanStatus, target: PlanStatus) -> bool:
    return target in PLAN_TRANSITIONS[current]


def can_approve(status: PlanStatus, *, consent_in_force: bool, by_multi_agency_meeting: bool) -> bool:
    """A plan is approved only by a 重層的支援会議 decision, and only with the person's consent."""
    return status is _P.PROPOSED and consent_in_force and by_multi_agency_meeting


def monitoring_due_dates(start: date, every_months: int, until: date) -> list[date]:
    """The monitoring dates of a plan: every ``every_months`` months from its start, through
    ``until``; a day that does not exist in a month (31st) falls on that month's last day."""
    if every_months < 1:
        raise ValueError("the monitoring period is at least one month")
    dates: list[date] = []
    step = 1
    while True:
        month_index = start.month - 1 + every_months * step
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, _days_in_month(year, month))
        due = date(year, month, day)
        if due > until:
            return dates
        dates.append(due)
        step += 1


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def is_monitoring_overdue(next_due: date | None, today: date) -> bool:
    return next_due is not None and next_due < today
