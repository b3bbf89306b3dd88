"""A small HXL-tagged site-assessment form and its submissions, shaped as ODK Collect sends
them, for the receive, OpenRosa and quarantine tests."""

from __future__ import annotations

import uuid
from typing import Any

from pantau.forms.mapping import build_mapping
from pantau.ingest import Incoming
from pantau.store.models import Form, FormVersion
from pantau.workspace import Workspace

OP = "idn-sulteng"
FORM = "site_assessment"
V1, V2 = "2024010101", "2024020101"


def _f(path: str, type_: str, hxl: str | None = None, repeat: str | None = None,
       lst: str | None = None) -> dict[str, Any]:
    return {"path": path, "name": path.rsplit("/", 1)[-1], "type": type_, "list": lst,
            "choices": None, "label": {"English (en)": path, "Bahasa Indonesia (id)": path},
            "hxl": hxl, "repeat": repeat}


FIELDS = [
    _f("start", "start"), _f("end", "end"),
    _f("location", "group"),
    _f("location/site_id", "text", "#loc+code"),
    _f("location/adm2", "text", "#adm2+code"),
    _f("date", "date", "#date+assessment"),
    _f("idp_hh", "integer", "#affected+idps+hh"),
    _f("idp_ind", "integer", "#affected+idps+ind"),
    _f("needs", "select_multiple", lst="needs"),
    _f("households", "repeat"),
    _f("households/head_sex", "select_one", repeat="households", lst="sex"),
    _f("households/members", "integer", repeat="households"),
    _f("photo", "image"),
]


def xform(version: str) -> str:
    return f"""<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
 xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">
<h:head><h:title>Site assessment</h:title><model>
<instance><{FORM} id="{FORM}" version="{version}"><start/><end/>
<location><site_id/><adm2/></location><date/><idp_hh/><idp_ind/><needs/>
<households jr:template=""><head_sex/><members/></households><photo/>
<meta><instanceID/></meta></{FORM}></instance>
<bind nodeset="/{FORM}/idp_hh" type="int"/>
<bind nodeset="/{FORM}/meta/instanceID" type="string" readonly="true()"
 jrm:preload="uid" xmlns:jrm="http://openrosa.org/javarosa"/>
</model></h:head><h:body/></h:html>
"""


def add_form(ws: Workspace, versions: tuple[str, ...] = (V1,), operation: str = OP,
             form_id: str = FORM) -> None:
    """Operation + form + versions (the last one current), as FORMS' import stores them."""
    if operation not in {o.slug for o in ws.operations.list()}:
        ws.operations.create(operation, "IDN", "Central Sulawesi Earthquake 2018",
                             avg_household_size=4.5)
    op = ws.operations.get(operation)
    mapping = build_mapping(FIELDS)[0]
    with ws.session() as s:
        form = Form(operation_id=op.id, xml_form_id=form_id, title="Site assessment",
                    assessment_type="SA")
        s.add(form)
        s.flush()
        for n, v in enumerate(versions):
            x = xform(v)
            s.add(FormVersion(form_id=form.id, version=v, xlsform=b"", xlsform_name="sa.xlsx",
                              xform=x, sha256=uuid.uuid4().hex, fields=FIELDS,
                              mapping=mapping, current=n == len(versions) - 1))


def new_id() -> str:
    return f"uuid:{uuid.uuid4()}"


def submission_xml(instance_id: str, idp_hh: str = "12", *, version: str = V1,
                   deprecated_id: str | None = None, site: str = "ST-0001",
                   households: tuple[tuple[str, str], ...] = (("f", "4"), ("m", "6")),
                   form_id: str = FORM) -> bytes:
    """A submission as ODK Collect writes it (namespaced meta, empty unanswered fields)."""
    hh = "".join(f"<households><head_sex>{s}</head_sex><members>{m}</members></households>"
                 for s, m in households)
    dep = f"<orx:deprecatedID>{deprecated_id}</orx:deprecatedID>" if deprecated_id else ""
    return (f"<?xml version='1.0' ?><{form_id} id=\"{form_id}\" version=\"{version}\" "
            f"xmlns:orx=\"http://openrosa.org/xforms\" xmlns:jr=\"http://openrosa.org/javarosa\">"
            f"<start>2024-01-02T08:00:00.000+08:00</start><end>2024-01-02T08:20:00.000+08:00</end>"
            f"<location><site_id>{site}</site_id><adm2>ID7201</adm2></location>"
            f"<date>2024-01-02</date><idp_hh>{idp_hh}</idp_hh><idp_ind/>"
            f"<needs>food water</needs>{hh}<photo>1712.jpg</photo>"
            f"<orx:meta><orx:instanceID>{instance_id}</orx:instanceID>{dep}</orx:meta>"
            f"</{form_id}>").encode()


def data(idp_hh: str = "12", site: str = "ST-0001") -> dict[str, Any]:
    """The `data` every reader must produce for `submission_xml(…)` with the same answers."""
    return {"start": "2024-01-02T08:00:00.000+08:00", "end": "2024-01-02T08:20:00.000+08:00",
            "location/site_id": site, "location/adm2": "ID7201", "date": "2024-01-02",
            "idp_hh": idp_hh, "needs": "food water",
            "households": [{"households/head_sex": "f", "households/members": "4"},
                           {"households/head_sex": "m", "households/members": "6"}],
            "photo": "1712.jpg"}


def incoming(instance_id: str, idp_hh: str = "12", **kw: Any) -> Incoming:
    """An Incoming as a file reader hands it over (raw: the JSON record as exported)."""
    raw = kw.pop("raw", f'{{"meta/instanceID": "{instance_id}", "idp_hh": "{idp_hh}"}}'
                 .encode())
    kw.setdefault("source", "file")
    return Incoming(instance_id=instance_id, data=data(idp_hh), raw=raw, raw_format="json",
                    origin="export.json, record 1", **kw)


def add_version(ws: Workspace, version: str, form_id: str = FORM) -> None:
    """Upload a new version of the form (the fix that lets quarantined records in)."""
    from sqlalchemy import select, update

    with ws.session() as s:
        form = s.scalars(select(Form).where(Form.xml_form_id == form_id)).one()
        s.execute(update(FormVersion).where(FormVersion.form_id == form.id).values(current=False))
        s.add(FormVersion(form_id=form.id, version=version, xlsform=b"", xlsform_name="sa.xlsx",
                          xform=xform(version), sha256=uuid.uuid4().hex, fields=FIELDS,
                          mapping=build_mapping(FIELDS)[0], current=True))
