"""A server killed (SIGKILL) while intakes are being written leaves the database consistent: every
case whole (members, categories, its audit entry), the case-number counter at the last number
used, no gaps, and the service starts again on it."""

import os
import signal
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from api.models import AuditEvent, Case, CaseCategory, CaseMember, CaseNumberCounter
from conftest import (
    TEST_PASSWORD,
    Api,
    household,
    server_env,
    start_uvicorn,
    stop_uvicorn,
)
from domain.access import Role

WRITERS = 4


def _env(api: Api, tmp: Path) -> dict[str, str]:
    return server_env(api, tmp, TSUNAGU_TOKEN_RATE_LIMIT="10000/minute", PYTHONUNBUFFERED="1")


def _token(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/auth/token",
        data={"grant_type": "password", "username": "jimu", "password": TEST_PASSWORD},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_a_killed_server_leaves_whole_cases_and_no_gaps(api: Api, tmp_path: Path) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    proc, base_url = start_uvicorn(_env(api, tmp_path), tmp_path / "uvicorn.log")
    created: list[int] = []
    stop = threading.Event()
    try:
        headers = {"Authorization": f"Bearer {_token(base_url)}"}

        def write() -> None:
            with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
                while not stop.is_set():
                    try:
                        response = client.post("/cases", json=household())
                    except httpx.TransportError:
                        return  # the server is gone
                    if response.status_code == 201:
                        created.append(response.json()["id"])

        writers = [threading.Thread(target=write) for _ in range(WRITERS)]
        for w in writers:
            w.start()
        deadline = time.monotonic() + 60
        while len(created) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(created) >= 10, "the writers were writing"
        os.kill(proc.pid, signal.SIGKILL)  # no shutdown, no cleanup: in the middle of writes
        proc.wait(timeout=10)
        stop.set()
        for w in writers:
            w.join(30)
    finally:
        stop.set()
        stop_uvicorn(proc)

    with api.db.sessions() as session:
        cases = session.scalars(select(Case).order_by(Case.sequence)).all()
        assert set(created) <= {c.id for c in cases}, "every answered intake is stored"
        for case in cases:
            members = session.scalar(
                select(func.count()).select_from(CaseMember).where(CaseMember.case_id == case.id)
            )
            categories = session.scalar(
                select(func.count())
                .select_from(CaseCategory)
                .where(CaseCategory.case_id == case.id)
            )
            audited = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "case.create", AuditEvent.case_id == case.id)
            )
            assert (members, categories, audited) == (1, 1, 1), case.number
        assert [c.sequence for c in cases] == list(range(1, len(cases) + 1)), "no gaps"
        counter = session.scalar(
            select(CaseNumberCounter.last_number).where(
                CaseNumberCounter.fiscal_year == cases[0].fiscal_year
            )
        )
        assert counter == len(cases)

    again, base_url = start_uvicorn(_env(api, tmp_path), tmp_path / "uvicorn-again.log")
    try:
        headers = {"Authorization": f"Bearer {_token(base_url)}"}
        next_case = httpx.post(f"{base_url}/cases", json=household(), headers=headers, timeout=30)
        assert next_case.status_code == 201, next_case.text
        assert next_case.json()["number"].endswith(f"-{len(cases) + 1:04d}")
    finally:
        stop_uvicorn(again)
