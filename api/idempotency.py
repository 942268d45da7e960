"""``Idempotency-Key`` on the POSTs that create things (cases, timeline entries, referrals, plans,
meetings): a retry after a lost answer gets the first result instead of a second record.

- The first request with a key claims it (in a short transaction of its own, so that a retry
  running at the same time sees the claim) and runs; a 2xx answer is kept for 24 hours, any
  other answer releases the key (the caller may fix the request and use the key again).
- A retry with the same body gets the kept answer, with ``Idempotent-Replayed: true``. It still
  goes through authentication and the route's checks: the answer is replayed only to a caller
  who may make the request now (the ``Idempotent`` dependency of the route).
- The same key with another body: 422. The same key while its first request is still running:
  409. Keys are per caller (the token's subject): one caller cannot see another's.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.tokens import InvalidToken, TokenKeys, decode_access_token
from api.clock import now
from api.db import Database
from api.errors import AppError, FieldError, problem_response
from api.models import IdempotencyKey

HEADER = "idempotency-key"
REPLAYED = "Idempotent-Replayed"
KEEP_FOR = timedelta(hours=24)
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
# The creating POSTs (path templates as regular expressions).
PATHS = tuple(
    re.compile(p)
    for p in (
        r"^/cases$",
        r"^/cases/\d+/timeline$",
        r"^/cases/\d+/referrals$",
        r"^/cases/\d+/plans$",
        r"^/meetings$",
    )
)
_KEPT_HEADERS = ("content-type", "etag", "location")
_STATE = "idempotent_replay"


@dataclass(frozen=True)
class Kept:
    status: int
    body: str
    headers: dict[str, str]


class _Refused(Exception):
    def __init__(self, error: AppError) -> None:
        self.error = error


def _claim(db: Database, sub: str, key: str, fingerprint: str) -> int | Kept:
    """The new claim's id, or the answer kept for the key."""
    with db.sessions() as session, session.begin():
        row = session.scalar(
            select(IdempotencyKey)
            .where(IdempotencyKey.principal_sub == sub, IdempotencyKey.key == key)
            .with_for_update()
        )
        if row is not None and row.created_at < now() - KEEP_FOR:
            session.delete(row)
            session.flush()
            row = None
        if row is None:
            claim = IdempotencyKey(
                principal_sub=sub, key=key, fingerprint=fingerprint, state="in_flight"
            )
            session.add(claim)
            try:
                session.flush()
            except IntegrityError as exc:  # claimed a moment ago by a request still running
                raise _Refused(_in_flight()) from exc
            return claim.id
        if row.fingerprint != fingerprint:
            raise _Refused(
                AppError(
                    "validation-error",
                    "この Idempotency-Key は別の内容の要求に使われています。"
                    "新しい要求には新しいキーを使ってください。",
                    "This Idempotency-Key was used with another request body; use a new key.",
                )
            )
        if row.state != "done" or row.response_status is None:
            raise _Refused(_in_flight())
        return Kept(row.response_status, row.response_body or "", row.response_headers or {})


def _in_flight() -> AppError:
    return AppError(
        "conflict",
        "同じ Idempotency-Key の要求を処理中です。しばらくしてから再送してください。",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
    )


def _settle(db: Database, claim_id: int, status: int, body: bytes, headers: list[Any]) -> None:
    with db.sessions() as session, session.begin():
        row = session.get(IdempotencyKey, claim_id)
        if row is None:
            return
        if 200 <= status < 300:
            kept = {}
            for name, value in headers:
                lowered = name.decode("latin-1").lower()
                if lowered in _KEPT_HEADERS:
                    kept[lowered] = value.decode("latin-1")
            row.state = "done"
            row.response_status = status
            row.response_body = body.decode("utf-8")
            row.response_headers = kept
        else:
            session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim_id))


def _subject(keys: TokenKeys, scope: Scope) -> str | None:
    scheme, _, token = dict(scope["headers"]).get(b"authorization", b"").decode().partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        claims = decode_access_token(keys, token)
    except InvalidToken:
        return None
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, db: Database, keys: TokenKeys) -> None:
        self.app = app
        self.db = db
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = dict(scope.get("headers") or []).get(HEADER.encode())
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or raw is None
            or not any(p.match(scope["path"]) for p in PATHS)
        ):
            await self.app(scope, receive, send)
            return
        key = raw.decode("latin-1").strip()
        if not _KEY.match(key):
            refusal = AppError(
                "validation-error",
                "Idempotency-Key は 1〜255 文字の英数字・記号で指定してください。",
                "Idempotency-Key must be 1-255 visible ASCII characters.",
                errors=[
                    FieldError(
                        field="Idempotency-Key",
                        message="1〜255 文字の英数字・記号（空白なし）で指定してください。",
                        code="string_pattern_mismatch",
                    )
                ],
            )
            await problem_response(Request(scope), refusal)(scope, receive, send)
            return
        sub = _subject(self.keys, scope)
        if sub is None:  # not authenticated: the app answers 401 itself
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        fingerprint = hashlib.sha256(
            b"\n".join([scope["method"].encode(), scope["path"].encode(), body])
        ).hexdigest()
        try:
            claimed = await run_in_threadpool(_claim, self.db, sub, key, fingerprint)
        except _Refused as refused:
            await problem_response(Request(scope), refused.error)(scope, receive, send)
            return
        replay_receive = _replaying(body)
        if isinstance(claimed, Kept):
            scope.setdefault("state", {})[_STATE] = claimed
            await self.app(scope, replay_receive, send)
            return
        await self._first(scope, replay_receive, send, claimed)

    async def _first(self, scope: Scope, receive: Receive, send: Send, claim_id: int) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    assert start is not None
                    await run_in_threadpool(
                        _settle, self.db, claim_id, start["status"], b"".join(chunks), start["headers"]
                    )
                    await send(start)
                    await send({"type": "http.response.body", "body": b"".join(chunks)})
                return
            await send(message)

        try:
            await self.app(scope, receive, keep)
        except BaseException:
            await run_in_threadpool(_settle, self.db, claim_id, 500, b"", [])
            raise


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


class Replay(Exception):
    """Raised by the route's ``Idempotent`` dependency, answered with the kept response."""

    def __init__(self, kept: Kept) -> None:
        self.kept = kept


def replay_response(kept: Kept) -> Response:
    headers = {k: v for k, v in kept.headers.items() if k != "content-type"}
    headers[REPLAYED] = "true"
    return Response(
        content=kept.body,
        status_code=kept.status,
        headers=headers,
        media_type=kept.headers.get("content-type", "application/json"),
    )


IDEMPOTENCY_KEY_DOC = (
    "任意。再送しても二重に登録されないためのキー（1〜255文字の英数字・記号、例えば UUID）。"
    "同じキー・同じ内容の再送には最初の結果が返ります（Idempotent-Replayed: true）。"
    " / Optional: a retry with the same key and body returns the first result (kept 24 hours); "
    "the same key with another body is 422; while the first request runs, 409."
)


async def idempotent(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=KEY_PATTERN,
            description=IDEMPOTENCY_KEY_DOC,
            examples=["6f1c2b1e-8a3d-4d55-9a43-2f0f5c9b7e21"],
        ),
    ] = None,
) -> None:
    """Declared after the route's authentication: a kept answer is replayed only now that the
    caller has been let in (its token is valid, not revoked, its account active)."""
    kept = request.scope.get("state", {}).get(_STATE)
    if idempotency_key is not None and isinstance(kept, Kept):
        raise Replay(kept)


Idempotent = Annotated[None, Depends(idempotent)]
