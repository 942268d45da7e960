"""Administration use cases: staff accounts and partner-agency API clients.

Only the admin role gets here (the ``admin`` scope, checked again with ``can_administer``), and
nothing here touches case content. Whatever changes what an account may do (disabling it, its
roles, org unit or area, a new password) bumps its token generation, so that access tokens issued
before stop working at once, and revokes its refresh tokens. Every change is audited; a password
never is.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth.passwords import hash_password
from api.db import page_limit
from api.errors import AppError, FieldError, not_found
from api.models import ApiClient, Area, Organization, User
from api.schemas import admin as s
from api.schemas.base import decode_key_cursor, encode_key_cursor
from api.services import seeding
from api.services.auth import revoke_all_refresh_tokens
from api.services.context import Context
from api.services.master import (
    duplicate,
    invalid_field,
    require_admin,
    unknown_code,
)
from domain.access import Dept, Role, RoleSetError, check_role_set
from domain.organizations import OrgKind, has_accounts

# ---------------------------------------------------------------- cursor over usernames

_CURSOR_KIND = "username"


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# ---------------------------------------------------------------- users


@dataclass(frozen=True)
class UserFilters:
    org: str | None = None
    role: Role | None = None
    active: bool | None = None
    q: str | None = None


def _user_select() -> Select[User, str]:
    return select(User, Organization.name).join(Organization, Organization.code == User.org_code)


def _user_out(user: User, org_name: str) -> s.UserOut:
    return s.UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        org=user.org_code,
        org_name=org_name,
        roles=[Role(r) for r in user.roles],
        area=user.area_code,
        active=user.active,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def _load_user_out(session: Session, user_id: str) -> s.UserOut:
    row = session.execute(_user_select().where(User.id == user_id)).one_or_none()
    if row is None:
        raise not_found("利用者", "user")
    return _user_out(*row)


def list_users(
    ctx: Context, filters: UserFilters, cursor: str | None, limit: int
) -> tuple[list[s.UserOut], str | None]:
    """Accounts by user name (which is unique, so the cursor is stable)."""
    require_admin(ctx, "user.list", "user")
    key = decode_key_cursor(_CURSOR_KIND, cursor, str)
    after = None if key is None else str(key[0])
    stmt = _user_select().order_by(User.username).limit(page_limit(limit + 1))
    if after is not None:
        stmt = stmt.where(User.username > after)
    if filters.org:
        stmt = stmt.where(User.org_code == filters.org)
    if filters.role is not None:
        # Roles are a JSON list; the quoted value is a portable containment test for enum values.
        stmt = stmt.where(cast(User.roles, String).like(f'%"{filters.role.value}"%'))
    if filters.active is not None:
        stmt = stmt.where(User.active.is_(filters.active))
    if filters.q and filters.q.strip():
        pattern = _like(filters.q.strip().lower())
        stmt = stmt.where(
            or_(
                func.lower(User.username).like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    rows = ctx.session.execute(stmt).all()
    page = rows[:limit]
    next_cursor = (
        encode_key_cursor(_CURSOR_KIND, page[-1][0].username) if len(rows) > limit else None
    )
    return [_user_out(user, org_name) for user, org_name in page], next_cursor


def get_user(ctx: Context, user_id: str) -> s.UserOut:
    require_admin(ctx, "user.read", "user", user_id)
    return _load_user_out(ctx.session, user_id)


def _role_set_error(exc: RoleSetError) -> AppError:
    return AppError(
        "validation-error",
        str(exc),
        "This combination of roles, org unit and area is not allowed.",
        errors=[FieldError(field="roles", message=str(exc), code="role_set")],
    )


def _assignable_org(session: Session, code: str) -> tuple[Organization, Dept]:
    org = session.get(Organization, code)
    if org is None:
        raise unknown_code("org", code)
    if not has_accounts(OrgKind(org.kind)):
        raise invalid_field(
            "org",
            "協力事業所（参加支援）には利用者や連携クライアントを登録できません。"
            "課・係または支援関係機関を指定してください。",
            "A partner business (kind partner) has no user accounts or API clients; choose an "
            "org unit or agency.",
            "partner_org",
        )
    if not org.active:
        raise invalid_field(
            "org",
            "無効になっている組織には所属させられません。",
            "The org unit is inactive.",
            "inactive",
        )
    try:
        dept = Dept(org.department_code)
    except ValueError as exc:
        raise invalid_field(
            "org",
            "この組織の部には利用者を登録できません。",
            "Users cannot belong to this org unit's department.",
            "unsupported_department",
        ) from exc
    return org, dept


def _check_assignment(
    session: Session, org_code: str, roles: list[Role], area: str | None, *, org_changed: bool
) -> None:
    """The roles, org unit and area an account will hold must go together (access.md)."""
    if org_changed:
        _, dept = _assignable_org(session, org_code)
    else:
        org = session.get(Organization, org_code)
        assert org is not None
        dept = Dept(org.department_code)
    if area is not None:
        if session.get(Area, area) is None:
            raise unknown_code("area", area)
        if Role.COORDINATOR not in roles:
            raise invalid_field(
                "area",
                "担当圏域は地域福祉コーディネーターだけに設定します。",
                "Only coordinators have an area.",
                "area_not_allowed",
            )
    try:
        check_role_set(roles, dept, area)
    except RoleSetError as exc:
        raise _role_set_error(exc) from exc


def create_user(ctx: Context, data: s.UserCreate) -> s.UserOut:
    require_admin(ctx, "user.create", "user")
    taken = ctx.session.scalar(
        select(User.id).where(func.lower(User.username) == data.username.lower()).limit(1)
    )
    if taken is not None:
        raise duplicate("ユーザー名", "user name", data.username)
    _check_assignment(ctx.session, data.org, data.roles, data.area, org_changed=True)
    try:
        user = seeding.create_user(
            ctx.session,
            username=data.username,
            display_name=data.display_name,
            password=data.password,
            org_code=data.org,
            roles=data.roles,
            area_code=data.area,
            email=data.email,
        )
    except IntegrityError as exc:  # the same name, created concurrently
        raise duplicate("ユーザー名", "user name", data.username) from exc
    ctx.audit.record(
        "user.create",
        "user",
        user.id,
        detail={"org": user.org_code, "roles": list(user.roles), "area": user.area_code},
    )
    return _load_user_out(ctx.session, user.id)


def _end_sessions(session: Session, user: User) -> None:
    user.token_generation = (user.token_generation or 0) + 1
    revoke_all_refresh_tokens(session, user.id)


def update_user(ctx: Context, user_id: str, data: s.UserUpdate) -> s.UserOut:
    require_admin(ctx, "user.update", "user", user_id)
    user = ctx.session.get(User, user_id, with_for_update=True)
    if user is None:
        raise not_found("利用者", "user")
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    itself = user.id == ctx.principal.sub
    if itself and changes.get("active") is False:
        raise AppError(
            "conflict",
            "自分自身のアカウントは無効にできません。",
            "You cannot disable your own account.",
        )
    new_roles: list[Role] = changes.get("roles", [Role(r) for r in user.roles])
    if itself and Role.ADMIN not in new_roles:
        raise AppError(
            "conflict",
            "自分自身の管理者ロールは外せません。別の管理者に依頼してください。",
            "You cannot remove your own admin role; ask another administrator.",
        )
    new_org: str = changes.get("org", user.org_code)
    new_area: str | None = changes.get("area", user.area_code)
    if {"roles", "org", "area"} & changes.keys():
        _check_assignment(
            ctx.session, new_org, new_roles, new_area, org_changed=new_org != user.org_code
        )

    changed: list[str] = []
    if "display_name" in changes and changes["display_name"] != user.display_name:
        user.display_name = changes["display_name"]
        changed.append("display_name")
    if "email" in changes and changes["email"] != user.email:
        user.email = changes["email"]
        changed.append("email")
    if "roles" in changes and sorted(r.value for r in new_roles) != sorted(user.roles):
        user.roles = [r.value for r in new_roles]
        changed.append("roles")
    if new_org != user.org_code:
        user.org_code = new_org
        changed.append("org")
    if new_area != user.area_code:
        user.area_code = new_area
        changed.append("area")
    disabled = "active" in changes and user.active and not changes["active"]
    if "active" in changes and changes["active"] != user.active:
        user.active = changes["active"]
        changed.append("active")
    password_reset = "password" in changes
    if password_reset:
        user.password_hash = hash_password(changes["password"])
    sessions_ended = disabled or password_reset or bool({"roles", "org", "area"} & set(changed))
    if sessions_ended:
        _end_sessions(ctx.session, user)
    ctx.session.flush()
    ctx.audit.record(
        "user.update",
        "user",
        user.id,
        detail={
            "fields": sorted(changed),
            "password_reset": password_reset,
            "sessions_ended": sessions_ended,
        },
    )
    return _load_user_out(ctx.session, user.id)


# ---------------------------------------------------------------- API clients


def _client_out(client: ApiClient) -> s.ApiClientOut:
    return s.ApiClientOut(
        client_id=client.client_id,
        name=client.name,
        org=client.org_code,
        scopes=sorted(client.scopes),
        active=client.active,
        created_at=client.created_at,
    )


def list_api_clients(ctx: Context, org: str | None, active: bool | None) -> list[s.ApiClientOut]:
    require_admin(ctx, "api_client.read", "api_client")
    stmt = select(ApiClient).order_by(ApiClient.org_code, ApiClient.created_at, ApiClient.client_id)
    if org:
        stmt = stmt.where(ApiClient.org_code == org)
    if active is not None:
        stmt = stmt.where(ApiClient.active.is_(active))
    return [_client_out(c) for c in ctx.session.scalars(stmt)]


def create_api_client(ctx: Context, data: s.ApiClientCreate) -> s.ApiClientCreated:
    require_admin(ctx, "api_client.create", "api_client")
    org, _ = _assignable_org(ctx.session, data.org)
    if org.kind != "agency":
        raise invalid_field(
            "org",
            "連携クライアントは支援関係機関（kind が agency の組織）にだけ発行できます。",
            "API clients belong to partner agencies (organizations of kind agency).",
            "not_agency",
        )
    client, secret = seeding.create_api_client(
        ctx.session,
        name=data.name,
        org_code=org.code,
        scopes=None if data.scopes is None else [str(scope) for scope in data.scopes],
    )
    ctx.audit.record(
        "api_client.create",
        "api_client",
        client.client_id,
        detail={"org": client.org_code, "scopes": sorted(client.scopes)},
    )
    return s.ApiClientCreated(**_client_out(client).model_dump(), client_secret=secret)


def update_api_client(ctx: Context, client_id: str, data: s.ApiClientUpdate) -> s.ApiClientOut:
    require_admin(ctx, "api_client.update", "api_client", client_id)
    client = ctx.session.get(ApiClient, client_id, with_for_update=True)
    if client is None:
        raise not_found("連携クライアント", "API client")
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    changed: list[str] = []
    if "name" in changes and changes["name"] != client.name:
        client.name = changes["name"]
        changed.append("name")
    disabled = "active" in changes and client.active and not changes["active"]
    if "active" in changes and changes["active"] != client.active:
        client.active = changes["active"]
        changed.append("active")
    if "scopes" in changes:
        scopes = sorted(str(scope) for scope in changes["scopes"])
        if scopes != sorted(client.scopes):
            client.scopes = scopes
            changed.append("scopes")
    tokens_ended = disabled or "scopes" in changed
    if tokens_ended:
        client.token_generation = (client.token_generation or 0) + 1
    ctx.session.flush()
    ctx.audit.record(
        "api_client.update",
        "api_client",
        client.client_id,
        detail={"fields": sorted(changed), "tokens_ended": tokens_ended},
    )
    return _client_out(client)
