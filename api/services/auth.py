"""Log-in, refresh, client credentials and logout (access.md "Tokens")."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from api.auth.passwords import verify_password
from api.auth.tokens import (
    InvalidToken,
    TokenKeys,
    decode_access_token,
    decode_refresh_token,
    issue_access_token,
    issue_refresh_token,
    new_token_id,
)
from api.clock import now
from api.db import write_independently
from api.errors import AppError
from api.models import ApiClient, LoginFailure, Organization, RefreshToken, RevokedToken, User
from api.schemas.auth import Me
from api.services.audit import AuditTrail, Outcome
from api.services.context import Context
from api.settings import Settings
from domain.access import PrincipalKind, Role, scopes_for


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None


def _invalid_grant(detail_ja: str, detail_en: str) -> AppError:
    return AppError("invalid-grant", detail_ja, detail_en, oauth_error="invalid_grant")


def _granted_scopes(requested: str | None, allowed: frozenset[str]) -> frozenset[str]:
    if not requested:
        return allowed
    wanted = frozenset(requested.split())
    if not wanted <= allowed:
        raise AppError(
            "bad-request",
            "許可されていないスコープが要求されました: " + " ".join(sorted(wanted - allowed)),
            "Requested scopes not granted: " + " ".join(sorted(wanted - allowed)),
            oauth_error="invalid_scope",
        )
    return wanted


def _subject_key(subject: str) -> str:
    """Throttling counts per account name without storing what was typed."""
    return hashlib.sha256(subject.encode()).hexdigest()


class LoginThrottle:
    """Failed log-ins per account name (or client id) within a sliding window."""

    def __init__(self, settings: Settings, audit: AuditTrail, account_id: str | None) -> None:
        # The audit log names the account only when it exists: what was typed as a user name
        # may be a password typed in the wrong field.
        self.account_id = account_id
        self.max_failures = settings.login_max_failures
        self.window = timedelta(minutes=settings.login_failure_window_minutes)
        self.audit = audit

    def check(self, session: Session, subject: str) -> None:
        subject = _subject_key(subject)
        since = now() - self.window
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(
                LoginFailure.subject == subject, LoginFailure.at > since
            )
        ).one()
        if count >= self.max_failures:
            retry_after = max(1, int((oldest + self.window - now()).total_seconds()) + 1)
            self.audit.record_refusal(
                "login",
                "account",
                self.account_id,
                outcome=Outcome.DENIED,
                detail={"throttled": True},
            )
            raise AppError(
                "too-many-requests",
                "ログインの失敗が続いたため、一時的にログインを制限しています。"
                f"{(retry_after + 59) // 60}分ほど待ってからやり直してください。",
                "Too many failed log-ins; try again later.",
                headers={"Retry-After": str(retry_after)},
            )

    def fail(self, subject: str) -> None:
        # Its own transaction: the failed request rolls back, the count must not.
        subject = _subject_key(subject)
        at = now()
        write_independently(
            self.audit.session, lambda own: own.add(LoginFailure(subject=subject, at=at))
        )
        self.audit.record_refusal(
            "login",
            "account",
            self.account_id,
            outcome=Outcome.FAILED,
            detail={} if self.account_id else {"unknown_account": True},
        )

    @staticmethod
    def clear(session: Session, subject: str) -> None:
        session.execute(delete(LoginFailure).where(LoginFailure.subject == _subject_key(subject)))


def _user_claims(user: User, dept: str, scopes: frozenset[str]) -> dict[str, Any]:
    return {
        "kind": str(PrincipalKind.USER),
        "org": user.org_code,
        "dept": dept,
        "roles": sorted(user.roles),
        "scope": " ".join(sorted(scopes)),
        "gen": user.token_generation,
        **({"area": user.area_code} if user.area_code else {}),
    }


def _issue_for_user(
    session: Session,
    keys: TokenKeys,
    settings: Settings,
    user: User,
    scopes: frozenset[str],
    replaces: RefreshToken | None = None,
) -> IssuedTokens:
    dept = session.scalar(
        select(Organization.department_code).where(Organization.code == user.org_code)
    )
    issued = now()
    jti = new_token_id()
    if replaces is not None:
        replaces.revoked_at = issued
        replaces.replaced_by = jti
    refresh_ttl = timedelta(hours=settings.refresh_token_hours)
    session.add(
        RefreshToken(jti=jti, user_id=user.id, issued_at=issued, expires_at=issued + refresh_ttl)
    )
    access_ttl = timedelta(minutes=settings.access_token_minutes)
    return IssuedTokens(
        access_token=issue_access_token(
            keys,
            sub=user.id,
            now=issued,
            ttl=access_ttl,
            claims=_user_claims(user, str(dept), scopes),
        ),
        expires_in=int(access_ttl.total_seconds()),
        scope=" ".join(sorted(scopes)),
        refresh_token=issue_refresh_token(keys, sub=user.id, now=issued, ttl=refresh_ttl, jti=jti),
    )


def password_grant(
    session: Session,
    keys: TokenKeys,
    settings: Settings,
    audit: AuditTrail,
    *,
    username: str,
    password: str,
    scope: str | None,
) -> IssuedTokens:
    subject = username.strip().casefold()
    user = session.scalar(select(User).where(func.lower(User.username) == subject))
    throttle = LoginThrottle(settings, audit, user.id if user else None)
    throttle.check(session, subject)
    if not verify_password(password, user.password_hash if user else None) or not (
        user and user.active
    ):
        throttle.fail(subject)
        raise _invalid_grant(
            "ユーザー名またはパスワードが正しくありません。", "Wrong user name or password."
        )
    throttle.clear(session, subject)
    roles = frozenset(Role(r) for r in user.roles)
    scopes = _granted_scopes(scope, scopes_for(roles))
    tokens = _issue_for_user(session, keys, settings, user, scopes)
    audit.record("login", "account", user.id, actor_sub=user.id)
    return tokens


def refresh_grant(
    session: Session,
    keys: TokenKeys,
    settings: Settings,
    audit: AuditTrail,
    *,
    refresh_token: str,
    scope: str | None,
) -> IssuedTokens:
    try:
        claims = decode_refresh_token(keys, refresh_token)
    except InvalidToken as exc:
        audit.record_refusal("refresh", "token", detail={"reason": str(exc)[:200]})
        raise _invalid_grant(
            "ログインの有効期限が切れました。もう一度ログインしてください。",
            "The refresh token is invalid or expired.",
        ) from exc
    stored = session.get(RefreshToken, claims["jti"])
    user = session.get(User, claims["sub"])
    if stored is None or user is None or stored.user_id != user.id:
        audit.record_refusal("refresh", "token", actor_sub=str(claims["sub"]))
        raise _invalid_grant("トークンが無効です。", "Unknown refresh token.")
    if stored.revoked_at is not None and stored.replaced_by is None:
        audit.record_refusal("refresh", "account", user.id, actor_sub=user.id)
        raise _invalid_grant(
            "ログアウト済みか、管理者によって無効にされました。もう一度ログインしてください。",
            "The refresh token was revoked; log in again.",
        )
    if stored.revoked_at is not None:
        # A rotated refresh token presented again means it was copied: end every session.
        # Its own transaction, because this request fails and rolls back.
        user_id = user.id
        write_independently(session, lambda own: revoke_all_refresh_tokens(own, user_id))
        audit.record_refusal("refresh-reuse", "account", user.id, actor_sub=user.id)
        raise _invalid_grant(
            "このトークンは使用済みです。安全のため全てのログインを終了しました。",
            "Refresh token reuse detected; all sessions of the account were ended.",
        )
    if not user.active:
        audit.record_refusal("refresh", "account", user.id, actor_sub=user.id)
        raise _invalid_grant("このアカウントは無効です。", "The account is disabled.")
    roles = frozenset(Role(r) for r in user.roles)
    tokens = _issue_for_user(
        session, keys, settings, user, _granted_scopes(scope, scopes_for(roles)), replaces=stored
    )
    audit.record("refresh", "account", user.id, actor_sub=user.id)
    return tokens


def client_credentials_grant(
    session: Session,
    keys: TokenKeys,
    settings: Settings,
    audit: AuditTrail,
    *,
    client_id: str,
    client_secret: str,
    scope: str | None,
) -> IssuedTokens:
    subject = f"client:{client_id}"
    client = session.get(ApiClient, client_id)
    throttle = LoginThrottle(settings, audit, client.client_id if client else None)
    throttle.check(session, subject)
    if not verify_password(client_secret, client.secret_hash if client else None) or not (
        client and client.active
    ):
        throttle.fail(subject)
        raise AppError(
            "invalid-client",
            "クライアントIDまたはシークレットが正しくありません。",
            "Wrong client id or secret.",
            oauth_error="invalid_client",
            headers={"WWW-Authenticate": 'Basic realm="tsunagu"'},
        )
    throttle.clear(session, subject)
    scopes = _granted_scopes(scope, frozenset(client.scopes))
    issued = now()
    ttl = timedelta(minutes=settings.access_token_minutes)
    token = issue_access_token(
        keys,
        sub=client.client_id,
        now=issued,
        ttl=ttl,
        claims={
            "kind": str(PrincipalKind.CLIENT),
            "org": client.org_code,
            "dept": "agency",
            "roles": [str(Role.AGENCY)],
            "scope": " ".join(sorted(scopes)),
            "gen": client.token_generation,
        },
    )
    audit.record("login", "api_client", client.client_id, actor_sub=client.client_id)
    return IssuedTokens(
        access_token=token, expires_in=int(ttl.total_seconds()), scope=" ".join(sorted(scopes))
    )


def describe(ctx: Context) -> Me:
    """The current principal as /me shows it."""
    p = ctx.principal
    org_name = ctx.session.scalar(select(Organization.name).where(Organization.code == p.org))
    user = ctx.session.get(User, p.sub) if p.kind is PrincipalKind.USER else None
    return Me(
        sub=p.sub,
        kind=str(p.kind),
        username=user.username if user else None,
        display_name=user.display_name if user else None,
        org=p.org,
        org_name=org_name,
        dept=str(p.dept),
        roles=sorted(str(r) for r in p.roles),
        scopes=sorted(p.scopes),
        area=p.area,
    )


def revoke_all_refresh_tokens(session: Session, user_id: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )


def revoke(
    session: Session, keys: TokenKeys, audit: AuditTrail, *, token: str, access_token: str | None
) -> None:
    """RFC 7009: revoke a refresh token (and the caller's access token); unknown tokens are fine."""
    for candidate in (token, access_token):
        if not candidate:
            continue
        try:
            claims = decode_refresh_token(keys, candidate)
        except InvalidToken:
            claims = None
        if claims is not None:
            stored = session.get(RefreshToken, claims["jti"])
            if stored is not None and stored.revoked_at is None:
                stored.revoked_at = now()
                audit.record("logout", "account", stored.user_id, actor_sub=stored.user_id)
            continue
        try:
            access = decode_access_token(keys, candidate)
        except InvalidToken:
            continue
        if session.get(RevokedToken, access["jti"]) is None:
            session.add(
                RevokedToken(
                    jti=access["jti"],
                    expires_at=datetime.fromtimestamp(access["exp"], now().tzinfo),
                )
            )
            audit.record("logout", "token", access["sub"], actor_sub=access["sub"])
