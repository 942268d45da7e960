"""One server process for the benchmark (tests/benchmarks/run.py starts it; not a test).

    python tests/benchmarks/server.py product --port 8101            # the service, as `serve` runs it
    python tests/benchmarks/server.py product --port 8101 --workers 2  # … in two processes
    python tests/benchmarks/server.py product --port 8101 --without-audit
    python tests/benchmarks/server.py bare --port 8102               # the baseline

The product reads its configuration from the environment (TSUNAGU_DATABASE_URL, ...), exactly as
``python -m api.cli serve`` does. ``--without-audit`` replaces the audit trail's writes with
no-ops, only to measure what the audit log costs; the product itself has no such switch.

``bare`` is a FastAPI application with one endpoint and no middleware, database or auth:
``GET /bare?size=N`` returns a JSON object whose encoded body is N bytes (within a few), built once
per size and encoded by FastAPI on every request like any response.
"""

import argparse
import json
import os
from functools import lru_cache
from typing import Any

import uvicorn
from fastapi import FastAPI

WITHOUT_AUDIT = "TSUNAGU_BENCH_WITHOUT_AUDIT"


@lru_cache(maxsize=64)
def payload(size: int) -> dict[str, Any]:
    """A case-list-like body of about ``size`` bytes once encoded."""
    items: list[dict[str, Any]] = []
    body: dict[str, Any] = {"items": items, "nextCursor": None}
    number = 0
    while len(json.dumps(body, ensure_ascii=False).encode()) < size - 120:
        number += 1
        items.append(
            {
                "id": number,
                "number": f"R7-{number:05d}",
                "status": "support",
                "mainPersonName": "国分寺 太郎",
                "mainPersonKana": "こくぶんじ たろう",
                "town": "本町",
                "updatedAt": "2026-11-27T10:00:00+09:00",
            }
        )
    missing = size - len(json.dumps(body, ensure_ascii=False).encode()) - len(', "pad": ""')
    body["pad"] = "x" * max(missing, 0)
    return body


def bare_app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/bare")
    def bare(size: int = 1000) -> dict[str, Any]:
        return payload(size)

    return app


def disable_audit_writes() -> None:
    from api.services.audit import AuditTrail

    def nothing(*_args: Any, **_kwargs: Any) -> None:
        return None

    # The two statements every successful entry goes through (record, record_many and
    # record_case_reads); refusals, written in a transaction of their own, are not on these paths.
    AuditTrail._insert = nothing  # type: ignore[method-assign]
    AuditTrail._insert_case_reads = nothing  # type: ignore[method-assign]


def product_app() -> FastAPI:
    """The service, built in each server process (the switch travels in the environment)."""
    if os.environ.get(WITHOUT_AUDIT) == "1":
        disable_audit_writes()
    from api.main import create_app

    return create_app()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("product", "bare"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1, help="server processes, as serve's")
    parser.add_argument("--without-audit", action="store_true")
    args = parser.parse_args()
    if args.without_audit:
        os.environ[WITHOUT_AUDIT] = "1"
    # By import string, so that uvicorn can start the same application in each worker process.
    uvicorn.run(
        f"server:{'product_app' if args.kind == 'product' else 'bare_app'}",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_level="warning",
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
