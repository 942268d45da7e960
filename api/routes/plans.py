"""Support plan endpoints: thin — parse, call ``api.services.plans``, shape the response.

No endpoint approves a plan: approval is a 重層的支援会議 decision, recorded through the meetings
endpoints (``api.services.plans.approve_by_meeting``).
"""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from api.deps import ReadCases, WriteCases
from api.errors import problem_responses
from api.idempotency import Idempotent
from api.routes.paging import Cursor, Limit
from api.schemas import plans as s
from api.schemas.base import Page
from api.services import plans as service
from domain.plans import MonitoringState

router = APIRouter()

CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Case id.")]
PlanId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Support plan id (one version).")]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description="The plan's current ETag (from getPlan). Required: 428 without it, 412 if stale.",
    ),
]
OptionalIfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description="The plan's ETag as last read; when sent, a stale one is refused with 412.",
    ),
]

READ_ERRORS = problem_responses(401, 403, 404)
TRANSITION_ERRORS = problem_responses(401, 403, 404, 409, 412, 413, 422)


def _respond(response: Response, result: tuple[s.PlanOut, str]) -> s.PlanOut:
    out, tag = result
    response.headers["ETag"] = tag
    return out


@router.post(
    "/cases/{case_id}/plans",
    response_model=s.PlanOut,
    status_code=status.HTTP_201_CREATED,
    tags=["plans"],
    summary="支援プランの作成 / Write a support plan",
    responses=problem_responses(401, 403, 404, 409, 413, 422),
)
async def create_plan(
    ctx: WriteCases, _: Idempotent, case_id: CaseId, body: s.PlanCreate, response: Response
) -> s.PlanOut:
    """A draft (作成中) with the 課題, long- and short-term goals and each unit's or agency's
    items, one of them the 主担当. Only coordinators and the secretariat; 409 while the case has
    a plan in draft, proposed, approved or monitoring (revise that one instead)."""
    out = _respond(response, service.create_plan(ctx, case_id, body))
    response.headers["Location"] = f"/plans/{out.id}"
    return out


@router.get(
    "/cases/{case_id}/plans",
    response_model=list[s.PlanSummary],
    tags=["plans"],
    summary="ケースの支援プラン（全版） / A case's plans, every version",
    responses=READ_ERRORS,
)
async def list_plans(ctx: ReadCases, case_id: CaseId) -> list[s.PlanSummary]:
    """Every version, newest first; replaced versions stay readable."""
    return service.list_plans(ctx, case_id)


@router.get(
    "/plans",
    response_model=Page[s.PlanSummary],
    tags=["plans"],
    summary="モニタリング予定・期限超過の支援プラン / Plans due or overdue for monitoring",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_plans_for_monitoring(
    ctx: ReadCases,
    monitoring: Annotated[
        MonitoringState,
        Query(description="due: the next monitoring is within 14 days; overdue: it has passed."),
    ],
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[s.PlanSummary]:
    """Plans in monitoring of the cases the caller may read; newest plan first."""
    items, next_cursor = service.list_plans_for_monitoring(ctx, monitoring, cursor, limit)
    return Page[s.PlanSummary](items=items, next_cursor=next_cursor)


@router.get(
    "/plans/{plan_id}",
    response_model=s.PlanOut,
    tags=["plans"],
    summary="支援プランの詳細 / Read a support plan",
    responses=READ_ERRORS,
)
async def get_plan(ctx: ReadCases, plan_id: PlanId, response: Response) -> s.PlanOut:
    """The plan with its goals, items and monitoring records. 404 when the caller may not read
    the plan's case."""
    return _respond(response, service.get_plan(ctx, plan_id))


@router.patch(
    "/plans/{plan_id}",
    response_model=s.PlanOut,
    tags=["plans"],
    summary="支援プランの編集（作成中のみ） / Edit a draft plan",
    responses=problem_responses(401, 403, 404, 409, 412, 413, 422, 428),
)
async def update_plan(
    ctx: WriteCases,
    plan_id: PlanId,
    body: s.PlanUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> s.PlanOut:
    """Only a draft; ``goals`` and ``items``, when sent, replace the lists."""
    return _respond(response, service.update_plan(ctx, plan_id, if_match, body))


@router.post(
    "/plans/{plan_id}/propose",
    response_model=s.PlanOut,
    tags=["plans"],
    summary="重層的支援会議への提案 / Propose a plan to a 重層的支援会議",
    responses=TRANSITION_ERRORS,
)
async def propose_plan(
    ctx: WriteCases, plan_id: PlanId, response: Response, if_match: OptionalIfMatch = None
) -> s.PlanOut:
    """作成中 → 会議提案中. The plan needs its items (roles and the 主担当). It is approved only by
    a 重層的支援会議 decision, with the person's consent."""
    return _respond(response, service.propose_plan(ctx, plan_id, if_match))


@router.post(
    "/plans/{plan_id}/withdraw-proposal",
    response_model=s.PlanOut,
    tags=["plans"],
    summary="提案の取り下げ / Withdraw a plan's proposal",
    responses=TRANSITION_ERRORS,
)
async def withdraw_plan_proposal(
    ctx: WriteCases, plan_id: PlanId, response: Response, if_match: OptionalIfMatch = None
) -> s.PlanOut:
    """会議提案中 → 作成中."""
    return _respond(response, service.withdraw_proposal(ctx, plan_id, if_match))


@router.post(
    "/plans/{plan_id}/revise",
    response_model=s.PlanOut,
    status_code=status.HTTP_201_CREATED,
    tags=["plans"],
    summary="支援プランの見直し（新しい版） / Revise a plan (new version)",
    responses=TRANSITION_ERRORS,
)
async def revise_plan(
    ctx: WriteCases,
    plan_id: PlanId,
    body: s.PlanRevision,
    response: Response,
    if_match: OptionalIfMatch = None,
) -> s.PlanOut:
    """Creates version n+1 as a draft with this version's goals and items (and the changes
    sent); this version becomes 見直し済み and stays readable. Only the latest version, from
    作成中, 会議提案中, 承認, モニタリング中, 評価済み or 中断. Returns the new version."""
    out = _respond(response, service.revise_plan(ctx, plan_id, if_match, body))
    response.headers["Location"] = f"/plans/{out.id}"
    return out


@router.post(
    "/plans/{plan_id}/monitoring-records",
    response_model=s.PlanOut,
    status_code=status.HTTP_201_CREATED,
    tags=["plans"],
    summary="モニタリングの記録 / Record a monitoring",
    responses=problem_responses(401, 403, 404, 409, 413, 422),
)
async def add_monitoring_record(
    ctx: WriteCases, plan_id: PlanId, body: s.MonitoringRecordIn, response: Response
) -> s.PlanOut:
    """Only while the plan is monitored; by a coordinator, the secretariat, or a unit or agency
    with an item in the plan. The next monitoring date moves to the next one due after it."""
    return _respond(response, service.add_monitoring_record(ctx, plan_id, body))


@router.post(
    "/plans/{plan_id}/evaluation",
    response_model=s.PlanOut,
    tags=["plans"],
    summary="支援プランの評価 / Evaluate a plan",
    responses=TRANSITION_ERRORS,
)
async def evaluate_plan(
    ctx: WriteCases,
    plan_id: PlanId,
    body: s.EvaluationIn,
    response: Response,
    if_match: OptionalIfMatch = None,
) -> s.PlanOut:
    """モニタリング中 → 評価済み: how far each goal was met (every goal once), and an overall
    comment."""
    return _respond(response, service.evaluate_plan(ctx, plan_id, if_match, body))


@router.post(
    "/plans/{plan_id}/close",
    response_model=s.PlanOut,
    tags=["plans"],
    summary="支援プランの終結 / Close a plan",
    responses=TRANSITION_ERRORS,
)
async def close_plan(
    ctx: WriteCases,
    plan_id: PlanId,
    body: s.ReasonIn,
    response: Response,
    if_match: OptionalIfMatch = None,
) -> s.PlanOut:
    """評価済み or 中断 → 終結, with the reason."""
    return _respond(response, service.close_plan(ctx, plan_id, if_match, body))


@router.post(
    "/plans/{plan_id}/suspend",
    response_model=s.PlanOut,
    tags=["plans"],
    summary="支援プランの中断 / Suspend a plan",
    responses=TRANSITION_ERRORS,
)
async def suspend_plan(
    ctx: WriteCases,
    plan_id: PlanId,
    body: s.ReasonIn,
    response: Response,
    if_match: OptionalIfMatch = None,
) -> s.PlanOut:
    """承認 or モニタリング中 → 中断, with the reason."""
    return _respond(response, service.suspend_plan(ctx, plan_id, if_match, body))
