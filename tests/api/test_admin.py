"""Administration of users and API clients: admins only, separation of duties, tokens that stop
working at once, secrets shown once, every change audited (never a password)."""

from typing import Any

import pytest
from sqlalchemy import select

from api.models import AuditEvent, User
from conftest import TEST_PASSWORD, Api
from domain.access import AGENCY_CLIENT_SCOPES, Role

Headers = dict[str, str]

NEW_PASSWORD = "a-new-password-for-you"


def new_user(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "username": "koreifukushi.suzuki",
        "displayName": "鈴木 一郎",
        "email": "suzuki@city.example.jp",
        "password": "change-me-at-once-please",
        "org": "koreifukushi",
        "roles": ["staff"],
    }
    body.update(overrides)
    return body


@pytest.fixture(scope="module")
def who(module_api: Api) -> dict[str, Headers]:
    """Bearer headers of one principal per kind, made once for the module's shared database."""
    api = module_api
    api.user("a.admin", "it_admin", Role.ADMIN)
    api.user("a.staff", "koreifukushi", Role.STAFF)
    api.user("a.secretariat", "kyosei", Role.SECRETARIAT)
    api.user("a.auditor", "it_admin", Role.AUDITOR)
    api.user("a.director", "kenko_suishin", Role.DIRECTOR)
    client_id, secret = api.api_client("a.client", "hokatsu_1")
    return {
        "admin": api.login("a.admin"),
        "staff": api.login("a.staff"),
        "secretariat": api.login("a.secretariat"),
        "auditor": api.login("a.auditor"),
        "director": api.login("a.director"),
        "agency_client": api.client_login(client_id, secret),
    }


def _admin(api: Api) -> tuple[str, Headers]:
    admin_id = api.user("admin", "it_admin", Role.ADMIN)
    return admin_id, api.login("admin")


def _tokens(api: Api, username: str, password: str = TEST_PASSWORD) -> tuple[Headers, str]:
    response = api.client.post(
        "/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return {"Authorization": f"Bearer {body['access_token']}"}, body["refresh_token"]


def _refresh(api: Api, refresh_token: str) -> int:
    response = api.client.post(
        "/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )
    return response.status_code


def _audit(api: Api, action: str) -> list[AuditEvent]:
    with api.db.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


ADMIN_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/users", None),
    ("GET", "/users/00000000-0000-0000-0000-000000000000", None),
    ("POST", "/users", new_user()),
    ("PATCH", "/users/00000000-0000-0000-0000-000000000000", {"active": False}),
    ("GET", "/api-clients", None),
    ("POST", "/api-clients", {"name": "x", "org": "hokatsu_1"}),
    ("PATCH", "/api-clients/agc_0000000000000000", {"active": False}),
]


# ---------------------------------------------------------------- who may administer


@pytest.mark.parametrize(
    "principal", ["staff", "secretariat", "auditor", "director", "agency_client"]
)
@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_non_admins_get_403_on_every_admin_read_and_write(
    module_api: Api,
    who: dict[str, Headers],
    principal: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    response = module_api.client.request(method, path, json=body, headers=who[principal])
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "urn:tsunagu:problem:forbidden"
    assert "insufficient_scope" in response.headers["www-authenticate"]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_admin_endpoints_without_a_token_are_401(
    module_api: Api, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = module_api.client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_garbage_token_is_401(module_api: Api) -> None:
    response = module_api.client.get("/users", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401


def test_admins_have_no_case_access(module_api: Api, who: dict[str, Headers]) -> None:
    assert module_api.client.get("/cases", headers=who["admin"]).status_code == 403


def test_refused_admin_calls_create_nothing(module_api: Api, who: dict[str, Headers]) -> None:
    module_api.client.post("/users", json=new_user(username="sneaky"), headers=who["secretariat"])
    listed = module_api.client.get("/users", params={"q": "sneaky"}, headers=who["admin"]).json()
    assert listed["items"] == []


# ---------------------------------------------------------------- users


def test_admin_creates_reads_lists_and_updates_a_user(api: Api) -> None:
    _, admin = _admin(api)
    created = api.client.post("/users", json=new_user(username="Koreifukushi.Suzuki"), headers=admin)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["username"] == "koreifukushi.suzuki", "user names are stored in lower case"
    assert user["displayName"] == "鈴木 一郎"
    assert user["email"] == "suzuki@city.example.jp"
    assert (user["org"], user["orgName"], user["roles"], user["area"], user["active"]) == (
        "koreifukushi",
        "高齢福祉課",
        ["staff"],
        None,
        True,
    )
    assert created.headers["location"] == f"/users/{user['id']}"
    assert api.client.get(f"/users/{user['id']}", headers=admin).json() == user
    listed = api.client.get("/users", params={"org": "koreifukushi"}, headers=admin).json()
    assert [u["id"] for u in listed["items"]] == [user["id"]]

    # The new account can log in with the password the admin set, and do case work.
    staff, _ = _tokens(api, "koreifukushi.suzuki", "change-me-at-once-please")
    assert api.client.get("/cases", headers=staff).status_code == 200

    updated = api.client.patch(
        f"/users/{user['id']}",
        json={"displayName": "鈴木 一朗", "email": None, "roles": ["chief"]},
        headers=admin,
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["displayName"], body["email"], body["roles"]) == ("鈴木 一朗", None, ["chief"])
    assert body["updatedAt"] >= user["updatedAt"]


def test_user_responses_never_hold_a_password_or_hash(api: Api) -> None:
    _, admin = _admin(api)
    created = api.client.post("/users", json=new_user(), headers=admin)
    user_id = created.json()["id"]
    responses = [
        created,
        api.client.get(f"/users/{user_id}", headers=admin),
        api.client.get("/users", headers=admin),
        api.client.patch(f"/users/{user_id}", json={"password": NEW_PASSWORD}, headers=admin),
    ]
    for response in responses:
        assert response.status_code in (200, 201)
        text = response.text.lower()
        assert "password" not in text and "hash" not in text and "argon" not in text
        assert NEW_PASSWORD not in response.text


def test_unknown_user_is_404(api: Api) -> None:
    _, admin = _admin(api)
    missing = "00000000-0000-0000-0000-000000000000"
    assert api.client.get(f"/users/{missing}", headers=admin).status_code == 404
    assert api.client.patch(f"/users/{missing}", json={"active": False}, headers=admin).status_code == 404


def test_a_duplicate_username_is_409_whatever_its_case(api: Api) -> None:
    _, admin = _admin(api)
    assert api.client.post("/users", json=new_user(), headers=admin).status_code == 201
    again = api.client.post("/users", json=new_user(username="KOREIFUKUSHI.SUZUKI"), headers=admin)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:tsunagu:problem:conflict"
    assert "既に登録されています" in again.json()["detail"]


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"org": "it_admin", "roles": ["admin", "staff"]}, "管理者・監査担当"),
        ({"org": "it_admin", "roles": ["auditor", "secretariat"]}, "管理者・監査担当"),
        ({"roles": ["agency"]}, "agency ロール"),
        ({"org": "hokatsu_1", "roles": ["staff"]}, "agency ロールだけ"),
        ({"org": "shakyo_east", "roles": ["coordinator"]}, "担当圏域が必要"),
        ({"org": "koreifukushi", "roles": ["coordinator"], "area": "east"}, "社協"),
        ({"org": "koreifukushi", "roles": ["secretariat"]}, "健康部"),
        ({"org": "shakyo_west", "roles": ["staff"]}, "4部"),
    ],
)
def test_role_set_violations_are_422_with_a_japanese_message(
    api: Api, overrides: dict[str, Any], fragment: str
) -> None:
    _, admin = _admin(api)
    response = api.client.post("/users", json=new_user(**overrides), headers=admin)
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["field"] == "roles" and error["code"] == "role_set"
    assert fragment in error["message"]


def test_role_changes_that_break_the_role_set_are_422(api: Api) -> None:
    _, admin = _admin(api)
    user_id = api.client.post("/users", json=new_user(), headers=admin).json()["id"]
    to_agency = api.client.patch(f"/users/{user_id}", json={"org": "hokatsu_2"}, headers=admin)
    assert to_agency.status_code == 422
    assert to_agency.json()["errors"][0]["field"] == "roles"
    mixed = api.client.patch(f"/users/{user_id}", json={"roles": ["staff", "auditor"]}, headers=admin)
    assert mixed.status_code == 422
    assert "兼ねられません" in mixed.json()["errors"][0]["message"]
    empty = api.client.patch(f"/users/{user_id}", json={"roles": []}, headers=admin)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "roles"


def test_coordinators_need_a_known_area_and_only_they_have_one(api: Api) -> None:
    _, admin = _admin(api)
    coordinator = new_user(username="coord", org="shakyo_west", roles=["coordinator"], area="west")
    created = api.client.post("/users", json=coordinator, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["area"] == "west"
    unknown = api.client.post("/users", json={**coordinator, "username": "c2", "area": "north"}, headers=admin)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "area"
    staff_area = api.client.post("/users", json=new_user(area="east"), headers=admin)
    assert staff_area.status_code == 422
    assert staff_area.json()["errors"][0] == {
        "field": "area",
        "message": "担当圏域は地域福祉コーディネーターだけに設定します。",
        "code": "area_not_allowed",
    }
    # Moving a coordinator to the other area is allowed; dropping the area is not.
    user_id = created.json()["id"]
    moved = api.client.patch(
        f"/users/{user_id}", json={"org": "shakyo_east", "area": "east"}, headers=admin
    )
    assert moved.status_code == 200 and moved.json()["area"] == "east"
    no_area = api.client.patch(f"/users/{user_id}", json={"area": None}, headers=admin)
    assert no_area.status_code == 422 and no_area.json()["errors"][0]["field"] == "roles"


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"isAdmin": True}, "isAdmin", "extra_forbidden"),
        ({"password_hash": "x"}, "password_hash", "extra_forbidden"),
        ({"password": "too-short"}, "password", "string_too_short"),
        ({"password": "x" * 1001}, "password", "string_too_long"),
        ({"email": "not-an-address"}, "email", "value_error"),
        ({"roles": ["boss"]}, "roles.0", "enum"),
        ({"username": "has space"}, "username", "string_pattern_mismatch"),
        ({"org": "nowhere"}, "org", "unknown_code"),
        ({"displayName": ""}, "displayName", "string_too_short"),
    ],
)
def test_invalid_user_bodies_are_422_with_a_field_error(
    api: Api, overrides: dict[str, Any], field: str, code: str
) -> None:
    _, admin = _admin(api)
    response = api.client.post("/users", json=new_user(**overrides), headers=admin)
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == (field, code)
    assert not error["message"].isascii(), "the message is Japanese"


def test_a_short_password_message_is_japanese(api: Api) -> None:
    _, admin = _admin(api)
    response = api.client.post("/users", json=new_user(password="short"), headers=admin)
    assert response.json()["errors"][0]["message"] == "12文字以上で入力してください。"


def test_users_cannot_be_placed_in_an_inactive_org(api: Api) -> None:
    _, admin = _admin(api)
    assert api.client.patch("/organizations/gakumu", json={"active": False}, headers=admin).status_code == 200
    response = api.client.post("/users", json=new_user(org="gakumu"), headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "org",
        "message": "無効になっている組織には所属させられません。",
        "code": "inactive",
    }


def test_a_partner_business_has_no_users_and_no_api_clients(api: Api) -> None:
    """協力事業所 (kind partner) are named on 参加支援 plan items; nobody logs in for them."""
    _, admin = _admin(api)
    created = api.client.post(
        "/organizations",
        json={"code": "partner_farm", "kind": "partner", "name": "ひがしとくら農園", "kana": "のうえん"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    attempts = [
        api.client.post("/users", json=new_user(org="partner_farm"), headers=admin),
        api.client.post(
            "/users", json=new_user(org="partner_farm", roles=["agency"]), headers=admin
        ),
        api.client.post("/api-clients", json={"name": "農園", "org": "partner_farm"}, headers=admin),
    ]
    user_id = api.client.post("/users", json=new_user(), headers=admin).json()["id"]
    attempts.append(
        api.client.patch(f"/users/{user_id}", json={"org": "partner_farm"}, headers=admin)
    )
    for response in attempts:
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        error = response.json()["errors"][0]
        assert (error["field"], error["code"]) == ("org", "partner_org")
        assert "協力事業所" in error["message"]
    with api.db.sessions() as session:
        assert session.scalar(select(User).where(User.org_code == "partner_farm")) is None


def test_patch_user_refuses_null_and_unknown_fields(api: Api) -> None:
    _, admin = _admin(api)
    user_id = api.client.post("/users", json=new_user(), headers=admin).json()["id"]
    for body in ({"active": None}, {"roles": None}, {"password": None}, {"username": "renamed"}):
        response = api.client.patch(f"/users/{user_id}", json=body, headers=admin)
        assert response.status_code == 422, body


def test_list_users_filters_by_org_role_active_and_name(api: Api) -> None:
    _, admin = _admin(api)
    api.user("koreifukushi.a", "koreifukushi", Role.STAFF)
    api.user("koreifukushi.b", "koreifukushi", Role.CHIEF)
    api.user("shogai.c", "shogaifukushi", Role.STAFF, Role.CHIEF)
    disabled = api.user("koreifukushi.d", "koreifukushi", Role.MANAGER)
    assert api.client.patch(f"/users/{disabled}", json={"active": False}, headers=admin).status_code == 200

    def names(**params: str) -> list[str]:
        response = api.client.get("/users", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [u["username"] for u in response.json()["items"]]

    assert names() == ["admin", "koreifukushi.a", "koreifukushi.b", "koreifukushi.d", "shogai.c"]
    assert names(org="koreifukushi") == ["koreifukushi.a", "koreifukushi.b", "koreifukushi.d"]
    assert names(role="chief") == ["koreifukushi.b", "shogai.c"]
    assert names(role="staff") == ["koreifukushi.a", "shogai.c"]
    assert names(active="false") == ["koreifukushi.d"]
    assert names(active="true", org="koreifukushi") == ["koreifukushi.a", "koreifukushi.b"]
    assert names(q="SHOGAI") == ["shogai.c"]
    assert names(q="%") == [], "LIKE wildcards are matched literally"
    assert names(q="fukushi.") == ["koreifukushi.a", "koreifukushi.b", "koreifukushi.d"]
    assert api.client.get("/users", params={"role": "boss"}, headers=admin).status_code == 422


def test_list_users_pages_with_a_cursor(api: Api) -> None:
    _, admin = _admin(api)
    for n in range(5):
        api.user(f"page.user{n}", "gakumu", Role.STAFF)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, "org": "gakumu"}
        if cursor:
            params["cursor"] = cursor
        page = api.client.get("/users", params=params, headers=admin).json()
        seen += [u["username"] for u in page["items"]]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [f"page.user{n}" for n in range(5)]
    assert pages == 3
    assert api.client.get("/users", params={"limit": 101}, headers=admin).status_code == 422


@pytest.mark.parametrize("cursor", ["!!!", "aWQ6MTI", "dXNlcm5hbWU6"])
def test_a_bad_cursor_is_400(api: Api, cursor: str) -> None:
    _, admin = _admin(api)
    response = api.client.get("/users", params={"cursor": cursor}, headers=admin)
    assert response.status_code == 400
    assert response.json()["type"] == "urn:tsunagu:problem:bad-request"


# ---------------------------------------------------------------- ending sessions


def test_disabling_a_user_revokes_its_tokens_at_once(api: Api) -> None:
    _, admin = _admin(api)
    user_id = api.user("worker", "koreifukushi", Role.STAFF)
    access, refresh = _tokens(api, "worker")
    assert api.client.get("/cases", headers=access).status_code == 200

    response = api.client.patch(f"/users/{user_id}", json={"active": False}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False

    refused = api.client.get("/cases", headers=access)
    assert refused.status_code == 401
    assert refused.json()["type"] == "urn:tsunagu:problem:unauthenticated"
    assert _refresh(api, refresh) == 400
    login = api.client.post(
        "/auth/token", data={"grant_type": "password", "username": "worker", "password": TEST_PASSWORD}
    )
    assert login.status_code == 400

    # Enabled again, the account logs in afresh; the old tokens stay dead.
    assert api.client.patch(f"/users/{user_id}", json={"active": True}, headers=admin).status_code == 200
    assert api.client.get("/cases", headers=access).status_code == 401
    fresh, _ = _tokens(api, "worker")
    assert api.client.get("/cases", headers=fresh).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"roles": ["chief"]},
        {"org": "shogaifukushi"},
        {"password": NEW_PASSWORD},
    ],
)
def test_changing_roles_org_or_password_ends_the_users_sessions_at_once(
    api: Api, change: dict[str, Any]
) -> None:
    _, admin = _admin(api)
    user_id = api.user("worker", "koreifukushi", Role.STAFF)
    access, refresh = _tokens(api, "worker")
    assert api.client.patch(f"/users/{user_id}", json=change, headers=admin).status_code == 200
    assert api.client.get("/cases", headers=access).status_code == 401
    assert _refresh(api, refresh) == 400
    password = change.get("password", TEST_PASSWORD)
    fresh, _ = _tokens(api, "worker", password)
    assert api.client.get("/cases", headers=fresh).status_code == 200


def test_a_new_password_replaces_the_old_one(api: Api) -> None:
    _, admin = _admin(api)
    user_id = api.user("worker", "koreifukushi", Role.STAFF)
    assert api.client.patch(
        f"/users/{user_id}", json={"password": f"  {NEW_PASSWORD}  "}, headers=admin
    ).status_code == 200
    old = api.client.post(
        "/auth/token", data={"grant_type": "password", "username": "worker", "password": TEST_PASSWORD}
    )
    assert old.status_code == 400
    _tokens(api, "worker", f"  {NEW_PASSWORD}  ")  # used exactly as typed, spaces included


def test_changing_only_the_display_name_keeps_the_users_sessions(api: Api) -> None:
    _, admin = _admin(api)
    user_id = api.user("worker", "koreifukushi", Role.STAFF)
    access, refresh = _tokens(api, "worker")
    assert api.client.patch(
        f"/users/{user_id}", json={"displayName": "改名 太郎", "email": "w@example.jp"}, headers=admin
    ).status_code == 200
    assert api.client.get("/cases", headers=access).status_code == 200
    assert _refresh(api, refresh) == 200


def test_an_admin_cannot_disable_themself(api: Api) -> None:
    admin_id, admin = _admin(api)
    response = api.client.patch(f"/users/{admin_id}", json={"active": False}, headers=admin)
    assert response.status_code == 409
    assert response.json()["detail"] == "自分自身のアカウントは無効にできません。"
    assert api.client.get("/users", headers=admin).status_code == 200


def test_an_admin_cannot_drop_their_own_admin_role(api: Api) -> None:
    admin_id, admin = _admin(api)
    response = api.client.patch(f"/users/{admin_id}", json={"roles": ["auditor"]}, headers=admin)
    assert response.status_code == 409
    assert api.client.get(f"/users/{admin_id}", headers=admin).json()["roles"] == ["admin"]


def test_an_admin_can_disable_another_admin(api: Api) -> None:
    _, admin = _admin(api)
    other = api.user("admin2", "it_admin", Role.ADMIN)
    other_headers = api.login("admin2")
    assert api.client.patch(f"/users/{other}", json={"active": False}, headers=admin).status_code == 200
    assert api.client.get("/users", headers=other_headers).status_code == 401


# ---------------------------------------------------------------- API clients


def test_a_created_agency_client_logs_in_and_lists_cases(api: Api) -> None:
    _, admin = _admin(api)
    created = api.client.post(
        "/api-clients", json={"name": "包括第1 記録システム", "org": "hokatsu_1"}, headers=admin
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    assert body["clientId"].startswith("agc_") and len(body["clientSecret"]) >= 32
    assert body["org"] == "hokatsu_1" and body["active"] is True
    assert sorted(body["scopes"]) == sorted(AGENCY_CLIENT_SCOPES)
    headers = api.client_login(body["clientId"], body["clientSecret"])
    assert api.client.get("/cases", headers=headers).status_code == 200
    assert api.client.get("/towns", headers=headers).status_code == 200

    listed = api.client.get("/api-clients", headers=admin).json()
    assert listed == [{k: v for k, v in body.items() if k != "clientSecret"}]
    assert "secret" not in api.client.get("/api-clients", headers=admin).text.lower()


def test_an_api_client_with_fewer_scopes_gets_only_those(api: Api) -> None:
    _, admin = _admin(api)
    body = api.client.post(
        "/api-clients", json={"name": "閲覧のみ", "org": "hokatsu_2", "scopes": ["master:read"]}, headers=admin
    ).json()
    assert body["scopes"] == ["master:read"]
    headers = api.client_login(body["clientId"], body["clientSecret"])
    assert api.client.get("/towns", headers=headers).status_code == 200
    assert api.client.get("/cases", headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": "x", "org": "koreifukushi"}, "org", "not_agency"),
        ({"name": "x", "org": "nowhere"}, "org", "unknown_code"),
        ({"name": "x", "org": "hokatsu_1", "scopes": ["admin"]}, "scopes", "value_error"),
        ({"name": "x", "org": "hokatsu_1", "scopes": ["audit:read"]}, "scopes", "value_error"),
        ({"name": "x", "org": "hokatsu_1", "scopes": []}, "scopes", "too_short"),
        ({"name": "x", "org": "hokatsu_1", "secret": "mine"}, "secret", "extra_forbidden"),
    ],
)
def test_invalid_api_client_bodies_are_422(
    api: Api, body: dict[str, Any], field: str, code: str
) -> None:
    _, admin = _admin(api)
    response = api.client.post("/api-clients", json=body, headers=admin)
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == (field, code)
    assert not error["message"].isascii()


def test_a_disabled_clients_token_is_401_at_once(api: Api) -> None:
    _, admin = _admin(api)
    body = api.client.post("/api-clients", json={"name": "包括第3", "org": "hokatsu_3"}, headers=admin).json()
    headers = api.client_login(body["clientId"], body["clientSecret"])
    assert api.client.get("/cases", headers=headers).status_code == 200
    updated = api.client.patch(f"/api-clients/{body['clientId']}", json={"active": False}, headers=admin)
    assert updated.status_code == 200 and updated.json()["active"] is False
    assert api.client.get("/cases", headers=headers).status_code == 401
    login = api.client.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "client_id": body["clientId"], "client_secret": body["clientSecret"]},
    )
    assert login.status_code == 401


def test_admin_renames_and_rescopes_an_api_client(api: Api) -> None:
    _, admin = _admin(api)
    body = api.client.post("/api-clients", json={"name": "旧名", "org": "hokatsu_4"}, headers=admin).json()
    headers = api.client_login(body["clientId"], body["clientSecret"])
    renamed = api.client.patch(f"/api-clients/{body['clientId']}", json={"name": "新名"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json()["name"] == "新名"
    assert api.client.get("/cases", headers=headers).status_code == 200, "a rename keeps tokens"
    rescoped = api.client.patch(
        f"/api-clients/{body['clientId']}", json={"scopes": ["cases:read", "master:read"]}, headers=admin
    )
    assert rescoped.json()["scopes"] == ["cases:read", "master:read"]
    assert api.client.get("/cases", headers=headers).status_code == 401, "new scopes need a new token"
    assert api.client.patch(
        f"/api-clients/{body['clientId']}", json={"scopes": ["admin"]}, headers=admin
    ).status_code == 422
    assert api.client.patch(
        f"/api-clients/{body['clientId']}", json={"active": None}, headers=admin
    ).status_code == 422
    assert api.client.patch("/api-clients/agc_nope", json={"name": "x"}, headers=admin).status_code == 404


def test_api_clients_filter_by_org_and_active(api: Api) -> None:
    _, admin = _admin(api)
    first = api.client.post("/api-clients", json={"name": "1", "org": "hokatsu_1"}, headers=admin).json()
    second = api.client.post("/api-clients", json={"name": "2", "org": "hokatsu_2"}, headers=admin).json()
    api.client.patch(f"/api-clients/{second['clientId']}", json={"active": False}, headers=admin)

    def ids(**params: str) -> list[str]:
        return [c["clientId"] for c in api.client.get("/api-clients", params=params, headers=admin).json()]

    assert ids() == [first["clientId"], second["clientId"]]
    assert ids(org="hokatsu_2") == [second["clientId"]]
    assert ids(active="true") == [first["clientId"]]


# ---------------------------------------------------------------- audit


def test_admin_writes_are_audited_without_passwords(api: Api) -> None:
    admin_id, admin = _admin(api)
    user = api.client.post("/users", json=new_user(), headers=admin).json()
    api.client.patch(
        f"/users/{user['id']}", json={"roles": ["chief"], "password": NEW_PASSWORD}, headers=admin
    )
    api.client.patch(f"/users/{user['id']}", json={"active": False}, headers=admin)
    client = api.client.post("/api-clients", json={"name": "c", "org": "hokatsu_5"}, headers=admin).json()
    api.client.patch(f"/api-clients/{client['clientId']}", json={"active": False}, headers=admin)

    created = _audit(api, "user.create")
    assert [(e.resource_type, e.resource_id, e.actor_sub, e.outcome) for e in created] == [
        ("user", user["id"], admin_id, "success")
    ]
    assert created[0].detail == {"org": "koreifukushi", "roles": ["staff"], "area": None}
    updates = _audit(api, "user.update")
    assert [e.detail for e in updates] == [
        {"fields": ["roles"], "password_reset": True, "sessions_ended": True},
        {"fields": ["active"], "password_reset": False, "sessions_ended": True},
    ]
    client_created = _audit(api, "api_client.create")
    assert [(e.resource_id, e.detail["org"]) for e in client_created] == [(client["clientId"], "hokatsu_5")]
    client_updates = _audit(api, "api_client.update")
    assert [(e.resource_id, e.detail) for e in client_updates] == [
        (client["clientId"], {"fields": ["active"], "tokens_ended": True})
    ]
    with api.db.sessions() as session:
        everything = session.scalars(select(AuditEvent)).all()
        dump = repr([(e.detail, e.resource_id, e.purpose) for e in everything])
        stored = session.get(User, user["id"])
        assert stored is not None
    assert NEW_PASSWORD not in dump and "change-me-at-once-please" not in dump
    assert stored.password_hash not in dump
