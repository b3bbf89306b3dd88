"""Write each round's master list the way field teams really send them.

Every round arrives in a different shape, and each shape is one the sites importer is built to
read: round 1 a UTF-8 CSV with admin P-codes typed by hand (one of them wrong, one point just
off the coast), round 2 a semicolon CSV from an Indonesian Excel (Windows-1252, decimal commas,
day-first dates, no P-codes), round 3 an XLSX with a title row above the header, round 4 a CSV
with an HXL hashtag row. None of them makes the import fail: the importer warns and carries on.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from pantau.demo.masterlist import DemoSite, State
from pantau.demo.places import PROVINCE
from pantau.demo.scenario import ROUNDS
from pantau.tabular import write_table

OFFSHORE_POINT = (119.869, -0.866)  # a few hundred metres into Palu Bay, off Talise


def slips(sites: list[DemoSite]) -> dict[str, str]:
    """Round 1's deliberate slips, which the importer's warnings find again: a site in Jono
    Oge (Sigi) typed as Kota Palu, and a GPS point off the Talise shore (re-surveyed later)."""
    first = {s.place.name: s.code for s in reversed(sites) if s.first_round == 1}
    return {"wrong_pcode": first["Jono Oge"], "offshore": first["Talise"]}


def write_round(sites: list[DemoSite], number: int, folder: Path) -> Path:
    listed = [(s, st) for s in sites if (st := s.state(number)) is not None]
    if number == 1:
        return _round1(listed, slips(sites), folder)
    writer = {2: _round2, 3: _round3, 4: _round4}[number]
    return writer(listed, folder)


def _alt(state: State) -> str:
    return "; ".join(state.alt_names)


def _round1(listed: list[tuple[DemoSite, State]], slip: dict[str, str], folder: Path) -> Path:
    columns = ["Site ID", "Site Name", "Alternative names", "Site Type", "Latitude",
               "Longitude", "Admin1 Pcode", "Admin2 Pcode", "Opened", "Managed by"]
    rows = []
    for site, st in listed:
        lon, lat = OFFSHORE_POINT if site.code == slip["offshore"] else (st.lon, st.lat)
        admin2 = "ID7271" if site.code == slip["wrong_pcode"] else site.regency
        rows.append([site.code, st.name, _alt(st), st.site_type, lat, lon, PROVINCE[0],
                     admin2, site.opened.isoformat(), st.managed_by])
    return write_table(folder / "masterlist-round1.csv", columns, rows)


_LABELS = {"camp": "Camp", "collective_centre": "Collective Center",
           "informal_settlement": "Informal settlement", "host_community": "Host Community"}


def _round2(listed: list[tuple[DemoSite, State]], folder: Path) -> Path:
    path = folder / "masterlist-round2.csv"
    with path.open("w", newline="", encoding="cp1252") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(["Site Code", "Name", "Other names", "Type", "Lat", "Long", "Open date",
                      "Closure date", "Managed by"])
        for site, st in listed:
            out.writerow([site.code, st.name, _alt(st), _LABELS[st.site_type],
                          _comma(st.lat), _comma(st.lon), _dmy(site.opened), _dmy(st.closed),
                          st.managed_by])
    return path


def _round3(listed: list[tuple[DemoSite, State]], folder: Path) -> Path:
    path = folder / "masterlist-round3.xlsx"
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Master list R3"
    round3 = ROUNDS[2]
    sheet.append([f"DTM Sulawesi Tengah — master list of sites, round 3 "
                  f"({round3.period_start:%d %B} to {round3.period_end:%d %B %Y})"])
    sheet.append([])
    sheet.append(["site_id", "site_name", "alt_names", "site_type", "latitude", "longitude",
                  "adm1_pcode", "adm2_pcode", "opened", "closed", "Managed by"])
    for site, st in listed:
        sheet.append([site.code, st.name, _alt(st) or None, st.site_type, st.lat, st.lon,
                      PROVINCE[0], site.regency, site.opened, st.closed, st.managed_by])
    for row in sheet.iter_rows(min_row=4, min_col=9, max_col=10):
        for cell in row:
            cell.number_format = "dd/mm/yyyy"
    wb.save(path)
    return path


def _round4(listed: list[tuple[DemoSite, State]], folder: Path) -> Path:
    columns = ["Site ID", "Site name", "Alternative names", "Type", "Latitude", "Longitude",
               "Admin2 P-code", "Opened", "Closed", "Managed by"]
    hxl = ["#loc+code", "#loc+name", "#loc+name+alt", "#loc+type", "#geo+lat", "#geo+lon",
           "#adm2+code", "#date+start", "#date+end", "#org+impl"]
    rows: list[Sequence[Any]] = [
        [site.code, st.name, _alt(st), st.site_type, st.lat, st.lon, site.regency,
         site.opened.isoformat(), st.closed.isoformat() if st.closed else "", st.managed_by]
        for site, st in listed]
    return write_table(folder / "masterlist-round4.csv", columns, rows, hxl=hxl)


def _comma(value: float) -> str:
    return f"{value:.5f}".replace(".", ",")


def _dmy(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""
