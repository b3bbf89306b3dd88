"""A small ODK Central for the tests: its submissions, its CSV export and its OData API.

`FakeCentral` holds submissions as a form would write them (field path → text, repeats as
lists), and renders them the two ways Central does: the `submissions.csv.zip` export
(`export_zip`) and the OData feed served over real HTTP on 127.0.0.1 (`serve()`), with
session login, `$top`/`$skiptoken` paging with `@odata.nextLink`, `$count`, `$expand=*`,
`$filter` on `__system/submissionDate` and `__system/updatedAt`, and faults on demand
(401, 429, 500, a truncated JSON body). Its clock only moves when a test moves it.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import email.utils
import io
import json
import re
import threading
import uuid
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse

EMAIL, PASSWORD, TOKEN = "coordinator@example.org", "s3cret-pass", "session-token-1"
INTS = {"idp_hh", "households/members"}
SHAPES = {"route": "geotrace", "camp_area": "geoshape"}  # fields `make_xlsform(shapes=True)`


@dataclass
class Sub:
    root: str
    current: str
    data: dict[str, Any]
    created: dt.datetime
    updated: dt.datetime | None = None
    review: str | None = None
    edits: int = 0
    version: str = "2024050101"
    submitter: str = "enumerator 1"
    files: dict[str, bytes] = field(default_factory=dict)  # attachments Central has
    missing: list[str] = field(default_factory=list)  # expected, not uploaded yet


@dataclass
class Fault:
    status: int | str  # an HTTP status, or "truncate"
    after: int = 0  # let this many matching requests through first
    times: int = 1
    match: str = "Submissions"
    seen: int = 0


@dataclass
class FakeCentral:
    form_id: str = "sa_central"
    project: int = 1
    subs: list[Sub] = field(default_factory=list)
    clock: dt.datetime = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
    faults: list[Fault] = field(default_factory=list)
    expand: bool = True  # honour $expand=*; else repeats come as navigation links
    requests: list[str] = field(default_factory=list)
    url: str = ""

    # -- data ---------------------------------------------------------------------------
    def tick(self) -> dt.datetime:
        self.clock += dt.timedelta(seconds=1)
        return self.clock

    def add(self, data: dict[str, Any], **kw: Any) -> Sub:
        iid = f"uuid:{uuid.uuid4()}"
        sub = Sub(iid, iid, data, self.tick(), **kw)
        self.subs.append(sub)
        return sub

    def edit(self, sub: Sub, changes: dict[str, Any]) -> None:
        sub.data = {**sub.data, **changes}
        sub.current = f"uuid:{uuid.uuid4()}"
        sub.edits += 1
        sub.updated = self.tick()

    def review(self, sub: Sub, state: str) -> None:
        sub.review = state
        sub.updated = self.tick()

    # -- OData ----------------------------------------------------------------------------
    def odata(self, sub: Sub, expand: bool = True) -> dict[str, Any]:
        rec: dict[str, Any] = {"__id": sub.root}
        for path, value in sub.data.items():
            if path == "households":
                if expand:
                    rec["households"] = [
                        {**{k.split("/")[-1]: _typed(k, v) for k, v in item.items()},
                         "__id": uuid.uuid5(uuid.NAMESPACE_URL, f"{sub.root}{i}").hex,
                         "__Submissions-id": sub.root}
                        for i, item in enumerate(value)]
                else:
                    rec["households@odata.navigationLink"] = \
                        f"Submissions('{quote(sub.root)}')/households"
                continue
            home = rec
            *groups, name = path.split("/")
            for g in groups:
                home = home.setdefault(g, {})
            home[name] = _typed(path, value)
        rec["meta"] = {"instanceID": sub.current}
        rec["__system"] = {
            "submissionDate": _iso(sub.created), "updatedAt": _iso(sub.updated),
            "submitterId": "5", "submitterName": sub.submitter,
            "attachmentsPresent": len(sub.files),
            "attachmentsExpected": len(sub.files) + len(sub.missing), "status": None,
            "reviewState": sub.review,
            "deviceId": None, "edits": sub.edits, "formVersion": sub.version}
        return rec

    # -- CSV export -------------------------------------------------------------------------
    MAIN = ["SubmissionDate", "start", "end", "location-site_id", "location-adm2", "date",
            "idp_hh", "needs", "gps-Latitude", "gps-Longitude", "gps-Altitude",
            "gps-Accuracy", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName",
            "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID",
            "Edits", "FormVersion"]
    REPEAT = ["head_sex", "members", "PARENT_KEY", "KEY"]

    def main_rows(self) -> list[list[str]]:
        rows = [self.MAIN]
        for sub in self.subs:
            d = sub.data
            gps = (d.get("gps") or "").split(" ")
            gps += [""] * (4 - len(gps))
            rows.append([_iso(sub.created) or "", d.get("start", ""), d.get("end", ""),
                         d.get("location/site_id", ""), d.get("location/adm2", ""),
                         d.get("date", ""), d.get("idp_hh", ""), d.get("needs", ""), *gps[:4],
                         sub.current, sub.root, "5", sub.submitter, "0", "0", "",
                         sub.review or "", "", str(sub.edits), sub.version])
        return rows

    def repeat_rows(self) -> list[list[str]]:
        rows = [self.REPEAT]
        for sub in self.subs:
            for i, item in enumerate(sub.data.get("households", []), 1):
                rows.append([item.get("households/head_sex", ""),
                             item.get("households/members", ""), sub.root,
                             f"{sub.root}/households[{i}]"])
        return rows

    def export_zip(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(f"{self.form_id}.csv", _csv(self.main_rows()))
            zf.writestr(f"{self.form_id}-households.csv", _csv(self.repeat_rows()))
        return path

    # -- server ---------------------------------------------------------------------------
    def serve(self) -> ThreadingHTTPServer:
        central = self

        class Handler(_Handler):
            fake = central

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        return server

    def fault(self, status: int | str, after: int = 0, times: int = 1,
              match: str = "Submissions") -> None:
        self.faults.append(Fault(status, after, times, match))

    def _injected(self, path: str) -> int | str | None:
        for f in self.faults:
            if f.match in path and f.times > 0:
                f.seen += 1
                if f.seen > f.after:
                    f.times -= 1
                    return f.status
        return None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeCentral

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        return email.utils.format_datetime(self.fake.clock, usegmt=True)

    def _send_file(self, content: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _attachments(self, path: str) -> bool:
        """`/v1/projects/{p}/forms/{f}/submissions/{instanceId}/attachments[/{name}]`: the
        list `[{"name", "exists"}]` of the current version, or one file."""
        fake = self.fake
        home = f"/v1/projects/{fake.project}/forms/{fake.form_id}/submissions/"
        if not path.startswith(home):
            return False
        m = re.fullmatch(r"([^/]+)/attachments(?:/([^/]+))?", path[len(home):])
        sub = next((s for s in fake.subs if m and s.root == unquote(m.group(1))), None)
        if m is None or sub is None:
            self._send(404, {"code": 404.1, "message": "Could not find the resource."})
        elif m.group(2) is None:
            self._send(200, [{"name": n, "exists": True} for n in sub.files]
                       + [{"name": n, "exists": False} for n in sub.missing])
        elif unquote(m.group(2)) in sub.files:
            self._send_file(sub.files[unquote(m.group(2))])
        else:
            self._send(404, {"code": 404.1, "message": "Could not find the resource."})
        return True

    def _send(self, status: int, body: Any, truncate: bool = False) -> None:
        data = json.dumps(body).encode()
        if truncate:
            data = data[: len(data) // 2]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _fault(self) -> bool:
        status = self.fake._injected(self.path)
        if status is None:
            return False
        if status == "truncate":
            self._send(200, {"value": [{"__id": "x" * 50}] * 20}, truncate=True)
        else:
            self._send(int(status), {"code": status, "message": "injected"})
        return True

    def do_POST(self) -> None:  # noqa: N802
        self.fake.requests.append("POST " + self.path)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if self._fault():
            return
        if self.path == "/v1/sessions" and body == {"email": EMAIL, "password": PASSWORD}:
            self._send(200, {"token": TOKEN, "expiresAt": "2099-01-01T00:00:00.000Z"})
        else:
            self._send(401, {"code": 401.2, "message": "Could not authenticate with the "
                             "provided credentials."})

    def do_GET(self) -> None:  # noqa: N802
        fake = self.fake
        fake.requests.append("GET " + self.path)
        if self._fault():
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, {"code": 401.2, "message": "Could not authenticate."})
            return
        url = urlparse(self.path)
        if self._attachments(url.path):
            return
        svc = f"/v1/projects/{fake.project}/forms/{fake.form_id}.svc/"
        if not url.path.startswith(svc):
            self._send(404, {"code": 404.1, "message": "Not found."})
            return
        rest = unquote(url.path[len(svc):])
        nav = re.fullmatch(r"Submissions\('(.+)'\)/households", rest)
        if nav:
            sub = next(s for s in fake.subs if s.root == nav.group(1))
            self._send(200, {"value": fake.odata(sub, True).get("households", [])})
            return
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        subs = [s for s in fake.subs if _matches(q.get("$filter"), s)]
        subs.sort(key=lambda s: (s.created, s.root), reverse=True)  # Central: newest first
        if "$skiptoken" in q:
            after = json.loads(base64.b64decode(q["$skiptoken"][2:]))["instanceId"]
            keys = [s.root for s in subs]
            subs = subs[keys.index(after) + 1:] if after in keys else subs
        top = int(q.get("$top", 1000))
        page = subs[:top]
        body: dict[str, Any] = {"value": [fake.odata(s, fake.expand and "$expand" in q)
                                          for s in page]}
        if q.get("$count") == "true":
            body["@odata.count"] = len([s for s in fake.subs if _matches(q.get("$filter"), s)])
        if len(subs) > top and page:
            token = "01" + base64.b64encode(json.dumps(
                {"instanceId": page[-1].root}).encode()).decode()
            keep = {k: v for k, v in q.items() if k not in ("$skiptoken",)}
            query = "&".join(f"{quote(k)}={quote(v)}" for k, v in keep.items())
            body["@odata.nextLink"] = (f"{fake.url}{url.path}?{query}"
                                       f"&%24skiptoken={quote(token)}")
        self._send(200, body)


def _typed(path: str, value: Any) -> Any:
    if path in INTS:
        return int(value)
    if path in SHAPES:  # GeoJSON as Central writes it: no accuracy per point
        points = [[_number(x) for x in p.split(" ")[:3]] for p in value.split(";")]
        line = [[p[1], p[0], *p[2:]] for p in points]
        return ({"type": "LineString", "coordinates": line} if SHAPES[path] == "geotrace"
                else {"type": "Polygon", "coordinates": [line]})
    if path == "gps":
        lat, lon, alt, acc = (float(x) if "." in x else int(x) for x in value.split(" "))
        return {"type": "Point", "coordinates": [lon, lat, alt],
                "properties": {"accuracy": acc}}
    return value


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


# -- a tiny $filter evaluator: comparisons of __system times joined by and/or ---------------
_TOKEN = re.compile(r"\s*(\(|\)|\band\b|\bor\b|__system/\w+|gt|ge|lt|le|eq|[\dT:.\-Z]+)")
_OPS = {"gt": lambda a, b: a > b, "ge": lambda a, b: a >= b, "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b, "eq": lambda a, b: a == b}


def _matches(expr: str | None, sub: Sub) -> bool:
    if not expr:
        return True
    tokens = [m.group(1) for m in _TOKEN.finditer(expr)]
    value, rest = _or(tokens, sub)
    assert not rest, f"unparsed filter: {rest}"
    return value


def _or(t: list[str], sub: Sub) -> tuple[bool, list[str]]:
    value, t = _and(t, sub)
    while t and t[0] == "or":
        right, t = _and(t[1:], sub)
        value = value or right
    return value, t


def _and(t: list[str], sub: Sub) -> tuple[bool, list[str]]:
    value, t = _atom(t, sub)
    while t and t[0] == "and":
        right, t = _atom(t[1:], sub)
        value = value and right
    return value, t


def _atom(t: list[str], sub: Sub) -> tuple[bool, list[str]]:
    if t[0] == "(":
        value, t = _or(t[1:], sub)
        assert t[0] == ")"
        return value, t[1:]
    column, op, literal = t[:3]
    have = {"__system/submissionDate": sub.created, "__system/updatedAt": sub.updated}[column]
    when = dt.datetime.fromisoformat(literal)
    return (have is not None and _OPS[op](have, when)), t[3:]


# -- the form and its answers -----------------------------------------------------------------
OP = "idn-sulteng"
FORM = "sa_central"


def make_xlsform(path: Path, version: str = "2024050101", omit: tuple[str, ...] = (),
                 shapes: bool = False) -> Path:
    """A small HXL-tagged site assessment with a group, a select_multiple, a geopoint and a
    repeat: the shapes a Central export has to be read back into. `omit`: names of fields
    left out (a form that lacks a field the submissions hold); `shapes`: with a geotrace
    (`route`) and a geoshape (`camp_area`) too."""
    from openpyxl import Workbook

    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    for row in [("type", "name", "label::English (en)", "hxl"),
                ("start", "start", "", ""), ("end", "end", "", ""),
                ("begin_group", "location", "Location", ""),
                ("text", "site_id", "Site id", "#loc+code"),
                ("text", "adm2", "Regency", "#adm2+code"), ("end_group", "", "", ""),
                ("date", "date", "Date", "#date+assessment"),
                ("integer", "idp_hh", "IDP households", "#affected+idps+hh"),
                ("select_multiple needs", "needs", "Needs", ""),
                ("geopoint", "gps", "GPS", ""),
                *([(kind, name, name, "") for name, kind in SHAPES.items()] if shapes else []),
                ("begin_repeat", "households", "Households", ""),
                ("select_one sex", "head_sex", "Head sex", ""),
                ("integer", "members", "Members", ""), ("end_repeat", "", "", "")]:
        if row[1] not in omit:
            survey.append(row)
    choices = wb.create_sheet("choices")
    for row in [("list_name", "name", "label::English (en)"), ("needs", "food", "Food"),
                ("needs", "water", "Water"), ("needs", "shelter", "Shelter"),
                ("sex", "f", "F"), ("sex", "m", "M")]:
        choices.append(row)
    settings = wb.create_sheet("settings")
    settings.append(("form_id", "version", "form_title"))
    settings.append((FORM, version, "Site assessment"))
    wb.save(path)
    return path


def answers(n: int) -> dict[str, Any]:
    """What enumerator n answered, as the submission XML holds it."""
    data: dict[str, Any] = {
        "start": f"2024-05-01T08:{n % 60:02d}:00.000+08:00",
        "end": f"2024-05-01T09:{n % 60:02d}:00.000+08:00",
        "location/site_id": f"ST{n:04d}", "location/adm2": "ID7271", "date": "2024-05-01",
        "idp_hh": str(10 + n), "needs": "water food" if n % 2 else "shelter",
        "gps": f"-0.89{n}1 119.87{n}1 12 5"}
    if n % 3 != 2:
        data["households"] = [{"households/head_sex": "f", "households/members": "4"},
                              {"households/head_sex": "m", "households/members": str(n)}]
    return data
