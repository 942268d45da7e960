"""The life of a case: 受付 → スクリーニング → アセスメント → 支援中 → モニタリング → 終結 / 中断."""

from enum import StrEnum


class CaseStatus(StrEnum):
    RECEIVED = "received"  # 受付
    SCREENING = "screening"  # スクリーニング
    ASSESSMENT = "assessment"  # アセスメント
    IN_SUPPORT = "in_support"  # 支援中
    MONITORING = "monitoring"  # モニタリング
    CLOSED = "closed"  # 終結
    SUSPENDED = "suspended"  # 中断


STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.RECEIVED: "受付",
    CaseStatus.SCREENING: "スクリーニング",
    CaseStatus.ASSESSMENT: "アセスメント",
    CaseStatus.IN_SUPPORT: "支援中",
    CaseStatus.MONITORING: "モニタリング",
    CaseStatus.CLOSED: "終結",
    CaseStatus.SUSPENDED: "中断",
}

_S = CaseStatus
# A case may be closed (e.g. resolved by the consultation itself) or suspended at any open stage;
# monitoring may lead back to support when a revised plan starts; a suspended case resumes at
# assessment or support. 終結 is final: a household that returns is a new consultation.
ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    _S.RECEIVED: frozenset({_S.SCREENING, _S.CLOSED, _S.SUSPENDED}),
    _S.SCREENING: frozenset({_S.ASSESSMENT, _S.CLOSED, _S.SUSPENDED}),
    _S.ASSESSMENT: frozenset({_S.IN_SUPPORT, _S.CLOSED, _S.SUSPENDED}),
    _S.IN_SUPPORT: frozenset({_S.MONITORING, _S.CLOSED, _S.SUSPENDED}),
    _S.MONITORING: frozenset({_S.IN_SUPPORT, _S.CLOSED, _S.SUSPENDED}),
    _S.SUSPENDED: frozenset({_S.ASSESSMENT, _S.IN_SUPPORT, _S.CLOSED}),
    _S.CLOSED: frozenset(),
}

OPEN_STATUSES: frozenset[CaseStatus] = frozenset(s for s in CaseStatus if s is not _S.CLOSED)


def can_transition(current: CaseStatus, target: CaseStatus) -> bool:
    return target in ALLOWED_TRANSITIONS[current]


def is_terminal(status: CaseStatus) -> bool:
    return not ALLOWED_TRANSITIONS[status]
