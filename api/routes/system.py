"""Liveness and readiness probes."""

from fastapi import APIRouter

from api.deps import DatabaseDep
from api.errors import AppError, problem_responses
from api.schemas.base import ApiModel

router = APIRouter(tags=["system"])


class Health(ApiModel):
    status: str


@router.get("/healthz", response_model=Health, summary="プロセスの稼働確認 / Liveness")
def get_liveness() -> Health:
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
