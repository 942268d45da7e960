"""Known attacks on JWTs, each refused by ``api.auth.tokens`` and by the running app
(access.md "Tokens"). Forged tokens are built by hand, as an attacker would, not with python-jose:
the library refuses to produce some of them, and only ``api/auth/tokens.py`` may import it."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth import tokens
from api.auth.tokens import InvalidToken, TokenConfigError, TokenKeys
from api.clock import now
from api.db import Database
from api.main import create_app
from api.models import AuditEvent, User
from api.settings import Settings
from conftest import TEST_PASSWORD, TEST_SECRET, Api, Template
from domain.access import Role

ISSUER = "tsunagu"
AUDIENCE = "tsunagu-api"
PROBLEM_JSON = "application/problem+json"

Signer = Callable[[bytes], bytes]

# ---------------------------------------------------------------- forging tokens by hand


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def forge(header: dict[str, Any], claims: dict[str, Any], sign: Signer | None) -> str:
    signing_input = f"{_b64(_json(header))}.{_b64(_json(claims))}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"{signing_input}.{_b64(signature)}"


def hs256(key: bytes) -> Signer:
    return lambda message: hmac.new(key, message, hashlib.sha256).digest()


def hs384(key: bytes) -> Signer:
    return lambda message: hmac.new(key, message, hashlib.sha384).digest()


def rs256(key: rsa.RSAPrivateKey) -> Signer:
    return lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA256())


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return json.loads(_unb64(header)), json.loads(_unb64(payload))


# ---------------------------------------------------------------- keys


@cache
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()).decode()


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def public_key_forms(key: rsa.RSAPrivateKey) -> dict[str, bytes]:
    """The public key as an attacker may find it published, in each form an HMAC could take."""
    public = key.public_key()
    return {
        "pem": public_pem(key).encode(),
        "pem-pkcs1": public.public_bytes(ser.Encoding.PEM, ser.PublicFormat.PKCS1),
        "der": public.public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo),
        "der-pkcs1": public.public_bytes(ser.Encoding.DER, ser.PublicFormat.PKCS1),
    }


def hs_keys(**overrides: str) -> TokenKeys:
    return TokenKeys.create(
        algorithm="HS256",
        issuer=overrides.get("issuer", ISSUER),
        audience=overrides.get("audience", AUDIENCE),
        secret=overrides.get("secret", TEST_SECRET),
    )


def rs_keys() -> TokenKeys:
    return TokenKeys.create(
        algorithm="RS256",
        issuer=ISSUER,
        audience=AUDIENCE,
        private_key=private_pem(rsa_key()),
        public_key=public_pem(rsa_key()),
    )


def claims_for(sub: str = "u-1", **extra: Any) -> dict[str, Any]:
    issued = int(now().timestamp())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": sub,
        "iat": issued,
        "nbf": issued,
        "exp": issued + 900,
        "jti": "jti-1",
        **extra,
    }


def access_header(alg: str = "HS256") -> dict[str, Any]:
    return {"alg": alg, "typ": tokens.ACCESS_TYP}


# ---------------------------------------------------------------- apps


@pytest.fixture
def make_api(template: Template, tmp_path: Path) -> Iterator[Callable[..., Api]]:
    """An app on a cloned template database, with the signing configuration given."""
    made: list[Api] = []

    def make(**config: Any) -> Api:
        url = template.clone()
        settings = Settings(database_url=url, data_dir=tmp_path, **config)
        db = Database(url)
        try:
            app = create_app(settings, db)
        except Exception:
            db.dispose()
            template.drop(url)
            raise
        client = TestClient(app, raise_server_exceptions=False)
        handle = Api(
            url=url, backend=template.backend, app=app, db=db, client=client, settings=settings
        )
        made.append(handle)
        return handle

    yield make
    for handle in made:
        handle.client.close()
        handle.db.dispose()
        template.drop(handle.url)


@pytest.fixture
def rs_api(make_api: Callable[..., Api]) -> Api:
    return make_api(
        jwt_algorithm="RS256",
        jwt_secret=None,
        jwt_private_key=private_pem(rsa_key()),
        jwt_public_key=public_pem(rsa_key()),
    )


def _login(api: Api, username: str = "korei") -> dict[str, Any]:
    response = api.client.post(
        "/auth/token",
        data={"grant_type": "password", "username": username, "password": TEST_PASSWORD},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _session(api: Api) -> dict[str, Any]:
    """A staff member's log-in on the default (HS256) app: its tokens and the access claims."""
    user_id = api.user("korei", "koreifukushi", Role.STAFF)
    body = _login(api)
    header, claims = parts(body["access_token"])
    return {"user_id": user_id, "header": header, "claims": claims, **body}


@pytest.fixture(scope="module")
def victim(module_api: Api) -> dict[str, Any]:
    """For attacks that change nothing: one log-in on an app shared by the module."""
    return _session(module_api)


@pytest.fixture
def session_of(api: Api) -> dict[str, Any]:
    """For tests that change the account: a log-in on an app of the test's own."""
    return _session(api)


def _me(api: Api, token: str) -> httpx.Response:
    return api.client.get("/me", headers={"Authorization": f"Bearer {token}"})


def assert_refused(response: httpx.Response) -> None:
    """401 with a Bearer challenge (RFC 6750) and a problem details body (RFC 9457)."""
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"] == "urn:tsunagu:problem:unauthenticated"
    assert body["status"] == 401
    assert "sub" not in body


def assert_invalid(keys: TokenKeys, token: str) -> None:
    with pytest.raises(InvalidToken):
        tokens.decode_access_token(keys, token)


# ---------------------------------------------------------------- the baseline works


def test_genuine_access_token_is_accepted(module_api: Api, victim: dict[str, Any]) -> None:
    response = _me(module_api, victim["access_token"])

    assert response.status_code == 200
    assert response.json()["sub"] == victim["user_id"]
    assert victim["header"] == {"alg": "HS256", "typ": "at+jwt"}


def test_hand_forged_token_with_the_right_secret_is_accepted(
    module_api: Api, victim: dict[str, Any]
) -> None:
    """The forging helper itself is sound, so the refusals below are the service's doing."""
    token = forge(access_header(), victim["claims"], hs256(TEST_SECRET.encode()))

    assert _me(module_api, token).status_code == 200


# ---------------------------------------------------------------- alg: none


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_token_is_refused(module_api: Api, victim: dict[str, Any], alg: str) -> None:
    token = forge({"alg": alg, "typ": tokens.ACCESS_TYP}, victim["claims"], None)

    assert_invalid(hs_keys(), token)
    assert_refused(_me(module_api, token))


def test_alg_none_is_refused_as_a_configuration() -> None:
    with pytest.raises(TokenConfigError):
        TokenKeys.create(algorithm="none", issuer=ISSUER, audience=AUDIENCE, secret=TEST_SECRET)


def test_stripped_signature_is_refused(module_api: Api, victim: dict[str, Any]) -> None:
    head, payload, _ = victim["access_token"].split(".")

    for token in (f"{head}.{payload}.", f"{head}.{payload}"):
        assert_invalid(hs_keys(), token)
        assert_refused(_me(module_api, token))


# ---------------------------------------------------------------- key confusion


@pytest.mark.parametrize("form", ["pem", "pem-pkcs1", "der", "der-pkcs1"])
def test_hs256_token_signed_with_rsa_public_key_is_refused(rs_api: Api, form: str) -> None:
    rs_api.user("korei", "koreifukushi", Role.STAFF)
    genuine = _login(rs_api)["access_token"]
    assert parts(genuine)[0]["alg"] == "RS256"
    assert _me(rs_api, genuine).status_code == 200
    _, claims = parts(genuine)
    public_key = public_key_forms(rsa_key())[form]

    token = forge(access_header("HS256"), claims, hs256(public_key))

    assert_invalid(rs_api.app.state.token_keys, token)
    assert_invalid(rs_keys(), token)
    assert_refused(_me(rs_api, token))


def test_rs256_token_with_an_embedded_attacker_key_is_refused(rs_api: Api) -> None:
    rs_api.user("korei", "koreifukushi", Role.STAFF)
    _, claims = parts(_login(rs_api)["access_token"])
    attacker = other_rsa_key()
    numbers = attacker.public_key().public_numbers()
    jwk = {
        "kty": "RSA",
        "n": _b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        "e": _b64(numbers.e.to_bytes(3, "big")),
    }

    token = forge({**access_header("RS256"), "jwk": jwk}, claims, rs256(attacker))

    assert_invalid(rs_keys(), token)
    assert_refused(_me(rs_api, token))


def test_token_signed_with_another_secret_is_refused(
    module_api: Api, victim: dict[str, Any]
) -> None:
    token = forge(access_header(), victim["claims"], hs256(b"s" * 48))

    assert_invalid(hs_keys(), token)
    assert_refused(_me(module_api, token))


def test_other_algorithm_of_the_same_family_is_refused(
    module_api: Api, victim: dict[str, Any]
) -> None:
    token = forge(access_header("HS384"), victim["claims"], hs384(TEST_SECRET.encode()))

    assert_invalid(hs_keys(), token)
    assert_refused(_me(module_api, token))


# ---------------------------------------------------------------- unsafe configurations


@pytest.mark.parametrize("secret", [None, "", " ", "x" * (tokens.MIN_HMAC_SECRET_BYTES - 1)])
def test_empty_or_short_hmac_secret_is_refused_at_start_up(secret: str | None) -> None:
    with pytest.raises(TokenConfigError):
        TokenKeys.create(algorithm="HS256", issuer=ISSUER, audience=AUDIENCE, secret=secret)


def _start(settings: Settings) -> None:
    db = Database("sqlite://")
    try:
        create_app(settings, db)
    finally:
        db.dispose()


def test_short_configured_secret_stops_the_app(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite://", jwt_secret="too-short", data_dir=tmp_path)

    with pytest.raises(TokenConfigError):
        _start(settings)


def test_public_key_as_hmac_secret_is_refused_at_start_up() -> None:
    with pytest.raises(TokenConfigError):
        TokenKeys.create(
            algorithm="HS256", issuer=ISSUER, audience=AUDIENCE, secret=public_pem(rsa_key())
        )


def test_hmac_algorithm_with_a_key_pair_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(TokenConfigError):
        TokenKeys.create(
            algorithm="HS256",
            issuer=ISSUER,
            audience=AUDIENCE,
            secret=TEST_SECRET,
            private_key=private_pem(rsa_key()),
            public_key=public_pem(rsa_key()),
        )
    settings = Settings(
        database_url="sqlite://",
        jwt_algorithm="HS256",
        jwt_secret=TEST_SECRET,
        jwt_public_key=public_pem(rsa_key()),
        data_dir=tmp_path,
    )
    with pytest.raises(TokenConfigError):
        _start(settings)


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_asymmetric_algorithm_with_a_secret_is_refused_at_start_up(algorithm: str) -> None:
    key = rsa_key() if algorithm == "RS256" else ec_key()
    with pytest.raises(TokenConfigError):
        TokenKeys.create(
            algorithm=algorithm,
            issuer=ISSUER,
            audience=AUDIENCE,
            secret=TEST_SECRET,
            private_key=private_pem(key),
            public_key=public_pem(key),
        )


@pytest.mark.parametrize("missing", ["private", "public", "both"])
def test_asymmetric_algorithm_without_both_keys_is_refused_at_start_up(missing: str) -> None:
    with pytest.raises(TokenConfigError):
        TokenKeys.create(
            algorithm="RS256",
            issuer=ISSUER,
            audience=AUDIENCE,
            private_key=None if missing in ("private", "both") else private_pem(rsa_key()),
            public_key=None if missing in ("public", "both") else public_pem(rsa_key()),
        )


@pytest.mark.parametrize(
    ("algorithm", "key"),
    [("RS256", ec_key), ("ES256", rsa_key)],
    ids=["rs256-with-ec-keys", "es256-with-rsa-keys"],
)
def test_key_pair_of_another_family_is_refused_at_start_up(
    algorithm: str, key: Callable[[], rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey]
) -> None:
    with pytest.raises(TokenConfigError):
        TokenKeys.create(
            algorithm=algorithm,
            issuer=ISSUER,
            audience=AUDIENCE,
            private_key=private_pem(key()),
            public_key=public_pem(key()),
        )


def test_keys_that_are_not_a_pair_are_refused_at_start_up() -> None:
    with pytest.raises(TokenConfigError):
        TokenKeys.create(
            algorithm="RS256",
            issuer=ISSUER,
            audience=AUDIENCE,
            private_key=private_pem(rsa_key()),
            public_key=public_pem(other_rsa_key()),
        )


def test_public_key_given_as_the_private_key_is_refused_at_start_up() -> None:
    with pytest.raises(TokenConfigError):
        TokenKeys.create(
            algorithm="RS256",
            issuer=ISSUER,
            audience=AUDIENCE,
            private_key=public_pem(rsa_key()),
            public_key=public_pem(rsa_key()),
        )


# ---------------------------------------------------------------- claims and lifetimes


def test_expired_token_is_refused(module_api: Api, victim: dict[str, Any]) -> None:
    keys: TokenKeys = module_api.app.state.token_keys
    claims = {k: v for k, v in victim["claims"].items() if k not in tokens.REQUIRED_CLAIMS}
    token = tokens.issue_access_token(
        keys,
        sub=victim["user_id"],
        now=now() - timedelta(minutes=16),
        ttl=timedelta(minutes=15),
        claims=claims,
    )

    assert_invalid(keys, token)
    assert_refused(_me(module_api, token))


def test_token_expiring_now_is_refused_without_leeway(
    module_api: Api, victim: dict[str, Any]
) -> None:
    claims = victim["claims"] | {"exp": int(now().timestamp()) - 1}
    token = forge(access_header(), claims, hs256(TEST_SECRET.encode()))

    assert_invalid(hs_keys(), token)
    assert_refused(_me(module_api, token))


@pytest.mark.parametrize("field", ["audience", "issuer"])
def test_token_for_another_audience_or_issuer_is_refused(
    module_api: Api, victim: dict[str, Any], field: str
) -> None:
    foreign = hs_keys(**{field: "some-other-service"})
    claims = {k: v for k, v in victim["claims"].items() if k not in tokens.REQUIRED_CLAIMS}
    token = tokens.issue_access_token(
        foreign, sub=victim["user_id"], now=now(), ttl=timedelta(minutes=15), claims=claims
    )

    assert_invalid(hs_keys(), token)
    assert_refused(_me(module_api, token))


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss", "aud", "jti"])
def test_token_missing_a_required_claim_is_refused(
    module_api: Api, victim: dict[str, Any], claim: str
) -> None:
    claims = {k: v for k, v in victim["claims"].items() if k != claim}
    token = forge(access_header(), claims, hs256(TEST_SECRET.encode()))

    assert_invalid(hs_keys(), token)
    assert_refused(_me(module_api, token))


@pytest.mark.parametrize("claim", ["sub", "iss", "aud"])
def test_token_with_an_empty_required_claim_is_refused(
    module_api: Api, victim: dict[str, Any], claim: str
) -> None:
    token = forge(access_header(), victim["claims"] | {claim: ""}, hs256(TEST_SECRET.encode()))

    assert_invalid(hs_keys(), token)
    assert_refused(_me(module_api, token))


@pytest.mark.parametrize("typ", [None, "JWT", "", tokens.REFRESH_TYP])
def test_token_without_the_access_typ_header_is_refused(
    module_api: Api, victim: dict[str, Any], typ: str | None
) -> None:
    header = {"alg": "HS256"} if typ is None else {"alg": "HS256", "typ": typ}
    token = forge(header, victim["claims"], hs256(TEST_SECRET.encode()))

    assert_invalid(hs_keys(), token)
    assert_refused(_me(module_api, token))


@pytest.mark.parametrize(
    "token", ["", "garbage", "a.b.c", "e30.e30.", "W10.W10.", "\u00e9.\u00e9.\u00e9"]
)
def test_malformed_token_is_refused(module_api: Api, token: str) -> None:
    assert_invalid(hs_keys(), token)
    if token and token.isascii():
        assert_refused(_me(module_api, token))


# ---------------------------------------------------------------- token types


def test_refresh_token_used_as_access_token_is_refused(
    module_api: Api, victim: dict[str, Any]
) -> None:
    refresh = victim["refresh_token"]

    assert_invalid(hs_keys(), refresh)
    assert_refused(_me(module_api, refresh))


def test_access_token_used_as_refresh_token_is_invalid_grant(
    module_api: Api, victim: dict[str, Any]
) -> None:
    with pytest.raises(InvalidToken):
        tokens.decode_refresh_token(hs_keys(), victim["access_token"])

    response = module_api.client.post(
        "/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": victim["access_token"]},
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["error"] == "invalid_grant"


# ---------------------------------------------------------------- tampering


@pytest.mark.parametrize(
    "change",
    [
        {"roles": ["secretariat"]},
        {"scope": "cases:read cases:write audit:read admin"},
        {"org": "kyosei"},
        {"exp": 4102444800},
    ],
    ids=["roles", "scope", "org", "exp"],
)
def test_tampered_payload_is_refused(
    module_api: Api, victim: dict[str, Any], change: dict[str, Any]
) -> None:
    head, _, signature = victim["access_token"].split(".")
    payload = _b64(_json(victim["claims"] | change))
    token = f"{head}.{payload}.{signature}"

    assert_invalid(hs_keys(), token)
    assert_refused(_me(module_api, token))
    assert_refused(
        module_api.client.get("/audit-events", headers={"Authorization": f"Bearer {token}"})
    )


def test_refused_token_is_audited_without_the_token(api: Api, session_of: dict[str, Any]) -> None:
    token = forge({"alg": "none", "typ": tokens.ACCESS_TYP}, session_of["claims"], None)

    _me(api, token)

    with api.db.sessions() as session:
        refused = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "authenticate"))
        )
    assert [(e.outcome, e.resource_type) for e in refused] == [("denied", "token")]
    assert token not in json.dumps(refused[0].detail)


# ---------------------------------------------------------------- accounts


def _set_user(api: Api, user_id: str, *, active: bool, bump: bool) -> None:
    with api.db.sessions() as session, session.begin():
        user = session.get(User, user_id)
        assert user is not None
        user.active = active
        user.token_generation += 1 if bump else 0


def test_token_of_a_disabled_user_is_refused(api: Api, session_of: dict[str, Any]) -> None:
    _set_user(api, session_of["user_id"], active=False, bump=True)

    assert_refused(_me(api, session_of["access_token"]))


def test_token_of_a_deactivated_user_is_refused_even_without_a_generation_bump(
    api: Api, session_of: dict[str, Any]
) -> None:
    _set_user(api, session_of["user_id"], active=False, bump=False)

    assert_refused(_me(api, session_of["access_token"]))


def test_token_of_an_older_generation_is_refused(api: Api, session_of: dict[str, Any]) -> None:
    _set_user(api, session_of["user_id"], active=True, bump=True)

    assert_refused(_me(api, session_of["access_token"]))
    assert _me(api, _login(api)["access_token"]).status_code == 200


def test_token_of_a_deleted_or_unknown_subject_is_refused(
    module_api: Api, victim: dict[str, Any]
) -> None:
    claims = victim["claims"] | {"sub": "00000000-0000-0000-0000-000000000000"}
    token = forge(access_header(), claims, hs256(TEST_SECRET.encode()))

    assert_refused(_me(module_api, token))


# ---------------------------------------------------------------- asymmetric configurations


def test_rs256_configuration_works_end_to_end(rs_api: Api) -> None:
    user_id = rs_api.user("korei", "koreifukushi", Role.STAFF)
    body = _login(rs_api)

    assert parts(body["access_token"])[0] == {"alg": "RS256", "typ": "at+jwt"}
    assert _me(rs_api, body["access_token"]).json()["sub"] == user_id
    refreshed = rs_api.client.post(
        "/auth/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    )
    assert refreshed.status_code == 200


def test_es256_configuration_works_end_to_end(make_api: Callable[..., Api]) -> None:
    es_api = make_api(
        jwt_algorithm="ES256",
        jwt_secret=None,
        jwt_private_key=private_pem(ec_key()),
        jwt_public_key=public_pem(ec_key()),
    )
    user_id = es_api.user("korei", "koreifukushi", Role.STAFF)

    body = _login(es_api)

    header, claims = parts(body["access_token"])
    assert header == {"alg": "ES256", "typ": "at+jwt"}
    me = _me(es_api, body["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["sub"] == user_id
    refreshed = es_api.client.post(
        "/auth/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    )
    assert refreshed.status_code == 200
    hs_forgery = forge(access_header("HS256"), claims, hs256(public_pem(ec_key()).encode()))
    assert_refused(_me(es_api, hs_forgery))
