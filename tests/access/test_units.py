"""The parts without a store: failure limits (with a clock of the test's own), principals,
passwords."""

from __future__ import annotations

from pantau.access.passwords import hash_password, verify_password
from pantau.access.principal import Grant, Principal, anonymous
from pantau.access.ratelimit import FailureLimit


def test_failures_are_forgotten_after_the_window() -> None:
    now = [0.0]
    limit = FailureLimit(5, 60, clock=lambda: now[0])
    for _ in range(5):
        assert not limit.blocked("ip\0rina")
        limit.fail("ip\0rina")
    assert limit.blocked("ip\0rina") and not limit.blocked("ip\0budi")
    assert limit.retry_after("ip\0rina") == 61
    now[0] = 59.9
    assert limit.blocked("ip\0rina")
    now[0] = 60.1
    assert not limit.blocked("ip\0rina")


def test_principals() -> None:
    anon = anonymous({"pub"})
    assert anon.can("aggregates:read", "pub") and not anon.can("aggregates:read", "priv")
    assert anon.can("aggregates:read") and not anon.can("records:read", "pub")
    assert not anonymous().can("aggregates:read")
    viewer = Principal("v", 2, grants={"priv": Grant("viewer")}, via="session")
    assert viewer.operations("aggregates:read") == {"priv"}
    assert viewer.operations("records:read") == frozenset()
    admin = Principal("a", 1, is_admin=True, scopes=frozenset({"aggregates:read"}))
    assert admin.can("aggregates:read", "x") and not admin.can("records:read", "x")
    assert admin.operations("aggregates:read") is None and not admin.can("audit:read")
    assert admin.can("public")


def test_passwords() -> None:
    stored = hash_password("a long password")
    assert stored.startswith("$argon2id$") and "a long password" not in stored
    assert verify_password(stored, "a long password")
    assert not verify_password(stored, "a long passworD")
    assert not verify_password(None, "a long password")  # unknown user: still verified
    assert not verify_password(stored, "x" * 5000)
