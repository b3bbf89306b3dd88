"""Write the demo's four SA rounds as KoboToolbox exports, one shape per round.

Real operations download whatever the day allows, so each round arrives differently:

- round 1, `sa-round1-kobo.csv`: CSV, "XML values and headers", `;` (re-saved by an
  Indonesian Excel), groups joined by `/`, `meta/instanceID`, each select_multiple as one
  column plus one 0/1 column per choice;
- round 2, `sa-round2-kobo.csv`: the same with groups joined by `.`, Windows-1252, a
  `_version_` column and no `meta/instanceID` (the identity comes from `_uuid`);
- round 3, `sa-round3-kobo.xlsx`: XLSX with "Labels" in Bahasa Indonesia (choice labels
  too), numbers and dates as native cells;
- round 4, `sa-round4-kobo-api.json`: a KoboToolbox API v2 page (`count`, `next`, `results`).

The columns follow the shipped `dtm_sa` form (`pantau.forms.library.specs.SA`) in survey
order, as Kobo lays them out; the rows come from `kobo_records.py`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from pantau.demo.kobo_records import KoboRecord, RoundRecords, round_records
from pantau.demo.masterlist import DemoSite
from pantau.demo.population import assessments

KOBO_DEPLOYMENT = "vQ7fYk3c9TzD2bLmXhS8nR"  # Kobo's own `__version__` of the deployment
ASSET_UID = "aKf3SuLtEnG9dTm2018sAq"
FORMHUB_UUID = "5c1d0e9a7b2f4e8d9a6c3b1e0f7d2a94"
GEO_PARTS = ("latitude", "longitude", "altitude", "precision")
INDONESIAN = "Bahasa Indonesia (id)"


@dataclass(frozen=True)
class Column:
    """One question of the form as an export column."""

    path: str
    name: str
    type: str  # the XLSForm type's first word: integer, select_one, geopoint …
    choices: tuple[tuple[str, dict[str, str]], ...]  # (name, labels by language)
    labels: dict[str, str]  # by language: the group labels and the label, joined by "/"


@dataclass
class SaExport:
    """One round's export as written: where, in what shape, and what was slipped into it."""

    round: int
    path: Path
    shape: str
    records: RoundRecords = field(repr=False)

    @property
    def rows(self) -> int:
        return len(self.records.records)

    @property
    def submissions(self) -> int:
        """Rows that should become a new submission: not re-sent, not unreadable."""
        return self.rows - self.records.resent - self.records.unreadable


def columns() -> list[Column]:
    """The SA form's questions in survey order (notes and groups are not columns)."""
    from pantau.forms.library.parts import CHOICES, EN, ID
    from pantau.forms.library.specs import SA

    out: list[Column] = []
    groups: list[dict[str, str]] = []
    for row in SA.rows:
        kind, *rest = row["type"].split()
        if kind == "begin_group":
            groups.append(row)
            continue
        if kind == "end_group":
            groups.pop()
            continue
        if kind == "note":
            continue
        chain = [*groups, row]
        labels = {lang: "/".join(g.get(f"label::{lang}") or g["name"] for g in chain)
                  for lang in (EN, ID)}
        choices = tuple((name, {EN: en, ID: id_}) for name, en, id_ in CHOICES[rest[0]]) \
            if rest else ()
        out.append(Column("/".join(g["name"] for g in chain), row["name"], kind, choices,
                          labels))
    return out


def write_exports(sites: list[DemoSite], folder: Path, version: str) -> list[SaExport]:
    """Write the four rounds' exports into `folder`; `version` is the form's current
    version (what Kobo's `_version_` column carries)."""
    by_round = assessments(sites)
    cols = columns()
    out: list[SaExport] = []
    earlier: list[KoboRecord] = []
    for number, shape, write in _SHAPES:
        records = round_records(number, by_round[number], earlier)
        path = write(cols, records.records, folder, version)
        out.append(SaExport(number, path, shape, records))
        earlier = records.records
    return out


# CSV ---------------------------------------------------------------------------------------
def _csv(cols: list[Column], records: list[KoboRecord], path: Path, group_sep: str, encoding: str,
         meta: list[str], version: str) -> Path:
    header: list[str] = []
    for c in cols:
        header.append(c.path.replace("/", group_sep))
        if c.type == "geopoint":
            header += [f"_{c.name}_{part}" for part in GEO_PARTS]
        if c.type == "select_multiple":
            header += [f"{c.path}/{name}".replace("/", group_sep) for name, _ in c.choices]
    with path.open("w", encoding=encoding, newline="") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(header + meta)
        for index, r in enumerate(records, 1):
            row: list[Any] = []
            for c in cols:
                value = r.answers.get(c.path, "")
                row.append(value)
                if c.type == "geopoint":
                    parts = value.split()
                    row += parts + [""] * (4 - len(parts))
                if c.type == "select_multiple":
                    chosen = value.split()
                    row += [("1" if name in chosen else "0") if value else ""
                            for name, _ in c.choices]
            meta_of = _meta(r, index, version)
            out.writerow(row + [meta_of[m] for m in meta])
    return path


def _round1(cols: list[Column], records: list[KoboRecord], folder: Path, version: str) -> Path:
    return _csv(cols, records, folder / "sa-round1-kobo.csv", "/", "utf-8", [
        "meta/instanceID", "_id", "_uuid", "_submission_time", "_validation_status", "_notes",
        "_status", "_submitted_by", "__version__", "_tags", "_index"], version)


def _round2(cols: list[Column], records: list[KoboRecord], folder: Path, version: str) -> Path:
    return _csv(cols, records, folder / "sa-round2-kobo.csv", ".", "cp1252", [
        "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
        "_submitted_by", "__version__", "_version_", "_tags", "_index"], version)


def _meta(r: KoboRecord, index: int, version: str) -> dict[str, Any]:
    return {"meta/instanceID": f"uuid:{r.uuid}" if r.uuid else "", "_id": r.id or "",
            "_uuid": r.uuid, "_submission_time": r.submitted.isoformat() if r.submitted else "",
            "_validation_status": r.status, "_notes": "",
            "_status": "submitted_via_web" if r.uuid else "", "_submitted_by": r.submitter,
            "__version__": KOBO_DEPLOYMENT if r.uuid else "",
            "_version_": (r.version or version) if r.uuid else "", "_tags": "",
            "_index": index}


# XLSX --------------------------------------------------------------------------------------
def _round3(cols: list[Column], records: list[KoboRecord], folder: Path, version: str) -> Path:
    """Kobo's XLSX with labels in Bahasa Indonesia; numbers and dates as native cells."""
    path = folder / "sa-round3-kobo.xlsx"
    wb = Workbook()
    sheet = wb.active
    sheet.title = "DTM Site Assessment (SA)"
    header: list[str] = []
    for c in cols:
        header.append(c.labels[INDONESIAN])
        if c.type == "geopoint":
            header += [f"_{c.name}_{part}" for part in GEO_PARTS]
        if c.type == "select_multiple":
            header += [f"{c.labels[INDONESIAN]}/{labels[INDONESIAN]}"
                       for _, labels in c.choices]
    meta = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
            "_submitted_by", "__version__", "_tags", "_index"]
    sheet.append(header + meta)
    for index, r in enumerate(records, 1):
        row: list[Any] = []
        for c in cols:
            value = r.answers.get(c.path, "")
            row.append(_cell(c, value))
            if c.type == "geopoint":
                parts = [float(p) for p in value.split()]
                row += parts + [None] * (4 - len(parts))
            if c.type == "select_multiple":
                chosen = value.split()
                row += [(1 if name in chosen else 0) if value else None
                        for name, _ in c.choices]
        meta_of = _meta(r, index, version)
        row += [meta_of[m] if meta_of[m] != "" else None for m in meta]
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def _cell(c: Column, value: str) -> Any:
    """A value as Kobo's XLSX holds it: choice labels, numbers and dates as native cells."""
    if value == "":
        return None
    labels = {name: lab[INDONESIAN] for name, lab in c.choices}
    if c.type == "select_one":
        return labels.get(value, value)
    if c.type == "select_multiple":
        return " ".join(labels.get(v, v) for v in value.split())
    if value.isdigit() and c.type in ("integer", "date"):
        return int(value)  # a date that is a number is an Excel serial: the cell lost its format
    if c.type == "date":
        return dt.date.fromisoformat(value)
    return value


# JSON --------------------------------------------------------------------------------------
def _round4(cols: list[Column], records: list[KoboRecord], folder: Path, version: str) -> Path:
    """A page of `GET /api/v2/assets/{uid}/data/?format=json`, as the API serves it."""
    path = folder / "sa-round4-kobo-api.json"
    results = [_api_record(r) for r in records]
    page = {"count": len(results), "next": None, "previous": None, "results": results}
    path.write_text(json.dumps(page, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _api_record(r: KoboRecord) -> dict[str, Any]:
    gps = r.answers.get("location/gps", "").split()
    status: dict[str, Any] = {}
    if r.status:
        uid = "validation_status_" + r.status.lower().replace(" ", "_")
        status = {"timestamp": int((r.submitted or dt.datetime(2019, 2, 1)).replace(
            tzinfo=dt.UTC).timestamp()) + 86_400, "uid": uid, "by_whom": "dtm_sulteng_im",
            "label": r.status}
    return {"_id": r.id, "formhub/uuid": FORMHUB_UUID, **r.answers, **r.extra,
            "__version__": KOBO_DEPLOYMENT, "meta/instanceID": f"uuid:{r.uuid}",
            "meta/rootUuid": f"uuid:{r.uuid}", "_xform_id_string": ASSET_UID,
            "_uuid": r.uuid, "_attachments": [], "_status": "submitted_via_web",
            "_geolocation": [float(gps[0]), float(gps[1])] if gps else [None, None],
            "_submission_time": r.submitted.isoformat() if r.submitted else None,
            "_tags": [], "_notes": [], "_validation_status": status,
            "_submitted_by": r.submitter}


Writer = Callable[[list[Column], list[KoboRecord], Path, str], Path]
_SHAPES: tuple[tuple[int, str, Writer], ...] = (
    (1, "Kobo CSV, XML names", _round1),
    (2, "Kobo CSV, Windows-1252", _round2),
    (3, "Kobo XLSX, labels (id)", _round3),
    (4, "Kobo API v2 JSON", _round4),
)
