"""Password and client-secret hashing with argon2 (pwdlib)."""

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))  # pwdlib's recommended parameters
# Verified against when the user does not exist, so that timing does not reveal valid user names.
_DUMMY_HASH = _hasher.hash("tsunagu-timing-equaliser")


def hasher() -> PasswordHash:
    return _hasher


def use_hasher(replacement: PasswordHash) -> None:
    """Hash (and verify) with ``replacement`` from now on, in this process: for the test suite,
    which hashes thousands of passwords (tests/conftest.py). Stored hashes name their own
    parameters, so hashes made before stay verifiable."""
    global _hasher, _DUMMY_HASH
    _hasher = replacement
    _DUMMY_HASH = replacement.hash("tsunagu-timing-equaliser")


MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)
