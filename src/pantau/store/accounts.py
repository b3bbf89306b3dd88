"""Tables of accounts, roles, API tokens and the audit log (issue 7)."""

from __future__ import annotations
