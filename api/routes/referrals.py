"""Referral endpoints (つなぐ): thin — parse, call ``api.services.referrals``, shape the response."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from api.deps import ReadCases, WriteReferrals
from api.errors import problem_responses
from api.idempotency import Idempotent
from api.routes.paging import Cursor, Limit
from api.schemas import referrals as s
from api.schemas.base import Page
from api.services import referrals as service
from domain.referrals import ReferralAction, ReferralStatus

router = APIRouter()

CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Case id.")]
ReferralId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Referral id.")]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description="The referral's current ETag (from getReferral). Required: 428 without it, "
        "412 if stale.",
    ),
]

READ_ERRORS = problem_responses(401, 403, 404)
ACTION_ERRORS = problem_responses(401, 403, 404, 409, 412, 413, 422, 428)


def _with_etag(response: Response, tag: str) -> None:
    response.headers["ETag"] = tag


@router.post(
    "/cases/{case_id}/referrals",
    response_model=s.ReferralOut,
    status_code=status.HTTP_201_CREATED,
    tags=["referrals"],
    summary="紹介を送る / Send a referral",
    responses=problem_responses(401, 403, 404, 409, 413, 422),
)
async def create_referral(
    ctx: WriteReferrals,
    _: Idempotent,
    case_id: CaseId,
    body: s.ReferralCreate,
    response: Response,
) -> s.ReferralOut:
    """Refers the household to a unit or agency (つなぐ). Whoever may edit the case may send one;
    not to the sender's own org (422), not twice to the same org while one is open (409). The
    recipient reads the referral and its summary only, until it accepts and consent covers it."""
    out, tag = service.create_referral(ctx, case_id, body)
    response.headers["Location"] = f"/referrals/{out.id}"
    _with_etag(response, tag)
    return out


@router.get(
    "/cases/{case_id}/referrals",
    response_model=list[s.ReferralOut],
    tags=["referrals"],
    summary="ケースの紹介一覧 / A case's referrals",
    responses=READ_ERRORS,
)
async def list_case_referrals(ctx: ReadCases, case_id: CaseId) -> list[s.ReferralOut]:
    """Every referral of the case, newest first, for those who may read the case (404 otherwise)."""
    return service.list_case_referrals(ctx, case_id)


@router.get(
    "/referrals",
    response_model=Page[s.ReferralSummary],
    tags=["referrals"],
    summary="紹介の受信箱・送信箱 / Referral inbox and outbox",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_referrals(
    ctx: ReadCases,
    box: Annotated[
        s.ReferralBox,
        Query(description="inbox: addressed to the caller's org; outbox: sent from it."),
    ],
    referral_status: Annotated[
        list[ReferralStatus] | None, Query(alias="status", max_length=6)
    ] = None,
    overdue: Annotated[
        bool | None,
        Query(description="true: only those waiting for an answer past their due date."),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[s.ReferralSummary]:
    """Newest first. The household's name shows only where the caller may read the case: the
    inbox is how an org without consent learns of a referral, not of the household."""
    filters = service.ReferralFilters(box=box, status=referral_status, overdue=overdue)
    items, next_cursor = service.list_referrals(ctx, filters, cursor, limit)
    return Page[s.ReferralSummary](items=items, next_cursor=next_cursor)


@router.get(
    "/referrals/{referral_id}",
    response_model=s.ReferralOut,
    tags=["referrals"],
    summary="紹介の詳細 / Read a referral",
    responses=READ_ERRORS,
)
async def get_referral(
    ctx: ReadCases, referral_id: ReferralId, response: Response
) -> s.ReferralOut:
    """Readable by whoever may read the case and by the addressed org (its own record, in every
    status); 404 otherwise. The ETag is needed for the actions."""
    out, tag = service.get_referral(ctx, referral_id)
    _with_etag(response, tag)
    return out


def _act(
    ctx: WriteReferrals,
    referral_id: int,
    action: ReferralAction,
    if_match: str | None,
    body: s.ReferralActionIn,
    response: Response,
) -> s.ReferralOut:
    out, tag = service.act(ctx, referral_id, action, if_match, body)
    _with_etag(response, tag)
    return out


@router.post(
    "/referrals/{referral_id}/accept",
    response_model=s.ReferralOut,
    tags=["referrals"],
    summary="紹介を受諾する / Accept a referral",
    responses=ACTION_ERRORS,
)
async def accept_referral(
    ctx: WriteReferrals,
    referral_id: ReferralId,
    body: s.ReferralActionIn,
    response: Response,
    if_match: IfMatch = None,
) -> s.ReferralOut:
    """By the addressed org, while 依頼中. It joins the case's support team; it reads the whole case
    only where the person's consent covers it."""
    return _act(ctx, referral_id, ReferralAction.ACCEPT, if_match, body, response)


@router.post(
    "/referrals/{referral_id}/decline",
    response_model=s.ReferralOut,
    tags=["referrals"],
    summary="紹介を辞退する / Decline a referral",
    responses=ACTION_ERRORS,
)
async def decline_referral(
    ctx: WriteReferrals,
    referral_id: ReferralId,
    body: s.ReferralActionIn,
    response: Response,
    if_match: IfMatch = None,
) -> s.ReferralOut:
    """By the addressed org, while 依頼中, with the reason (note)."""
    return _act(ctx, referral_id, ReferralAction.DECLINE, if_match, body, response)


@router.post(
    "/referrals/{referral_id}/start",
    response_model=s.ReferralOut,
    tags=["referrals"],
    summary="対応を開始する / Start work on a referral",
    responses=ACTION_ERRORS,
)
async def start_referral(
    ctx: WriteReferrals,
    referral_id: ReferralId,
    body: s.ReferralActionIn,
    response: Response,
    if_match: IfMatch = None,
) -> s.ReferralOut:
    """By the addressed org, once it has accepted."""
    return _act(ctx, referral_id, ReferralAction.START, if_match, body, response)


@router.post(
    "/referrals/{referral_id}/complete",
    response_model=s.ReferralOut,
    tags=["referrals"],
    summary="完了を報告する / Complete a referral and report back",
    responses=ACTION_ERRORS,
)
async def complete_referral(
    ctx: WriteReferrals,
    referral_id: ReferralId,
    body: s.ReferralActionIn,
    response: Response,
    if_match: IfMatch = None,
) -> s.ReferralOut:
    """By the addressed org, once accepted or in progress, with the report back to the sender
    (note): the loop closes."""
    return _act(ctx, referral_id, ReferralAction.COMPLETE, if_match, body, response)


@router.post(
    "/referrals/{referral_id}/withdraw",
    response_model=s.ReferralOut,
    tags=["referrals"],
    summary="紹介を取り下げる / Withdraw a referral",
    responses=ACTION_ERRORS,
)
async def withdraw_referral(
    ctx: WriteReferrals,
    referral_id: ReferralId,
    body: s.ReferralActionIn,
    response: Response,
    if_match: IfMatch = None,
) -> s.ReferralOut:
    """By the sending side (whoever may send referrals from the case), while the referral is open,
    with the reason (note)."""
    return _act(ctx, referral_id, ReferralAction.WITHDRAW, if_match, body, response)
