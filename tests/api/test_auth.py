"""Log-in, throttling, refresh rotation, logout, client credentials and /me (access.md "Tokens")."""

import base64
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.models import AuditEvent, LoginFailure, RefreshToken, User
from conftest import TEST_PASSWORD, Api
from domain.access import Role

PROBLEM_JSON = "application/problem+json"


def _password(
    api: Api, username: str, password: str = TEST_PASSWORD, **extra: str
) -> httpx.Response:
    return api.client.post(
        "/auth/token",
        data={"grant_type": "password", "username": username, "password": password, **extra},
    )


def _refresh(api: Api, refresh_token: str) -> httpx.Response:
    return api.client.post(
        "/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _audit(api: Api, **where: Any) -> list[AuditEvent]:
    with api.db.sessions() as session:
        return list(session.scalars(select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)))


def _assert_invalid_grant(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["error"] == "invalid_grant"


@pytest.fixture
def staff(api: Api) -> str:
    return api.user("korei", "koreifukushi", Role.STAFF)


# ---------------------------------------------------------------- password log-in


def test_password_login_issues_access_and_refresh_tokens(api: Api, staff: str) -> None:
    response = _password(api, "korei")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["access_token"] and body["refresh_token"]
    assert set(body["scope"].split()) == {
        "cases:read",
        "cases:write",
        "consent:write",
        "referrals:write",
        "master:read",
    }
    login = _audit(api, action="login", actor_sub=staff)
    assert [(e.outcome, e.resource_id) for e in login] == [("success", staff)]


def test_login_name_is_case_insensitive(api: Api, staff: str) -> None:
    assert _password(api, "  KOREI ").status_code == 200


def test_wrong_password_is_invalid_grant(api: Api, staff: str) -> None:
    response = _password(api, "korei", "not the password")

    _assert_invalid_grant(response)
    assert "access_token" not in response.json()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(api: Api, staff: str) -> None:
    wrong_password = _password(api, "korei", "not the password")
    unknown_user = _password(api, "nobody", "not the password")

    _assert_invalid_grant(unknown_user)
    assert unknown_user.json() == wrong_password.json()


def test_disabled_user_cannot_log_in(api: Api, staff: str) -> None:
    _disable(api, staff)

    _assert_invalid_grant(_password(api, "korei"))


def test_token_responses_are_not_cached(api: Api, staff: str) -> None:
    ok = _password(api, "korei")
    refreshed = _refresh(api, ok.json()["refresh_token"])
    failed = _password(api, "korei", "not the password")

    for response in (ok, refreshed, failed):
        assert response.headers["cache-control"] == "no-store"


def test_scope_beyond_the_roles_is_invalid_scope(api: Api, staff: str) -> None:
    response = _password(api, "korei", scope="cases:read audit:read")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_narrower_scope_is_granted_as_requested(api: Api, staff: str) -> None:
    response = _password(api, "korei", scope="cases:read")

    assert response.status_code == 200
    assert response.json()["scope"] == "cases:read"
    me = api.client.get("/me", headers=_bearer(response.json()))
    assert me.json()["scopes"] == ["cases:read"]
    assert api.client.post("/cases", json={}, headers=_bearer(response.json())).status_code == 403


# ---------------------------------------------------------------- throttling


def test_five_failures_throttle_even_the_right_password(api: Api, staff: str) -> None:
    for _ in range(5):
        _assert_invalid_grant(_password(api, "korei", "not the password"))

    response = _password(api, "korei")

    assert response.status_code == 429
    assert response.headers["content-type"] == PROBLEM_JSON
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert "access_token" not in response.json()


def test_throttling_counts_unknown_accounts_too(api: Api) -> None:
    for _ in range(5):
        _assert_invalid_grant(_password(api, "nobody", "guess"))

    assert _password(api, "nobody", "guess").status_code == 429


def test_throttling_is_per_account(api: Api, staff: str) -> None:
    api.user("shogai", "shogaifukushi", Role.CHIEF)
    for _ in range(5):
        _password(api, "korei", "not the password")

    assert _password(api, "shogai").status_code == 200


def test_success_before_the_limit_resets_the_failure_count(api: Api, staff: str) -> None:
    for _ in range(4):
        _assert_invalid_grant(_password(api, "korei", "not the password"))
    assert _password(api, "korei").status_code == 200

    for _ in range(4):
        _assert_invalid_grant(_password(api, "korei", "not the password"))
    assert _password(api, "korei").status_code == 200


def test_right_password_while_throttled_does_not_reset_the_count(api: Api, staff: str) -> None:
    for _ in range(5):
        _password(api, "korei", "not the password")

    assert _password(api, "korei").status_code == 429
    assert _password(api, "korei").status_code == 429
    with api.db.sessions() as session:
        failures = session.scalars(select(LoginFailure))
        assert len(list(failures)) == 5  # throttled attempts neither add nor clear failures


def test_failed_logins_are_audited_although_the_request_rolls_back(api: Api, staff: str) -> None:
    for _ in range(5):
        _password(api, "korei", "not the password")
    _password(api, "korei")

    failed = _audit(api, action="login", outcome="failed")
    assert len(failed) == 5
    assert {(e.resource_type, e.resource_id, e.actor_sub) for e in failed} == {
        ("account", staff, None)
    }
    throttled = _audit(api, action="login", outcome="denied")
    assert [e.detail for e in throttled] == [{"throttled": True}]
    assert _audit(api, action="login", outcome="success") == []


# ---------------------------------------------------------------- refresh


def test_refresh_rotates_and_the_old_refresh_token_is_refused(api: Api, staff: str) -> None:
    first = _password(api, "korei").json()

    second = _refresh(api, first["refresh_token"])

    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert api.client.get("/me", headers=_bearer(second.json())).status_code == 200
    _assert_invalid_grant(_refresh(api, first["refresh_token"]))


def test_reuse_of_a_rotated_refresh_token_ends_every_session_of_the_user(
    api: Api, staff: str
) -> None:
    other_session = _password(api, "korei").json()
    stolen = _password(api, "korei").json()
    rotated = _refresh(api, stolen["refresh_token"]).json()

    _assert_invalid_grant(_refresh(api, stolen["refresh_token"]))

    _assert_invalid_grant(_refresh(api, rotated["refresh_token"]))
    _assert_invalid_grant(_refresh(api, other_session["refresh_token"]))
    with api.db.sessions() as session:
        tokens = list(session.scalars(select(RefreshToken).where(RefreshToken.user_id == staff)))
    assert len(tokens) == 3
    assert all(t.revoked_at is not None for t in tokens)
    reuse = _audit(api, action="refresh-reuse", actor_sub=staff)
    assert reuse and {e.outcome for e in reuse} == {"denied"}


def test_reuse_does_not_touch_other_users_sessions(api: Api, staff: str) -> None:
    api.user("shogai", "shogaifukushi", Role.CHIEF)
    bystander = _password(api, "shogai").json()
    stolen = _password(api, "korei").json()
    _refresh(api, stolen["refresh_token"])

    _assert_invalid_grant(_refresh(api, stolen["refresh_token"]))

    assert _refresh(api, bystander["refresh_token"]).status_code == 200


def test_refresh_for_a_disabled_user_is_refused(api: Api, staff: str) -> None:
    tokens = _password(api, "korei").json()
    _disable(api, staff)

    _assert_invalid_grant(_refresh(api, tokens["refresh_token"]))


def test_refresh_token_is_required_for_the_refresh_grant(api: Api) -> None:
    response = api.client.post("/auth/token", data={"grant_type": "refresh_token"})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


# ---------------------------------------------------------------- logout


def test_logout_revokes_the_refresh_token_and_the_access_token_at_once(
    api: Api, staff: str
) -> None:
    tokens = _password(api, "korei").json()
    assert api.client.get("/me", headers=_bearer(tokens)).status_code == 200

    response = api.client.post(
        "/auth/revoke", data={"token": tokens["refresh_token"]}, headers=_bearer(tokens)
    )

    assert response.status_code == 204
    me = api.client.get("/me", headers=_bearer(tokens))
    assert me.status_code == 401
    assert me.headers["www-authenticate"].startswith("Bearer")
    _assert_invalid_grant(_refresh(api, tokens["refresh_token"]))
    assert {e.resource_type for e in _audit(api, action="logout")} == {"account", "token"}


def test_logout_leaves_the_users_other_sessions_alone(api: Api, staff: str) -> None:
    phone = _password(api, "korei").json()
    desk = _password(api, "korei").json()

    api.client.post("/auth/revoke", data={"token": phone["refresh_token"]}, headers=_bearer(phone))

    assert api.client.get("/me", headers=_bearer(desk)).status_code == 200
    assert _refresh(api, desk["refresh_token"]).status_code == 200


def test_revoking_an_unknown_token_is_accepted_silently(api: Api) -> None:
    response = api.client.post("/auth/revoke", data={"token": "not-a-token"})

    assert response.status_code == 204


# ---------------------------------------------------------------- client credentials


@pytest.fixture
def agency_client(api: Api) -> tuple[str, str]:
    return api.api_client("houkatsu-system", "hokatsu_1")


def test_client_credentials_in_form_fields(api: Api, agency_client: tuple[str, str]) -> None:
    client_id, secret = agency_client

    response = api.client.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh_token"] is None
    assert set(body["scope"].split()) == {
        "cases:read",
        "cases:write",
        "referrals:write",
        "master:read",
    }
    assert response.headers["cache-control"] == "no-store"


def test_client_credentials_with_http_basic(api: Api, agency_client: tuple[str, str]) -> None:
    client_id, secret = agency_client
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()

    response = api.client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )

    assert response.status_code == 200, response.text
    assert api.client.get("/me", headers=_bearer(response.json())).json()["sub"] == client_id


def test_wrong_client_secret_is_invalid_client(api: Api, agency_client: tuple[str, str]) -> None:
    client_id, _ = agency_client

    response = api.client.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": "x" * 43,
        },
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")
    failed = _audit(api, action="login", outcome="failed")
    assert [e.resource_id for e in failed] == [client_id]


def test_what_was_typed_as_a_user_name_never_reaches_the_audit_log_or_the_database(
    api: Api,
) -> None:
    typed = "my secret password typed in the wrong field"
    assert _password(api, typed, "whatever").status_code == 400
    failed = _audit(api, action="login", outcome="failed")
    assert [(e.resource_id, e.detail) for e in failed] == [(None, {"unknown_account": True})]
    with api.db.sessions() as session:
        subjects = [f.subject for f in session.scalars(select(LoginFailure))]
    assert len(subjects) == 1 and typed not in subjects[0]


def test_unknown_client_is_invalid_client(api: Api) -> None:
    response = api.client.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "client_id": "agc_nope", "client_secret": "x"},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_client_scope_beyond_its_grant_is_invalid_scope(
    api: Api, agency_client: tuple[str, str]
) -> None:
    client_id, secret = agency_client

    response = api.client.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "cases:read admin",
        },
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


# ---------------------------------------------------------------- /me


def test_me_describes_the_user(api: Api, staff: str) -> None:
    response = api.client.get("/me", headers=api.login("korei"))

    assert response.status_code == 200
    me = response.json()
    assert me["sub"] == staff
    assert me["kind"] == "user"
    assert me["username"] == "korei"
    assert me["org"] == "koreifukushi"
    assert me["orgName"] == "高齢福祉課"
    assert me["dept"] == "welfare"
    assert me["roles"] == ["staff"]
    assert "cases:read" in me["scopes"]


def test_me_describes_the_agency_client(api: Api, agency_client: tuple[str, str]) -> None:
    client_id, secret = agency_client

    response = api.client.get("/me", headers=api.client_login(client_id, secret))

    assert response.status_code == 200
    me = response.json()
    assert (me["sub"], me["kind"], me["org"], me["dept"], me["roles"]) == (
        client_id,
        "client",
        "hokatsu_1",
        "agency",
        ["agency"],
    )
    assert me["username"] is None


def test_me_without_a_token_is_401(api: Api) -> None:
    response = api.client.get("/me")

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == PROBLEM_JSON


def _disable(api: Api, user_id: str) -> None:
    with api.db.sessions() as session, session.begin():
        user = session.get(User, user_id)
        assert user is not None
        user.active = False
        user.token_generation += 1


def test_a_logged_out_refresh_token_is_refused_without_ending_other_sessions(
    api: Api, staff: str
) -> None:
    other_session = _password(api, "korei").json()
    tokens = _password(api, "korei").json()
    revoked = api.client.post("/auth/revoke", data={"token": tokens["refresh_token"]})
    assert revoked.status_code == 204
    response = _refresh(api, tokens["refresh_token"])
    _assert_invalid_grant(response)
    assert "ログアウト済み" in response.json()["detail"]
    assert _refresh(api, other_session["refresh_token"]).status_code == 200
    assert _audit(api, action="refresh-reuse", actor_sub=staff) == []
