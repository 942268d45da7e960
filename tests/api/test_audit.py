"""The audit log (access.md "The audit log"): who reads it, what it records, that it only grows."""

import base64
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from psycopg.sql import Literal
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from api.clock import TOKYO
from api.models import AuditEvent
from api.routes import audit as audit_routes
from conftest import Api, household, plan_nodes, statements_run
from domain.access import Role

FIELDS = {
    "id",
    "at",
    "actorSub",
    "actorKind",
    "actorOrg",
    "actorRoles",
    "action",
    "resourceType",
    "resourceId",
    "caseId",
    "outcome",
    "purpose",
    "requestId",
    "detail",
}


def _open_case(api: Api, username: str, **extra: Any) -> int:
    response = api.client.post("/cases", json=household(**extra), headers=api.login(username))
    assert response.status_code == 201, response.text
    case_id: int = response.json()["id"]
    return case_id


def _events(api: Api, username: str, **params: Any) -> list[dict[str, Any]]:
    response = api.client.get(
        "/audit-events", params={"limit": 200, **params}, headers=api.login(username)
    )
    assert response.status_code == 200, response.text
    assert response.json()["nextCursor"] is None
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _rows(api: Api, **where: Any) -> list[AuditEvent]:
    with api.db.sessions() as session:
        stmt = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
        return list(session.scalars(stmt))


@pytest.fixture
def people(api: Api) -> dict[str, str]:
    """A secretariat member, an auditor and a staff member of an unrelated unit (user ids)."""
    return {
        "jimu": api.user("jimu", "kyosei", Role.SECRETARIAT),
        "kansa": api.user("kansa", "it_admin", Role.AUDITOR),
        "korei": api.user("korei", "koreifukushi", Role.STAFF),
    }


@pytest.fixture(scope="module")
def auditor(module_api: Api) -> str:
    """An auditor's user name on the app shared by the module (for requests that change nothing)."""
    module_api.user("module.auditor", "it_admin", Role.AUDITOR)
    return "module.auditor"


# ---------------------------------------------------------------- who reads the log


def test_auditor_reads_every_entry_including_a_case_read_by_someone_else(
    api: Api, people: dict[str, str]
) -> None:
    case_id = _open_case(api, "jimu")
    assert api.client.get(f"/cases/{case_id}", headers=api.login("jimu")).status_code == 200

    events = _events(api, "kansa")

    assert all(set(e) == FIELDS for e in events)
    read = next(e for e in events if e["action"] == "case.read" and e["caseId"] == case_id)
    assert read["actorSub"] == people["jimu"]
    assert read["actorKind"] == "user"
    assert read["actorOrg"] == "kyosei"
    assert read["actorRoles"] == ["secretariat"]
    assert read["resourceType"] == "case"
    assert read["resourceId"] == str(case_id)
    assert read["outcome"] == "success"
    assert read["requestId"]
    assert read["at"].endswith("Z")
    logins = [e for e in events if e["action"] == "login"]
    assert {e["actorSub"] for e in logins} >= {people["jimu"], people["kansa"]}


def test_secretariat_reads_case_entries_but_not_log_ins(api: Api, people: dict[str, str]) -> None:
    case_id = _open_case(api, "jimu")

    events = _events(api, "jimu")

    assert events
    assert all(e["caseId"] is not None for e in events)
    assert {"case.create", "case.read"} <= {e["action"] for e in events if e["caseId"] == case_id}
    assert _events(api, "jimu", action="login") == []
    assert _events(api, "kansa", action="login") != []


def test_secretariat_does_not_see_entries_of_other_readers_of_the_audit_log(
    api: Api, people: dict[str, str]
) -> None:
    _events(api, "kansa")
    assert _events(api, "jimu", action="audit.list") == []


@pytest.mark.parametrize(
    ("org", "role"),
    [
        ("koreifukushi", Role.STAFF),
        ("kenko_suishin", Role.DIRECTOR),
        ("shakyo_east", Role.COORDINATOR),
        ("hokatsu_1", Role.AGENCY),
        ("it_admin", Role.ADMIN),
    ],
)
def test_only_auditors_and_the_secretariat_may_read_the_audit_log(
    module_api: Api, org: str, role: Role
) -> None:
    username = f"{role}.{org}"
    module_api.user(username, org, role, area="east" if role is Role.COORDINATOR else None)

    response = module_api.client.get("/audit-events", headers=module_api.login(username))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_agency_client_may_not_read_the_audit_log(module_api: Api) -> None:
    client_id, secret = module_api.api_client("houkatsu-system", "hokatsu_1")

    response = module_api.client.get(
        "/audit-events", headers=module_api.client_login(client_id, secret)
    )

    assert response.status_code == 403


def test_reading_the_audit_log_needs_a_token(module_api: Api) -> None:
    response = module_api.client.get("/audit-events")

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_refused_read_of_the_audit_log_is_audited(api: Api) -> None:
    staff = api.user("korei", "koreifukushi", Role.STAFF)

    api.client.get("/audit-events", headers=api.login("korei"))

    refused = _rows(api, actor_sub=staff, outcome="denied")
    assert [(r.action, r.resource_type) for r in refused] == [("authorize", "scope")]
    assert refused[0].detail == {"missing_scopes": ["audit:read"]}


# ---------------------------------------------------------------- filters and pages


def test_filters_select_by_case_actor_action_outcome_and_resource_type(
    api: Api, people: dict[str, str]
) -> None:
    first = _open_case(api, "jimu")
    second = _open_case(api, "jimu", main_name="恋ヶ窪 花子", main_kana="こいがくぼ はなこ")
    assert api.client.get(f"/cases/{first}", headers=api.login("korei")).status_code == 404

    by_case = _events(api, "kansa", caseId=first)
    assert by_case and {e["caseId"] for e in by_case} == {first}
    assert second not in {e["caseId"] for e in by_case}

    by_actor = _events(api, "kansa", actor=people["korei"])
    assert by_actor and {e["actorSub"] for e in by_actor} == {people["korei"]}

    by_action = _events(api, "kansa", action="case.create")
    assert sorted(e["caseId"] for e in by_action) == sorted([first, second])

    denied = _events(api, "kansa", outcome="denied")
    assert [(e["action"], e["caseId"], e["actorSub"]) for e in denied] == [
        ("case.read", first, people["korei"])
    ]

    accounts = _events(api, "kansa", resourceType="account")
    assert accounts and {e["resourceType"] for e in accounts} == {"account"}

    combined = _events(api, "kansa", caseId=first, action="case.read", outcome="success")
    assert combined and all(e["actorSub"] == people["jimu"] for e in combined)


def test_time_range_is_from_inclusive_to_exclusive_and_naive_times_are_japan_time(
    api: Api, people: dict[str, str]
) -> None:
    for _ in range(3):
        _open_case(api, "jimu")
    everything = _events(api, "kansa")
    pivot = everything[len(everything) // 2]
    at = datetime.fromisoformat(pivot["at"])

    since = _events(api, "kansa", **{"from": pivot["at"]})
    until = _events(api, "kansa", to=pivot["at"])

    assert pivot["id"] in {e["id"] for e in since}
    assert pivot["id"] not in {e["id"] for e in until}
    assert all(datetime.fromisoformat(e["at"]) >= at for e in since)
    assert all(datetime.fromisoformat(e["at"]) < at for e in until)
    assert {e["id"] for e in everything} <= {e["id"] for e in since} | {e["id"] for e in until}

    japan = at.astimezone(TOKYO).replace(tzinfo=None).isoformat()
    naive = _events(api, "kansa", **{"from": japan})
    earlier = {e["id"] for e in everything}  # later reads of the log add audit.list entries
    assert {e["id"] for e in naive} & earlier == {e["id"] for e in since} & earlier


def test_reversed_time_range_is_a_validation_error(module_api: Api, auditor: str) -> None:
    response = module_api.client.get(
        "/audit-events",
        params={"from": "2026-05-02T00:00:00Z", "to": "2026-05-01T00:00:00Z"},
        headers=module_api.login(auditor),
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "from"


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 201}, {"outcome": "maybe"}, {"caseId": 0}, {"from": "yesterday"}],
)
def test_bad_query_parameters_are_validation_errors(
    module_api: Api, auditor: str, params: dict[str, Any]
) -> None:
    response = module_api.client.get(
        "/audit-events", params=params, headers=module_api.login(auditor)
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_bad_cursor_is_a_bad_request(module_api: Api, auditor: str) -> None:
    response = module_api.client.get(
        "/audit-events", params={"cursor": "bm9wZQ"}, headers=module_api.login(auditor)
    )

    assert response.status_code == 400


def test_cursor_pagination_walks_every_entry_once_newest_first(
    api: Api, people: dict[str, str]
) -> None:
    case_id = _open_case(api, "jimu")
    for _ in range(6):
        assert api.client.get(f"/cases/{case_id}", headers=api.login("jimu")).status_code == 200
    expected = [e["id"] for e in _events(api, "kansa", caseId=case_id, action="case.read")]
    assert len(expected) == 7  # the read after intake, and six more

    seen: list[int] = []
    pages = 0
    params: dict[str, Any] = {"caseId": case_id, "action": "case.read", "limit": 3}
    while True:
        response = api.client.get("/audit-events", params=params, headers=api.login("kansa"))
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [e["id"] for e in body["items"]]
        pages += 1
        if body["nextCursor"] is None:
            break
        params["cursor"] = body["nextCursor"]

    assert pages == 3
    assert seen == expected
    assert seen == sorted(seen, reverse=True)


def test_pages_are_newest_first_by_time_then_id_under_every_filter(
    api: Api, people: dict[str, str]
) -> None:
    """Entries are listed by (at, id), newest first, whatever their ids say: an entry written
    last may carry an earlier time (another process's request), and a list's entries share one
    time. Pages of 2 cross the ties and hold every entry once, with a case, an actor or a
    period as the filter (each read from its own index on PostgreSQL)."""
    base = datetime(2026, 11, 2, 9, 0, tzinfo=TOKYO)
    minute = timedelta(minutes=1)
    times = [base + 3 * minute, base, base + 3 * minute, base + minute, base + 3 * minute]
    times += [base + 2 * minute, base - minute]
    with api.db.sessions() as session:
        session.execute(
            insert(AuditEvent),
            [
                {
                    "at": at,
                    "actor_sub": people["korei"],
                    "actor_roles": ["staff"],
                    "action": "case.read",
                    "resource_type": "case",
                    "resource_id": "777",
                    "case_id": 777,
                    "outcome": "success",
                    "detail": {},
                }
                for at in times
            ],
        )
        session.commit()
    rows = _rows(api, case_id=777)
    expected = [r.id for r in sorted(rows, key=lambda r: (r.at, r.id), reverse=True)]
    assert expected != sorted(expected, reverse=True)  # time and id disagree here
    period = {
        "from": (base - 2 * minute).isoformat(),
        "to": (base + 4 * minute).isoformat(),
        "action": "case.read",
    }
    for params in ({"caseId": 777}, {"actor": people["korei"]}, period):
        seen: list[int] = []
        query: dict[str, Any] = {**params, "limit": 2}
        while True:
            response = api.client.get("/audit-events", params=query, headers=api.login("kansa"))
            assert response.status_code == 200, response.text
            body = response.json()
            seen += [e["id"] for e in body["items"]]
            if body["nextCursor"] is None:
                break
            query["cursor"] = body["nextCursor"]
        assert seen == expected, params


def _plan_indexes(api: Api, statement: str, parameters: dict[str, Any]) -> set[str]:
    """The indexes the database's plan for the statement reads. On PostgreSQL the plan is the
    generic one, made without the parameters' values, as a statement prepared by the driver
    and run many times may get: a partial index must be usable whatever the values. Which
    index wins depends on the table's size; on this small one the walk down the index on
    ``at`` would, so it is dropped for the plan (in a transaction rolled back)."""
    with api.db.engine.connect() as conn:
        if api.backend == "sqlite":
            steps = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return {word for *_, what in steps for word in what.split() if word.startswith("ix_")}
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        prepared = re.sub(r"%\((\w+)\)s", number, statement)  # "%%" stays: the driver reads it
        with conn.begin() as transaction:
            conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
            conn.exec_driver_sql("DROP INDEX ix_audit_events_at")
            conn.exec_driver_sql(f"PREPARE audit_page AS {prepared}")
            raw = conn.connection.driver_connection
            values = ", ".join(Literal(parameters[name]).as_string(raw) for name in names)
            (plan,) = conn.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) EXECUTE audit_page({values})".replace("%", "%%")
            ).one()
            transaction.rollback()
        return {node["Index Name"] for node in plan_nodes(plan[0]["Plan"]) if "Index Name" in node}


@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({"action": "login"}, "ix_audit_events_action"),
        ({"action": "case.read"}, None),
        ({"outcome": "denied"}, "ix_audit_events_unsuccessful"),
        ({"resourceType": "account"}, "ix_audit_events_resource_type"),
        ({"resourceType": "case"}, None),
    ],
    ids=["login", "case.read", "denied", "account", "case"],
)
def test_rare_entries_are_found_from_their_own_index(
    api: Api, people: dict[str, str], params: dict[str, str], index: str | None
) -> None:
    """Successful reads are nearly all of the log; log-ins, writes and exports (by action),
    refusals (by outcome) and entries about anything but a case (by resource type) are found
    from partial indexes that those reads do not enter, not by reading the whole log. The
    statement says so in the index's own words, so that the plan holds for any parameters."""
    start = datetime(2026, 1, 5, 9, 0, tzinfo=TOKYO)
    reads: list[dict[str, Any]] = [
        {
            "at": start + timedelta(seconds=i),
            "actor_sub": people["korei"],
            "actor_roles": ["staff"],
            "action": "case.list" if i % 3 else "case.read",
            "resource_type": "case",
            "case_id": i % 500 + 1,
            "outcome": "denied" if i % 5_000 == 0 else "success",
            "detail": {},
        }
        for i in range(20_000)
    ]
    with api.db.sessions() as session:
        session.execute(insert(AuditEvent), reads)
        session.commit()
    api.login("korei")  # two log-ins and four refusals among 20,000 reads
    headers = api.login("kansa")
    with api.db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE audit_events")
        conn.commit()
    with statements_run(api.db.engine) as seen:
        response = api.client.get("/audit-events", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items and all(e[key] == value for e in items for key, value in params.items()), items
    (statement, parameters), *_ = [
        s for s in seen if s[0].lstrip().startswith("SELECT") and "FROM audit_events" in s[0]
    ]
    used = _plan_indexes(api, statement, parameters)
    if index is None:
        partial = {
            "ix_audit_events_action",
            "ix_audit_events_unsuccessful",
            "ix_audit_events_resource_type",
        }
        assert not used & partial, used
    else:
        assert index in used, (used, statement)


@pytest.mark.parametrize(
    "raw",
    [
        "id:12",
        "event:2026-11-02T09:00:00/x",
        "event:2026-11-02T09:00:00+00:00",
        "event:yesterday/3",
        "event:2026-11-02T09:00:00/3",
    ],  # the last without its offset
)
def test_a_cursor_that_names_no_entry_is_a_bad_request(
    module_api: Api, auditor: str, raw: str
) -> None:
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    response = module_api.client.get(
        "/audit-events", params={"cursor": cursor}, headers=module_api.login(auditor)
    )
    assert response.status_code == 400, response.text
    assert "最初のページから" in response.json()["detail"]


# ---------------------------------------------------------------- what is recorded


def test_reading_the_audit_log_is_recorded_once_per_request(
    api: Api, people: dict[str, str]
) -> None:
    case_id = _open_case(api, "jimu")
    before = len(_rows(api, action="audit.list"))

    listed = _events(api, "kansa", caseId=case_id)

    assert len(listed) > 1
    entries = _rows(api, action="audit.list")[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor_sub == people["kansa"]
    assert entry.case_id == case_id
    assert entry.outcome == "success"
    assert entry.detail == {"filters": {"case_id": case_id}, "count": len(listed)}


def test_case_list_records_one_entry_per_case_in_the_result(
    api: Api, people: dict[str, str]
) -> None:
    ids = {_open_case(api, "jimu", main_name=f"国分 {n}郎") for n in "一二三"}

    response = api.client.get("/cases", headers=api.login("jimu"))

    assert response.status_code == 200
    assert {c["id"] for c in response.json()["items"]} == ids
    entries = _rows(api, action="case.list")
    assert len(entries) == 3
    assert {e.case_id for e in entries} == ids
    assert {e.actor_sub for e in entries} == {people["jimu"]}
    assert len({e.request_id for e in entries}) == 1
    # One statement on PostgreSQL, rows one by one on SQLite: the entries are the same.
    assert {e.resource_id for e in entries} == {str(i) for i in ids}
    assert {(e.resource_type, e.outcome, e.actor_kind) for e in entries} == {
        ("case", "success", "user")
    }
    assert {(e.actor_org, tuple(e.actor_roles)) for e in entries} == {("kyosei", ("secretariat",))}
    assert all(e.detail == {} and e.purpose is None and e.at is not None for e in entries)


def test_refused_case_read_is_recorded_as_denied(api: Api, people: dict[str, str]) -> None:
    case_id = _open_case(api, "jimu")

    response = api.client.get(f"/cases/{case_id}", headers=api.login("korei"))

    assert response.status_code == 404
    denied = _rows(api, actor_sub=people["korei"], outcome="denied")
    assert [(r.action, r.case_id, r.resource_id) for r in denied] == [
        ("case.read", case_id, str(case_id))
    ]
    assert denied[0].actor_org == "koreifukushi"
    assert [e["id"] for e in _events(api, "kansa", outcome="denied")] == [denied[0].id]


def test_read_of_a_missing_case_is_recorded_as_denied(api: Api, people: dict[str, str]) -> None:
    response = api.client.get("/cases/999999", headers=api.login("korei"))

    assert response.status_code == 404
    denied = _rows(api, actor_sub=people["korei"], outcome="denied")
    assert [(r.action, r.resource_id, r.case_id) for r in denied] == [("case.read", "999999", None)]


# ---------------------------------------------------------------- append-only


def _some_entries(api: Api) -> int:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    _open_case(api, "jimu")
    with api.db.sessions() as session:
        count = session.scalar(select(func.count()).select_from(AuditEvent))
    assert count
    return count


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET outcome = 'success', detail = '{}'",
        "UPDATE audit_events SET actor_sub = NULL WHERE id = (SELECT MIN(id) FROM audit_events)",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE id = (SELECT MAX(id) FROM audit_events)",
    ],
)
def test_database_refuses_to_update_or_delete_audit_entries(api: Api, statement: str) -> None:
    count = _some_entries(api)
    before = [(r.id, r.actor_sub, r.outcome) for r in _rows(api)]

    with api.db.engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(statement))
        conn.rollback()

    after = [(r.id, r.actor_sub, r.outcome) for r in _rows(api)]
    assert len(after) == count
    assert after == before


def test_emptying_the_whole_audit_log_at_once_is_refused(api: Api) -> None:
    """PostgreSQL's TRUNCATE skips row triggers; SQLite empties a table with an unqualified
    DELETE (its truncate optimisation). Both must be refused."""
    count = _some_entries(api)
    statement = (
        "TRUNCATE audit_events" if api.backend == "postgresql" else "DELETE FROM audit_events"
    )

    with api.db.engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(statement))
        conn.rollback()

    assert len(_rows(api)) == count


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
@pytest.mark.parametrize("path", ["/audit-events", "/audit-events/1"])
def test_no_route_changes_or_deletes_audit_entries(
    api: Api, people: dict[str, str], method: str, path: str
) -> None:
    _open_case(api, "jimu")
    count = len(_rows(api))

    response = api.client.request(method, path, json={}, headers=api.login("kansa"))

    assert response.status_code in (404, 405)
    assert len(_rows(api)) == count + 1  # the auditor's log-in, nothing removed or changed


def test_the_audit_log_has_only_a_read_operation(api: Api) -> None:
    routes = [r for r in audit_routes.router.routes if isinstance(r, APIRoute)]
    assert [(r.path, r.methods, r.name) for r in routes] == [
        ("/audit-events", {"GET"}, "list_audit_events")
    ]
    operations = {
        (path, method)
        for path, item in api.app.openapi()["paths"].items()
        if path.startswith("/audit-events")
        for method in item
    }
    assert operations == {("/audit-events", "get")}
    get = api.app.openapi()["paths"]["/audit-events"]["get"]
    assert get["operationId"] == "listAuditEvents"
    assert get["tags"] == ["audit"]
    assert {"400", "401", "403", "422"} <= set(get["responses"])
