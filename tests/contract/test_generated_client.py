"""The Python SDK partners will use: generated from ``openapi.yaml`` and run against a real server.

openapi-python-client generates a client from the checked-in contract (offline, with
``--fail-on-warning`` so that an operation it cannot express fails here rather than silently
disappearing from the SDK). A uvicorn subprocess serves the app on a clone of the template
database loaded with the demo set; the generated client logs in and reads cases through it.
"""

import importlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.cli import load_demo
from api.db import Database
from api.models import Case
from api.openapi import OPENAPI_PATH
from api.services.seeding import DEMO_PASSWORD
from conftest import Template, start_uvicorn, stop_uvicorn

pytestmark = [pytest.mark.contract, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "tsunagu_client"
SECRET = "generated-client-test-" + "s" * 32


@dataclass
class Sdk:
    """The generated package and the operation modules the tests use."""

    package: ModuleType

    def module(self, dotted: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.{dotted}")


def _generator() -> str:
    local = Path(sys.executable).with_name("openapi-python-client")
    found = str(local) if local.exists() else shutil.which("openapi-python-client")
    if found is None:
        pytest.fail("openapi-python-client is not installed (pip install -e '.[dev]')")
    return found


@pytest.fixture(scope="session")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sdk]:
    out = tmp_path_factory.mktemp("sdk")
    config = out / "config.yaml"
    # No ruff formatting of the output; the notice PDF (application/pdf) comes back as a File,
    # as integrators would configure it (the generator knows only application/octet-stream).
    config.write_text(
        "post_hooks: []\ncontent_type_overrides:\n  application/pdf: application/octet-stream\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    result = subprocess.run(
        [
            _generator(),
            "generate",
            "--path",
            str(OPENAPI_PATH),
            "--output-path",
            str(out / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, f"client generation failed:\n{result.stdout}\n{result.stderr}"
    assert elapsed < 30, f"client generation took {elapsed:.1f} s"
    sys.path.insert(0, str(out))
    try:
        yield Sdk(importlib.import_module(PACKAGE))
    finally:
        sys.path.remove(str(out))
        for loaded in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[loaded]


@dataclass
class Server:
    base_url: str
    db_url: str
    main_names: dict[str, str]  # case number → the main person's name, as stored


@pytest.fixture(scope="module")
def server(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("server")
    url = template.clone()
    db = Database(url)
    try:
        load_demo(db)
        with db.sessions() as session:
            cases = session.scalars(select(Case).options(selectinload(Case.members))).all()
            main_names = {c.number: next(m.name for m in c.members if m.is_main) for c in cases}
    finally:
        db.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env.update(
        TSUNAGU_DATABASE_URL=url,
        TSUNAGU_JWT_SECRET=SECRET,
        TSUNAGU_DATA_DIR=str(tmp / "data"),
        PYTHONUNBUFFERED="1",
    )
    proc, base_url = start_uvicorn(env, tmp / "uvicorn.log")
    try:
        yield Server(base_url=base_url, db_url=url, main_names=main_names)
    finally:
        stop_uvicorn(proc)
        template.drop(url)
    assert proc.returncode is not None


def _login(sdk: Sdk, server: Server, username: str) -> Any:
    client_mod = sdk.module("client")
    issue_token = sdk.module("api.auth.issue_token")
    models = sdk.module("models")
    body = models.BodyIssueToken(
        grant_type=models.BodyIssueTokenGrantType.PASSWORD,
        username=username,
        password=DEMO_PASSWORD,
    )
    with client_mod.Client(base_url=server.base_url) as anonymous:
        response = issue_token.sync_detailed(client=anonymous, body=body)
    assert response.status_code == 200, response.content.decode()
    token = response.parsed
    assert isinstance(token, models.TokenResponse), token
    assert token.token_type.lower() == "bearer"
    return client_mod.AuthenticatedClient(base_url=server.base_url, token=token.access_token)


def test_generated_client_works_against_a_running_server(sdk: Sdk, server: Server) -> None:
    models = sdk.module("models")
    list_cases = sdk.module("api.cases.list_cases")
    get_case = sdk.module("api.cases.get_case")
    assert len(server.main_names) == 3, "the demo set has three households"
    assert all(any(ord(ch) > 0x3000 for ch in n) for n in server.main_names.values())

    with _login(sdk, server, "secretariat") as staff:
        page = list_cases.sync(client=staff)
        assert isinstance(page, models.PageCaseSummary), page
        listed = {c.number: c.main_person_name for c in page.items}
        assert listed == server.main_names, "all three demo cases, Japanese names intact"
        assert all(isinstance(c.status, models.CaseStatus) for c in page.items)

        first = page.items[0]
        detail = get_case.sync_detailed(case_id=first.id, client=staff)
        assert detail.status_code == 200, detail.content.decode()
        case = detail.parsed
        assert isinstance(case, models.CaseOut), case
        assert case.id == first.id and case.number == first.number
        assert detail.headers["etag"], "getCase returns the ETag that edits need"
        assert server.main_names[case.number] in {m.name for m in case.members}

    with _login(sdk, server, "hokatsu1.agency") as agency:
        page = list_cases.sync(client=agency)
        assert isinstance(page, models.PageCaseSummary), page
        assert len(page.items) == 1, [c.number for c in page.items]
        assert page.items[0].main_person_name == "国分 一郎", "the 8050 household, by consent"

    client_mod = sdk.module("client")
    with client_mod.AuthenticatedClient(base_url=server.base_url, token="not-a-token") as stranger:
        refused = list_cases.sync_detailed(client=stranger)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert isinstance(refused.parsed, models.Problem), "errors parse as problem details"
    assert refused.parsed.status == 401


def test_generated_client_round_trips_a_referral(sdk: Sdk, server: Server) -> None:
    """つなぐ through the SDK: sent, seen in the agency's inbox, accepted, reported back."""
    models = sdk.module("models")
    referrals = "api.referrals."
    create = sdk.module(referrals + "create_referral")
    inbox = sdk.module(referrals + "list_referrals")
    get = sdk.module(referrals + "get_referral")
    accept = sdk.module(referrals + "accept_referral")
    complete = sdk.module(referrals + "complete_referral")
    get_case = sdk.module("api.cases.get_case")
    young_carer = next(n for n, name in server.main_names.items() if name == "日吉 さくら")

    with _login(sdk, server, "secretariat") as secretariat:
        cases = sdk.module("api.cases.list_cases").sync(client=secretariat, number=young_carer)
        case_id = cases.items[0].id
        sent = create.sync_detailed(
            case_id=case_id,
            client=secretariat,
            body=models.ReferralCreate(
                to_org="hokatsu_1",
                reason="祖母の介護について相談したい",
                summary="中学生が祖母の介護を担っている世帯。介護保険の利用を検討したい。",
                urgency=models.ReferralUrgency.URGENT,
            ),
        )
        assert sent.status_code == 201, sent.content.decode()
        referral_id = sent.parsed.id

    with _login(sdk, server, "hokatsu1.agency") as agency:
        page = inbox.sync(client=agency, box=models.ReferralBox.INBOX)
        assert [r.id for r in page.items] == [referral_id]
        assert page.items[0].main_person_name is None, "no consent: no names in the inbox"
        read = get.sync_detailed(referral_id=referral_id, client=agency)
        assert read.status_code == 200 and read.parsed.summary.startswith("中学生が")
        accepted = accept.sync_detailed(
            referral_id=referral_id,
            client=agency,
            body=models.ReferralActionIn(),
            if_match=read.headers["etag"],
        )
        assert accepted.status_code == 200, accepted.content.decode()
        assert accepted.parsed.status == models.ReferralStatus.ACCEPTED
        assert get_case.sync_detailed(case_id=case_id, client=agency).status_code == 404
        done = complete.sync_detailed(
            referral_id=referral_id,
            client=agency,
            body=models.ReferralActionIn(note="祖母と面談し、要介護認定の申請を支援した。"),
            if_match=accepted.headers["etag"],
        )
        assert done.status_code == 200, done.content.decode()

    with _login(sdk, server, "secretariat") as secretariat:
        back = get.sync(referral_id=referral_id, client=secretariat)
        assert back.status == models.ReferralStatus.COMPLETED
        assert back.report == "祖母と面談し、要介護認定の申請を支援した。"
