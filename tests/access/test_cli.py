"""`pantau user …` and `pantau audit list` on both stores."""

from __future__ import annotations

import os

from tests.ingest.sample_form import OP, add_form


def test_users_roles_tokens_and_the_audit_log(cli, ws) -> None:  # type: ignore[no-untyped-def]
    add_form(ws)
    os.environ["PANTAU_TEST_PW"] = "cli password 1"
    try:
        out = cli("user", "add", "rina", "--operation", OP, "--role", "manager",
                  "--password-env", "PANTAU_TEST_PW", "--by", "lead").output
        assert "Added user rina, manager in idn-sulteng" in out
        cli("user", "add", "root", "--admin", "--password-env", "PANTAU_TEST_PW")
        bad = cli("user", "add", "rina", "--password-env", "PANTAU_TEST_PW", ok=False)
        assert bad.exit_code == 1 and "exists already" in bad.output
    finally:
        del os.environ["PANTAU_TEST_PW"]
    assert "is analyst in idn-sulteng" in cli("user", "role", "rina", OP, "analyst").output
    bad = cli("user", "role", "rina", OP, "boss", ok=False)
    assert bad.exit_code == 1 and "unknown role 'boss'" in bad.output
    out = cli("user", "token", "rina", "--scope", "records:read", "--days", "7").output
    plain = out.strip().splitlines()[-1]
    assert plain.startswith("pantau_")
    who = ws.access.by_token(plain)
    assert who is not None and who.username == "rina" and who.can("records:read", OP)
    listed = cli("user", "token", "rina", "--list").output
    assert "records:read" in listed and plain not in listed
    assert "Token 1 revoked" in cli("user", "revoke", "1").output
    ws.access._cache.clear()  # the CLI is another process: the server's cache would expire
    assert ws.access.by_token(plain) is None
    cli("user", "disable", "rina")
    users = cli("user", "list").output
    assert "rina" in users and "disabled" in users and "root" in users
    assert "is public" in cli("user", "public", OP).output
    log = cli("audit", "list", "--limit", "20").output
    for action in ("user.add", "user.role", "token.create", "token.revoke", "user.disable",
                   "operation.public"):
        assert action in log, action
    assert "lead" in log and "os:" in log  # --by, else the OS login
    assert "cli password" not in log and plain not in log
