"""Administration endpoints (users, API clients): thin — parse, call ``api.services.admin``.

All of them need the ``admin`` scope, which only the admin role holds; admins never see case
content.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.deps import Admin
from api.errors import problem_responses
from api.routes.paging import Cursor, Limit
from api.schemas import admin as s
from api.schemas.base import Page
from api.services import admin as service
from domain.access import Role

router = APIRouter(tags=["admin"])

UserId = Annotated[str, Path(min_length=1, max_length=36, description="User id (a UUID).")]
ClientId = Annotated[str, Path(min_length=1, max_length=64, description="API client id.")]
Active = Annotated[bool | None, Query(description="Only active (true) or disabled (false) ones.")]


@router.get(
    "/users",
    response_model=Page[s.UserOut],
    summary="利用者の一覧 / List users",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_users(
    ctx: Admin,
    org: Annotated[str | None, Query(max_length=60, description="Org unit code.")] = None,
    role: Annotated[Role | None, Query(description="Only accounts holding this role.")] = None,
    active: Active = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Part of the user name or display name.")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[s.UserOut]:
    """Ordered by user name."""
    filters = service.UserFilters(org=org, role=role, active=active, q=q)
    items, next_cursor = service.list_users(ctx, filters, cursor, limit)
    return Page[s.UserOut](items=items, next_cursor=next_cursor)


@router.get(
    "/users/{user_id}",
    response_model=s.UserOut,
    summary="利用者の詳細 / Read a user",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_user(ctx: Admin, user_id: UserId) -> s.UserOut:
    return service.get_user(ctx, user_id)


@router.post(
    "/users",
    response_model=s.UserOut,
    status_code=status.HTTP_201_CREATED,
    summary="利用者の登録 / Create a user",
    responses=problem_responses(401, 403, 409, 413, 422),
)
def create_user(ctx: Admin, body: s.UserCreate, response: Response) -> s.UserOut:
    """The roles must go together with the org unit's department (separation of duties:
    admins and auditors hold no case roles, agency users only `agency`, coordinators belong to
    社協 and need an area, the secretariat belongs to 健康部)."""
    out = service.create_user(ctx, body)
    response.headers["Location"] = f"/users/{out.id}"
    return out


@router.patch(
    "/users/{user_id}",
    response_model=s.UserOut,
    summary="利用者の変更・無効化・パスワード再設定 / Update, disable or reset a user",
    responses=problem_responses(401, 403, 404, 409, 413, 422),
)
def update_user(ctx: Admin, user_id: UserId, body: s.UserUpdate) -> s.UserOut:
    """Disabling the account, changing its roles, org unit or area, or setting a new password
    ends its sessions at once: its access tokens stop working and its refresh tokens are
    revoked. Admins cannot disable themselves or drop their own admin role (409)."""
    return service.update_user(ctx, user_id, body)


@router.get(
    "/api-clients",
    response_model=list[s.ApiClientOut],
    summary="連携クライアントの一覧 / List API clients",
    responses=problem_responses(401, 403, 422),
)
async def list_api_clients(
    ctx: Admin,
    org: Annotated[str | None, Query(max_length=60, description="Agency code.")] = None,
    active: Active = None,
) -> list[s.ApiClientOut]:
    """Partner-agency integrations (OAuth2 client credentials), by agency."""
    return service.list_api_clients(ctx, org, active)


@router.post(
    "/api-clients",
    response_model=s.ApiClientCreated,
    status_code=status.HTTP_201_CREATED,
    summary="連携クライアントの発行 / Create an API client",
    responses=problem_responses(401, 403, 413, 422),
)
def create_api_client(
    ctx: Admin, body: s.ApiClientCreate, response: Response
) -> s.ApiClientCreated:
    """The response holds `clientSecret`, shown this once: only its hash is stored."""
    response.headers["Cache-Control"] = "no-store"
    return service.create_api_client(ctx, body)


@router.patch(
    "/api-clients/{client_id}",
    response_model=s.ApiClientOut,
    summary="連携クライアントの変更・無効化 / Update or disable an API client",
    responses=problem_responses(401, 403, 404, 413, 422),
)
def update_api_client(ctx: Admin, client_id: ClientId, body: s.ApiClientUpdate) -> s.ApiClientOut:
    """Disabling the client or changing its scopes ends its access tokens at once."""
    return service.update_api_client(ctx, client_id, body)
