"""The round report pages: `/operations/{slug}/rounds/{type}/{number}/report` (printable
HTML, no script) and `…/report.pdf` (the same page printed by headless Chromium).

Aggregates only, like the dashboards: every route declares "aggregates:read", so anonymous
visitors see the reports of public operations. The page is rendered by
`pantau.publish.round_report`, the same code `pantau report round` prints with, so the file
and the page cannot differ.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from pantau.publish import round_report
from pantau.web.access import allow
from pantau.web.dashboard import i18n

router = APIRouter(dependencies=[allow("aggregates:read")])

Kind = Annotated[str, Path(max_length=10, description="assessment type, e.g. SA")]
Number = Annotated[int, Path(ge=0, description="round number")]
Lang = Annotated[str | None, Query(max_length=5, description="language (en, id); default: "
                                   "the `lang` cookie, else English")]


def _base(slug: str, kind: str, number: int) -> str:
    return f"/operations/{slug}/rounds/{kind.upper()}/{number}/report"


@router.get("/operations/{slug}/rounds/{assessment_type}/{number}/report",
            response_class=HTMLResponse, tags=["reports"])
async def round_report_page(request: Request, slug: str, assessment_type: Kind,
                            number: Number, lang: Lang = None) -> HTMLResponse:
    """The round report as a printable page (A4 print stylesheet): key figures, a map of
    IDPs by admin-2 area (inline SVG), tables by admin area, reasons, needs where the round
    has them, and the methodology note (period, coverage, approvals, gazetteer version,
    small-cell rule)."""
    chosen = lang if lang in i18n.LANGUAGES else i18n.language(request)
    data = await run_in_threadpool(round_report.report_data, request.app.state.ws, slug,
                                   assessment_type, number)
    base = _base(slug, assessment_type, number)
    kind = assessment_type.upper()
    links = {"dashboard": f"/operations/{slug}?{urlencode({'type': kind, 'round': number})}",
             **{f"lang_{code}": f"{base}?lang={code}" for code in i18n.LANGUAGES}}
    if round_report.chromium() is not None:  # no link to a PDF this server cannot print
        links["pdf"] = f"{base}.pdf" + ("" if chosen == i18n.DEFAULT else f"?lang={chosen}")
    html = round_report.render_html(data, chosen, links=links)
    return HTMLResponse(html)


@router.get("/operations/{slug}/rounds/{assessment_type}/{number}/report.pdf",
            response_class=Response, tags=["reports"],
            responses={200: {"content": {"application/pdf": {}}},
                       503: {"description": "headless Chromium is not installed"}})
async def round_report_pdf(request: Request, slug: str, assessment_type: Kind,
                           number: Number, lang: Lang = None) -> Response:
    """The round report as PDF (A4), printed by headless Chromium; 503 with a message
    saying so when this server has no Chromium (the HTML report works without it)."""
    chosen = lang if lang in i18n.LANGUAGES else i18n.language(request)
    try:
        pdf = await run_in_threadpool(round_report.round_report_pdf, request.app.state.ws,
                                      slug, assessment_type, number, chosen)
    except round_report.NoChromium as exc:
        return JSONResponse({"error": "unavailable", "message": str(exc)}, status_code=503)
    name = f"{slug}-{assessment_type.upper()}-round-{number}-{chosen}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})
