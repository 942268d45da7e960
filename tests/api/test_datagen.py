"""The benchmark data generator (python -m api.cli generate-data) on both backends: counts that
scale with --households, valid foreign keys, the product's own search and case numbering
working on the generated data, the known log-ins, and reproducibility for a seed."""

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, func, select, text

from api import cli
from api.cli import main as cli_main
from api.datagen.generate import GenerateRefused, Options, Result, generate
from api.datagen.loader import BulkLoader
from api.datagen.world import Counts
from api.models import Base, Meeting, User
from api.services.seeding import DEMO_PASSWORD
from conftest import Api, Template, household, plan_nodes, statements_run
from domain.fiscal import case_number, fiscal_year

HOUSEHOLDS = 200
TODAY = date(2026, 11, 2)


def _generate(url: str, households: int = HOUSEHOLDS, seed: int = 1, **kw: Any) -> Result:
    return generate(
        Options(
            database_url=url, households=households, seed=seed, today=TODAY, progress=False, **kw
        )
    )


def _count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def generated(module_api: Api) -> Iterator[tuple[Api, Result]]:
    """One generated set per backend, shared by the read-only checks."""
    yield module_api, _generate(module_api.url)


def test_counts_scale_with_households() -> None:
    assert Counts.for_households(100_000) == Counts(
        households=100_000,
        members=250_000,
        timeline=1_000_000,
        referrals=200_000,
        plans=30_000,
        meetings=5_000,
        agencies=200,
    )
    small = Counts.for_households(1_000)
    assert (small.members, small.timeline, small.referrals, small.plans, small.meetings) == (
        2_500,
        10_000,
        2_000,
        300,
        50,
    )


def test_generated_rows_match_the_counts(generated: tuple[Api, Result]) -> None:
    api, result = generated
    want = Counts.for_households(HOUSEHOLDS)
    expected = {
        "cases": want.households,
        "case_members": want.members,
        "timeline_entries": want.timeline,
        "referrals": want.referrals,
        "support_plans": want.plans,
        "meetings": want.meetings,
    }
    loaded = {s.table: s.rows for s in result.stats}
    for table, rows in expected.items():
        assert loaded[table] == rows, table
        assert _count(api.url, table) == rows, table
    for table in (
        "referral_events",
        "case_status_changes",
        "consents",
        "team_memberships",
        "plan_items",
        "plan_goals",
        "agenda_items",
        "attendees",
        "decisions",
        "audit_events",
    ):
        assert loaded[table] > 0, table
        assert _count(api.url, table) == loaded[table], table
    assert loaded["referral_events"] >= want.referrals  # every referral was at least sent


def test_every_foreign_key_holds(generated: tuple[Api, Result]) -> None:
    api, _ = generated
    loader = BulkLoader(api.url, progress=False)
    try:
        assert loader.foreign_key_violations() == []
        if api.backend == "postgresql":
            # The generator gave out the ids: each sequence must have been moved past them.
            for table in ("cases", "case_members", "timeline_entries", "referrals"):
                assert loader.scalar(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                    f"> (SELECT MAX(id) FROM {table})"
                ), table
    finally:
        loader.close()


def test_known_users_log_in_and_see_generated_cases(generated: tuple[Api, Result]) -> None:
    api, result = generated
    sees = {k.username: k.readable_cases for k in result.known}
    assert sees["secretariat"] == HOUSEHOLDS
    for username in ("coordinator.east", "koreifukushi.staff", "hokatsu1.agency"):
        assert sees[username], username
        headers = api.login(username, DEMO_PASSWORD)
        page = api.client.get("/cases", params={"limit": 100}, headers=headers)
        assert page.status_code == 200, page.text
        assert page.json()["items"], username
    assert sees["admin"] is None and sees["auditor"] is None


def test_the_meetings_list_shows_exactly_the_meetings_each_user_may_open(
    generated: tuple[Api, Result],
) -> None:
    """The meetings list's SQL (api/services/meetings.py) restates who may see a meeting
    (domain.meetings: the secretariat, the organiser, the invited user or org); on the
    generated meetings, followed page by page, it shows each known user exactly the meetings
    that user may open one by one."""
    api, _ = generated
    with api.db.sessions() as session:
        meeting_ids = set(session.scalars(select(Meeting.id)))
        users = list(
            session.scalars(
                select(User.username).where(
                    User.username.not_like("gen.%"), User.username.not_in(["admin", "auditor"])
                )
            )
        ) + list(  # and one generated account of each org
            session.scalars(
                select(func.min(User.username))
                .where(User.username.like("gen.%"))
                .group_by(User.org_code)
            )
        )
    assert len(meeting_ids) >= 5, meeting_ids
    seen_by: dict[str, set[int]] = {}
    for username in users:
        headers = api.login(username, DEMO_PASSWORD)
        listed: list[int] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            page = api.client.get("/meetings", params=params, headers=headers)
            assert page.status_code == 200, (username, page.text)
            listed += [m["id"] for m in page.json()["items"]]
            cursor = page.json()["nextCursor"]
            if cursor is None:
                break
        may_open = {
            i
            for i in meeting_ids
            if api.client.get(f"/meetings/{i}", headers=headers).status_code == 200
        }
        assert len(listed) == len(set(listed)), (username, listed)
        assert set(listed) == may_open, username
        seen_by[username] = may_open
    assert seen_by["secretariat"] == meeting_ids
    # Not a vacuous agreement: some users see some of the meetings but not all.
    assert any(0 < len(seen) < len(meeting_ids) for seen in seen_by.values()), seen_by
    for username in ("admin", "auditor"):  # no case work: no meetings list at all
        headers = api.login(username, DEMO_PASSWORD)
        assert api.client.get("/meetings", headers=headers).status_code == 403, username


def test_kana_search_finds_a_generated_person(generated: tuple[Api, Result]) -> None:
    api, _ = generated
    engine = create_engine(api.url)
    with engine.connect() as conn:
        case_id, kana = conn.execute(
            text(
                "SELECT case_id, name_kana FROM case_members "
                "WHERE name_kana IS NOT NULL AND is_main ORDER BY id DESC LIMIT 1"
            )
        ).one()
    engine.dispose()
    # Typed as staff do: the other kana script, no space.
    query = "".join(
        chr(ord(ch) + 0x60)
        if "ぁ" <= ch <= "ゖ"
        else chr(ord(ch) - 0x60)
        if "ァ" <= ch <= "ヶ"
        else ch
        for ch in kana.replace(" ", "")
    )
    headers = api.login("secretariat", DEMO_PASSWORD)
    found: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": query, "limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = api.client.get("/cases", params=params, headers=headers)
        assert page.status_code == 200, page.text
        found += [item["id"] for item in page.json()["items"]]
        cursor = page.json().get("nextCursor")
        if not cursor:
            break
    assert case_id in found


def test_refuses_a_database_with_cases(generated: tuple[Api, Result]) -> None:
    api, _ = generated
    with pytest.raises(GenerateRefused):
        _generate(api.url)
    assert cli_main(["generate-data", "--households", "5", "--database-url", api.url]) == 2


def test_intake_after_generation_takes_the_next_case_number(api: Api) -> None:
    _generate(api.url, households=40)
    engine = create_engine(api.url)
    with engine.connect() as conn:
        last = dict(
            conn.execute(
                text("SELECT fiscal_year, MAX(sequence) FROM cases GROUP BY fiscal_year")
            ).all()
        )
        counters = dict(
            conn.execute(text("SELECT fiscal_year, last_number FROM case_number_counters")).all()
        )
    engine.dispose()
    assert counters == last
    headers = api.login("secretariat", DEMO_PASSWORD)
    oldest = min(last)  # a fiscal year years back: its counter goes on too
    for day in (TODAY - timedelta(days=3), date(oldest, 6, 1)):
        year = fiscal_year(day)
        response = api.client.post("/cases", json=household(intake_date=day), headers=headers)
        assert response.status_code == 201, response.text
        assert response.json()["number"] == case_number(year, last[year] + 1)


def _digest(url: str) -> dict[str, str]:
    """A fingerprint of every table's rows (the shared password hash is salted per run)."""
    engine = create_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            cols = [c.name for c in table.columns if c.name != "password_hash"]
            order = ", ".join(c.name for c in table.primary_key.columns)
            rows = conn.execute(
                text(f"SELECT {', '.join(cols)} FROM {table.name} ORDER BY {order}")
            ).all()
            out[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    engine.dispose()
    return out


def test_same_seed_same_data(template: Template) -> None:
    urls = [template.clone() for _ in range(2)]
    try:
        for url in urls:
            _generate(url, households=30, seed=7)
        first, again = (_digest(url) for url in urls)
        assert first == again
    finally:
        for url in urls:
            template.drop(url)


def test_without_a_url_it_fills_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "new-data-dir"  # does not exist yet: generate-data creates it
    monkeypatch.setenv("TSUNAGU_DATA_DIR", str(data_dir))
    monkeypatch.delenv("TSUNAGU_DATABASE_URL", raising=False)
    cli.get_settings.cache_clear()
    try:
        assert cli_main(["generate-data", "--households", "4", "--quiet", "--no-audit"]) == 0
    finally:
        cli.get_settings.cache_clear()
    assert _count(f"sqlite:///{data_dir / 'tsunagu.db'}", "cases") == 4
    report = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in report if line.startswith("cases ")] == [["cases", "4"]]


@contextmanager
def believing_a_large_city(conn: Connection) -> Iterator[None]:
    """PostgreSQL's planner chooses by the table sizes it believes: inside the block it is shown
    a city 100 times larger (its statistics scaled up, in a transaction rolled back)."""
    with conn.begin() as scaled:
        conn.exec_driver_sql(
            "UPDATE pg_class SET reltuples = reltuples * 100 "
            "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        )
        yield
        scaled.rollback()


def _hashed_subplans_reading(plan: dict[str, Any], relation: str) -> list[str]:
    """The hashed subplans of a PostgreSQL plan (EXPLAIN's JSON) that read ``relation``: a
    hashed subplan is run once, whole, and its rows kept in a hash table (its name is marked
    "hashed" where a condition uses it)."""
    hashed = set(re.findall(r"hashed (SubPlan \d+)", json.dumps(plan)))
    return sorted(
        node["Subplan Name"]
        for node in plan_nodes(plan)
        if node.get("Subplan Name") in hashed
        and any(n.get("Relation Name") == relation for n in plan_nodes(node))
    )


@pytest.mark.parametrize(
    "params", [{"limit": 50}, {"q": "タ", "limit": 50}], ids=["list", "search"]
)
def test_a_departments_case_list_checks_consent_case_by_case(
    api: Api, params: dict[str, Any]
) -> None:
    """Rule 4 (on the team, with the main person's consent; in a search, the member's own
    consent): the database checks the consent only for the cases it looks at. PostgreSQL used to turn the check into a hashed set of every
    consenting case in the city, built before the first row: 170 ms for a department's first
    page at 100,000 households (docs/benchmarks.md)."""
    _generate(api.url, households=HOUSEHOLDS)
    headers = api.login("koreifukushi.staff", DEMO_PASSWORD)
    with statements_run(api.db.engine) as seen:
        page = api.client.get("/cases", params=params, headers=headers)
    assert page.status_code == 200 and page.json()["items"], page.text
    (statement, parameters), *_ = [s for s in seen if "FROM cases" in s[0] and "consents" in s[0]]
    with api.db.engine.connect() as conn:
        if api.backend == "postgresql":
            with believing_a_large_city(conn):
                (plan,) = conn.exec_driver_sql(
                    "EXPLAIN (FORMAT JSON) " + statement, parameters
                ).one()
            assert _hashed_subplans_reading(plan[0]["Plan"], "consents") == [], plan
        else:
            steps = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            detail = {step_id: what for step_id, _, _, what in steps}
            parent = {step_id: parent_id for step_id, parent_id, _, _ in steps}
            reads = [i for i, what in detail.items() if what.startswith("SEARCH consents")]
            assert reads, steps
            for step in reads:
                assert detail[parent[step]].startswith("CORRELATED"), steps


@pytest.mark.parametrize(
    ("user", "params"),
    [
        ("koreifukushi.staff", {"limit": 50}),
        ("koreifukushi.staff", {"status": ["in_support", "monitoring"], "limit": 20}),
        ("secretariat", {"leadOrg": "koreifukushi", "category": "nursing_care", "limit": 50}),
    ],
    ids=["department", "statuses", "secretariat"],
)
def test_a_case_lists_first_page_keeps_its_plan(
    api: Api, user: str, params: dict[str, Any]
) -> None:
    """A list's first page is planned once per connection, not on every request. psycopg prepares
    a statement run five times; PostgreSQL then keeps a generic plan when it costs no more than
    the plans made for the values. With the page size a parameter, on a large city it never did
    and every list was planned anew (0.6-1.0 ms, more than running it); the page size and the
    code filters are now literals of the statement (docs/benchmarks.md). The results stay the
    same: the last run's rows are the page the API answered."""
    _generate(api.url, households=HOUSEHOLDS)
    headers = api.login(user, DEMO_PASSWORD)
    with statements_run(api.db.engine) as seen:
        page = api.client.get("/cases", params=params, headers=headers)
    assert page.status_code == 200 and page.json()["items"], page.text
    (statement, parameters), *_ = [s for s in seen if s[0].startswith("SELECT cases.id")]
    limit = params["limit"]
    assert f"LIMIT {limit + 1}" in statement
    for code in (params.get("area"), params.get("leadOrg"), params.get("category")):
        assert code is None or f"'{code}'" in statement
    if api.backend == "postgresql":
        rows = _rows_under_a_kept_plan(api, statement, parameters, "SELECT cases.id")
        assert [row[0] for row in rows][:limit] == [item["id"] for item in page.json()["items"]]


def _rows_under_a_kept_plan(api: Api, statement: str, parameters: Any, start: str) -> list[Any]:
    """Run a list's statement 15 times on one connection, PostgreSQL believing the city 100
    times larger, and check that it kept a generic plan; the rows of the last run."""
    with api.db.engine.connect() as conn, believing_a_large_city(conn):
        # psycopg prepares it at the sixth run, PostgreSQL plans its first five for the values.
        for _ in range(15):
            rows = conn.exec_driver_sql(statement, parameters).all()
        (generic, custom), *others = conn.execute(
            text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE :start"
            ),
            {"start": start + "%"},
        ).all()
    assert others == [] and generic >= 1, (generic, custom)
    return list(rows)


_REFERRAL = "SELECT referrals.id"


@pytest.mark.parametrize(
    ("user", "path", "params", "start", "written_in"),
    [
        (
            "koreifukushi.staff",
            "/referrals",
            {"box": "inbox"},
            _REFERRAL,
            "referrals.to_org_code = 'koreifukushi'",
        ),
        (
            "coordinator.east",
            "/referrals",
            {"box": "outbox"},
            _REFERRAL,
            "referrals.from_org_code = 'shakyo_east'",
        ),
        (
            "secretariat",
            "/referrals",
            {"box": "outbox", "status": ["sent", "accepted"]},
            _REFERRAL,
            "referrals.status IN ('accepted', 'sent')",
        ),
        ("coordinator.east", "/meetings", {}, "SELECT meetings.id", "LIMIT 4"),
        ("secretariat", "/plans", {"monitoring": "overdue"}, "SELECT support_plans.id", "LIMIT 4"),
    ],
    ids=["referral-inbox", "referral-outbox", "referral-statuses", "meetings", "plans"],
)
def test_the_other_lists_first_pages_keep_their_plans(
    api: Api, user: str, path: str, params: dict[str, Any], start: str, written_in: str
) -> None:
    """As the case list's (above): with the page size a parameter, PostgreSQL planned the
    referrals, meetings and monitoring lists anew on every request on a large city. A referral
    list's org and statuses are written in too: one generic plan for every org read all the
    referrals for the few of a small one (docs/benchmarks.md)."""
    # Plans in monitoring with a next date are few: 200 households have none.
    _generate(api.url, households=1000 if path == "/plans" else HOUSEHOLDS)
    headers = api.login(user, DEMO_PASSWORD)
    with statements_run(api.db.engine) as seen:
        page = api.client.get(path, params={**params, "limit": 3}, headers=headers)
    assert page.status_code == 200 and len(page.json()["items"]) == 3, page.text
    (statement, parameters), *_ = [s for s in seen if s[0].startswith(start)]
    assert "LIMIT 4" in statement and written_in in statement, statement
    if api.backend == "postgresql":
        rows = _rows_under_a_kept_plan(api, statement, parameters, start)
        assert [row[0] for row in rows][:3] == [item["id"] for item in page.json()["items"]]
