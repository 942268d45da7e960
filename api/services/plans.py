"""Support plan use cases: write, propose, revise, approve (by a meeting), monitor, evaluate, close.

A plan belongs to a case: whoever may not read the case gets the same 404 as for a plan that does
not exist. Only coordinators and the secretariat write plans (access.md); a plan is approved only
through a 重層的支援会議 decision with the person's consent in force (``approve_by_meeting``, called
by the meetings module; no HTTP endpoint approves). Every change is audited.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, aliased

from api.clock import now
from api.db import page_limit
from api.errors import AppError, FieldError, forbidden, not_found
from api.models import (
    Case,
    Meeting,
    MonitoringRecord,
    Organization,
    PlanGoal,
    PlanItem,
    SupportFunction,
    SupportPlan,
)
from api.schemas import plans as s
from api.schemas.base import decode_cursor, encode_cursor
from api.services import concurrency
from api.services.case_access import get_case_row, load_facts, readable_filter
from api.services.cases import CaseAccess, _readable
from api.services.context import Context
from domain.case_status import CaseStatus
from domain.meetings import MeetingKind
from domain.organizations import OrgKind
from domain.plans import (
    DECIDED_BY_MEETING,
    DUE_SOON_DAYS,
    EDITABLE,
    ITEM_ORG_PROBLEM_MESSAGES,
    OPEN_STATUSES,
    PARTICIPATION,
    PLAN_STATUS_LABELS,
    Achievement,
    AgreementMethod,
    GoalTerm,
    ItemOrgProblem,
    MonitoringState,
    PlanStatus,
    can_approve,
    can_record_monitoring,
    can_transition,
    can_write_plan,
    default_plan_end,
    first_monitoring_date,
    monitoring_state,
    next_monitoring_after,
    partner_problem,
    responsible_org_problem,
)

# ---------------------------------------------------------------- guards


@dataclass
class PlanAccess:
    plan: SupportPlan
    case: CaseAccess


def _plan_not_found() -> AppError:
    return not_found("支援プラン", "support plan")


def _lock_plan(session: Session, plan_id: int) -> SupportPlan:
    plan = session.scalar(
        select(SupportPlan)
        .where(SupportPlan.id == plan_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert plan is not None
    return plan


def _plan(ctx: Context, plan_id: int, action: str, *, for_update: bool = False) -> PlanAccess:
    """The plan and its case, or 404 when either does not exist or the case is not readable.
    With ``for_update`` the case row, then the plan row, stay locked until commit."""
    plan = ctx.session.get(SupportPlan, plan_id)
    if plan is None:
        ctx.audit.record_refusal(action, "plan", plan_id, detail={"exists": False})
        raise _plan_not_found()
    try:
        case = _readable(ctx, plan.case_id, action, for_update=for_update)
    except AppError as exc:
        if exc.slug == "not-found":
            raise _plan_not_found() from None
        raise
    if for_update:
        plan = _lock_plan(ctx.session, plan_id)
    return PlanAccess(plan, case)


def _require_writer(
    ctx: Context, action: str, resource: str, resource_id: int, case_id: int
) -> None:
    if not can_write_plan(ctx.principal, True):
        ctx.audit.record_refusal(action, resource, resource_id, case_id=case_id)
        raise forbidden(
            "支援プランを作成・変更できるのは、地域福祉コーディネーターと事務局です。",
            "Only coordinators and the secretariat may write support plans.",
        )


def _writable(
    ctx: Context, plan_id: int, action: str, if_match: str | None, *, if_match_required: bool
) -> PlanAccess:
    access = _plan(ctx, plan_id, action, for_update=True)
    _require_writer(ctx, action, "plan", plan_id, access.plan.case_id)
    check_if_match(access.plan, if_match, required=if_match_required)
    return access


def etag(plan: SupportPlan) -> str:
    return concurrency.PLAN.etag(plan.id, plan.version)


def check_if_match(plan: SupportPlan, if_match: str | None, *, required: bool) -> None:
    """428 without If-Match where it is required; 412 when it names another version."""
    concurrency.check_if_match(concurrency.PLAN, etag(plan), if_match, required=required)


def _flush(ctx: Context) -> None:
    concurrency.flush(ctx.session, concurrency.PLAN)


def _touch(plan: SupportPlan) -> None:
    """Any change to the plan, its goals, items or records bumps its version (and so its ETag);
    called before the first change of an operation, so that the version moves by one."""
    plan.updated_at = now()


def _conflict(detail_ja: str, detail_en: str) -> AppError:
    return AppError("conflict", detail_ja, detail_en)


def _check_move(plan: SupportPlan, target: PlanStatus) -> None:
    """409 unless ``target`` may follow the plan's state as a plain transition; approval is never
    one (only ``approve_by_meeting`` approves)."""
    current = PlanStatus(plan.status)
    if target in DECIDED_BY_MEETING or not can_transition(current, target):
        raise _conflict(
            f"「{PLAN_STATUS_LABELS[current]}」の支援プランは「{PLAN_STATUS_LABELS[target]}」にできません。",
            f"A plan cannot go from {current} to {target}.",
        )


def _move(plan: SupportPlan, target: PlanStatus, reason: str | None = None) -> None:
    _check_move(plan, target)
    _touch(plan)
    plan.status = target.value
    plan.status_reason = reason
    plan.status_changed_at = plan.updated_at
    if target is not PlanStatus.MONITORING:
        plan.next_monitoring_date = None


# ---------------------------------------------------------------- input checks


def _validation(errors: list[FieldError], ja: str, en: str) -> AppError:
    return AppError("validation-error", ja, en, errors=errors)


def _check_items(session: Session, items: Sequence[s.ItemIn], field: str = "items") -> None:
    """Unknown org or function codes, and orgs of the wrong kind (a partner business named as the
    responsible org, or named on an item that is not 参加支援): one field error per problem."""
    orgs = {i.responsible_org for i in items} | {i.partner_org for i in items if i.partner_org}
    functions = {i.function for i in items if i.function}
    known_orgs: dict[str, tuple[OrgKind, bool]] = (
        {
            code: (OrgKind(kind), active)
            for code, kind, active in session.execute(
                select(Organization.code, Organization.kind, Organization.active).where(
                    Organization.code.in_(orgs)
                )
            )
        }
        if orgs
        else {}
    )
    known_functions = (
        set(
            session.scalars(select(SupportFunction.code).where(SupportFunction.code.in_(functions)))
        )
        if functions
        else set()
    )
    unknown: list[FieldError] = []
    misplaced: list[FieldError] = []

    def unknown_code(at: str, code: str) -> None:
        unknown.append(
            FieldError(field=at, message=f"存在しないコードです: {code}", code="unknown_code")
        )

    def wrong(at: str, problem: ItemOrgProblem) -> None:
        message, _ = ITEM_ORG_PROBLEM_MESSAGES[problem]
        misplaced.append(FieldError(field=at, message=message, code=problem.value))

    for n, item in enumerate(items):
        responsible = known_orgs.get(item.responsible_org)
        if responsible is None:
            unknown_code(f"{field}.{n}.responsibleOrg", item.responsible_org)
        elif (problem := responsible_org_problem(responsible[0])) is not None:
            wrong(f"{field}.{n}.responsibleOrg", problem)
        if item.function and item.function not in known_functions:
            unknown_code(f"{field}.{n}.function", item.function)
        if item.partner_org:
            partner = known_orgs.get(item.partner_org)
            if partner is None and item.function == PARTICIPATION:
                unknown_code(f"{field}.{n}.partnerOrg", item.partner_org)
            elif (
                problem := partner_problem(
                    item.function,
                    partner[0] if partner else None,
                    partner[1] if partner else False,
                )
            ) is not None:
                wrong(f"{field}.{n}.partnerOrg", problem)
    if unknown:
        raise _validation(
            unknown + misplaced,
            "存在しないコードが指定されています。",
            "Unknown codes in the request.",
        )
    if misplaced:
        raise _validation(
            misplaced,
            misplaced[0].message,
            ITEM_ORG_PROBLEM_MESSAGES[ItemOrgProblem(misplaced[0].code)][1],
        )


@dataclass(frozen=True)
class _Terms:
    """The plan-level fields, after an edit is merged with what is stored."""

    start_date: date | None
    end_date: date | None
    agreed_on: date | None
    agreement_method: AgreementMethod | None


def _check_terms(ctx: Context, terms: _Terms) -> None:
    errors: list[FieldError] = []
    if terms.start_date and terms.end_date and terms.end_date < terms.start_date:
        errors.append(
            FieldError(
                field="endDate",
                message="終了日は開始日以降にしてください。",
                code="end_before_start",
            )
        )
    if terms.agreed_on and terms.agreed_on > ctx.today:
        errors.append(FieldError(field="agreedOn", message="未来の日付です。", code="future_date"))
    if (terms.agreed_on is None) != (terms.agreement_method is None):
        missing = "agreementMethod" if terms.agreement_method is None else "agreedOn"
        errors.append(
            FieldError(
                field=missing,
                message="同意日と同意の方法は両方とも指定してください。",
                code="agreement_incomplete",
            )
        )
    if errors:
        raise _validation(
            errors, "計画期間または本人の同意の記録に誤りがあります。", "Inconsistent plan terms."
        )


def _not_null(changes: dict[str, Any], fields: Sequence[str]) -> None:
    errors = [
        FieldError(field=_camel(f), message="空にできません。", code="null_not_allowed")
        for f in fields
        if f in changes and changes[f] is None
    ]
    if errors:
        raise _validation(errors, "必須項目は空にできません。", "Required fields cannot be null.")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _case_open(access: CaseAccess) -> None:
    if access.case.status == CaseStatus.CLOSED.value:
        raise _conflict(
            "終結したケースには支援プランを作成できません。",
            "The case is closed; it takes no new plan.",
        )


def _no_other_open_plan(ctx: Context, case_id: int, except_id: int | None = None) -> None:
    stmt = select(SupportPlan.id).where(
        SupportPlan.case_id == case_id,
        SupportPlan.status.in_([st.value for st in OPEN_STATUSES]),
    )
    if except_id is not None:
        stmt = stmt.where(SupportPlan.id != except_id)
    if ctx.session.scalar(stmt.limit(1)) is not None:
        raise _conflict(
            "このケースには作成中・提案中・実施中の支援プランがあります。新しく作るには、その版を見直してください。",
            "The case already has a plan in draft, proposed, approved or monitoring; revise it.",
        )


def _next_version_number(session: Session, case_id: int) -> int:
    latest = session.scalar(
        select(func.max(SupportPlan.version_number)).where(SupportPlan.case_id == case_id)
    )
    return int(latest or 0) + 1


# ---------------------------------------------------------------- goals and items


def _write_goals(session: Session, plan_id: int, goals: Sequence[s.GoalIn]) -> None:
    session.execute(delete(PlanGoal).where(PlanGoal.plan_id == plan_id))
    session.add_all(
        PlanGoal(plan_id=plan_id, position=n, term=g.term.value, text=g.text)
        for n, g in enumerate(goals, start=1)
    )


def _write_items(session: Session, plan_id: int, items: Sequence[s.ItemIn]) -> None:
    session.execute(delete(PlanItem).where(PlanItem.plan_id == plan_id))
    session.add_all(
        PlanItem(
            plan_id=plan_id,
            position=n,
            content=i.content,
            responsible_org_code=i.responsible_org,
            is_lead=i.is_lead,
            frequency=i.frequency,
            start_date=i.start_date,
            end_date=i.end_date,
            function_code=i.function,
            partner_org_code=i.partner_org,
        )
        for n, i in enumerate(items, start=1)
    )


def _goal_rows(session: Session, plan_id: int) -> list[PlanGoal]:
    return list(
        session.scalars(
            select(PlanGoal).where(PlanGoal.plan_id == plan_id).order_by(PlanGoal.position)
        )
    )


def _item_rows(session: Session, plan_id: int) -> list[PlanItem]:
    return list(
        session.scalars(
            select(PlanItem).where(PlanItem.plan_id == plan_id).order_by(PlanItem.position)
        )
    )


def _goals_in(rows: Sequence[PlanGoal]) -> list[s.GoalIn]:
    return [s.GoalIn(term=GoalTerm(g.term), text=g.text) for g in rows]


def _items_in(rows: Sequence[PlanItem]) -> list[s.ItemIn]:
    return [
        s.ItemIn(
            content=i.content,
            responsible_org=i.responsible_org_code,
            is_lead=i.is_lead,
            frequency=i.frequency,
            start_date=i.start_date,
            end_date=i.end_date,
            function=i.function_code,
            partner_org=i.partner_org_code,
        )
        for i in rows
    ]


def _item_orgs(session: Session, plan_id: int) -> frozenset[str]:
    return frozenset(
        session.scalars(select(PlanItem.responsible_org_code).where(PlanItem.plan_id == plan_id))
    )


# ---------------------------------------------------------------- output


def _state_of(plan: SupportPlan, today: date) -> MonitoringState | None:
    if plan.status != PlanStatus.MONITORING.value:
        return None
    return monitoring_state(plan.next_monitoring_date, today)


def _plan_out(ctx: Context, plan: SupportPlan) -> s.PlanOut:
    session = ctx.session
    goals = _goal_rows(session, plan.id)
    partner = aliased(Organization, name="partner_org")
    items = session.execute(
        select(PlanItem, Organization.name, partner.name)
        .join(Organization, Organization.code == PlanItem.responsible_org_code)
        .outerjoin(partner, partner.code == PlanItem.partner_org_code)
        .where(PlanItem.plan_id == plan.id)
        .order_by(PlanItem.position)
    ).all()
    records = session.scalars(
        select(MonitoringRecord)
        .where(MonitoringRecord.plan_id == plan.id)
        .order_by(MonitoringRecord.monitored_on.desc(), MonitoringRecord.id.desc())
    ).all()
    replaced_by = session.scalar(
        select(SupportPlan.id).where(SupportPlan.previous_plan_id == plan.id).limit(1)
    )
    item_orgs = frozenset(i.responsible_org_code for i, _, _ in items)
    return s.PlanOut(
        id=plan.id,
        case_id=plan.case_id,
        version_number=plan.version_number,
        previous_plan_id=plan.previous_plan_id,
        replaced_by_plan_id=replaced_by,
        status=PlanStatus(plan.status),
        status_label=PLAN_STATUS_LABELS[PlanStatus(plan.status)],
        assessment_summary=plan.assessment_summary,
        goals=[
            s.GoalOut(
                id=g.id,
                position=g.position,
                term=GoalTerm(g.term),
                text=g.text,
                achievement=Achievement(g.achievement) if g.achievement else None,
                comment=g.comment,
            )
            for g in goals
        ],
        items=[
            s.ItemOut(
                id=i.id,
                position=i.position,
                content=i.content,
                responsible_org=i.responsible_org_code,
                responsible_org_name=org_name,
                is_lead=i.is_lead,
                frequency=i.frequency,
                start_date=i.start_date,
                end_date=i.end_date,
                function=i.function_code,
                partner_org=i.partner_org_code,
                partner_org_name=partner_name,
            )
            for i, org_name, partner_name in items
        ],
        monitoring_every_months=plan.monitoring_every_months,
        start_date=plan.start_date,
        end_date=plan.end_date,
        next_monitoring_date=plan.next_monitoring_date,
        monitoring_state=_state_of(plan, ctx.today),
        agreed_on=plan.agreed_on,
        agreement_method=AgreementMethod(plan.agreement_method) if plan.agreement_method else None,
        approved_meeting_id=plan.approved_meeting_id,
        evaluation_comment=plan.evaluation_comment,
        status_reason=plan.status_reason,
        status_changed_at=plan.status_changed_at,
        monitoring_records=[
            s.MonitoringRecordOut(
                id=r.id,
                monitored_on=r.monitored_on,
                content=r.content,
                recorded_by=r.recorded_by_sub,
                created_at=r.created_at,
            )
            for r in records
        ],
        created_by=plan.created_by_sub,
        version=plan.version,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
        access=s.PlanAccessOut(
            can_write=can_write_plan(ctx.principal, True),
            can_record_monitoring=can_record_monitoring(ctx.principal, True, item_orgs),
        ),
    )


def _written(ctx: Context, plan: SupportPlan) -> tuple[s.PlanOut, str]:
    _flush(ctx)
    return _plan_out(ctx, plan), etag(plan)


def _lead_org_column() -> Any:
    return (
        select(PlanItem.responsible_org_code)
        .where(PlanItem.plan_id == SupportPlan.id, PlanItem.is_lead.is_(True))
        .limit(1)
        .scalar_subquery()
    )


def _summary(
    plan: SupportPlan, case_number: str, lead_org: str | None, today: date
) -> s.PlanSummary:
    return s.PlanSummary(
        id=plan.id,
        case_id=plan.case_id,
        case_number=case_number,
        version_number=plan.version_number,
        status=PlanStatus(plan.status),
        status_label=PLAN_STATUS_LABELS[PlanStatus(plan.status)],
        lead_org=lead_org,
        monitoring_every_months=plan.monitoring_every_months,
        start_date=plan.start_date,
        end_date=plan.end_date,
        next_monitoring_date=plan.next_monitoring_date,
        monitoring_state=_state_of(plan, today),
        approved_meeting_id=plan.approved_meeting_id,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


# ---------------------------------------------------------------- create and read


def create_plan(ctx: Context, case_id: int, data: s.PlanCreate) -> tuple[s.PlanOut, str]:
    access = _readable(ctx, case_id, "plan.create", for_update=True)
    _require_writer(ctx, "plan.create", "case", case_id, case_id)
    _check_items(ctx.session, data.items)
    _check_terms(ctx, _Terms(data.start_date, data.end_date, data.agreed_on, data.agreement_method))
    _case_open(access)
    _no_other_open_plan(ctx, case_id)
    plan = SupportPlan(
        case_id=case_id,
        version_number=_next_version_number(ctx.session, case_id),
        previous_plan_id=None,
        status=PlanStatus.DRAFT.value,
        assessment_summary=data.assessment_summary,
        monitoring_every_months=data.monitoring_every_months,
        start_date=data.start_date,
        end_date=data.end_date,
        agreed_on=data.agreed_on,
        agreement_method=data.agreement_method.value if data.agreement_method else None,
        created_by_sub=ctx.principal.sub,
    )
    ctx.session.add(plan)
    ctx.session.flush()
    _write_goals(ctx.session, plan.id, data.goals)
    _write_items(ctx.session, plan.id, data.items)
    ctx.audit.record(
        "plan.create",
        "plan",
        plan.id,
        case_id=case_id,
        detail={"version_number": plan.version_number},
    )
    return _written(ctx, plan)


def list_plans(ctx: Context, case_id: int) -> list[s.PlanSummary]:
    """Every version of the case's plans, newest first."""
    access = _readable(ctx, case_id, "plan.list")
    rows = ctx.session.execute(
        select(SupportPlan, _lead_org_column())
        .where(SupportPlan.case_id == case_id)
        .order_by(SupportPlan.version_number.desc())
    ).all()
    ctx.audit.record("plan.list", "case", case_id, case_id=case_id)
    return [_summary(plan, access.case.number, lead, ctx.today) for plan, lead in rows]


def get_plan(ctx: Context, plan_id: int) -> tuple[s.PlanOut, str]:
    access = _plan(ctx, plan_id, "plan.read")
    ctx.audit.record(
        "plan.read",
        "plan",
        plan_id,
        case_id=access.plan.case_id,
        detail={"basis": str(access.case.basis)},
    )
    return _plan_out(ctx, access.plan), etag(access.plan)


def list_plans_for_monitoring(
    ctx: Context, state: MonitoringState, cursor: str | None, limit: int
) -> tuple[list[s.PlanSummary], str | None]:
    """Plans in monitoring whose next date is within ``DUE_SOON_DAYS`` (due) or past (overdue),
    of the cases the caller may read; newest plan first."""
    after = decode_cursor(cursor)
    next_date = SupportPlan.next_monitoring_date
    stmt = (
        select(SupportPlan, Case.number, _lead_org_column())
        .join(Case, Case.id == SupportPlan.case_id)
        .where(
            SupportPlan.status == PlanStatus.MONITORING.value,
            readable_filter(ctx.principal, ctx.today),
        )
        .order_by(SupportPlan.id.desc())
        .limit(page_limit(limit + 1))
    )
    if state is MonitoringState.OVERDUE:
        stmt = stmt.where(next_date < ctx.today)
    else:
        soon = ctx.today + timedelta(days=DUE_SOON_DAYS)
        stmt = stmt.where(next_date >= ctx.today, next_date <= soon)
    if after is not None:
        stmt = stmt.where(SupportPlan.id < after)
    rows = ctx.session.execute(stmt).all()
    page = rows[:limit]
    items = [_summary(plan, number, lead, ctx.today) for plan, number, lead in page]
    ctx.audit.record_case_reads("plan.monitoring_list", dict.fromkeys(i.case_id for i in items))
    next_cursor = encode_cursor(page[-1][0].id) if len(rows) > limit else None
    return items, next_cursor


# ---------------------------------------------------------------- edit a draft


def update_plan(
    ctx: Context, plan_id: int, if_match: str | None, data: s.PlanUpdate
) -> tuple[s.PlanOut, str]:
    access = _writable(ctx, plan_id, "plan.update", if_match, if_match_required=True)
    plan = access.plan
    if PlanStatus(plan.status) not in EDITABLE:
        raise _conflict(
            "作成中の支援プランだけを編集できます。承認後の変更は「見直し」で新しい版を作ってください。",
            "Only a draft can be edited; revise the plan to change it.",
        )
    changes = data.model_dump(exclude_unset=True)
    _not_null(changes, ("assessment_summary", "monitoring_every_months", "goals", "items"))
    if data.items is not None:
        _check_items(ctx.session, data.items)
    _check_terms(ctx, _merged_terms(plan, changes, data))
    _apply(plan, changes, data)
    if data.goals is not None:
        _write_goals(ctx.session, plan.id, data.goals)
    if data.items is not None:
        _write_items(ctx.session, plan.id, data.items)
    ctx.audit.record(
        "plan.update",
        "plan",
        plan.id,
        case_id=plan.case_id,
        detail={"fields": sorted(changes)},
    )
    return _written(ctx, plan)


def _merged_terms(plan: SupportPlan, changes: dict[str, Any], data: s.PlanUpdate) -> _Terms:
    stored_method = AgreementMethod(plan.agreement_method) if plan.agreement_method else None
    return _Terms(
        start_date=data.start_date if "start_date" in changes else plan.start_date,
        end_date=data.end_date if "end_date" in changes else plan.end_date,
        agreed_on=data.agreed_on if "agreed_on" in changes else plan.agreed_on,
        agreement_method=(
            data.agreement_method if "agreement_method" in changes else stored_method
        ),
    )


def _apply(plan: SupportPlan, changes: dict[str, Any], data: s.PlanUpdate) -> None:
    _touch(plan)
    if data.assessment_summary is not None:
        plan.assessment_summary = data.assessment_summary
    if data.monitoring_every_months is not None:
        plan.monitoring_every_months = data.monitoring_every_months
    for field in ("start_date", "end_date", "agreed_on"):
        if field in changes:
            setattr(plan, field, getattr(data, field))
    if "agreement_method" in changes:
        plan.agreement_method = data.agreement_method.value if data.agreement_method else None


# ---------------------------------------------------------------- proposal


def propose_plan(ctx: Context, plan_id: int, if_match: str | None) -> tuple[s.PlanOut, str]:
    """作成中 → 会議提案中: the meeting module puts it on a 重層的支援会議 agenda."""
    access = _writable(ctx, plan_id, "plan.propose", if_match, if_match_required=False)
    plan = access.plan
    _check_move(plan, PlanStatus.PROPOSED)
    if not _item_orgs(ctx.session, plan.id):
        raise _conflict(
            "支援内容（役割分担と主担当）を決めてから会議に提案してください。",
            "Add the plan's items (roles and the lead) before proposing it.",
        )
    _move(plan, PlanStatus.PROPOSED)
    ctx.audit.record("plan.propose", "plan", plan.id, case_id=plan.case_id)
    return _written(ctx, plan)


def withdraw_proposal(ctx: Context, plan_id: int, if_match: str | None) -> tuple[s.PlanOut, str]:
    """会議提案中 → 作成中."""
    access = _writable(ctx, plan_id, "plan.withdraw_proposal", if_match, if_match_required=False)
    plan = access.plan
    _move(plan, PlanStatus.DRAFT)
    ctx.audit.record("plan.withdraw_proposal", "plan", plan.id, case_id=plan.case_id)
    return _written(ctx, plan)


# ---------------------------------------------------------------- revision


def revise_plan(
    ctx: Context, plan_id: int, if_match: str | None, data: s.PlanRevision
) -> tuple[s.PlanOut, str]:
    """A new version n+1 as a draft with this one's content (and the changes sent); this one is
    marked replaced and stays readable. The person's agreement is not carried over: the new
    version needs its own."""
    access = _writable(ctx, plan_id, "plan.revise", if_match, if_match_required=False)
    old = access.plan
    current = PlanStatus(old.status)
    if not can_transition(current, PlanStatus.REPLACED):
        raise _conflict(
            f"「{PLAN_STATUS_LABELS[current]}」の支援プランは見直せません。",
            f"A plan in {current} cannot be revised.",
        )
    latest = _next_version_number(ctx.session, old.case_id) - 1
    if old.version_number != latest:
        raise _conflict(
            "最新の版だけを見直せます。", "Only the latest version of a plan can be revised."
        )
    _case_open(access.case)
    _no_other_open_plan(ctx, old.case_id, except_id=old.id)
    changes = data.model_dump(exclude_unset=True)
    _not_null(changes, ("assessment_summary", "monitoring_every_months", "goals", "items"))
    if data.items is not None:
        _check_items(ctx.session, data.items)
    base = _Terms(old.start_date, old.end_date, None, None)
    terms = _Terms(
        start_date=data.start_date if "start_date" in changes else base.start_date,
        end_date=data.end_date if "end_date" in changes else base.end_date,
        agreed_on=data.agreed_on,
        agreement_method=data.agreement_method,
    )
    _check_terms(ctx, terms)
    goals = data.goals if data.goals is not None else _goals_in(_goal_rows(ctx.session, old.id))
    items = data.items if data.items is not None else _items_in(_item_rows(ctx.session, old.id))
    _move(old, PlanStatus.REPLACED, data.reason)
    new = SupportPlan(
        case_id=old.case_id,
        version_number=latest + 1,
        previous_plan_id=old.id,
        status=PlanStatus.DRAFT.value,
        assessment_summary=data.assessment_summary or old.assessment_summary,
        monitoring_every_months=data.monitoring_every_months or old.monitoring_every_months,
        start_date=terms.start_date,
        end_date=terms.end_date,
        agreed_on=terms.agreed_on,
        agreement_method=terms.agreement_method.value if terms.agreement_method else None,
        created_by_sub=ctx.principal.sub,
    )
    ctx.session.add(new)
    _flush(ctx)
    _write_goals(ctx.session, new.id, goals)
    _write_items(ctx.session, new.id, items)
    ctx.audit.record(
        "plan.revise",
        "plan",
        new.id,
        case_id=new.case_id,
        detail={
            "replaces_plan_id": old.id,
            "from_status": current.value,
            "version_number": new.version_number,
            "fields": sorted(changes.keys() - {"reason"}),
            "reason": data.reason,
        },
    )
    return _written(ctx, new)


# ---------------------------------------------------------------- approval (meetings module)


@dataclass(frozen=True)
class AddedItem:
    plan_id: int
    item_id: int


def add_item_by_meeting(
    ctx: Context,
    *,
    case_id: int,
    item: s.ItemIn,
    meeting_id: int,
    field: str,
) -> AddedItem | None:
    """A role assignment decided at a meeting becomes an item of the case's open plan (作成中,
    提案中, 承認 or モニタリング中): the meeting that decided it is where the plan is agreed.
    It is the plan's 主担当 item only when the plan has no item yet (a plan with items has one
    主担当). Without an open plan there is nothing to add to (None): the team membership that the
    decision also makes stands alone. Called by the meetings module, which checks the rights."""
    plan_id = ctx.session.scalar(
        select(SupportPlan.id)
        .where(
            SupportPlan.case_id == case_id,
            SupportPlan.status.in_([st.value for st in OPEN_STATUSES]),
        )
        .order_by(SupportPlan.version_number.desc())
        .limit(1)
    )
    if plan_id is None:
        return None
    _check_items(ctx.session, [item], field)
    plan = _lock_plan(ctx.session, plan_id)
    last = ctx.session.scalar(
        select(func.max(PlanItem.position)).where(PlanItem.plan_id == plan.id)
    )
    _touch(plan)
    row = PlanItem(
        plan_id=plan.id,
        position=(last or 0) + 1,
        content=item.content,
        responsible_org_code=item.responsible_org,
        is_lead=last is None,
        frequency=item.frequency,
        start_date=item.start_date,
        end_date=item.end_date,
        function_code=item.function,
        partner_org_code=item.partner_org,
    )
    ctx.session.add(row)
    _flush(ctx)
    ctx.audit.record(
        "plan.item_add",
        "plan",
        plan.id,
        case_id=case_id,
        purpose=f"meeting:{meeting_id}",
        detail={"item_id": row.id, "org": item.responsible_org, "meeting_id": meeting_id},
    )
    return AddedItem(plan.id, row.id)


def approve_by_meeting(
    ctx: Context, *, plan_id: int, meeting_id: int, meeting_kind: str, consent_in_force: bool
) -> None:
    """Approve a proposed plan by a 重層的支援会議 decision, and start its monitoring.

    Called by the meetings module when the meeting's organiser records the decision; it does not
    check the caller's rights (the meetings module does). Refused (409) unless the meeting is a
    重層的支援会議 (``meeting_kind`` and the stored meeting agree), the plan is proposed, and the
    person's consent is in force — both as the caller says and as the case's records say.
    A plan without a start date starts today; without an end date it runs one year.
    """
    plan = ctx.session.get(SupportPlan, plan_id)
    if plan is None:
        raise _plan_not_found()
    case = get_case_row(ctx.session, plan.case_id, for_update=True)
    plan = _lock_plan(ctx.session, plan_id)
    meeting = ctx.session.get(Meeting, meeting_id)
    if meeting is None:
        raise not_found("会議", "meeting")
    facts, _ = load_facts(ctx.session, case, ctx.today)
    consent = bool(
        consent_in_force and facts.main_consent and facts.main_consent.is_in_force(ctx.today)
    )
    by_multi_agency = (
        meeting_kind == MeetingKind.MULTI_AGENCY.value
        and meeting.kind == MeetingKind.MULTI_AGENCY.value
    )
    status = PlanStatus(plan.status)
    if not can_approve(status, consent_in_force=consent, by_multi_agency_meeting=by_multi_agency):
        if not by_multi_agency:
            reason, ja, en = (
                "not_multi_agency_meeting",
                "支援プランを承認できるのは重層的支援会議の決定だけです（重層的支援会議の決定ではない）。",
                "Only a 重層的支援会議 (multi-agency meeting) decision approves a plan.",
            )
        elif status is not PlanStatus.PROPOSED:
            reason, ja, en = (
                "not_proposed",
                f"会議に提案中ではない支援プランは承認できません（現在: {PLAN_STATUS_LABELS[status]}）。",
                f"Only a proposed plan can be approved (it is {status}).",
            )
        else:
            reason, ja, en = (
                "no_consent",
                "本人同意がないため、支援プランを承認できません。",
                "The person's consent is not in force; the plan cannot be approved.",
            )
        ctx.audit.record_refusal(
            "plan.approve",
            "plan",
            plan.id,
            case_id=plan.case_id,
            detail={"meeting_id": meeting_id, "reason": reason},
        )
        raise _conflict(ja, en)
    start = plan.start_date or ctx.today
    end = plan.end_date or default_plan_end(start)
    plan.start_date, plan.end_date = start, end
    plan.status = PlanStatus.APPROVED.value
    plan.approved_meeting_id = meeting_id
    # 支援決定 starts the support at once: approved → monitoring.
    plan.status = PlanStatus.MONITORING.value
    every = plan.monitoring_every_months
    plan.next_monitoring_date = first_monitoring_date(start, every, end) if every else None
    _touch(plan)
    _flush(ctx)
    ctx.audit.record(
        "plan.approve",
        "plan",
        plan.id,
        case_id=plan.case_id,
        purpose=f"meeting:{meeting_id}",
        detail={
            "meeting_id": meeting_id,
            "status": plan.status,
            "next_monitoring_date": (
                plan.next_monitoring_date.isoformat() if plan.next_monitoring_date else None
            ),
        },
    )


# ---------------------------------------------------------------- monitoring and evaluation


def add_monitoring_record(
    ctx: Context, plan_id: int, data: s.MonitoringRecordIn
) -> tuple[s.PlanOut, str]:
    access = _plan(ctx, plan_id, "monitoring.create", for_update=True)
    plan = access.plan
    if not can_record_monitoring(ctx.principal, True, _item_orgs(ctx.session, plan.id)):
        ctx.audit.record_refusal("monitoring.create", "plan", plan.id, case_id=plan.case_id)
        raise forbidden(
            "モニタリングを記録できるのは、コーディネーター・事務局と、プランに役割のある課・機関です。",
            "Only coordinators, the secretariat and the plan's units or agencies may record monitoring.",
        )
    if plan.status != PlanStatus.MONITORING.value:
        raise _conflict(
            "モニタリング中の支援プランにだけ記録できます。",
            "Monitoring is recorded only while the plan is being monitored.",
        )
    errors: list[FieldError] = []
    if data.monitored_on > ctx.today:
        errors.append(
            FieldError(field="monitoredOn", message="未来の日付です。", code="future_date")
        )
    elif plan.start_date and data.monitored_on < plan.start_date:
        errors.append(
            FieldError(
                field="monitoredOn",
                message="計画の開始日より前の日付です。",
                code="before_plan_start",
            )
        )
    if errors:
        raise _validation(errors, "モニタリング実施日に誤りがあります。", "Invalid monitoredOn.")
    record = MonitoringRecord(
        plan_id=plan.id,
        monitored_on=data.monitored_on,
        content=data.content,
        recorded_by_sub=ctx.principal.sub,
    )
    ctx.session.add(record)
    _touch(plan)
    if plan.monitoring_every_months and plan.start_date:
        plan.next_monitoring_date = next_monitoring_after(
            plan.start_date,
            plan.monitoring_every_months,
            plan.end_date or default_plan_end(plan.start_date),
            data.monitored_on,
            plan.next_monitoring_date,
        )
    out = _written(ctx, plan)
    ctx.audit.record(
        "monitoring.create",
        "monitoring_record",
        record.id,
        case_id=plan.case_id,
        detail={
            "plan_id": plan.id,
            "next_monitoring_date": (
                plan.next_monitoring_date.isoformat() if plan.next_monitoring_date else None
            ),
        },
    )
    return out


def evaluate_plan(
    ctx: Context, plan_id: int, if_match: str | None, data: s.EvaluationIn
) -> tuple[s.PlanOut, str]:
    """モニタリング中 → 評価済み, with the achievement of every goal."""
    access = _writable(ctx, plan_id, "plan.evaluate", if_match, if_match_required=False)
    plan = access.plan
    _check_move(plan, PlanStatus.EVALUATED)
    goals = {g.id: g for g in _goal_rows(ctx.session, plan.id)}
    sent = {g.goal_id for g in data.goals}
    errors = [
        FieldError(
            field=f"goals.{n}.goalId",
            message="この支援プランの目標ではありません。",
            code="unknown_goal",
        )
        for n, g in enumerate(data.goals)
        if g.goal_id not in goals
    ]
    if missing := sorted(goals.keys() - sent):
        errors.append(
            FieldError(
                field="goals",
                message=f"評価されていない目標があります: {', '.join(map(str, missing))}",
                code="goal_not_evaluated",
            )
        )
    if errors:
        raise _validation(
            errors, "すべての目標を1回ずつ評価してください。", "Evaluate every goal exactly once."
        )
    _move(plan, PlanStatus.EVALUATED)
    for g in data.goals:
        goals[g.goal_id].achievement = g.achievement.value
        goals[g.goal_id].comment = g.comment
    plan.evaluation_comment = data.comment
    ctx.audit.record(
        "plan.evaluate",
        "plan",
        plan.id,
        case_id=plan.case_id,
        detail={"achievements": {str(g.goal_id): g.achievement.value for g in data.goals}},
    )
    return _written(ctx, plan)


def close_plan(
    ctx: Context, plan_id: int, if_match: str | None, data: s.ReasonIn
) -> tuple[s.PlanOut, str]:
    """評価済み or 中断 → 終結."""
    return _end(ctx, plan_id, if_match, data, PlanStatus.CLOSED, "plan.close")


def suspend_plan(
    ctx: Context, plan_id: int, if_match: str | None, data: s.ReasonIn
) -> tuple[s.PlanOut, str]:
    """承認 or モニタリング中 → 中断."""
    return _end(ctx, plan_id, if_match, data, PlanStatus.SUSPENDED, "plan.suspend")


def _end(
    ctx: Context,
    plan_id: int,
    if_match: str | None,
    data: s.ReasonIn,
    target: PlanStatus,
    action: str,
) -> tuple[s.PlanOut, str]:
    access = _writable(ctx, plan_id, action, if_match, if_match_required=False)
    plan = access.plan
    current = PlanStatus(plan.status)
    _move(plan, target, data.reason)
    ctx.audit.record(
        action,
        "plan",
        plan.id,
        case_id=plan.case_id,
        detail={"from": current.value, "reason": data.reason},
    )
    return _written(ctx, plan)
