"""Random secrets for API tokens and sessions: shown once, stored as SHA-256.

A token has 256 random bits, so a plain SHA-256 (not a slow password hash) is enough to make a
stolen table useless, and lets a request be authenticated with one indexed look-up.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "pantau_"


def new_secret() -> str:
    """32 random bytes, URL-safe (cookies, CSRF tokens)."""
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    """An API token; the prefix makes a leaked one easy to recognise (secret scanners)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The SHA-256 (hex) stored in place of a token."""
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets (False if either is missing)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"),
                               b.encode("utf-8", "surrogateescape"))
