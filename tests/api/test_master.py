"""Master data: everyone with ``master:read`` reads it, only admins change it, every change is
audited, codes and names stay unique and references must exist."""

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from api.models import AuditEvent
from conftest import Api
from domain.access import Role

Headers = dict[str, str]


@pytest.fixture(scope="module")
def who(module_api: Api) -> dict[str, Headers]:
    """Bearer headers of one principal per kind, made once for the module's shared database."""
    api = module_api
    api.user("m.admin", "it_admin", Role.ADMIN)
    api.user("m.staff", "koreifukushi", Role.STAFF)
    api.user("m.secretariat", "kyosei", Role.SECRETARIAT)
    api.user("m.auditor", "it_admin", Role.AUDITOR)
    api.user("m.coordinator", "shakyo_east", Role.COORDINATOR, area="east")
    client_id, secret = api.api_client("m.client", "hokatsu_1")
    return {
        "admin": api.login("m.admin"),
        "staff": api.login("m.staff"),
        "secretariat": api.login("m.secretariat"),
        "auditor": api.login("m.auditor"),
        "coordinator": api.login("m.coordinator"),
        "agency_client": api.client_login(client_id, secret),
    }


def _admin(api: Api) -> Headers:
    api.user("admin", "it_admin", Role.ADMIN)
    return api.login("admin")


def _audit(api: Api, action: str) -> list[AuditEvent]:
    with api.db.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


TOWN = {"code": "shin_honcho", "name": "新本町", "kana": "しんほんちょう", "area": "east"}
UNIT = {"code": "kokuho", "kind": "unit", "name": "保険年金課", "kana": "ほけんねんきんか", "department": "health"}
AGENCY = {
    "code": "hokatsu_7",
    "kind": "agency",
    "name": "地域包括支援センター第7",
    "kana": "ちいきほうかつしえんせんたーだいなな",
    "field": "elderly",
}
PARTNER = {"code": "bakery_honcho", "kind": "partner", "name": "ベーカリー本町", "kana": "べーかりーほんちょう"}
CATEGORY = {"code": "gambling", "name": "ギャンブル依存", "nameEn": "Gambling addiction"}

WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/towns", TOWN),
    ("PATCH", "/towns/honcho", {"active": False}),
    ("POST", "/organizations", UNIT),
    ("PATCH", "/organizations/koreifukushi", {"name": "高齢者福祉課"}),
    ("POST", "/issue-categories", CATEGORY),
    ("PATCH", "/issue-categories/debt", {"sortOrder": 99}),
]

READS = [
    "/departments",
    "/agency-fields",
    "/areas",
    "/support-functions",
    "/code-lists/intake_route",
    "/code-lists/contact_means",
    "/towns",
    "/organizations",
    "/organizations/koreifukushi",
    "/issue-categories",
]


# ---------------------------------------------------------------- reads


@pytest.mark.parametrize(
    "principal", ["admin", "staff", "secretariat", "auditor", "coordinator", "agency_client"]
)
def test_master_reads_list_the_19_towns_9_east_and_10_west_for_every_principal(
    module_api: Api, who: dict[str, Headers], principal: str
) -> None:
    response = module_api.client.get("/towns", headers=who[principal])
    assert response.status_code == 200, response.text
    towns = response.json()
    assert len(towns) == 19
    assert Counter(t["area"] for t in towns) == {"east": 9, "west": 10}
    assert all(t["active"] for t in towns)
    assert {"code": "honcho", "name": "本町", "kana": "ほんちょう", "area": "east", "active": True} in towns


@pytest.mark.parametrize("path", READS)
def test_every_master_read_is_open_to_master_read_principals(
    module_api: Api, who: dict[str, Headers], path: str
) -> None:
    for principal in ("staff", "auditor", "agency_client"):
        response = module_api.client.get(path, headers=who[principal])
        assert response.status_code == 200, (principal, response.text)


@pytest.mark.parametrize("path", READS)
def test_master_reads_need_a_token(module_api: Api, path: str) -> None:
    response = module_api.client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_towns_filter_by_area(module_api: Api, who: dict[str, Headers]) -> None:
    west = module_api.client.get("/towns", params={"area": "west"}, headers=who["staff"]).json()
    assert len(west) == 10 and {t["area"] for t in west} == {"west"}
    east = module_api.client.get("/towns", params={"area": "east"}, headers=who["staff"]).json()
    assert len(east) == 9
    assert module_api.client.get("/towns", params={"area": "north"}, headers=who["staff"]).json() == []


def test_departments_fields_areas_and_functions_are_listed_in_order(
    module_api: Api, who: dict[str, Headers]
) -> None:
    get = module_api.client.get
    headers = who["staff"]
    departments = get("/departments", headers=headers).json()
    assert [d["code"] for d in departments][:4] == ["health", "welfare", "children_family", "education"]
    assert departments[0] == {"code": "health", "name": "健康部", "nameEn": "Health Department", "sortOrder": 1}
    fields = get("/agency-fields", headers=headers).json()
    assert [f["sortOrder"] for f in fields] == sorted(f["sortOrder"] for f in fields)
    assert {f["code"] for f in fields} >= {"elderly", "child", "poverty"}
    areas = get("/areas", headers=headers).json()
    assert [(a["code"], a["name"]) for a in areas] == [("east", "東部"), ("west", "西部")]
    functions = get("/support-functions", headers=headers).json()
    assert len(functions) == 6
    assert functions[0]["articleItem"] == "第1号" and functions[0]["code"] == "consultation"
    assert all(isinstance(f["leadUnits"], list) for f in functions)


def test_code_lists_are_listed_and_unknown_lists_are_404(
    module_api: Api, who: dict[str, Headers]
) -> None:
    headers = who["staff"]
    for name in ("intake_route", "contact_means"):
        labels = module_api.client.get(f"/code-lists/{name}", headers=headers).json()
        assert labels and [label["sortOrder"] for label in labels] == sorted(
            label["sortOrder"] for label in labels
        )
    assert any(label["code"] == "window" for label in module_api.client.get(
        "/code-lists/intake_route", headers=headers
    ).json())
    missing = module_api.client.get("/code-lists/towns", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:tsunagu:problem:not-found"


def test_organizations_filter_by_kind_department_field_and_active(
    module_api: Api, who: dict[str, Headers]
) -> None:
    def codes(**params: str) -> list[str]:
        response = module_api.client.get("/organizations", params=params, headers=who["staff"])
        assert response.status_code == 200, response.text
        return [o["code"] for o in response.json()]

    everything = codes()
    agencies = codes(kind="agency")
    units = codes(kind="unit")
    assert set(agencies) | set(units) == set(everything) and not set(agencies) & set(units)
    assert "hokatsu_1" in agencies and "koreifukushi" in units
    assert set(codes(department="welfare")) == {
        "koreifukushi",
        "chiiki_hokatsu_care",
        "shogaifukushi",
        "seikatsufukushi",
    }
    assert set(codes(field="elderly")) >= {f"hokatsu_{n}" for n in range(1, 7)}
    assert set(codes(field="elderly")) <= set(agencies)
    assert codes(active="false") == []
    assert codes(active="true") == everything
    assert codes(kind="agency", field="child", department="agency") == codes(field="child")
    bad = module_api.client.get("/organizations", params={"kind": "team"}, headers=who["staff"])
    assert bad.status_code == 422


def test_organizations_come_by_department_then_field(module_api: Api, who: dict[str, Headers]) -> None:
    orgs = module_api.client.get("/organizations", headers=who["staff"]).json()
    assert orgs[0]["department"] == "health"
    assert orgs[-1]["kind"] == "agency"
    first_agency = next(i for i, o in enumerate(orgs) if o["kind"] == "agency")
    assert all(o["kind"] == "agency" for o in orgs[first_agency:])


def test_get_organization_returns_one_and_404_for_an_unknown_code(
    module_api: Api, who: dict[str, Headers]
) -> None:
    org = module_api.client.get("/organizations/hokatsu_1", headers=who["agency_client"])
    assert org.status_code == 200
    assert org.json() == {
        "code": "hokatsu_1",
        "kind": "agency",
        "name": "国分寺市地域包括支援センター第1",
        "kana": "こくぶんじしちいきほうかつしえんせんたーだいいち",
        "department": "agency",
        "departmentName": "支援関係機関",
        "field": "elderly",
        "active": True,
    }
    assert module_api.client.get("/organizations/nowhere", headers=who["staff"]).status_code == 404


def test_issue_categories_come_in_sort_order(module_api: Api, who: dict[str, Headers]) -> None:
    categories = module_api.client.get("/issue-categories", headers=who["staff"]).json()
    orders = [c["sortOrder"] for c in categories]
    assert orders == sorted(orders)
    assert categories[0]["code"] == "illness" and categories[0]["national"] is True
    assert any(c["code"] == "c8050" and c["national"] is False for c in categories)


# ---------------------------------------------------------------- who may write


@pytest.mark.parametrize("principal", ["staff", "secretariat", "auditor", "coordinator", "agency_client"])
@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_non_admins_get_403_on_every_master_write(
    module_api: Api,
    who: dict[str, Headers],
    principal: str,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    response = module_api.client.request(method, path, json=body, headers=who[principal])
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "urn:tsunagu:problem:forbidden"


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_master_writes_without_a_token_are_401(
    module_api: Api, method: str, path: str, body: dict[str, Any]
) -> None:
    response = module_api.client.request(method, path, json=body)
    assert response.status_code == 401
    assert "Bearer" in response.headers["www-authenticate"]


def test_refused_master_writes_change_nothing(module_api: Api, who: dict[str, Headers]) -> None:
    module_api.client.patch("/towns/honcho", json={"active": False}, headers=who["staff"])
    towns = module_api.client.get("/towns", headers=who["staff"]).json()
    assert next(t for t in towns if t["code"] == "honcho")["active"] is True


# ---------------------------------------------------------------- towns


def test_admin_creates_and_updates_a_town(api: Api) -> None:
    admin = _admin(api)
    created = api.client.post("/towns", json=TOWN, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json() == {**TOWN, "active": True}
    updated = api.client.patch(
        "/towns/shin_honcho", json={"area": "west", "name": "新本町一丁目", "active": False}, headers=admin
    )
    assert updated.status_code == 200, updated.text
    assert updated.json() == {
        "code": "shin_honcho",
        "name": "新本町一丁目",
        "kana": "しんほんちょう",
        "area": "west",
        "active": False,
    }
    west = api.client.get("/towns", params={"area": "west"}, headers=admin).json()
    assert len(west) == 11
    active = api.client.get("/towns", params={"active": "true"}, headers=admin).json()
    assert len(active) == 19


def test_a_town_in_an_unknown_area_is_422_on_area(api: Api) -> None:
    admin = _admin(api)
    response = api.client.post("/towns", json={**TOWN, "area": "north"}, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "area"
    assert response.json()["errors"][0]["code"] == "unknown_code"
    moved = api.client.patch("/towns/honcho", json={"area": "north"}, headers=admin)
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "area"


def test_a_duplicate_town_code_or_name_is_409(api: Api) -> None:
    admin = _admin(api)
    same_code = api.client.post("/towns", json={**TOWN, "code": "honcho"}, headers=admin)
    assert same_code.status_code == 409
    assert same_code.json()["type"] == "urn:tsunagu:problem:conflict"
    same_name = api.client.post("/towns", json={**TOWN, "name": "本町"}, headers=admin)
    assert same_name.status_code == 409
    renamed = api.client.patch("/towns/honda", json={"name": "本町"}, headers=admin)
    assert renamed.status_code == 409
    unchanged = api.client.patch("/towns/honcho", json={"name": "本町"}, headers=admin)
    assert unchanged.status_code == 200


def test_updating_an_unknown_town_is_404(api: Api) -> None:
    admin = _admin(api)
    assert api.client.patch("/towns/atlantis", json={"active": False}, headers=admin).status_code == 404


# ---------------------------------------------------------------- organizations


def test_admin_creates_a_unit_and_an_agency(api: Api) -> None:
    admin = _admin(api)
    unit = api.client.post("/organizations", json=UNIT, headers=admin)
    assert unit.status_code == 201, unit.text
    assert unit.headers["location"] == "/organizations/kokuho"
    assert unit.json()["department"] == "health" and unit.json()["field"] is None
    agency = api.client.post("/organizations", json=AGENCY, headers=admin)
    assert agency.status_code == 201, agency.text
    assert agency.json()["department"] == "agency" and agency.json()["field"] == "elderly"
    explicit = api.client.post(
        "/organizations",
        json={**AGENCY, "code": "hokatsu_8", "name": "第8", "department": "agency"},
        headers=admin,
    )
    assert explicit.status_code == 201
    assert api.client.get("/organizations/hokatsu_7", headers=admin).json()["kind"] == "agency"
    # A new unit can have users at once; a new agency can have API clients.
    assert api.client.post(
        "/users",
        json={
            "username": "kokuho.staff",
            "displayName": "保険 太郎",
            "password": "a-long-enough-password",
            "org": "kokuho",
            "roles": ["staff"],
        },
        headers=admin,
    ).status_code == 201
    assert api.client.post(
        "/api-clients", json={"name": "第7", "org": "hokatsu_7"}, headers=admin
    ).status_code == 201


def test_admin_creates_lists_renames_and_deactivates_a_partner_business(api: Api) -> None:
    """協力事業所 (kind partner): no department or field of its own choosing, listed by kind."""
    admin = _admin(api)
    created = api.client.post("/organizations", json=PARTNER, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/organizations/bakery_honcho"
    assert created.json() == {
        "code": "bakery_honcho",
        "kind": "partner",
        "name": "ベーカリー本町",
        "kana": "べーかりーほんちょう",
        "department": "partner",
        "departmentName": "参加支援協力事業所",
        "field": None,
        "active": True,
    }
    explicit = api.client.post(
        "/organizations",
        json={**PARTNER, "code": "farm", "name": "ひがしとくら農園", "department": "partner"},
        headers=admin,
    )
    assert explicit.status_code == 201, explicit.text
    listed = api.client.get("/organizations", params={"kind": "partner"}, headers=admin).json()
    assert [o["code"] for o in listed] == ["bakery_honcho", "farm"]
    everything = api.client.get("/organizations", headers=admin).json()
    assert everything[-2:] == listed  # after the agencies (department order)
    renamed = api.client.patch(
        "/organizations/bakery_honcho",
        json={"name": "ベーカリー本町（移転）", "active": False},
        headers=admin,
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["active"]) == ("ベーカリー本町（移転）", False)
    field = api.client.patch("/organizations/farm", json={"field": "other"}, headers=admin)
    assert field.status_code == 422 and field.json()["errors"][0]["code"] == "field_not_allowed"
    events = _audit(api, "master.create")
    assert [e.detail for e in events if e.resource_id == "farm"] == [{"kind": "partner"}]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({**PARTNER, "field": "other"}, "field", "field_not_allowed"),
        ({**PARTNER, "department": "welfare"}, "department", "partner_department"),
        ({**PARTNER, "department": "agency"}, "department", "partner_department"),
        ({**UNIT, "department": "partner"}, "department", "partner_department"),
        ({**AGENCY, "field": None}, "field", "field_required"),
        ({k: v for k, v in AGENCY.items() if k != "field"}, "field", "field_required"),
        ({**AGENCY, "department": "health"}, "department", "agency_department"),
        ({**UNIT, "field": "elderly"}, "field", "field_not_allowed"),
        ({k: v for k, v in UNIT.items() if k != "department"}, "department", "missing"),
        ({**UNIT, "department": "agency"}, "department", "agency_department"),
        ({**UNIT, "department": "finance"}, "department", "unknown_code"),
        ({**AGENCY, "field": "sports"}, "field", "unknown_code"),
    ],
)
def test_organization_kind_department_and_field_must_agree(
    api: Api, body: dict[str, Any], field: str, code: str
) -> None:
    admin = _admin(api)
    response = api.client.post("/organizations", json=body, headers=admin)
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == (field, code)
    assert error["message"]


def test_a_duplicate_organization_code_or_name_is_409(api: Api) -> None:
    admin = _admin(api)
    assert api.client.post("/organizations", json={**UNIT, "code": "kyosei"}, headers=admin).status_code == 409
    assert api.client.post(
        "/organizations", json={**UNIT, "name": "地域共生推進課"}, headers=admin
    ).status_code == 409
    assert api.client.patch(
        "/organizations/gakumu", json={"name": "地域共生推進課"}, headers=admin
    ).status_code == 409


def test_admin_updates_an_organization(api: Api) -> None:
    admin = _admin(api)
    response = api.client.patch(
        "/organizations/hokatsu_6",
        json={"name": "地域包括支援センター第6（移転）", "kana": "だいろく", "field": "other", "active": False},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["kana"], body["field"], body["active"]) == (
        "地域包括支援センター第6（移転）",
        "だいろく",
        "other",
        False,
    )
    inactive = api.client.get("/organizations", params={"active": "false"}, headers=admin).json()
    assert [o["code"] for o in inactive] == ["hokatsu_6"]


def test_organization_update_rules(api: Api) -> None:
    admin = _admin(api)
    unit_field = api.client.patch("/organizations/gakumu", json={"field": "child"}, headers=admin)
    assert unit_field.status_code == 422 and unit_field.json()["errors"][0]["field"] == "field"
    unknown_field = api.client.patch("/organizations/hokatsu_1", json={"field": "sports"}, headers=admin)
    assert unknown_field.status_code == 422 and unknown_field.json()["errors"][0]["code"] == "unknown_code"
    kind_change = api.client.patch("/organizations/hokatsu_1", json={"kind": "unit"}, headers=admin)
    assert kind_change.status_code == 422
    assert kind_change.json()["errors"][0]["code"] == "extra_forbidden"
    null_name = api.client.patch("/organizations/hokatsu_1", json={"name": None}, headers=admin)
    assert null_name.status_code == 422 and null_name.json()["errors"][0]["field"] == "name"
    missing = api.client.patch("/organizations/nowhere", json={"active": False}, headers=admin)
    assert missing.status_code == 404


# ---------------------------------------------------------------- issue categories


def test_admin_creates_and_updates_an_issue_category(api: Api) -> None:
    admin = _admin(api)
    created = api.client.post("/issue-categories", json=CATEGORY, headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["national"] is False and body["active"] is True
    listed = api.client.get("/issue-categories", headers=admin).json()
    assert listed[-1]["code"] == "gambling", "without sortOrder a new category goes last"
    assert body["sortOrder"] > max(c["sortOrder"] for c in listed[:-1])
    updated = api.client.patch(
        "/issue-categories/gambling",
        json={"name": "ギャンブル等依存", "nameEn": "Gambling", "sortOrder": 0, "active": False},
        headers=admin,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json() == {
        "code": "gambling",
        "name": "ギャンブル等依存",
        "nameEn": "Gambling",
        "national": False,
        "sortOrder": 0,
        "active": False,
    }
    active = api.client.get("/issue-categories", params={"active": "true"}, headers=admin).json()
    assert "gambling" not in {c["code"] for c in active}
    inactive = api.client.get("/issue-categories", params={"active": "false"}, headers=admin).json()
    assert [c["code"] for c in inactive] == ["gambling"]


def test_a_duplicate_issue_category_is_409(api: Api) -> None:
    admin = _admin(api)
    assert api.client.post(
        "/issue-categories", json={**CATEGORY, "code": "debt"}, headers=admin
    ).status_code == 409
    assert api.client.post(
        "/issue-categories", json={**CATEGORY, "name": "債務"}, headers=admin
    ).status_code == 409
    assert api.client.patch(
        "/issue-categories/illness", json={"name": "けが"}, headers=admin
    ).status_code == 409
    assert api.client.patch(
        "/issue-categories/none_such", json={"active": False}, headers=admin
    ).status_code == 404


# ---------------------------------------------------------------- validation and audit


@pytest.mark.parametrize(
    ("path", "body", "field", "code"),
    [
        ("/towns", {**TOWN, "population": 3000}, "population", "extra_forbidden"),
        ("/towns", {**TOWN, "code": "Shin-Honcho"}, "code", "string_pattern_mismatch"),
        ("/towns", {**TOWN, "code": "a" * 61}, "code", "string_too_long"),
        ("/towns", {k: v for k, v in TOWN.items() if k != "kana"}, "kana", "missing"),
        ("/organizations", {**UNIT, "kind": "team"}, "kind", "literal_error"),
        ("/organizations", {**UNIT, "name": "保険\x00年金課"}, "name", "value_error"),
        ("/issue-categories", {**CATEGORY, "sortOrder": -1}, "sortOrder", "greater_than_equal"),
        ("/issue-categories", {**CATEGORY, "national": "maybe"}, "national", "bool_parsing"),
    ],
)
def test_invalid_master_bodies_are_422_with_field_errors(
    api: Api, path: str, body: dict[str, Any], field: str, code: str
) -> None:
    admin = _admin(api)
    response = api.client.post(path, json=body, headers=admin)
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == (field, code)
    assert error["message"] and error["message"].isascii() is False, "messages are Japanese"


def test_master_patch_refuses_null_and_unknown_fields(api: Api) -> None:
    admin = _admin(api)
    assert api.client.patch("/towns/honcho", json={"active": None}, headers=admin).status_code == 422
    assert api.client.patch("/towns/honcho", json={"code": "x"}, headers=admin).status_code == 422
    assert api.client.patch("/issue-categories/debt", json={"national": False}, headers=admin).status_code == 422


def test_master_writes_are_audited(api: Api) -> None:
    admin = _admin(api)
    assert api.client.post("/towns", json=TOWN, headers=admin).status_code == 201
    assert api.client.patch("/towns/honcho", json={"kana": "ほんちょう"}, headers=admin).status_code == 200
    assert api.client.post("/organizations", json=AGENCY, headers=admin).status_code == 201
    assert api.client.patch("/organizations/gakumu", json={"active": False}, headers=admin).status_code == 200
    assert api.client.post("/issue-categories", json=CATEGORY, headers=admin).status_code == 201
    assert api.client.patch("/issue-categories/debt", json={"sortOrder": 99}, headers=admin).status_code == 200
    created = {(e.resource_type, e.resource_id) for e in _audit(api, "master.create")}
    assert created == {("town", "shin_honcho"), ("organization", "hokatsu_7"), ("issue_category", "gambling")}
    updates = _audit(api, "master.update")
    assert [(e.resource_type, e.resource_id, e.detail["fields"]) for e in updates] == [
        ("town", "honcho", ["kana"]),
        ("organization", "gakumu", ["active"]),
        ("issue_category", "debt", ["sort_order"]),
    ]
    assert {e.outcome for e in updates} == {"success"}
    assert {e.actor_org for e in updates} == {"it_admin"}
    assert all(e.actor_roles == ["admin"] for e in updates)


def test_failed_master_writes_leave_no_success_entry(api: Api) -> None:
    admin = _admin(api)
    assert api.client.post("/towns", json={**TOWN, "code": "honcho"}, headers=admin).status_code == 409
    assert _audit(api, "master.create") == []
