"""RFC 9457 problem details: one error type per failure, Japanese first, English on request."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("tsunagu.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:tsunagu:problem:"

# slug: (status, title ja, title en)
PROBLEM_TYPES: dict[str, tuple[int, str, str]] = {
    "bad-request": (400, "リクエストが正しくありません", "Bad request"),
    "unauthenticated": (401, "ログインが必要です", "Authentication required"),
    "invalid-grant": (400, "認証情報が正しくありません", "Invalid credentials"),
    "invalid-client": (401, "クライアント認証に失敗しました", "Client authentication failed"),
    "forbidden": (403, "この操作の権限がありません", "Forbidden"),
    "not-found": (404, "見つかりません", "Not found"),
    "method-not-allowed": (405, "この操作はできません", "Method not allowed"),
    "conflict": (409, "現在の状態ではこの操作はできません", "Conflict"),
    "precondition-failed": (
        412,
        "他の人が先に更新しました",
        "The record was changed by someone else",
    ),
    "payload-too-large": (413, "送信されたデータが大きすぎます", "Payload too large"),
    "unsupported-media-type": (415, "JSON で送信してください", "Unsupported media type"),
    "validation-error": (422, "入力内容に誤りがあります", "Validation error"),
    "precondition-required": (
        428,
        "更新には If-Match ヘッダーが必要です",
        "If-Match header required",
    ),
    "too-many-requests": (429, "しばらく待ってからやり直してください", "Too many requests"),
    "internal-error": (500, "システムエラーが発生しました", "Internal server error"),
    "service-unavailable": (503, "一時的に利用できません", "Service unavailable"),
}


class FieldError(BaseModel):
    field: str = Field(description="Where the error is, e.g. `members.0.name`.")
    message: str
    code: str = Field(description="A stable machine-readable error code.")


class Problem(BaseModel):
    """An RFC 9457 problem details body."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:tsunagu:problem:not-found",
                    "title": "見つかりません",
                    "status": 404,
                    "detail": "ケースが見つかりません。",
                    "instance": "/cases/42",
                }
            ]
        }
    )

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    error: str | None = Field(
        default=None, description="OAuth2 error code (RFC 6749) on the token endpoints."
    )


class AppError(Exception):
    """A failure the API reports as a problem details body."""

    def __init__(
        self,
        slug: str,
        detail_ja: str | None = None,
        detail_en: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        oauth_error: str | None = None,
    ) -> None:
        if slug not in PROBLEM_TYPES:
            raise ValueError(f"unknown problem type {slug}")
        super().__init__(detail_en or detail_ja or slug)
        self.slug = slug
        self.detail_ja = detail_ja
        self.detail_en = detail_en
        self.errors = errors
        self.headers = headers or {}
        self.oauth_error = oauth_error

    @property
    def status(self) -> int:
        return PROBLEM_TYPES[self.slug][0]


def not_found(what_ja: str = "対象", what_en: str = "resource") -> AppError:
    return AppError("not-found", f"{what_ja}が見つかりません。", f"The {what_en} was not found.")


def forbidden(detail_ja: str, detail_en: str) -> AppError:
    return AppError("forbidden", detail_ja, detail_en)


def wants_english(request: Request) -> bool:
    """Japanese unless the client's Accept-Language prefers English."""
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        lang = part.split(";")[0].strip().lower()
        if lang.startswith("ja"):
            return False
        if lang.startswith("en"):
            return True
    return False


def problem_response(request: Request, error: AppError) -> JSONResponse:
    status, title_ja, title_en = PROBLEM_TYPES[error.slug]
    english = wants_english(request)
    detail = (
        (error.detail_en or error.detail_ja) if english else (error.detail_ja or error.detail_en)
    )
    body = Problem(
        type=TYPE_PREFIX + error.slug,
        title=title_en if english else title_ja,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=error.errors,
        error=error.oauth_error,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={"Content-Language": "en" if english else "ja", **error.headers},
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] if len(parts) > 1 else parts
    return ".".join(parts)


def _message_ja(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    messages = {
        "missing": "必須項目です。",
        "extra_forbidden": "この項目は受け付けられません。",
        "string_too_long": f"{ctx.get('max_length')}文字以内で入力してください。",
        "string_too_short": f"{ctx.get('min_length')}文字以上で入力してください。",
        "too_long": f"{ctx.get('max_length')}件以内にしてください。",
        "too_short": f"{ctx.get('min_length')}件以上必要です。",
        "string_type": "文字列で入力してください。",
        "int_parsing": "整数で入力してください。",
        "int_type": "整数で入力してください。",
        "bool_parsing": "true か false を指定してください。",
        "bool_type": "true か false を指定してください。",
        "date_from_datetime_parsing": "日付の形式が正しくありません（例: 2024-02-26）。",
        "date_parsing": "日付の形式が正しくありません（例: 2024-02-26）。",
        "date_type": "日付の形式が正しくありません（例: 2024-02-26）。",
        "enum": f"次のいずれかを指定してください: {ctx.get('expected')}",
        "literal_error": f"次のいずれかを指定してください: {ctx.get('expected')}",
        "greater_than_equal": f"{ctx.get('ge')}以上の値を指定してください。",
        "less_than_equal": f"{ctx.get('le')}以下の値を指定してください。",
        "greater_than": f"{ctx.get('gt')}より大きい値を指定してください。",
        "list_type": "配列で指定してください。",
        "dict_type": "オブジェクトで指定してください。",
        "model_type": "オブジェクトで指定してください。",
        "json_invalid": "JSON の形式が正しくありません。",
        "value_error": str(ctx.get("error", err.get("msg", ""))),
        "string_pattern_mismatch": "形式が正しくありません。",
    }
    return messages.get(kind, str(err.get("msg", "入力内容に誤りがあります。")))


def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    english = wants_english(request)
    errors = [
        FieldError(
            field=_field_path(tuple(err.get("loc", ()))),
            message=str(err.get("msg")) if english else _message_ja(err),
            code=str(err.get("type", "invalid")),
        )
        for err in exc.errors()
    ]
    error = AppError(
        "validation-error",
        "入力内容を確認してください。",
        "Please check the fields listed in errors.",
        errors=errors,
    )
    return problem_response(request, error)


_STATUS_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "too-many-requests",
}


def install_error_handlers(app: FastAPI) -> None:
    async def on_app_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return problem_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_problem(request, exc)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # A body that cannot even be decoded (not UTF-8): the same answer as malformed JSON.
            return problem_response(
                request,
                AppError(
                    "validation-error",
                    "送信されたデータを読み取れません（UTF-8 の JSON で送ってください）。",
                    "The body could not be read; send JSON encoded as UTF-8.",
                    errors=[
                        FieldError(
                            field="body",
                            message="UTF-8 の JSON ではありません。",
                            code="json_invalid",
                        )
                    ],
                ),
            )
        slug = _STATUS_SLUGS.get(exc.status_code, "bad-request")
        return problem_response(request, AppError(slug, headers=dict(exc.headers or {})))

    async def on_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # The database is down, restarting or locked: nothing was written (the transaction did
        # not commit); the pool replaces broken connections, so a retry after a while works.
        log.warning("database unavailable: %s", type(exc).__name__)
        return problem_response(
            request,
            AppError(
                "service-unavailable",
                "データベースに一時的に接続できません。入力した内容は保存されていません。"
                "しばらくしてから再度お試しください。",
                "The database is unavailable for a moment; nothing was saved. Retry shortly.",
                headers={"Retry-After": "5"},
            ),
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            # The connection died under the request (a database restart): like an outage.
            return await on_database_unavailable(request, exc)
        # Generic body: no stack trace, no SQL, no personal data reaches the client.
        return problem_response(
            request,
            AppError(
                "internal-error",
                "時間をおいて再度お試しください。解決しない場合は管理者に連絡してください。",
                "Please try again later; contact the administrator if it persists.",
            ),
        )

    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(OperationalError, on_database_unavailable)
    app.add_exception_handler(InterfaceError, on_database_unavailable)
    app.add_exception_handler(Exception, on_unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI response entries for the errors an operation can return."""
    descriptions: dict[int, tuple[str, str]] = {}
    for status, ja, en in PROBLEM_TYPES.values():
        descriptions.setdefault(status, (ja, en))
    return {
        status: {
            "description": f"{descriptions[status][0]} / {descriptions[status][1]}",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
