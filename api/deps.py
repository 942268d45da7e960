"""Request dependencies as ``Annotated`` aliases: the session, the principal, the work context."""

from collections.abc import AsyncIterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlowPassword, OAuthFlows
from fastapi.security import OAuth2, SecurityScopes
from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import Session

from api.auth.tokens import InvalidToken, TokenKeys, decode_access_token
from api.clock import today
from api.db import Database, plain_rows
from api.errors import AppError
from api.models import ApiClient, Organization, RevokedToken, User
from api.services.audit import AuditTrail, Outcome
from api.services.context import Context
from api.settings import Settings
from domain.access import SCOPE_DESCRIPTIONS, Dept, Principal, PrincipalKind, Role, Scope

TOKEN_URL = "/auth/token"

oauth2_scheme = OAuth2(
    flows=OAuthFlows(
        password=OAuthFlowPassword(
            tokenUrl=TOKEN_URL,
            refreshUrl=TOKEN_URL,
            scopes={str(k): v for k, v in SCOPE_DESCRIPTIONS.items()},
        ),
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl=TOKEN_URL,
            scopes={str(k): v for k, v in SCOPE_DESCRIPTIONS.items()},
        ),
    ),
    scheme_name="OAuth2",
    description="職員はパスワード、支援関係機関の連携システムはクライアントクレデンシャルで取得した"
    "アクセストークン（15分）を Bearer で送ります。 / Staff use the password flow, partner-agency "
    "integrations the client-credentials flow; send the access token as a Bearer token.",
    auto_error=False,
)


# The dependencies of a request are ``async def``, so that FastAPI runs none of them in a worker
# thread: the session and the principal's look-up run on the event loop like the routes that
# answer in milliseconds (api/routes/__init__.py says why; docs/benchmarks.md has the figures).
# Only the log-in's rate limit is a plain ``def`` (its counters may live in Redis).


async def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_token_keys(request: Request) -> TokenKeys:
    keys: TokenKeys = request.app.state.token_keys
    return keys


async def get_session(db: Annotated[Database, Depends(get_database)]) -> AsyncIterator[Session]:
    with contextmanager(db.session)() as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
TokenKeysDep = Annotated[TokenKeys, Depends(get_token_keys)]
# scope="function": the transaction commits before the response is sent, never after.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def request_id(request: Request) -> str | None:
    value = getattr(request.state, "request_id", None)
    return value if isinstance(value, str) else None


def _unauthenticated(detail_ja: str, detail_en: str, error: str = "invalid_token") -> AppError:
    return AppError(
        "unauthenticated",
        detail_ja,
        detail_en,
        headers={"WWW-Authenticate": f'Bearer error="{error}"'},
    )


def _not_revoked() -> ColumnElement[bool]:
    return ~select(RevokedToken.jti).where(RevokedToken.jti == bindparam("jti")).exists()


# Built once with bound parameters (``sub``, ``jti``): the account's columns a principal needs,
# with the revocation check, in the one statement every request runs.
_USER_NOW = (
    select(
        User.id,
        User.org_code,
        User.roles,
        User.area_code,
        User.active,
        User.token_generation,
        Organization.department_code,
    )
    .join(Organization, Organization.code == User.org_code)
    .where(User.id == bindparam("sub"), _not_revoked())
)
_CLIENT_NOW = select(
    ApiClient.client_id,
    ApiClient.org_code,
    ApiClient.scopes,
    ApiClient.active,
    ApiClient.token_generation,
).where(ApiClient.client_id == bindparam("sub"), _not_revoked())


def _principal_from_claims(session: Session, claims: dict[str, Any]) -> Principal | None:
    """The principal as the database says it is now; None if disabled, revoked or unknown.

    One statement per request: the revocation check is part of the account's look-up."""
    kind = claims.get("kind")
    generation = claims.get("gen")
    params = {"sub": claims["sub"], "jti": claims.get("jti")}
    if kind == PrincipalKind.USER:
        user = plain_rows(session, _USER_NOW, params).one_or_none()
        if user is None or not user.active or user.token_generation != generation:
            return None
        return Principal(
            sub=user.id,
            kind=PrincipalKind.USER,
            org=user.org_code,
            dept=Dept(user.department_code),
            roles=frozenset(Role(r) for r in user.roles),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            area=user.area_code,
        )
    if kind == PrincipalKind.CLIENT:
        client = plain_rows(session, _CLIENT_NOW, params).one_or_none()
        if client is None or not client.active or client.token_generation != generation:
            return None
        return Principal(
            sub=client.client_id,
            kind=PrincipalKind.CLIENT,
            org=client.org_code,
            dept=Dept.AGENCY,
            roles=frozenset({Role.AGENCY}),
            scopes=frozenset(str(claims.get("scope", "")).split()) & frozenset(client.scopes),
        )
    return None


async def get_principal(
    security_scopes: SecurityScopes,
    request: Request,
    session: SessionDep,
    keys: TokenKeysDep,
    authorization: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    audit = AuditTrail(session, None, request_id(request))
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthenticated(
            "ログインしてください。", "Send a bearer access token.", error="invalid_request"
        )
    try:
        claims = decode_access_token(keys, token)
    except InvalidToken as exc:
        audit.record_refusal(
            "authenticate", "token", outcome=Outcome.DENIED, detail={"reason": str(exc)[:200]}
        )
        raise _unauthenticated(
            "ログインの有効期限が切れたか、トークンが無効です。もう一度ログインしてください。",
            "The access token is invalid or expired.",
        ) from exc
    principal = _principal_from_claims(session, claims)
    if principal is None:
        audit.record_refusal(
            "authenticate",
            "token",
            outcome=Outcome.DENIED,
            actor_sub=str(claims.get("sub")),
            detail={"reason": "revoked, disabled or unknown"},
        )
        raise _unauthenticated(
            "このトークンは無効になりました。もう一度ログインしてください。",
            "The token has been revoked or the account disabled.",
        )
    missing = [s for s in security_scopes.scopes if s not in principal.scopes]
    if missing:
        audit.record_refusal(
            "authorize", "scope", actor_sub=principal.sub, detail={"missing_scopes": missing}
        )
        raise AppError(
            "forbidden",
            "この操作に必要な権限（スコープ）がありません: " + " ".join(missing),
            "The token lacks the scope(s): " + " ".join(missing),
            headers={
                "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(missing)}"'
            },
        )
    request.state.principal_sub = principal.sub
    return principal


async def get_context(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Security(get_principal)],
) -> Context:
    audit = AuditTrail(session, principal, request_id(request))
    return Context(session=session, principal=principal, audit=audit, today=today())


def requires(*scopes: Scope) -> Any:
    return Security(get_context, scopes=[str(s) for s in scopes])


ReadCases = Annotated[Context, requires(Scope.CASES_READ)]
WriteCases = Annotated[Context, requires(Scope.CASES_READ, Scope.CASES_WRITE)]
WriteConsent = Annotated[Context, requires(Scope.CASES_READ, Scope.CONSENT_WRITE)]
WriteReferrals = Annotated[Context, requires(Scope.CASES_READ, Scope.REFERRALS_WRITE)]
ReadMaster = Annotated[Context, requires(Scope.MASTER_READ)]
Admin = Annotated[Context, requires(Scope.ADMIN)]
ReadAudit = Annotated[Context, requires(Scope.AUDIT_READ)]
Authenticated = Annotated[Context, requires()]
