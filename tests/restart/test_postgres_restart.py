"""PostgreSQL restarted under load: requests in flight fail with a 503 problem body (never a
500, never half-written), and the service recovers by itself, without being restarted.

This restarts the PostgreSQL server itself (``pg_ctlcluster … restart``, as root), so it cannot
share the server with the rest of the suite: ``make test`` runs it as a stage of its own, after
pytest, when ``RESTART_POSTGRES_TESTS=1`` (CI sets it); ``tests/conftest.py`` leaves this folder out
of every other run.
"""

import subprocess
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from api.models import AuditEvent, Case, CaseMember
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


def _restart_postgres() -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        capture_output=True,
    )


def test_requests_in_flight_get_503_and_the_service_recovers(api: Api, tmp_path: Path) -> None:
    assert api.backend == "postgresql"
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    env = server_env(api, tmp_path, TSUNAGU_TOKEN_RATE_LIMIT="10000/minute")
    proc, base_url = start_uvicorn(env, tmp_path / "uvicorn.log")
    statuses: list[int] = []
    bodies: list[str] = []
    created: list[int] = []
    stop = threading.Event()
    try:
        token = httpx.post(
            f"{base_url}/auth/token",
            data={"grant_type": "password", "username": "jimu", "password": TEST_PASSWORD},
            timeout=30,
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def write() -> None:
            with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
                while not stop.is_set():
                    response = client.post("/cases", json=household())
                    statuses.append(response.status_code)
                    if response.status_code == 201:
                        created.append(response.json()["id"])
                    elif response.status_code != 503:
                        bodies.append(response.text)
                    else:
                        assert response.headers["content-type"].startswith(
                            "application/problem+json"
                        )

        writers = [threading.Thread(target=write) for _ in range(WRITERS)]
        for w in writers:
            w.start()
        while len(created) < 10:
            time.sleep(0.05)
        _restart_postgres()
        before = len(created)
        deadline = time.monotonic() + 60
        while len(created) < before + 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        for w in writers:
            w.join(60)
        assert proc.poll() is None, "the service was not restarted"
    finally:
        stop.set()
        stop_uvicorn(proc)

    assert bodies == [], "only 201 or 503 while the database restarted"
    assert 503 in statuses, "requests in flight during the restart were refused with 503"
    assert len(created) >= before + 20, "the service recovered by itself"
    with api.db.sessions() as session:
        cases = session.scalars(select(Case).order_by(Case.sequence)).all()
        assert [c.sequence for c in cases] == list(range(1, len(cases) + 1))
        assert set(created) <= {c.id for c in cases}
        for case in cases:
            members = session.scalar(
                select(func.count()).select_from(CaseMember).where(CaseMember.case_id == case.id)
            )
            audited = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "case.create", AuditEvent.case_id == case.id)
            )
            assert (members, audited) == (1, 1), case.number
