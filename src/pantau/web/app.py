"""Build the FastAPI app. One view, two faces: each page's dict is also served as JSON.

Pages are rendered on the server (Jinja2 with autoescaping, so names typed into a master list
are shown as text, never run) and need nothing from the internet: no CDN, no web fonts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from pantau import __version__
from pantau.errors import PantauError

if TYPE_CHECKING:
    from pantau.workspace import Workspace

HERE = Path(__file__).parent
# Autoescaping always on (not only for *.html): a site name is text, whatever it contains.
templates = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True))


def day(value: str | None) -> str:
    """'2018-10-08' → '8 Oct 2018': unambiguous in every locale, unlike 08/10/2018."""
    if not value:
        return "—"
    d = dt.date.fromisoformat(value)
    return f"{d.day} {d:%b %Y}"


templates.env.filters["day"] = day


def home_data(ws: Workspace, request: Request | None = None) -> dict[str, Any]:
    """Everything the home page shows, as plain data (also GET /api/home). With a request,
    only the operations its principal may see the aggregates of: the name of an operation
    that is not public can itself be sensitive."""
    from pantau.web.summary import workspace_summary

    data = workspace_summary(ws)
    if request is not None:
        visible = request.state.principal.operations("aggregates:read")
        if visible is not None:
            data["operations"] = [o for o in data["operations"] if o["slug"] in visible]
            countries = {o["country"] for o in data["operations"]}
            data["gazetteers"] = [g for g in data["gazetteers"] if g["country"] in countries]
    return data


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    await run_in_threadpool(app.state.submission_writer.close)  # stores what is queued first
    await run_in_threadpool(app.state.incoming_checks.close)  # then checks what it stored
    await run_in_threadpool(app.state.audit_writer.close)


def create_app(ws: Workspace, *, secure_cookies: bool | None = None) -> FastAPI:
    """The app over `ws`. `secure_cookies`: None sets the Secure flag except over plain HTTP
    to localhost (see pantau.web.access); False for tests over http://testserver."""
    from pantau.ingest.openrosa import submission_writer
    from pantau.web.access import allow, install

    # /docs is served below from the vendored Swagger UI: FastAPI's default loads it from a CDN.
    app = FastAPI(title="pantau", version=__version__, docs_url=None, redoc_url=None,
                  description="Open Displacement Tracking Matrix: pages and JSON API.",
                  lifespan=_lifespan)
    app.state.ws = ws
    app.state.submission_writer = submission_writer(ws.engine)  # OpenRosa: group commit
    from pantau.quality.incoming import Checker

    app.state.incoming_checks = Checker(ws)  # the quality checks of what the writer stored
    app.state.submission_writer.after_commit = app.state.incoming_checks
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    install(app, secure_cookies=secure_cookies)  # deny by default: every route says allow(…)

    @app.exception_handler(PantauError)
    async def _pantau_error(_request: Request, exc: PantauError) -> JSONResponse:
        return JSONResponse({"error": exc.code, "message": str(exc)}, status_code=exc.status)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False,
             dependencies=[allow("public")])
    def home(request: Request) -> HTMLResponse:
        page = {"version": __version__, "json_url": "/api/home", "active": "home"}
        return templates.TemplateResponse(request, "home.html",
                                          {**home_data(ws, request), **page})

    @app.get("/docs", include_in_schema=False, dependencies=[allow("public")])
    def api_explorer() -> HTMLResponse:
        vendor = "/static/vendor/swagger-ui"
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title="pantau — API",
            swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
            swagger_css_url=f"{vendor}/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg")

    @app.get("/api/home", tags=["workspace"], dependencies=[allow("public")])
    def api_home(request: Request) -> dict[str, Any]:
        """The home page as data: the operations the caller may see (public ones for
        everyone), with their rounds and sites per admin-2 area, and the gazetteer versions.
        `notice` is set in the demo workspace."""
        return home_data(ws, request)

    from pantau.web.openrosa import router as openrosa_router

    app.include_router(openrosa_router)
    from pantau.web.dtm_api import router as dtm_api_router

    app.include_router(dtm_api_router)
    from pantau.web.flow_api import router as flow_api_router

    app.include_router(flow_api_router)  # flow monitoring aggregates: "aggregates:read"
    from pantau.web import quality_api

    app.include_router(quality_api.read_router)  # records:read
    app.include_router(quality_api.export_router)  # export
    app.include_router(quality_api.review_router)  # review
    from pantau.web import data_page

    app.include_router(data_page.page_router)  # records:read
    app.include_router(data_page.action_router)  # review
    from pantau.web.dashboard import install as install_dashboard
    from pantau.web.dashboard import router as dashboard_router

    install_dashboard(templates.env)  # languages and locale-aware number/date filters
    from pantau.web.dashboard import lang_router

    app.include_router(dashboard_router)  # public pages: "aggregates:read"
    app.include_router(lang_router)  # /lang/{code}: "public"
    from pantau.web.flow_pages import router as flow_pages_router

    app.include_router(flow_pages_router)  # flow monitoring pages: "aggregates:read"
    from pantau.web.report import router as report_router

    app.include_router(report_router)  # round reports (HTML, PDF): "aggregates:read"
    return app
