"""The public dashboard pages and their JSON twins: overview, map, movements, needs.

One view, two faces: each page renders the dict of `pantau.analytics.views` and
`/api/operations/{slug}/…` returns the same dict, documented in OpenAPI. Filters are plain
GET parameters (`type`, `round`, `admin1`), so every filtered page has an address that can
be shared, and works without JavaScript; the charts and the map are drawn from the same
dict, embedded in the page as JSON.

Access: these are aggregates: `router` declares "aggregates:read" for every route on it
(anonymous visitors see public operations), `lang_router` ("public") only sets the language.
Small cells are hidden (`pantau.analytics.views`: null, listed in `suppressed`) for everyone
but those who may read the operation's records anyway (`_full`): the pages mark them.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from pantau import __version__
from pantau.analytics import views
from pantau.web.access import allow
from pantau.web.dashboard import charts, downloads, i18n

# Every page, JSON twin and download shows aggregates: public when the operation is public.
router = APIRouter(dependencies=[allow("aggregates:read")])
lang_router = APIRouter(dependencies=[allow("public")])  # the language choice: anyone

PAGES = {"overview": views.overview, "map": views.map_view, "movements": views.movements,
         "needs": views.needs}
TILES_ENV, ATTRIBUTION_ENV = "PANTAU_MAP_TILES", "PANTAU_MAP_ATTRIBUTION"

AssessmentType = Annotated[str | None, Query(alias="type", max_length=10,
                                             description="assessment type (default: SA, "
                                             "else the first with figures)")]
RoundNumber = Annotated[int | None, Query(alias="round", ge=0,
                                          description="round number (default: the latest "
                                          "with approved figures)")]
Admin1 = Annotated[str | None, Query(max_length=40, description="admin-1 P-code: only "
                                     "this area")]
Level = Annotated[int, Query(ge=1, le=3, description="admin level of the map's areas")]


def _ws(request: Request) -> Any:
    return request.app.state.ws


def _full(request: Request, slug: str) -> bool:
    """Unsuppressed figures only for who may read the records of the operation anyway
    (analysts, managers, admins): anonymous visitors and viewers see small cells hidden."""
    who = getattr(request.state, "principal", None)
    return who is not None and who.can("aggregates:read", slug) and \
        who.can("records:read", slug)


def _filters(request: Request, slug: str, kind: str | None, number: int | None,
             admin1: str | None) -> dict[str, Any]:
    return {"assessment_type": kind or None, "round_number": number,
            "admin1": admin1 or None, "full": _full(request, slug)}


def _tiles() -> dict[str, str] | None:
    """The optional background tile layer (none by default: nothing loads from outside)."""
    url = os.environ.get(TILES_ENV, "").strip()
    if not url:
        return None
    return {"url": url, "attribution": os.environ.get(ATTRIBUTION_ENV, "").strip()}


def _render(request: Request, template: str, page: str, slug: str, data: dict[str, Any],
            **extra: Any) -> HTMLResponse:
    from pantau.web.app import templates

    draw = getattr(charts, page, None)
    lang = i18n.language(request)
    if draw is not None and data.get("source") is not None:
        extra["charts"] = draw(data, lang)  # hidden cells are gaps in a chart
    data = i18n.mark_hidden(data, lang)  # … and a marked cell in a table or a figure

    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    api = f"/api/operations/{slug}/{page}"
    context = {**data, **extra, "version": __version__, "active": page, "slug": slug,
               "page": page, "query": query, "lang": lang,
               "json_url": str(request.url.replace(path=api).remove_query_params("lang"))
               .removeprefix(str(request.base_url).rstrip("/"))}
    return templates.TemplateResponse(request, template, context)


@lang_router.get("/lang/{code}", include_in_schema=False)
def choose_language(code: str, next: str = "/") -> RedirectResponse:
    """Remember the language in a cookie and go back to the page (a local path only)."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if code in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, code, max_age=365 * 24 * 3600, samesite="lax")
    return response


# ---- overview ------------------------------------------------------------------------------
@router.get("/operations/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def overview_page(request: Request, slug: str, kind: AssessmentType = None,
                        number: RoundNumber = None, admin1: Admin1 = None) -> HTMLResponse:
    data = await run_in_threadpool(views.overview, _ws(request), slug,
                                   **_filters(request, slug, kind, number, admin1))
    return _render(request, "dashboard/overview.html", "overview", slug, data)


@router.get("/api/operations/{slug}/overview", tags=["dashboard"])
async def overview_api(request: Request, slug: str, kind: AssessmentType = None,
                       number: RoundNumber = None, admin1: Admin1 = None) -> dict[str, Any]:
    """The overview page as data: headline figures of a round (`headline`, `idps`), the
    change since the previous round of the same type (`change`), and the tables `trend`,
    `reasons`, `pyramid` and `areas` (top admin-2 areas). `source` names the operation,
    assessment type, round, reporting date and gazetteer version of every figure;
    `status.refreshed` is false (and the rest empty) until `pantau refresh` has run."""
    return await run_in_threadpool(views.overview, _ws(request), slug,
                                   **_filters(request, slug, kind, number, admin1))


# ---- map -----------------------------------------------------------------------------------
@router.get("/operations/{slug}/map", response_class=HTMLResponse, include_in_schema=False)
async def map_page(request: Request, slug: str, kind: AssessmentType = None,
                   number: RoundNumber = None, admin1: Admin1 = None,
                   level: Level = 2) -> HTMLResponse:
    data = await run_in_threadpool(views.map_view, _ws(request), slug,
                                   **_filters(request, slug, kind, number, admin1), level=level)
    points = [[s["code"], s["name"], s["lat"], s["lon"], s["ind"]]  # hidden: null
              for s in data.get("sites", []) if s["lat"] is not None and s["lon"] is not None]
    return _render(request, "dashboard/map.html", "map", slug, data, tiles=_tiles(),
                   site_points=points)


@router.get("/api/operations/{slug}/map", tags=["dashboard"])
async def map_api(request: Request, slug: str, kind: AssessmentType = None,
                  number: RoundNumber = None, admin1: Admin1 = None,
                  level: Level = 2) -> dict[str, Any]:
    """The map as data: `areas` (GeoJSON FeatureCollection of the admin areas at `level`
    with IDPs in the round; `geometry` from the gazetteer, null where it has no boundary,
    then `properties.centroid` is [lon, lat]), `sites` (code, name, type, point, admin codes,
    IDPs counted in the round or null) and `counts`."""
    return await run_in_threadpool(views.map_view, _ws(request), slug,
                                   **_filters(request, slug, kind, number, admin1), level=level)


@router.get("/operations/{slug}/sites/{code}", response_class=HTMLResponse,
            include_in_schema=False)
async def site_fragment(request: Request, slug: str, code: str) -> HTMLResponse:
    """The site profile as an HTML fragment, loaded into the map page by htmx."""
    from pantau.web.app import templates

    data = await run_in_threadpool(views.site_profile, _ws(request), slug, code,
                                   _full(request, slug))
    lang = i18n.language(request)
    return templates.TemplateResponse(request, "dashboard/_site.html",
                                      {**i18n.mark_hidden(data, lang), "slug": slug,
                                       "lang": lang})


@router.get("/operations/{slug}/site", response_class=HTMLResponse, include_in_schema=False)
async def site_by_code(request: Request, slug: str,
                       code: Annotated[str, Query(max_length=60)]) -> HTMLResponse:
    """The same fragment for the map's "site code" form (keyboard users, no pointer)."""
    return await site_fragment(request, slug, code.strip())


@router.get("/api/operations/{slug}/sites/{code}", tags=["dashboard"])
async def site_api(request: Request, slug: str, code: str) -> dict[str, Any]:
    """One site's profile: master-list facts, IDPs (`ind`, `hh`) in every round that counted
    it, its priority needs in the last round assessed and that assessment's date."""
    return await run_in_threadpool(views.site_profile, _ws(request), slug, code,
                                   _full(request, slug))


# ---- movements and needs -------------------------------------------------------------------
@router.get("/operations/{slug}/movements", response_class=HTMLResponse,
            include_in_schema=False)
async def movements_page(request: Request, slug: str, kind: AssessmentType = None,
                         number: RoundNumber = None, admin1: Admin1 = None) -> HTMLResponse:
    data = await run_in_threadpool(views.movements, _ws(request), slug,
                                   **_filters(request, slug, kind, number, admin1))
    return _render(request, "dashboard/movements.html", "movements", slug, data)


@router.get("/api/operations/{slug}/movements", tags=["dashboard"])
async def movements_api(request: Request, slug: str, kind: AssessmentType = None,
                        number: RoundNumber = None, admin1: Admin1 = None) -> dict[str, Any]:
    """Origin (admin 1–2) → current place (admin 1–2) in the round, from `origin_matrix`:
    `tables.movements`; `available` is false when the round recorded no origins."""
    return await run_in_threadpool(views.movements, _ws(request), slug,
                                   **_filters(request, slug, kind, number, admin1))


@router.get("/operations/{slug}/needs", response_class=HTMLResponse, include_in_schema=False)
async def needs_page(request: Request, slug: str, kind: AssessmentType = None,
                     number: RoundNumber = None, admin1: Admin1 = None) -> HTMLResponse:
    data = await run_in_threadpool(views.needs, _ws(request), slug,
                                   **_filters(request, slug, kind, number, admin1))
    return _render(request, "dashboard/needs.html", "needs", slug, data)


@router.get("/api/operations/{slug}/needs", tags=["dashboard"])
async def needs_api(request: Request, slug: str, kind: AssessmentType = None,
                    number: RoundNumber = None, admin1: Admin1 = None) -> dict[str, Any]:
    """Priority needs by sector in the round: `tables.sectors` (the whole area: sites
    naming the need, sites assessed, share) and `tables.areas` (per admin-2 area)."""
    return await run_in_threadpool(views.needs, _ws(request), slug,
                                   **_filters(request, slug, kind, number, admin1))


# ---- downloads -----------------------------------------------------------------------------
@router.get("/operations/{slug}/download/{page}/{table}.{fmt}", tags=["dashboard"])
async def download(request: Request, slug: str, page: str, table: str, fmt: str,
                   kind: AssessmentType = None, number: RoundNumber = None,
                   admin1: Admin1 = None) -> Response:
    """One table of a page (`overview`, `map`, `movements`, `needs`) as HXL-tagged CSV or
    XLSX (with a metadata sheet), with the page's filters; each row names its operation,
    assessment type, round, reporting date and gazetteer version."""
    from pantau.errors import PantauError

    if page not in PAGES:
        raise PantauError("not_found", what="page", key=f"{page}' (one of {', '.join(PAGES)})")
    data = await run_in_threadpool(PAGES[page], _ws(request), slug,
                                   **_filters(request, slug, kind, number, admin1))
    handle, name = tempfile.mkstemp(suffix=f".{fmt}")
    os.close(handle)
    out = Path(name)
    try:
        await run_in_threadpool(downloads.write, data, page, table, fmt, out)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return FileResponse(out, media_type=downloads.MEDIA[fmt],
                        filename=downloads.file_name(data, page, table, fmt),
                        background=BackgroundTask(out.unlink, missing_ok=True))


def page_json(data: dict[str, Any]) -> str:
    """The page's data for its scripts, safe inside <script type="application/json">."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
