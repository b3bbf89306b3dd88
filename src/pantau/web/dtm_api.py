"""DTM API v3 compatible endpoints, so clients of IOM's API (the `dtmapi` package, scripts,
dashboards) can read pantau's figures unchanged:

    GET /v3/displacement/admin0 | admin1 | admin2    IDP figures per area (see publish.dtm_api)
    GET /v3/displacement/country-list               countries with an operation
    GET /v3/displacement/operation-list             operations and their status

Every answer is IOM's envelope `{isSuccess, result, errorMessages}`; a bad parameter is
`isSuccess: false` with the message, as IOM answers it. Routes are thin: check the key, parse,
one call into `pantau.publish.dtm_api`, return.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pantau.publish import dtm_api

KEY_HEADER = "Ocp-Apim-Subscription-Key"

router = APIRouter(prefix="/v3/displacement", tags=["DTM API v3"])


def _key_missing(request: Request) -> JSONResponse | None:
    """IOM's gateway refuses a request without a subscription key, and so does pantau.

    TODO(accounts): check the key against the keys issued to users (a later issue). Today any
    non-empty key is accepted: the data served is aggregated and public."""
    if request.headers.get(KEY_HEADER, "").strip():
        return None
    return JSONResponse(dtm_api.envelope(errors=[
        f"Access denied due to missing subscription key. Send it in the {KEY_HEADER} "
        "header."]), status_code=401)


def _displacement(request: Request, level: int) -> Any:
    refused = _key_missing(request)
    if refused is not None:
        return refused
    try:
        query = dtm_api.parse(level, dict(request.query_params))
        return dtm_api.envelope(dtm_api.records(request.app.state.ws, query))
    except dtm_api.BadParameter as exc:
        return dtm_api.envelope(errors=[str(exc)])


@router.get("/admin0")
def admin0(request: Request) -> Any:
    """IDP figures per country (admin 0), per operation, assessment type, round, reason and
    origin. Parameters: Operation, CountryName, Admin0Pcode (one of them required),
    FromReportingDate, ToReportingDate (YYYY-MM-DD), FromRoundNumber, ToRoundNumber."""
    return _displacement(request, 0)


@router.get("/admin1")
def admin1(request: Request) -> Any:
    """IDP figures per admin-1 area; also Admin1Name, Admin1Pcode."""
    return _displacement(request, 1)


@router.get("/admin2")
def admin2(request: Request) -> Any:
    """IDP figures per admin-2 area; also Admin1Name, Admin1Pcode, Admin2Name, Admin2Pcode."""
    return _displacement(request, 2)


@router.get("/country-list")
def country_list(request: Request) -> Any:
    """Countries with at least one operation: admin0Name, admin0Pcode."""
    return _key_missing(request) or dtm_api.envelope(dtm_api.countries(request.app.state.ws))


@router.get("/operation-list")
def operation_list(request: Request) -> Any:
    """Operations: operation (its name), operationStatus, admin0Name, admin0Pcode."""
    return _key_missing(request) or dtm_api.envelope(dtm_api.operations(request.app.state.ws))
