"""A small KoboToolbox for the tests: a bilingual form, its submissions, its exports (CSV,
XLSX, JSON) and its API v2 served over real HTTP on 127.0.0.1.

`FakeKobo` holds submissions as the form writes them (field path → text, repeats as lists of
dicts keyed by full paths) with Kobo's meta, and renders them as Kobo does: API v2 records
(`record`), CSV exports with XML names or labels, `,` or `;`, split select_multiple or not
(`csv_export`), XLSX with a sheet per repeat joined by `_index`/`_parent_index`
(`xlsx_export`). `serve()` answers `/api/v2/assets/{uid}/data/` with count/next/previous/
results pages honouring `limit`, `start`, `sort` and a `_submission_time` `$gte` query, and
injects faults on demand (401, 429 with Retry-After, 500, a truncated page).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from openpyxl import Workbook

from tests.forms.xlsforms import write_xlsform

OP, FORM, VERSION = "idn-sulteng", "kobo_sa", "2024030101"
ASSET, TOKEN = "aB3xQ9kLmN2pR7sT4uV6wY", "f00dfacecafe0123456789abcdef0123456789ab"
EN, ID = "English (en)", "Bahasa Indonesia (id)"
SURVEY = [
    ["start", "start", "", "", ""],
    ["end", "end", "", "", ""],
    ["date", "visit_date", "Visit date", "Tanggal kunjungan", "#date+assessment"],
    ["begin_group", "location", "Location", "Lokasi", ""],
    ["text", "site_id", "Site id", "ID lokasi", "#loc+code"],
    ["text", "adm2", "Regency", "Kabupaten", "#adm2+code"],
    ["end_group", "", "", "", ""],
    ["integer", "idp_hh", "IDP households", "Rumah tangga pengungsi", "#affected+idps+hh"],
    ["select_multiple needs", "needs", "Needs", "Kebutuhan", ""],
    ["select_one shelter", "shelter_type", "Shelter", "Hunian", ""],
    ["text", "notes", "Notes", "Catatan", ""],
    ["geopoint", "gps", "GPS", "GPS", ""],
    ["begin_repeat", "households", "Households", "Rumah tangga", ""],
    ["select_one sex", "head_sex", "Head's sex", "Jenis kelamin kepala", ""],
    ["integer", "members", "Members", "Anggota", ""],
    ["end_repeat", "", "", "", ""],
]
CHOICES = [
    ["needs", "food", "Food", "Makanan"], ["needs", "water", "Clean water", "Air bersih"],
    ["needs", "shelter", "Shelter", "Hunian"],
    ["shelter", "tent", "Tent", "Tenda"], ["shelter", "building", "Public building", "Gedung"],
    ["sex", "f", "Female", "Perempuan"], ["sex", "m", "Male", "Laki-laki"],
]
MAIN = ["start", "end", "visit_date", "location/site_id", "location/adm2", "idp_hh", "needs",
        "shelter_type", "notes", "gps"]
LABELS = {"start": "start", "end": "end", "visit_date": "Visit date",
          "location/site_id": "Location/Site id", "location/adm2": "Location/Regency",
          "idp_hh": "IDP households", "needs": "Needs", "shelter_type": "Shelter",
          "notes": "Notes", "gps": "GPS"}
CHOICE_LABELS = {"needs": {"food": "Food", "water": "Clean water", "shelter": "Shelter"},
                 "shelter_type": {"tent": "Tent", "building": "Public building"},
                 "households/head_sex": {"f": "Female", "m": "Male"}}


def write_form(path: Path, version: str = VERSION, extra: list[list[str]] | None = None
               ) -> Path:
    """The XLSForm as a coordinator writes it, labelled in English and Bahasa Indonesia."""
    header = ["type", "name", f"label::{EN}", f"label::{ID}", "hxl"]
    wb_path = write_xlsform(path, SURVEY + (extra or []), {"form_id": FORM, "version": version,
                                           "form_title": "Site assessment (Kobo)"},
                            None, header)
    from openpyxl import load_workbook

    wb = load_workbook(wb_path)
    sheet = wb.create_sheet("choices")
    sheet.append(["list_name", "name", f"label::{EN}", f"label::{ID}"])
    for row in CHOICES:
        sheet.append(row)
    wb.save(wb_path)
    return wb_path


def add_form(ws: Any, tmp: Path) -> None:
    if OP not in {o.slug for o in ws.operations.list()}:
        ws.operations.create(OP, "IDN", "Central Sulawesi Earthquake 2018",
                             avg_household_size=4.5)
    ws.forms.import_xlsform(OP, write_form(tmp / "kobo_sa.xlsx"), assessment_type="SA")


@dataclass
class KSub:
    """One submission on the fake server, with Kobo's meta."""

    id: int
    uuid: str  # of the current version, without "uuid:"
    data: dict[str, Any]
    submitted: str  # _submission_time as Kobo writes it (UTC, no offset)
    root: str = ""
    deprecated: str | None = None
    status: str | None = None  # validation_status_… uid
    files: list[dict[str, Any]] = field(default_factory=list)  # see FakeKobo.attach

    @property
    def instance_id(self) -> str:
        return f"uuid:{self.uuid}"


def answers(n: int, households: int = 2, **over: Any) -> dict[str, Any]:
    """Answers of submission n, as the form writes them (text; repeats as lists)."""
    data: dict[str, Any] = {
        "start": f"2024-03-0{1 + n % 9}T08:00:00.000+08:00",
        "end": f"2024-03-0{1 + n % 9}T08:20:00.000+08:00",
        "visit_date": f"2024-03-0{1 + n % 9}", "location/site_id": f"ST-{n:04d}",
        "location/adm2": "ID7271", "idp_hh": str(10 + n), "needs": "food water",
        "shelter_type": "tent" if n % 2 else "building",
        "notes": "<b>Banjir</b> naik, akses jalan rusak" if n % 3 == 0 else "ok",
        "gps": "-0.8917 119.8707 12.0 5.0",
    }
    if households:
        data["households"] = [
            {"households/head_sex": "f" if i % 2 == 0 else "m",
             "households/members": str(3 + i)} for i in range(households)]
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


@dataclass
class FakeKobo:
    subs: list[KSub] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    log: list[tuple[str, int]] = field(default_factory=list)  # (path?query, status)
    url: str = ""
    _files: int = 0
    _server: ThreadingHTTPServer | None = None

    # -- submissions ---------------------------------------------------------------------
    def add(self, n: int, when: str | None = None, **kw: Any) -> KSub:
        u = str(uuid.UUID(int=n + 1000))
        sub = KSub(id=100 + n, uuid=u, data=answers(n, **kw),
                   submitted=when or f"2024-03-{1 + n // 24:02d}T{n % 24:02d}:00:00",
                   root=f"uuid:{u}")
        self.subs.append(sub)
        return sub

    def edit(self, sub: KSub, **over: Any) -> None:
        """An edit in Enketo: new instance id naming the old one; the time stays."""
        sub.deprecated = sub.instance_id
        sub.uuid = str(uuid.uuid4())
        sub.data = {**sub.data, **over}

    def record(self, sub: KSub) -> dict[str, Any]:
        """The submission as `/api/v2/assets/{uid}/data/` serves it."""
        rec: dict[str, Any] = {"_id": sub.id, "formhub/uuid": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}
        rec.update(sub.data)
        rec.update({
            "__version__": "vGdfkq2PVbR2vkw6ym8w9u", "meta/instanceID": sub.instance_id,
            "meta/rootUuid": sub.root, "_xform_id_string": ASSET, "_uuid": sub.uuid,
            "_attachments": [self._attachment(sub, f) for f in sub.files],
            "_status": "submitted_via_web",
            "_geolocation": [-0.8917, 119.8707], "_submission_time": sub.submitted,
            "_tags": [], "_notes": [], "_submitted_by": "enum_palu_1",
            "_validation_status": ({"timestamp": 1710000000, "uid": sub.status,
                                    "by_whom": "coordinator", "label": "Approved"}
                                   if sub.status else {}),
        })
        if sub.deprecated:
            rec["meta/deprecatedID"] = sub.deprecated
        return rec

    def attach(self, sub: KSub, name: str, content: bytes, mimetype: str = "image/jpeg",
               path: str | None = None, fails: tuple[int, ...] = (),
               length: bool = True, old_host: bool = False) -> dict[str, Any]:
        """A file sent with `sub`. `path`: the `filename` Kobo lists (by default its storage
        path, `<user>/attachments/<formhub uuid>/<uuid>/<name>`); `fails`: statuses its
        download answers first, one per request (a 404 in it for good: the file is gone);
        `length`: whether the download says its Content-Length; `old_host`: listed with the
        `kc.` media address older Kobo gave (served by the API v2 address all the same)."""
        self._files += 1
        f = {"id": 9000 + self._files, "name": name, "content": content,
             "mimetype": mimetype, "fails": list(fails), "length": length,
             "old_host": old_host,
             "filename": path or f"enum_palu_1/attachments/0f1e2d3c4b5a69788796a5b4c3d2e1f0/"
                                 f"{sub.uuid}/{name}"}
        sub.files.append(f)
        return f

    def _attachment(self, sub: KSub, f: dict[str, Any]) -> dict[str, Any]:
        """One `_attachments` entry as Kobo's API v2 lists it."""
        home = f"{self.url}/api/v2/assets/{ASSET}/data/{sub.id}/attachments/{f['id']}/"
        if f["old_host"]:
            home = ("https://kc.kobotoolbox.invalid/media/original?media_file="
                    + f["filename"].replace("/", "%2F"))
        return {"download_url": home, "download_large_url": home + "large/",
                "download_medium_url": home + "medium/", "download_small_url": home + "small/",
                "mimetype": f["mimetype"], "filename": f["filename"], "instance": sub.id,
                "xform": 12, "id": f["id"], "uid": f"att{f['id']}",
                "question_xpath": "photo", "media_file_basename": f["name"]}

    # -- exports -------------------------------------------------------------------------
    def json_export(self, path: Path, bare_list: bool = False) -> Path:
        results = [self.record(s) for s in self.subs]
        doc: Any = results if bare_list else {"count": len(results), "next": None,
                                               "previous": None, "results": results}
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    def _meta_cells(self, sub: KSub, n: int) -> list[Any]:
        return [sub.instance_id, sub.id, sub.uuid, sub.submitted,
                "Approved" if sub.status == "validation_status_approved" else "",
                "enum_palu_1", "vGdfkq2PVbR2vkw6ym8w9u", n]

    META = ["meta/instanceID", "_id", "_uuid", "_submission_time", "_validation_status",
            "_submitted_by", "__version__", "_index"]

    def csv_export(self, path: Path, sep: str = ",", labels: bool = False,
                   split: bool = False, group_sep: str = "/", encoding: str = "utf-8",
                   ) -> Path:
        """As Kobo's CSV export writes it (repeats are not part of a CSV export)."""
        header, cells_of = self._flat(labels, split, group_sep)
        with path.open("w", encoding=encoding, newline="") as f:
            w = csv.writer(f, delimiter=sep)
            w.writerow(header + self.META)
            for n, sub in enumerate(self.subs, 1):
                w.writerow(cells_of(sub) + self._meta_cells(sub, n))
        return path

    def _flat(self, labels: bool, split: bool, group_sep: str) -> tuple[list[str], Any]:
        header: list[str] = []
        getters: list[Any] = []
        for path in MAIN:
            name = LABELS[path] if labels else path.replace("/", group_sep)
            header.append(name)
            getters.append(lambda d, p=path: _label(p, d.get(p, "")) if labels
                           else d.get(p, ""))
            if split and path == "needs":
                for choice, label in CHOICE_LABELS["needs"].items():
                    header.append(f"{name}{group_sep}{label if labels else choice}")
                    getters.append(lambda d, c=choice: "1" if c in d.get("needs", "").split()
                                   else "0")
        return header, lambda sub: [g(sub.data) for g in getters]

    def xlsx_export(self, path: Path, labels: bool = False, numbers: bool = True) -> Path:
        """As Kobo's XLSX export: a main sheet and a sheet per repeat group; integers and
        dates typed as Excel stores them when `numbers`."""
        wb = Workbook()
        main = wb.active
        main.title = "Site assessment (Kobo)"
        header, cells_of = self._flat(labels, False, "/")
        main.append(header + self.META)
        rep = wb.create_sheet("households")
        rep.append(["Households/Head's sex" if labels else "households/head_sex",
                    "Households/Members" if labels else "households/members",
                    "_index", "_parent_table_name", "_parent_index", "_submission__id",
                    "_submission__uuid"])
        k = 0
        for n, sub in enumerate(self.subs, 1):
            cells = cells_of(sub)
            if numbers:
                cells = [_typed(h, c) for h, c in zip(MAIN, cells, strict=False)] + \
                    cells[len(MAIN):]
            main.append(cells + self._meta_cells(sub, n))
            for item in sub.data.get("households", []):
                k += 1
                sex = item.get("households/head_sex", "")
                members = item.get("households/members", "")
                rep.append([CHOICE_LABELS["households/head_sex"].get(sex, sex) if labels
                            else sex, int(members) if numbers and members else members, k,
                            main.title, n, sub.id, sub.uuid])
        wb.save(path)
        return path

    # -- the API -------------------------------------------------------------------------
    def serve(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 — http.server's name
                status, body, headers = fake.answer(self)
                fake.log.append((self.path, status))
                self.send_response(status)
                headers = {"Content-Type": "application/json",
                           "Content-Length": str(len(body)), **headers}
                for k, v in headers.items():
                    if v:
                        self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def fail(self, status: int | str, after: int = 0, times: int = 1,
             retry_after: str | None = None) -> None:
        """Answer `status` (or "truncate": a page cut in the middle) to data requests,
        after letting `after` of them through, `times` times."""
        self.faults.append({"status": status, "after": after, "times": times, "seen": 0,
                            "retry_after": retry_after})

    def answer(self, req: BaseHTTPRequestHandler) -> tuple[int, bytes, dict[str, str]]:
        url = urlparse(req.path)
        if url.path.startswith(f"/api/v2/assets/{ASSET}/data/") and "/attachments/" in url.path:
            if req.headers.get("Authorization") != f"Token {TOKEN}":
                return 401, b'{"detail": "Invalid token."}', {}
            return self._file(url.path)
        if url.path != f"/api/v2/assets/{ASSET}/data/":
            return 404, b'{"detail": "Not found."}', {}
        if req.headers.get("Authorization") != f"Token {TOKEN}":
            return 401, b'{"detail": "Invalid token."}', {}
        body = self._page(url.query, req)
        for fault in self.faults:
            fault["seen"] += 1
            if fault["seen"] > fault["after"] and fault["times"] > 0:
                fault["times"] -= 1
                if fault["status"] == "truncate":
                    return 200, body[: len(body) // 2], {}
                extra = {"Retry-After": fault["retry_after"]} if fault["retry_after"] else {}
                return int(fault["status"]), b'{"detail": "Server error"}', extra
        return 200, body, {}

    def _file(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        """`/api/v2/assets/{uid}/data/{_id}/attachments/{id}/`: the file itself."""
        found = [f for s in self.subs for f in s.files
                 if path.rstrip("/").endswith(f"/{s.id}/attachments/{f['id']}")]
        if not found:
            return 404, b'{"detail": "Not found."}', {}
        f = found[0]
        if f["fails"]:
            status = f["fails"][0] if f["fails"][0] == 404 else f["fails"].pop(0)
            return status, b'{"detail": "Server error"}', {}
        return 200, f["content"], {"Content-Type": f["mimetype"],
                                   "Content-Length": str(len(f["content"])) if f["length"]
                                   else ""}

    def file_requests(self) -> list[int]:
        return [status for path, status in self.log if "/attachments/" in path]

    def _page(self, query: str, req: BaseHTTPRequestHandler) -> bytes:
        q = {k: v[0] for k, v in parse_qs(query).items()}
        limit, start = min(int(q.get("limit", "1000")), 1000), int(q.get("start", "0"))
        subs = list(self.subs)
        if "query" in q:
            cond = json.loads(q["query"])["_submission_time"]["$gte"]
            subs = [s for s in subs if s.submitted >= cond]
        if "sort" in q:
            subs.sort(key=lambda s: (s.submitted, s.id))
        page = subs[start:start + limit]
        host = f"http://{req.headers['Host']}/api/v2/assets/{ASSET}/data/"

        def link(at: int) -> str:
            return host + "?" + urlencode({**q, "start": str(at)})

        return json.dumps({
            "count": len(subs),
            "next": link(start + limit) if start + limit < len(subs) else None,
            "previous": link(max(0, start - limit)) if start else None,
            "results": [self.record(s) for s in page]}, ensure_ascii=False).encode("utf-8")

    def data_requests(self) -> list[int]:
        return [status for path, status in self.log if "/data/" in path]


def _label(path: str, value: str) -> str:
    labels = CHOICE_LABELS.get(path)
    if not labels or not value:
        return value
    return " ".join(labels.get(v, v) for v in value.split())


def _typed(path: str, value: str) -> Any:
    if path == "idp_hh" and value:
        return int(value)
    if path == "visit_date" and value:
        return dt.datetime.fromisoformat(value)
    return value
