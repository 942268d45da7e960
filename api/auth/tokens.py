"""JWT issue and verification. The only module that imports python-jose, so that it can be swapped.

Hardening (access.md "Tokens"): one algorithm family per key and an explicit algorithm list (never
``none``, never HMAC and RSA/EC together); short or empty HMAC secrets are refused at start-up;
``exp``, ``iat``, ``iss``, ``aud``, ``sub`` and the ``typ`` header are required; access and refresh
tokens carry different ``typ`` values so that one can never pass as the other.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jose import JWTError, jwt
from jose.exceptions import JOSEError, JWKError

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"})
MIN_HMAC_SECRET_BYTES = 32

ACCESS_TYP = "at+jwt"  # RFC 9068
REFRESH_TYP = "refresh+jwt"
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")


class TokenConfigError(ValueError):
    """The signing configuration is unsafe; the service refuses to start."""


class InvalidToken(Exception):
    """A token that must not be accepted (reason kept for the audit log, never for the client)."""


@dataclass(frozen=True)
class TokenKeys:
    algorithm: str
    signing_key: str
    verification_key: str
    issuer: str
    audience: str

    @classmethod
    def create(
        cls,
        *,
        algorithm: str,
        issuer: str,
        audience: str,
        secret: str | None = None,
        private_key: str | None = None,
        public_key: str | None = None,
    ) -> "TokenKeys":
        if algorithm in HMAC_ALGORITHMS:
            if private_key or public_key:
                raise TokenConfigError("an HMAC algorithm takes a secret, not a key pair")
            if not secret or len(secret.encode()) < MIN_HMAC_SECRET_BYTES:
                raise TokenConfigError(
                    f"the HMAC secret must be at least {MIN_HMAC_SECRET_BYTES} bytes"
                )
            if "-----BEGIN" in secret:
                raise TokenConfigError("a PEM key cannot be used as an HMAC secret")
            return cls(algorithm, secret, secret, issuer, audience)
        if algorithm in ASYMMETRIC_ALGORITHMS:
            if secret:
                raise TokenConfigError("an asymmetric algorithm takes a key pair, not a secret")
            if not private_key or not public_key:
                raise TokenConfigError("RS/ES algorithms need both a private and a public key")
            keys = cls(algorithm, private_key, public_key, issuer, audience)
            keys._check_key_pair()
            return keys
        raise TokenConfigError(f"unsupported JWT algorithm {algorithm!r}")

    def _check_key_pair(self) -> None:
        """Sign and verify once: keys of another family, a public key given as the private one, or
        two keys that are not a pair stop the service at start-up, not at the first log-in."""
        try:
            probe = jwt.encode({"probe": True}, self.signing_key, algorithm=self.algorithm)
            jwt.decode(probe, self.verification_key, algorithms=[self.algorithm])
        except JOSEError as exc:
            raise TokenConfigError(
                f"the private and public keys are not a working {self.algorithm} key pair"
            ) from exc


def new_secret() -> str:
    return secrets.token_urlsafe(48)


def new_token_id() -> str:
    return secrets.token_urlsafe(24)


def _encode(keys: TokenKeys, typ: str, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, keys.signing_key, algorithm=keys.algorithm, headers={"typ": typ})


def _base_claims(
    keys: TokenKeys, *, sub: str, now: datetime, ttl: timedelta, jti: str
) -> dict[str, Any]:
    return {
        "iss": keys.issuer,
        "aud": keys.audience,
        "sub": sub,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": jti,
    }


def issue_access_token(
    keys: TokenKeys, *, sub: str, now: datetime, ttl: timedelta, claims: dict[str, Any]
) -> str:
    payload = _base_claims(keys, sub=sub, now=now, ttl=ttl, jti=new_token_id()) | claims
    return _encode(keys, ACCESS_TYP, payload)


def issue_refresh_token(
    keys: TokenKeys, *, sub: str, now: datetime, ttl: timedelta, jti: str
) -> str:
    return _encode(keys, REFRESH_TYP, _base_claims(keys, sub=sub, now=now, ttl=ttl, jti=jti))


def _decode(keys: TokenKeys, token: str, typ: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") != keys.algorithm:
        raise InvalidToken(f"algorithm {header.get('alg')!r} not accepted")
    if header.get("typ") != typ:
        raise InvalidToken(f"token type {header.get('typ')!r} where {typ!r} is required")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            keys.verification_key,
            algorithms=[keys.algorithm],
            audience=keys.audience,
            issuer=keys.issuer,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_iss": True,
                "require_aud": True,
                "require_sub": True,
                "require_jti": True,
                "leeway": 0,
            },
        )
    except (JWTError, JWKError) as exc:
        raise InvalidToken(str(exc)) from exc
    if any(claims.get(name) in (None, "") for name in REQUIRED_CLAIMS):
        raise InvalidToken("a required claim is empty")
    return claims


def decode_access_token(keys: TokenKeys, token: str) -> dict[str, Any]:
    return _decode(keys, token, ACCESS_TYP)


def decode_refresh_token(keys: TokenKeys, token: str) -> dict[str, Any]:
    return _decode(keys, token, REFRESH_TYP)
