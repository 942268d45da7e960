"""Liveness and readiness probes."""

import hmac

from fastapi import APIRouter, Request, Response

from api.deps import DatabaseDep, SettingsDep
from api.errors import AppError, problem_responses
from api.schemas.base import ApiModel
from api.settings import Environment

router = APIRouter(tags=["system"])


class Health(ApiModel):
    status: str


@router.get("/healthz", response_model=Health, summary="プロセスの稼働確認 / Liveness")
async def get_liveness() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="データベース接続の確認 / Readiness",
    responses=problem_responses(503),
)
def get_readiness(db: DatabaseDep) -> Health:
    if not db.ping():
        raise AppError(
            "service-unavailable", "データベースに接続できません。", "Database unavailable."
        )
    return Health(status="ok")


@router.get("/metrics", include_in_schema=False)
def get_metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus metrics (requests and latency by route, the database pool). With
    TSUNAGU_METRICS_TOKEN set, the scraper sends it as a bearer token; without, /metrics is open
    in development and absent (404) in production. Not part of the API contract."""
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    if expected is None and settings.environment is Environment.PRODUCTION:
        raise AppError("not-found", "見つかりません。", "Not found.")
    if expected is not None:
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {expected}".encode()):
            raise AppError(
                "unauthenticated",
                "メトリクスの取得にはトークンが必要です。",
                "Send the metrics bearer token.",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    return Response(
        content=request.app.state.metrics.exposition(),
        media_type="text/plain; version=0.0.4; charset=utf-8",
    )
