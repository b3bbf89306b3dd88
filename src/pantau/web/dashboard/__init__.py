"""The public dashboards: overview, map, movements and needs pages with their JSON twins.

`router` holds the pages, `/api/operations/…` and downloads ("aggregates:read");
`lang_router` the language switch ("public"). See docs/web.md.
"""

from typing import Any

from pantau.web.dashboard import i18n
from pantau.web.dashboard.routes import lang_router, page_json, router

__all__ = ["install", "lang_router", "router"]


def install(env: Any) -> None:
    """Languages, locale-aware filters and `page_json` for every template of the app."""
    i18n.install(env)
    env.filters["page_json"] = page_json
