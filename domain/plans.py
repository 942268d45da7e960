"""支援プラン (the MHLW プラン兼事業等利用申込書): versions, states, evaluation."""

from datetime import date, timedelta
from enum import StrEnum

from domain.access import Principal, Role
from domain.organizations import OrgKind, does_support_work


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


def can_approve(
    status: PlanStatus, *, consent_in_force: bool, by_multi_agency_meeting: bool
) -> bool:
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


# ---------------------------------------------------------------- additions for the plan API

# A case has at most one plan in one of these states at a time (a revision replaces it).
OPEN_STATUSES = frozenset({_P.DRAFT, _P.PROPOSED, _P.APPROVED, _P.MONITORING})
# The states from which a revision (a new draft version) may be made.
REVISABLE = frozenset(s for s, targets in PLAN_TRANSITIONS.items() if _P.REPLACED in targets)
# A monitoring date is "due" from this many days before it.
DUE_SOON_DAYS = 14


class AgreementMethod(StrEnum):
    WRITTEN = "written"  # 書面（署名）
    ORAL = "oral"  # 口頭


class MonitoringState(StrEnum):
    DUE = "due"  # 近日中（14日以内）
    OVERDUE = "overdue"  # 期限超過


def can_write_plan(p: Principal, case_readable: bool) -> bool:
    """Write or revise a plan (access.md): a coordinator or the secretariat who may read the case."""
    return (
        case_readable and p.does_case_work and (p.has(Role.COORDINATOR) or p.has(Role.SECRETARIAT))
    )


def can_record_monitoring(p: Principal, case_readable: bool, item_orgs: frozenset[str]) -> bool:
    """A monitoring record: whoever may write the plan, or a unit or agency with an item in it
    that may read the case."""
    if can_write_plan(p, case_readable):
        return True
    return case_readable and p.does_case_work and p.org is not None and p.org in item_orgs


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` months; a day that does not exist falls on the month's last."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _days_in_month(year, month)))


def default_plan_end(start: date) -> date:
    """The end of a plan that names none: one year after its start."""
    return add_months(start, 12)


def first_monitoring_date(start: date, every_months: int, until: date) -> date | None:
    """The first monitoring date of a plan that starts monitoring, or None when none falls
    before its end."""
    dates = monitoring_due_dates(start, every_months, until)
    return dates[0] if dates else None


def next_monitoring_after(
    start: date, every_months: int, until: date, monitored_on: date, current: date | None = None
) -> date | None:
    """The monitoring date that follows a monitoring done on ``monitored_on``.

    It is the first due date strictly after the monitoring; a monitoring done while ``current``
    is due (from ``DUE_SOON_DAYS`` before it) counts for ``current``, and one done earlier is an
    extra check that leaves ``current`` as it is. The schedule never moves back (a record entered
    late for an earlier day); None when no due date is left before ``until``.
    """
    if current is not None and monitored_on < current - timedelta(days=DUE_SOON_DAYS):
        return current
    floor = monitored_on if current is None else max(monitored_on, current)
    for due in monitoring_due_dates(start, every_months, until):
        if due > floor:
            return due
    return None


def monitoring_state(next_due: date | None, today: date) -> MonitoringState | None:
    """Overdue when the date has passed, due when it falls within ``DUE_SOON_DAYS``."""
    if next_due is None:
        return None
    if next_due < today:
        return MonitoringState.OVERDUE
    if next_due <= today + timedelta(days=DUE_SOON_DAYS):
        return MonitoringState.DUE
    return None


def goal_problems(terms: list[GoalTerm]) -> list[str]:
    """What is wrong with a plan's goals: at least one long-term goal is needed."""
    if GoalTerm.LONG not in terms:
        return ["長期目標を1つ以上設定してください。"]
    return []


def lead_problems(is_lead: list[bool]) -> list[str]:
    """What is wrong with a plan's items: when there are any, exactly one is the 主担当."""
    if is_lead and sum(is_lead) != 1:
        return ["支援内容のうち1つだけを主担当（isLead）にしてください。"]
    return []


# ---------------------------------------------------------------- 参加支援 partner businesses

PARTICIPATION = "participation"  # the Art. 106-4 §2 item 2 function (参加支援)


class ItemOrgProblem(StrEnum):
    """What is wrong with the organisations a plan item names."""

    PARTNER_NOT_PARTICIPATION = "partner_needs_participation"
    NOT_A_PARTNER = "not_partner"
    PARTNER_INACTIVE = "inactive_partner"
    PARTNER_RESPONSIBLE = "partner_not_responsible"


ITEM_ORG_PROBLEM_MESSAGES: dict[ItemOrgProblem, tuple[str, str]] = {
    ItemOrgProblem.PARTNER_NOT_PARTICIPATION: (
        "協力事業所は、機能が参加支援の支援内容にだけ指定できます。",
        "A partner business is named only on an item whose function is participation support.",
    ),
    ItemOrgProblem.NOT_A_PARTNER: (
        "協力事業所には、種別が協力事業所（partner）の組織を指定してください。",
        "partnerOrg must be an organisation of kind partner.",
    ),
    ItemOrgProblem.PARTNER_INACTIVE: (
        "無効になっている協力事業所は指定できません。",
        "The partner business is inactive.",
    ),
    ItemOrgProblem.PARTNER_RESPONSIBLE: (
        "協力事業所は担当機関にできません。担当は参加支援を行う課・機関にし、"
        "事業所は協力事業所（partnerOrg）に指定してください。",
        "A partner business is not responsible for an item; name it as partnerOrg.",
    ),
}


def partner_problem(
    function: str | None, partner_kind: OrgKind | None, partner_active: bool
) -> ItemOrgProblem | None:
    """A plan item that names a partner business (協力事業所): it must be a 参加支援 item, and the
    partner an active organisation of kind partner (``partner_kind`` None: the code names no
    organisation)."""
    if function != PARTICIPATION:
        return ItemOrgProblem.PARTNER_NOT_PARTICIPATION
    if partner_kind is not OrgKind.PARTNER:
        return ItemOrgProblem.NOT_A_PARTNER
    if not partner_active:
        return ItemOrgProblem.PARTNER_INACTIVE
    return None


def responsible_org_problem(kind: OrgKind) -> ItemOrgProblem | None:
    """The org responsible for an item does the support: a unit or an agency."""
    return None if does_support_work(kind) else ItemOrgProblem.PARTNER_RESPONSIBLE
