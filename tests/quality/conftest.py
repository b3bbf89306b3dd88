"""An SA operation around Palu for the quality tests: boundaries, master list, five monthly
rounds, the shipped SA form, and submissions imported as a KoboToolbox API v2 JSON export."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from pantau.forms.library import path_of
from tests.sites.conftest import (  # noqa: F401  (boundaries: a fixture used here)
    BANAWA,
    HUNTAP_TONDO,
    JONO_OGE,
    boundaries,
    write_csv,
)

OP = "idn-sulteng"
FORM = "dtm_sa"
MONTHS = [(2018, 10), (2018, 11), (2018, 12), (2019, 1), (2019, 2), (2019, 3)]
ROUNDS = {n: (dt.date(y, m, 1), dt.date(y, m, 28)) for n, (y, m) in enumerate(MONTHS, 1)}
# (site, lat/lon, adm2) — all three in the master list; SIG-002 is closed on 2018-11-15
SITES = {"PAL-001": (HUNTAP_TONDO, "ID7271"), "SIG-001": (JONO_OGE, "ID7210"),
         "DON-001": (BANAWA, "ID7205"), "SIG-002": (JONO_OGE, "ID7210")}
PARTS = [f"population/idp_{s}_{a}" for s in "fm"
         for a in ("infants", "children", "adults", "elderly")]


class Operation:
    """The test operation and a way to send it SA submissions."""

    def __init__(self, ws: Any, folder: Path) -> None:
        self.ws = ws
        self.folder = folder
        self.files = 0

    def record(self, site: str, day: str, hh: int = 50, ind: int = 200, **answers: Any
               ) -> dict[str, Any]:
        """A complete, valid SA submission; `answers` override fields by path (None drops)."""
        (lat, lon), adm2 = SITES.get(site, (HUNTAP_TONDO, "ID7271"))
        rec: dict[str, Any] = {
            "start": f"{day}T08:00:00.000+08:00", "end": f"{day}T08:30:00.000+08:00",
            "today": day, "assessment_date": day, "informant_role": "site_manager",
            "location/site_id": site, "location/site_name": "Posko Ibu Sari",
            "location/adm1_pcode": adm2[:4], "location/adm2_pcode": adm2,
            "location/adm3_pcode": adm2 + "010", "location/gps": f"{lat} {lon} 0 5",
            "location/site_type": "camp", "location/site_management": "government",
            "population/idp_hh": hh, "population/idp_ind": ind,
            "population/main_reason": "earthquake", "population/origin_adm1_pcode": "ID72",
            "services/water_on_site": "yes", "services/latrines_on_site": "no",
            "services/health_access": "yes", "services/school_access": "no",
            "needs/priority_needs": "shelter food wash",
            "comments": "Contact Ibu Sari at 0812-3456-7890",
        }
        share = [ind // 8] * 8
        share[0] += ind - sum(share)
        rec.update(zip(PARTS, share, strict=True))
        for key, value in answers.items():
            if value is None:
                rec.pop(key, None)
            else:
                rec[key] = value
        uid = str(uuid.uuid4())
        rec.update({"meta/instanceID": f"uuid:{uid}", "_uuid": uid,
                    "_submission_time": f"{day}T10:00:00", "_submitted_by": "enum07"})
        return rec

    def send(self, *records: dict[str, Any]) -> list[str]:
        """Import the records as one Kobo JSON export; returns their instance ids."""
        self.files += 1
        path = self.folder / f"export-{self.files}.json"
        results = [{k: str(v) if isinstance(v, int) else v for k, v in r.items()}
                   for r in records]
        path.write_text(json.dumps({"count": len(results), "next": None, "previous": None,
                                    "results": results}), encoding="utf-8")
        result = self.ws.ingest.import_file(OP, FORM, path)
        assert result.counts["created"] + result.counts["updated"] == len(records), result
        return [r["meta/instanceID"] for r in records]

    def flags(self, **filters: Any) -> dict[str, list[tuple[str, str | None]]]:
        """instance id → [(check, field)] of the current flags."""
        out: dict[str, list[tuple[str, str | None]]] = {}
        for f in self.ws.quality.flags(OP, **filters):
            out.setdefault(f.instance_id, []).append((f.check, f.field))
        return out


@pytest.fixture
def sa(ws, tmp_path, request):  # type: ignore[no-untyped-def]
    request.getfixturevalue("boundaries")  # the Palu boundaries of the master-list tests
    folder = tmp_path / "sa"
    folder.mkdir()
    ws.operations.create(OP, "IDN", "Indonesia — Central Sulawesi Earthquake 2018")
    for n, (start, end) in ROUNDS.items():
        ws.operations.add_round(OP, "SA", n, start, end)
    rows = [["Site ID", "Site Name", "Type", "Latitude", "Longitude", "Opened", "Closed"]]
    for code, ((lat, lon), _) in SITES.items():
        rows.append([code, f"Site {code}", "camp", lat, lon, "2018-10-01",
                     "2018-11-15" if code == "SIG-002" else ""])
    ws.sites.import_file(OP, write_csv(folder / "sites.csv", rows))
    ws.forms.import_xlsform(OP, path_of("dtm_sa.xlsx"))
    return Operation(ws, folder)
