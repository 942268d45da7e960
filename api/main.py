"""The application factory: ``create_app()`` builds the service; ``app`` is what uvicorn runs."""

import gc
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from api.auth.tokens import TokenKeys, new_secret
from api.db import Database
from api.errors import PROBLEM_JSON, FieldError, Problem, install_error_handlers
from api.idempotency import REPLAYED, IdempotencyMiddleware, Replay, replay_response
from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from api.observability import Metrics, MetricsMiddleware, configure_logging
from api.ratelimit import TokenRateLimit
from api.routes import (
    admin,
    audit,
    auth,
    cases,
    master,
    meetings,
    notices,
    plans,
    referrals,
    reports,
    system,
)
from api.settings import Environment, Settings, get_settings
from api.spa import mount_spa

API_VERSION = "0.1.0"

DESCRIPTION = """\
**つなぐ (Tsunagu)** — 国分寺市 重層的支援体制整備事業（社会福祉法第106条の4）のケース管理 API。

世帯（ケース）・世帯員・本人同意・支援チーム・支援経過を、4部（健康部・福祉部・子ども家庭部・教育部）、
社会福祉協議会の地域福祉コーディネーター、支援関係機関が一つの組織として扱うための API です。
閲覧できるかどうかは本人同意と役割で決まり、閲覧できないケースは存在しないものとして 404 を返します。

Case management for the multi-layered support system. Errors are RFC 9457 problem details
(`application/problem+json`), Japanese by default, English with `Accept-Language: en`.
Lists use an opaque `cursor`; case edits need `If-Match` with the case's `ETag`.
"""

TAGS = [
    {"name": "auth", "description": "ログイン・トークン / Log-in and tokens"},
    {"name": "cases", "description": "世帯（ケース）と世帯員 / Households and members"},
    {"name": "consent", "description": "本人同意 / Consent"},
    {"name": "team", "description": "支援チーム / Support team"},
    {"name": "timeline", "description": "支援経過 / Contact log"},
    {"name": "referrals", "description": "つなぎ（紹介） / Referrals"},
    {"name": "plans", "description": "支援プラン / Support plans"},
    {"name": "meetings", "description": "会議（支援会議・重層的支援会議ほか） / Meetings"},
    {"name": "reports", "description": "実績報告（集計・Excel・CSV） / Statistics reports"},
    {"name": "master", "description": "マスタデータ / Master data"},
    {"name": "admin", "description": "利用者・連携クライアント管理 / Users and API clients"},
    {"name": "audit", "description": "監査ログ / Audit log"},
    {"name": "system", "description": "稼働確認 / Health"},
]


def operation_id(route: APIRoute) -> str:
    """Stable camelCase operation ids from the handler's name: ``list_cases`` → ``listCases``."""
    head, *rest = route.name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _load_or_create_secret(settings: Settings) -> str:
    if settings.jwt_secret is not None:
        return settings.jwt_secret  # an empty or short one is refused by TokenKeys.create
    path = Path(settings.data_dir) / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    if settings.environment is Environment.PRODUCTION:
        raise RuntimeError("TSUNAGU_JWT_SECRET or a key pair must be configured in production")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(new_secret())
    return path.read_text().strip()


def token_keys(settings: Settings) -> TokenKeys:
    hmac = settings.jwt_algorithm.startswith("HS")
    return TokenKeys.create(
        algorithm=settings.jwt_algorithm,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        # With RS/ES a configured secret is passed on, so that the mix-up is refused, not ignored.
        secret=_load_or_create_secret(settings) if hmac else settings.jwt_secret,
        private_key=settings.jwt_private_key,
        public_key=settings.jwt_public_key,
    )


def _custom_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    # FastAPI documents its own validation errors as HTTPValidationError; this service answers
    # them as problem details (api.errors.validation_problem), so say so everywhere.
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"] = {
                    "description": "入力内容に誤りがあります / Validation error",
                    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in problem.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components["Problem"] = problem
    components.setdefault(
        "FieldError", FieldError.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    app.openapi_schema = schema
    return schema


async def _replay(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)
    return replay_response(exc.kept)


@contextmanager
def start_up_objects_frozen() -> Iterator[None]:
    """While the app serves, what start-up left alive (modules, mappers, schemas, about 200,000
    objects) is out of the cyclic garbage collector's reach. Every full collection used to walk
    them all and stop the process for 90-115 ms, about once per 1,000 requests: a stall of every
    request in flight. With them frozen a full collection takes 4-5 ms (docs/benchmarks.md).
    Unfrozen again at shutdown, so that an app started and stopped in-process (tests) leaves no
    objects that can never be collected."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(json_lines=settings.log_format == "json")
    production = settings.environment is Environment.PRODUCTION
    db = database or Database(
        settings.resolved_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        with start_up_objects_frozen():
            yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="Tsunagu つなぐ API",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
        docs_url=None if production else "/docs",
        redoc_url=None if production else "/redoc",
        openapi_url=None if production else "/openapi.json",
        separate_input_output_schemas=False,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.token_keys = token_keys(settings)
    app.state.metrics = Metrics(db.engine)
    app.state.token_rate_limit = TokenRateLimit(
        settings.token_rate_limit, settings.rate_limit_storage
    )
    install_error_handlers(app)
    for module in (
        auth,
        cases,
        referrals,
        plans,
        meetings,
        notices,
        reports,
        master,
        admin,
        audit,
        system,
    ):
        app.include_router(module.router)
    mount_spa(app, settings.spa_dir)
    app.add_exception_handler(Replay, _replay)
    app.add_middleware(IdempotencyMiddleware, db=db, keys=app.state.token_keys)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "Accept-Language",
                "Idempotency-Key",
            ],
            expose_headers=["ETag", "Location", "X-Request-ID", "Retry-After", REPLAYED],
        )
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestContextMiddleware)
    app.openapi = lambda: _custom_openapi(app)  # type: ignore[method-assign]
    return app


def __getattr__(name: str) -> FastAPI:
    """``api.main:app`` for uvicorn, built on first access rather than at import."""
    if name == "app":
        return create_app()
    raise AttributeError(name)
