"""Password hashing with argon2id (argon2-cffi's RFC 9106 defaults).

Verification of an unknown user name still runs one argon2 verification against a fixed hash,
so that the time a login takes does not tell whether the user exists.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 takes any length; a megabyte "password" is a denial of service
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("pantau: no such user")


def check_password_rules(password: str) -> None:
    """ValueError saying what is wrong with a new password (never echoing it)."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"the password is too short (at least {MIN_LENGTH} characters)")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"the password is too long (at most {MAX_LENGTH} characters)")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True if `password` matches `stored` (None: unknown user, verified against a dummy)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
