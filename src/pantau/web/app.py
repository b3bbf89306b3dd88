"""Build the FastAPI app. One view, two faces: each page's dict is also served as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from pantau import __version__
from pantau.errors import PantauError

if TYPE_CHECKING:
    from pantau.workspace import Workspace

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def home_data(ws: Workspace) -> dict[str, Any]:
    """Everything the home page shows, as plain data (also GET /api/home)."""
    from pantau.web.summary import workspace_summary

    return workspace_summary(ws)


def create_app(ws: Workspace) -> FastAPI:
    app = FastAPI(title="pantau", version=__version__,
                  description="Open Displacement Tracking Matrix: pages and JSON API.")
    app.state.ws = ws
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(PantauError)
    async def _pantau_error(_request: Request, exc: PantauError) -> JSONResponse:
        return JSONResponse({"error": exc.code, "message": str(exc)}, status_code=exc.status)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "home.html", home_data(ws))

    @app.get("/api/home", tags=["workspace"])
    def api_home() -> dict[str, Any]:
        """Operations with their rounds, sites and gazetteer coverage."""
        return home_data(ws)

    return app
