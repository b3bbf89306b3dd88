"""A small Central Sulawesi site-assessment operation with known figures, built through the
public API: gazetteer boundaries, the shipped DTM SA form, two rounds and approved (and not
approved) submissions, as the analytics and publish tests need them."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

from pantau.forms.library import path_of
from pantau.ingest import Incoming
from pantau.workspace import Workspace
from tests.gazetteer.files import ADM1, ADM2, adm2_props, geojson

OP = "idn-sulteng"
FORM = "dtm_sa"
R1 = (dt.date(2018, 10, 1), dt.date(2018, 10, 15))
R2 = (dt.date(2018, 11, 1), dt.date(2018, 11, 15))


def build(ws: Workspace, tmp: Path) -> None:
    """Gazetteer (admin 1–2 with boundaries), operation, form and two SA rounds."""
    adm1 = geojson(tmp / "idn_adm1.geojson", [
        ({"ADM1_PCODE": c, "ADM1_EN": n, "ADM0_PCODE": "ID"}, g) for c, (n, g) in ADM1.items()])
    ws.gazetteer.import_file(adm1, label="cod-ab", valid_from=dt.date(2020, 4, 1))
    ws.gazetteer.import_file(geojson(tmp / "idn_adm2.geojson",
                                     [(adm2_props(c), ADM2[c][2]) for c in ADM2]),
                             label="cod-ab")
    ws.operations.create(OP, "IDN", "Central Sulawesi Earthquake 2018", avg_household_size=4.5)
    ws.forms.import_xlsform(OP, path_of("dtm_sa.xlsx"))
    ws.forms.import_xlsform(OP, path_of("dtm_ba.xlsx"))
    for n, (start, end) in enumerate((R1, R2), 1):
        ws.operations.add_round(OP, "SA", n, start, end, reporting_date=end,
                                gazetteer_version="cod-ab")
    ws.operations.add_round(OP, "BA", 1, *R1, gazetteer_version="cod-ab")


def site(ws: Workspace, day: dt.date, site_id: str, adm2: str, *, hh: int | None = None,
         ind: int | None = None, f: tuple[int, int, int, int] | None = None,
         m: tuple[int, int, int, int] | None = None, reason: str = "earthquake",
         origin: str | None = None, needs: str = "", state: str = "approved",
         adm1: str | None = None) -> str:
    """One approved (by default) site assessment; returns its instance id."""
    data: dict[str, Any] = {"assessment_date": day.isoformat(), "location/site_id": site_id,
                            "location/adm1_pcode": adm1 or adm2[:4],
                            "location/adm2_pcode": adm2, "population/main_reason": reason,
                            "needs/priority_needs": needs}
    if hh is not None:
        data["population/idp_hh"] = str(hh)
    if ind is not None:
        data["population/idp_ind"] = str(ind)
    for sex, values in (("f", f), ("m", m)):
        for age, v in zip(("infants", "children", "adults", "elderly"), values or (),
                          strict=False):
            data[f"population/idp_{sex}_{age}"] = str(v)
    if origin:
        data["population/origin_adm2_pcode"] = origin
    return send(ws, FORM, data, state)


def village(ws: Workspace, day: dt.date, adm2: str,
            groups: list[tuple[str | None, str, int, int]],
            returnees: tuple[int, int] | None = None, state: str = "approved") -> str:
    """One approved baseline (BA) record of a village: IDP groups as (origin admin-2 P-code,
    reason, households, individuals), and returnees as (households, individuals)."""
    data: dict[str, Any] = {"assessment_date": day.isoformat(),
                            "location/adm1_pcode": adm2[:4], "location/adm2_pcode": adm2,
                            "idps/idps_present": "yes",
                            "idps/idp_groups": [
                                {"idps/idp_groups/origin_adm2_pcode": origin,
                                 "idps/idp_groups/reason": reason,
                                 "idps/idp_groups/hh": str(hh), "idps/idp_groups/ind": str(ind)}
                                for origin, reason, hh, ind in groups]}
    if returnees:
        data["returnees/returnee_hh"], data["returnees/returnee_ind"] = map(str, returnees)
    return send(ws, "dtm_ba", data, state)


def send(ws: Workspace, form: str, data: dict[str, Any], state: str,
         edits: str | None = None) -> str:
    """Receive one submission as a file import would hand it over; returns its instance id."""
    iid = f"uuid:{uuid.uuid4()}"
    out = ws.ingest.receive(OP, form, Incoming(
        instance_id=iid, data=data, raw=json.dumps(data).encode(), raw_format="json",
        source="file", origin="test", review_state=state, deprecated_id=edits))
    assert out.status == ("updated" if edits else "created"), out
    return iid
