"""OAuth2 token endpoint (password, refresh_token, client_credentials), revocation, /me."""

import base64
import binascii
from typing import Annotated, Literal
from urllib.parse import unquote_plus

from fastapi import APIRouter, Form, Request, Response

from api.deps import (
    Authenticated,
    SessionDep,
    SettingsDep,
    TokenKeysDep,
    request_id,
)
from api.errors import AppError, problem_responses
from api.ratelimit import TokenRateLimited
from api.schemas.auth import Me, TokenResponse
from api.services import auth as service
from api.services.audit import AuditTrail

router = APIRouter(tags=["auth"])


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = raw.partition(":")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
    return (unquote_plus(client_id), unquote_plus(secret)) if sep else None


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    summary="アクセストークンの取得 / Get an access token",
    responses=problem_responses(400, 401, 422, 429),
    openapi_extra={"security": []},
)
def issue_token(
    _: TokenRateLimited,
    request: Request,
    response: Response,
    session: SessionDep,
    keys: TokenKeysDep,
    settings: SettingsDep,
    grant_type: Annotated[Literal["password", "refresh_token", "client_credentials"], Form()],
    username: Annotated[str | None, Form(max_length=100)] = None,
    password: Annotated[str | None, Form(max_length=1000)] = None,
    refresh_token: Annotated[str | None, Form(max_length=4000)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=1000)] = None,
    scope: Annotated[str | None, Form(max_length=1000)] = None,
) -> TokenResponse:
    """OAuth2 token endpoint (RFC 6749): staff log in with ``password``, renew with
    ``refresh_token`` (the refresh token rotates), partner-agency systems use
    ``client_credentials`` (HTTP Basic or form fields). Repeated failures of an account are
    throttled (429), and so are too many requests from one address (60 a minute by default)."""
    response.headers["Cache-Control"] = "no-store"
    audit = AuditTrail(session, None, request_id(request))
    if grant_type == "password":
        if not username or password is None:
            raise AppError(
                "bad-request",
                "ユーザー名とパスワードを入力してください。",
                "username and password are required.",
                oauth_error="invalid_request",
            )
        tokens = service.password_grant(
            session, keys, settings, audit, username=username, password=password, scope=scope
        )
    elif grant_type == "refresh_token":
        if not refresh_token:
            raise AppError(
                "bad-request",
                "refresh_token が必要です。",
                "refresh_token is required.",
                oauth_error="invalid_request",
            )
        tokens = service.refresh_grant(
            session, keys, settings, audit, refresh_token=refresh_token, scope=scope
        )
    else:
        basic = _basic_credentials(request)
        cid, secret = basic if basic else (client_id, client_secret)
        if not cid or not secret:
            raise AppError(
                "invalid-client",
                "クライアントIDとシークレットが必要です。",
                "client_id and client_secret are required.",
                oauth_error="invalid_client",
                headers={"WWW-Authenticate": 'Basic realm="tsunagu"'},
            )
        tokens = service.client_credentials_grant(
            session, keys, settings, audit, client_id=cid, client_secret=secret, scope=scope
        )
    return TokenResponse(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        refresh_token=tokens.refresh_token,
        scope=tokens.scope,
    )


@router.post(
    "/auth/revoke",
    status_code=204,
    summary="ログアウト（トークンの失効） / Log out (revoke tokens)",
    responses=problem_responses(422, 429),
    openapi_extra={"security": []},
)
async def revoke_token(
    _: TokenRateLimited,
    request: Request,
    session: SessionDep,
    keys: TokenKeysDep,
    token: Annotated[str, Form(max_length=4000)],
) -> Response:
    """RFC 7009 revocation: revokes the given refresh token and, when the request carries a bearer
    access token, that access token too. Unknown or expired tokens are accepted silently."""
    header = request.headers.get("authorization", "")
    access = header[7:] if header.lower().startswith("bearer ") else None
    audit = AuditTrail(session, None, request_id(request))
    service.revoke(session, keys, audit, token=token, access_token=access)
    return Response(status_code=204)


@router.get(
    "/me",
    response_model=Me,
    summary="ログイン中の利用者 / The current principal",
    responses=problem_responses(401),
)
async def get_me(ctx: Authenticated) -> Me:
    """Who the token acts as: user or agency client, org unit, department, roles and scopes."""
    return service.describe(ctx)
