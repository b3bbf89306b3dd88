"""An API key for the DTM API routes: a real token of a real account, as a client would hold."""

from __future__ import annotations

from pantau.workspace import Workspace


def dtm_key(ws: Workspace) -> str:
    """A token of an admin account (the DTM API answers with what the key's user may read)."""
    ws.access.add_user("dtm-client", "dtm client password", admin=True, by="tests")
    token, _ = ws.access.create_token("dtm-client", "tests")
    return token
