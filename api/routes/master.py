"""Master data endpoints: thin — parse, call ``api.services.master``, shape the response.

Reads need ``master:read`` (every working principal has it); changes need ``admin``.
Master lists are small, so they come whole, without pagination.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.deps import Admin, ReadMaster
from api.errors import problem_responses
from api.schemas import master as s
from api.services import master as service

router = APIRouter(tags=["master"])

CodePath = Annotated[str, Path(min_length=1, max_length=60, description="The record's code.")]
Active = Annotated[bool | None, Query(description="Only active (true) or inactive (false) rows.")]

READ_ERRORS = problem_responses(401, 403, 422)
CREATE_ERRORS = problem_responses(401, 403, 409, 413, 422)
UPDATE_ERRORS = problem_responses(401, 403, 404, 409, 413, 422)


@router.get(
    "/departments",
    response_model=list[s.DepartmentOut],
    summary="部の一覧 / List departments",
    responses=problem_responses(401, 403),
)
async def list_departments(ctx: ReadMaster) -> list[s.DepartmentOut]:
    """The 4部, 社協 and the pseudo-departments for other city units, IT, partner agencies and
    the partner businesses of 参加支援."""
    return service.list_departments(ctx)


@router.get(
    "/agency-fields",
    response_model=list[s.AgencyFieldOut],
    summary="支援関係機関の分野 / List agency fields",
    responses=problem_responses(401, 403),
)
async def list_agency_fields(ctx: ReadMaster) -> list[s.AgencyFieldOut]:
    return service.list_agency_fields(ctx)


@router.get(
    "/areas",
    response_model=list[s.AreaOut],
    summary="日常生活圏域の一覧 / List areas",
    responses=problem_responses(401, 403),
)
async def list_areas(ctx: ReadMaster) -> list[s.AreaOut]:
    """東部 / 西部: each has its own 地域福祉コーディネーター."""
    return service.list_areas(ctx)


@router.get(
    "/support-functions",
    response_model=list[s.SupportFunctionOut],
    summary="支援の機能（法第106条の4第2項） / List support functions",
    responses=problem_responses(401, 403),
)
async def list_support_functions(ctx: ReadMaster) -> list[s.SupportFunctionOut]:
    """The six functions of Social Welfare Act Art. 106-4 §2 and the units that lead them."""
    return service.list_support_functions(ctx)


@router.get(
    "/code-lists/{list_name}",
    response_model=list[s.CodeLabelOut],
    summary="コード一覧（相談経路・支援経過の手段） / List code labels",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_code_labels(
    ctx: ReadMaster,
    list_name: Annotated[
        str,
        Path(
            min_length=1,
            max_length=40,
            description="`intake_route` (相談経路) or `contact_means` (支援経過の手段).",
            examples=["intake_route"],
        ),
    ],
) -> list[s.CodeLabelOut]:
    return service.list_code_labels(ctx, list_name)


# ---------------------------------------------------------------- towns


@router.get(
    "/towns",
    response_model=list[s.TownOut],
    summary="町の一覧 / List towns",
    responses=READ_ERRORS,
)
async def list_towns(
    ctx: ReadMaster,
    area: Annotated[str | None, Query(max_length=60, description="Area code.")] = None,
    active: Active = None,
) -> list[s.TownOut]:
    """Kokubunji's 19 towns and the area each belongs to."""
    return service.list_towns(ctx, area, active)


@router.post(
    "/towns",
    response_model=s.TownOut,
    status_code=status.HTTP_201_CREATED,
    summary="町の登録 / Create a town",
    responses=CREATE_ERRORS,
)
async def create_town(ctx: Admin, body: s.TownCreate) -> s.TownOut:
    """The code is permanent; the area decides which coordinators cover the town's households."""
    return service.create_town(ctx, body)


@router.patch(
    "/towns/{code}",
    response_model=s.TownOut,
    summary="町の変更 / Update a town",
    responses=UPDATE_ERRORS,
)
async def update_town(ctx: Admin, code: CodePath, body: s.TownUpdate) -> s.TownOut:
    """Name, reading, area or active flag; the code never changes. Cases keep the area they
    were given at intake."""
    return service.update_town(ctx, code, body)


# ---------------------------------------------------------------- organizations


@router.get(
    "/organizations",
    response_model=list[s.OrganizationOut],
    summary="組織（課・係・支援関係機関・協力事業所）の一覧 / List org units, agencies and partners",
    responses=READ_ERRORS,
)
async def list_organizations(
    ctx: ReadMaster,
    kind: Annotated[
        s.OrgKind | None,
        Query(description="`unit`, `agency` or `partner` (参加支援の協力事業所)."),
    ] = None,
    department: Annotated[str | None, Query(max_length=60, description="Department code.")] = None,
    field_code: Annotated[
        str | None, Query(alias="field", max_length=60, description="Agency field code.")
    ] = None,
    active: Active = None,
) -> list[s.OrganizationOut]:
    """Ordered by department, then agency field, then code."""
    return service.list_organizations(
        ctx, kind=kind, department=department, field=field_code, active=active
    )


@router.get(
    "/organizations/{code}",
    response_model=s.OrganizationOut,
    summary="組織の詳細 / Read an org unit, agency or partner business",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_organization(ctx: ReadMaster, code: CodePath) -> s.OrganizationOut:
    return service.get_organization(ctx, code)


@router.post(
    "/organizations",
    response_model=s.OrganizationOut,
    status_code=status.HTTP_201_CREATED,
    summary="組織の登録 / Create an org unit, agency or partner business",
    responses=CREATE_ERRORS,
)
async def create_organization(
    ctx: Admin, body: s.OrganizationCreate, response: Response
) -> s.OrganizationOut:
    """A unit names its department; an agency names its field (its department is `agency`); a
    partner business of 参加支援 (kind `partner`, 協力事業所) names neither (its department is
    `partner`). Partner businesses have no users or API clients and take no referrals."""
    out = service.create_organization(ctx, body)
    response.headers["Location"] = f"/organizations/{out.code}"
    return out


@router.patch(
    "/organizations/{code}",
    response_model=s.OrganizationOut,
    summary="組織の変更 / Update an org unit, agency or partner business",
    responses=UPDATE_ERRORS,
)
async def update_organization(
    ctx: Admin, code: CodePath, body: s.OrganizationUpdate
) -> s.OrganizationOut:
    """Name, reading, field (agencies only) or active flag; code, kind and department are fixed."""
    return service.update_organization(ctx, code, body)


# ---------------------------------------------------------------- issue categories


@router.get(
    "/issue-categories",
    response_model=list[s.IssueCategoryOut],
    summary="課題分類の一覧 / List issue categories",
    responses=READ_ERRORS,
)
async def list_issue_categories(ctx: ReadMaster, active: Active = None) -> list[s.IssueCategoryOut]:
    """The national statistics' items first, then the project's own categories."""
    return service.list_issue_categories(ctx, active)


@router.post(
    "/issue-categories",
    response_model=s.IssueCategoryOut,
    status_code=status.HTTP_201_CREATED,
    summary="課題分類の登録 / Create an issue category",
    responses=CREATE_ERRORS,
)
async def create_issue_category(ctx: Admin, body: s.IssueCategoryCreate) -> s.IssueCategoryOut:
    """Without `sortOrder` the new category goes after the last one."""
    return service.create_issue_category(ctx, body)


@router.patch(
    "/issue-categories/{code}",
    response_model=s.IssueCategoryOut,
    summary="課題分類の変更 / Update an issue category",
    responses=UPDATE_ERRORS,
)
async def update_issue_category(
    ctx: Admin, code: CodePath, body: s.IssueCategoryUpdate
) -> s.IssueCategoryOut:
    """Categories in use are never deleted; set `active` to false to stop offering one."""
    return service.update_issue_category(ctx, code, body)
