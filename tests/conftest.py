"""Shared fixtures: a migrated, seeded template database per backend, cloned per test or module.

Every API test runs on SQLite, and also on PostgreSQL when ``TEST_DATABASE_URL`` is set (it
points at a server; the tests create databases of their own there and drop them afterwards).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from api import migrate
from api.auth import passwords
from api.db import Database
from api.main import create_app
from api.models import Organization
from api.services import seeding
from api.settings import Settings
from domain.access import Role

# tests/restart restarts the PostgreSQL server: only its own stage of `make test` collects it.
collect_ignore = [] if os.environ.get("TSUNAGU_TEST_RESTART_POSTGRES") == "1" else ["restart"]

# Passwords are hashed with argon2 at pwdlib's recommended cost (64 MiB, 3 passes): about 0.2 s of
# CPU per hash and per log-in, by design. The suite creates and logs in thousands of accounts, and
# spent about half its time there; in this process (and so in every test client's app) accounts
# are hashed with the same algorithm at its lowest cost. The product's own hasher is kept here,
# and tests/api/test_passwords.py checks its parameters; servers started as subprocesses (the
# restart and browser tests) hash at the product's cost.
PRODUCT_HASHER = passwords.hasher()
passwords.use_hasher(PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),)))

TEST_PASSWORD = "correct horse battery staple"
TEST_SECRET = "t" * 48


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


class Template:
    """A database migrated with ``alembic upgrade head`` and seeded, to clone from."""

    def __init__(self, backend: str, workdir: Path) -> None:
        self.backend = backend
        self.workdir = workdir
        self.name = f"tsunagu_tpl_{uuid.uuid4().hex[:8]}"
        if backend == "sqlite":
            self.url = f"sqlite:///{workdir / (self.name + '.db')}"
        else:
            self.server = make_url(os.environ["TEST_DATABASE_URL"]).set(
                drivername="postgresql+psycopg"
            )
            self._admin(f"CREATE DATABASE {self.name}")
            self.url = self.server.set(database=self.name).render_as_string(hide_password=False)
        migrate.upgrade(self.url)
        db = Database(self.url)
        with db.sessions() as session, session.begin():
            seeding.seed_master_data(session)
        db.dispose()

    def _admin(self, sql: str) -> None:
        engine = create_engine(self.server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    def clone(self) -> str:
        name = f"tsunagu_t_{uuid.uuid4().hex[:10]}"
        if self.backend == "sqlite":
            target = self.workdir / f"{name}.db"
            shutil.copy(self.workdir / f"{self.name}.db", target)
            return f"sqlite:///{target}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {self.name}")
        return self.server.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        if self.backend == "sqlite":
            Path(make_url(url).database or "").unlink(missing_ok=True)
            return
        name = make_url(url).database
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        if self.backend == "postgresql":
            self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


@pytest.fixture(scope="session", params=_backends())
def template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Template]:
    tpl = Template(request.param, tmp_path_factory.mktemp(request.param))
    yield tpl
    tpl.close()


@dataclass
class Api:
    """A running app on its own database, with helpers to make accounts and log in."""

    url: str
    backend: str
    app: FastAPI
    db: Database
    client: TestClient
    settings: Settings
    _tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def user(
        self,
        username: str,
        org: str,
        *roles: Role,
        area: str | None = None,
        password: str = TEST_PASSWORD,
    ) -> str:
        """Create a user directly in the database; returns its id."""
        with self.db.sessions() as session, session.begin():
            user = seeding.create_user(
                session,
                username=username,
                display_name=username,
                password=password,
                org_code=org,
                roles=list(roles),
                area_code=area,
            )
            return user.id

    def api_client(self, name: str, org: str) -> tuple[str, str]:
        with self.db.sessions() as session, session.begin():
            client, secret = seeding.create_api_client(session, name=name, org_code=org)
            return client.client_id, secret

    def login(
        self, username: str, password: str = TEST_PASSWORD, *, fresh: bool = False
    ) -> dict[str, str]:
        """Bearer headers for a user (cached per username unless ``fresh``)."""
        if not fresh and username in self._tokens:
            return self._tokens[username]
        response = self.client.post(
            "/auth/token",
            data={"grant_type": "password", "username": username, "password": password},
        )
        assert response.status_code == 200, response.text
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        self._tokens[username] = headers
        return headers

    def client_login(self, client_id: str, secret: str) -> dict[str, str]:
        response = self.client.post(
            "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def org_kind(self, code: str) -> str:
        with self.db.sessions() as session:
            org = session.get(Organization, code)
            assert org is not None
            return org.kind


def _make_api(template: Template, tmp: Path) -> Api:
    url = template.clone()
    # Many log-ins from the one test client address: the per-address limit is tested on its own.
    settings = Settings(
        database_url=url, jwt_secret=TEST_SECRET, data_dir=tmp, token_rate_limit="100000/minute"
    )
    db = Database(url)
    app = create_app(settings, db)
    client = TestClient(app, raise_server_exceptions=False)
    return Api(url=url, backend=template.backend, app=app, db=db, client=client, settings=settings)


@pytest.fixture
def api(template: Template, tmp_path: Path) -> Iterator[Api]:
    """A fresh database for one test."""
    handle = _make_api(template, tmp_path)
    yield handle
    handle.client.close()
    handle.db.dispose()
    template.drop(handle.url)


@pytest.fixture(scope="module")
def module_api(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One database shared by a module's tests (for large read-only matrices)."""
    handle = _make_api(template, tmp_path_factory.mktemp("module"))
    yield handle
    handle.client.close()
    handle.db.dispose()
    template.drop(handle.url)


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) the engine runs inside the block."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of a PostgreSQL plan (EXPLAIN's JSON), the node itself first."""
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def household(
    *,
    main_name: str = "国分 一郎",
    main_kana: str = "こくぶ いちろう",
    town: str = "honcho",
    others: list[dict[str, Any]] | None = None,
    intake_date: date | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A valid intake body (camelCase), with optional extra members and fields."""
    body: dict[str, Any] = {
        "intakeDate": (intake_date or date(2026, 4, 10)).isoformat(),
        "intakeRoute": "window",
        "mainComplaint": "80代の母と50代の長男の世帯。",
        "town": town,
        "categories": [{"code": "c8050", "primary": True}],
        "members": [
            {
                "name": main_name,
                "nameKana": main_kana,
                "birthDate": "1974-06-03",
                "relationship": "本人",
                "isMain": True,
            },
            *(others or []),
        ],
    }
    body.update(extra)
    return body


# ---------------------------------------------------------------- a real server process

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 30


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(api: Api, data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a uvicorn process serving ``api``'s database: this process's variables
    without its own TSUNAGU_ ones, the test secret, a data directory, and ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env.update(
        TSUNAGU_DATABASE_URL=api.url,
        TSUNAGU_JWT_SECRET=TEST_SECRET,
        TSUNAGU_DATA_DIR=str(data_dir),
        **settings,
    )
    return env


def start_uvicorn(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn serving ``api.main:app`` on a free port (configured by ``env``), once /healthz
    answers; retried if the port was taken meanwhile."""
    for _attempt in range(3):
        port = str(_free_port())
        base_url = f"http://127.0.0.1:{port}"
        uvicorn = [sys.executable, "-m", "uvicorn", "api.main:app", "--no-access-log"]
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [*uvicorn, "--host", "127.0.0.1", "--port", port],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    return proc, base_url
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        stop_uvicorn(proc)
    pytest.fail(f"uvicorn did not become healthy:\n{log.read_text(errors='replace')[-3000:]}")


def stop_uvicorn(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Where the suite's time goes, by test module (setup, call and teardown summed over the
    workers): CI must stay well under 30 minutes, and a module that grows shows here first."""
    seconds: Counter[str] = Counter()
    tests: Counter[str] = Counter()
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            duration = getattr(report, "duration", None)
            if not nodeid or duration is None:
                continue
            module = nodeid.split("::", 1)[0]
            seconds[module] += duration
            tests[module] += getattr(report, "when", None) == "call"
    if not seconds:
        return
    total = sum(seconds.values())
    terminalreporter.write_sep("=", f"test time by module ({total:.0f} s in all workers)")
    for module, spent in seconds.most_common(12):
        terminalreporter.write_line(
            f"{spent:8.1f} s {spent / total:6.1%} {tests[module]:6d} tests  {module}"
        )
