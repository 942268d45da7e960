"""Configuration from the environment (prefix ``TSUNAGU_``); defaults run the embedded demo."""

import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Outside the repository: the SQLite file and the generated signing secret live here."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tsunagu"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TSUNAGU_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    # PostgreSQL connections kept open (and opened beyond them at peaks, closed after use).
    db_pool_size: int = Field(default=20, ge=1, le=500)
    db_max_overflow: int = Field(default=10, ge=0, le=500)
    # Server processes `serve` starts. One process runs Python on one core at a time: on a
    # PostgreSQL deployment, one per core (docs/benchmarks.md). Each keeps its own pool, and its
    # own rate-limit counters unless rate_limit_storage is shared (redis://).
    workers: int = Field(default=1, ge=1, le=64)

    jwt_algorithm: str = "HS256"
    jwt_secret: str | None = None
    jwt_private_key: str | None = None  # PEM, for RS256 / ES256
    jwt_public_key: str | None = None  # PEM, for RS256 / ES256
    jwt_issuer: str = "tsunagu"
    jwt_audience: str = "tsunagu-api"
    access_token_minutes: int = 15
    refresh_token_hours: int = 12

    # Requests to /auth/token and /auth/revoke per client address ("limits" notation), and where
    # the counters live (memory:// per process, or redis://host:6379 shared by instances).
    token_rate_limit: str = "60/minute"
    rate_limit_storage: str = "memory://"
    login_max_failures: int = 5
    login_failure_window_minutes: int = 15

    max_body_bytes: int = 1_048_576
    # Logs: one JSON object per line ("json"), or plain text for a terminal ("text").
    log_format: Literal["json", "text"] = "json"
    # Prometheus scrapes /metrics with this bearer token; without one, /metrics is open in
    # development and off (404) in production.
    metrics_token: SecretStr | None = None
    cors_origins: list[str] = Field(default_factory=list)

    # Meeting notices (開催通知) by e-mail. Without smtp_host, sending an e-mail notice is refused
    # (503), never reported as sent.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "tsunagu@localhost"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = 10.0
    # Who issues the city units' notices ("国分寺市 健康部 地域共生推進課").
    municipality_name: str = "国分寺市"

    # The built SPA, served under /app/ when it exists (``make run`` builds it).
    spa_dir: Path = Path(__file__).resolve().parent.parent / "frontend" / "dist"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'tsunagu.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
