"""Case endpoints: thin — parse, call ``api.services.cases``, shape the response."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from api.deps import ReadCases, WriteCases, WriteConsent
from api.errors import problem_responses
from api.idempotency import Idempotent
from api.routes.paging import Cursor, Limit
from api.schemas import cases as s
from api.schemas.base import Page
from api.services import cases as service
from domain.case_status import CaseStatus

# A code, or nothing: an empty filter (``area=``) lists as if it were not given, as it always did.
_CODE_FILTER = r"^[a-z0-9_]*$"

router = APIRouter(prefix="/cases")

CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Case id.")]
MemberId = Annotated[int, Path(ge=1, le=2**31 - 1)]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description="The case's current ETag (from getCase). Required: 428 without it, 412 if stale.",
    ),
]

READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 412, 413, 422, 428)


def _with_etag(response: Response, tag: str) -> None:
    response.headers["ETag"] = tag


@router.post(
    "",
    response_model=s.CaseOut,
    status_code=status.HTTP_201_CREATED,
    tags=["cases"],
    summary="相談受付（ケースの新規作成） / Open a case (intake)",
    responses=problem_responses(401, 403, 413, 422),
)
async def create_case(
    ctx: WriteCases, _: Idempotent, body: s.CaseCreate, response: Response
) -> s.CaseOut:
    """Intake of a household with its members, issue categories and, where the caller may record
    it, consent. The case number is the fiscal year and a running number (e.g. 2024-0007)."""
    case = service.open_case(ctx, body)
    out, tag = service.get_case(ctx, case.id)
    response.headers["Location"] = f"/cases/{case.id}"
    _with_etag(response, tag)
    return out


@router.get(
    "",
    response_model=Page[s.CaseSummary],
    tags=["cases"],
    summary="ケース一覧・検索 / List and search cases",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_cases(
    ctx: ReadCases,
    q: Annotated[
        str | None,
        Query(max_length=100, description="氏名（漢字・かな・カナ、全角・半角を問わない）"),
    ] = None,
    number: Annotated[
        str | None, Query(max_length=20, description="Case number (partial).")
    ] = None,
    case_status: Annotated[list[CaseStatus] | None, Query(alias="status", max_length=7)] = None,
    area: Annotated[
        str | None, Query(max_length=40, pattern=_CODE_FILTER, description="Area code.")
    ] = None,
    category: Annotated[
        str | None,
        Query(max_length=60, pattern=_CODE_FILTER, description="Issue category code."),
    ] = None,
    lead_org: Annotated[
        str | None,
        Query(
            alias="leadOrg",
            max_length=60,
            pattern=_CODE_FILTER,
            description="Code of the lead organization.",
        ),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[s.CaseSummary]:
    """Only the cases the caller may read appear; newest first."""
    filters = service.CaseFilters(
        q=q, number=number, status=case_status, area=area, category=category, lead_org=lead_org
    )
    items, next_cursor = service.list_cases(ctx, filters, cursor, limit)
    return Page[s.CaseSummary](items=items, next_cursor=next_cursor)


@router.get(
    "/{case_id}",
    response_model=s.CaseOut,
    tags=["cases"],
    summary="ケースの詳細 / Read a case",
    responses=READ_ERRORS,
)
async def get_case(ctx: ReadCases, case_id: CaseId, response: Response) -> s.CaseOut:
    """The household, its members (redacted where the caller may not see them), categories,
    support team and consent state. 404 when the caller may not read the case."""
    out, tag = service.get_case(ctx, case_id)
    _with_etag(response, tag)
    return out


@router.patch(
    "/{case_id}",
    response_model=s.CaseOut,
    tags=["cases"],
    summary="ケースの編集 / Edit a case",
    responses=WRITE_ERRORS,
)
async def update_case(
    ctx: WriteCases,
    case_id: CaseId,
    body: s.CaseUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> s.CaseOut:
    out, tag = service.update_case(ctx, case_id, if_match, body)
    _with_etag(response, tag)
    return out


@router.post(
    "/{case_id}/status",
    response_model=s.CaseOut,
    tags=["cases"],
    summary="ステータスの変更 / Change a case's status",
    responses=WRITE_ERRORS,
)
async def change_case_status(
    ctx: WriteCases,
    case_id: CaseId,
    body: s.StatusChange,
    response: Response,
    if_match: IfMatch = None,
) -> s.CaseOut:
    """受付 → スクリーニング → アセスメント → 支援中 → モニタリング → 終結 / 中断;
    a transition the rules do not allow is a 409."""
    out, tag = service.change_status(ctx, case_id, if_match, body)
    _with_etag(response, tag)
    return out


@router.post(
    "/{case_id}/members",
    response_model=s.CaseOut,
    status_code=status.HTTP_201_CREATED,
    tags=["cases"],
    summary="世帯員の追加 / Add a household member",
    responses=WRITE_ERRORS,
)
async def add_case_member(
    ctx: WriteCases, case_id: CaseId, body: s.MemberIn, response: Response, if_match: IfMatch = None
) -> s.CaseOut:
    out, tag = service.add_member(ctx, case_id, if_match, body)
    _with_etag(response, tag)
    return out


@router.patch(
    "/{case_id}/members/{member_id}",
    response_model=s.CaseOut,
    tags=["cases"],
    summary="世帯員の編集 / Edit a household member",
    responses=WRITE_ERRORS,
)
async def update_case_member(
    ctx: WriteCases,
    case_id: CaseId,
    member_id: MemberId,
    body: s.MemberUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> s.CaseOut:
    out, tag = service.update_member(ctx, case_id, member_id, if_match, body)
    _with_etag(response, tag)
    return out


@router.get(
    "/{case_id}/consents",
    response_model=list[s.ConsentOut],
    tags=["consent"],
    summary="本人同意の履歴 / Consent history",
    responses=READ_ERRORS,
)
async def list_consents(ctx: ReadCases, case_id: CaseId) -> list[s.ConsentOut]:
    """Every consent record of the members the caller may see, newest first per member."""
    return service.list_consents(ctx, case_id)


@router.post(
    "/{case_id}/members/{member_id}/consents",
    response_model=s.ConsentOut,
    status_code=status.HTTP_201_CREATED,
    tags=["consent"],
    summary="本人同意の記録 / Record consent",
    responses=problem_responses(401, 403, 404, 413, 422),
)
async def record_consent(
    ctx: WriteConsent, case_id: CaseId, member_id: MemberId, body: s.ConsentIn
) -> s.ConsentOut:
    """Records a member's consent (or refusal); it supersedes the previous record. Only
    coordinators, the secretariat and the case's lead unit may do this; it is audited."""
    return service.record_consent(ctx, case_id, member_id, body)


@router.post(
    "/{case_id}/consents/{consent_id}/withdrawal",
    response_model=s.ConsentOut,
    tags=["consent"],
    summary="本人同意の撤回 / Withdraw consent",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def withdraw_consent(
    ctx: WriteConsent,
    case_id: CaseId,
    consent_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: s.ConsentWithdrawal,
) -> s.ConsentOut:
    """Takes effect at once: team members admitted by consent lose access from now on."""
    return service.withdraw_consent(ctx, case_id, consent_id, body)


@router.get(
    "/{case_id}/team",
    response_model=list[s.TeamMemberOut],
    tags=["team"],
    summary="支援チーム / Support team",
    responses=READ_ERRORS,
)
async def list_team_members(ctx: ReadCases, case_id: CaseId) -> list[s.TeamMemberOut]:
    return service.list_team(ctx, case_id)


@router.post(
    "/{case_id}/team",
    response_model=s.TeamMemberOut,
    status_code=status.HTTP_201_CREATED,
    tags=["team"],
    summary="支援チームに追加 / Add to the support team",
    responses=problem_responses(401, 403, 404, 413, 422),
)
async def add_team_member(
    ctx: WriteCases, case_id: CaseId, body: s.TeamMemberIn
) -> s.TeamMemberOut:
    """Adds a unit or agency. It reads the full case only while it is active on the team and the
    main person's consent covers it."""
    return service.add_team_member(ctx, case_id, body)


@router.patch(
    "/{case_id}/team/{membership_id}",
    response_model=s.TeamMemberOut,
    tags=["team"],
    summary="支援チームの役割・期間の変更 / Change a team membership",
    responses=problem_responses(401, 403, 404, 413, 422),
)
async def update_team_member(
    ctx: WriteCases,
    case_id: CaseId,
    membership_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: s.TeamMemberUpdate,
) -> s.TeamMemberOut:
    return service.update_team_member(ctx, case_id, membership_id, body)


@router.get(
    "/{case_id}/timeline",
    response_model=Page[s.TimelineEntryOut],
    tags=["timeline"],
    summary="支援経過 / Contact log",
    responses=problem_responses(400, 401, 403, 404, 422),
)
async def list_timeline_entries(
    ctx: ReadCases, case_id: CaseId, cursor: Cursor = None, limit: Limit = 50
) -> Page[s.TimelineEntryOut]:
    items, next_cursor = service.list_timeline(ctx, case_id, cursor, limit)
    return Page[s.TimelineEntryOut](items=items, next_cursor=next_cursor)


@router.post(
    "/{case_id}/timeline",
    response_model=s.TimelineEntryOut,
    status_code=status.HTTP_201_CREATED,
    tags=["timeline"],
    summary="支援経過の記録 / Add a contact",
    responses=problem_responses(401, 403, 404, 413, 422),
)
async def create_timeline_entry(
    ctx: WriteCases, _: Idempotent, case_id: CaseId, body: s.TimelineEntryIn
) -> s.TimelineEntryOut:
    return service.add_timeline_entry(ctx, case_id, body)
