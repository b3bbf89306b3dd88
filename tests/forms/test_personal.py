"""Personal-data classification of form fields: rules, mapping-file overrides, storage with
the form version, `pantau form inspect`, and the one redaction helper."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from pantau.errors import ImportFailed
from pantau.forms.library import path_of
from pantau.forms.personal import (
    REDACTED,
    classify,
    file_fields,
    personal_paths,
    quasi_paths,
    redact,
    redact_text,
)
from pantau.store.models import FormVersion
from pantau.workspace import Workspace
from tests.forms.xlsforms import write_xlsform

# (type, name, label, hxl) → personal? quasi?
ROWS = [
    (["date", "visit_date", "Date", "#date+assessment", ""], False, False),
    (["text", "site_id", "Site ID", "#loc+code", ""], False, True),
    (["text", "site_name", "Site name", "#loc+name", ""], False, False),
    (["geopoint", "site_gps", "GPS location of the site", "", ""], False, False),
    (["text", "adm2", "Regency", "#adm2+code", ""], False, True),
    (["text", "adm3", "District", "#adm3+code", ""], False, True),
    (["text", "head_name", "Name of the head of household", "", ""], True, False),
    (["text", "nama_lengkap", "Nama lengkap", "", ""], True, False),
    (["text", "kontak", "Contact", "#contact+phone", ""], True, False),
    (["text", "phone_number", "Phone number", "", ""], True, False),
    (["integer", "hp", "Nomor HP", "", ""], True, False),
    (["text", "nik", "NIK (KTP)", "", ""], True, False),
    (["text", "id_number", "ID card number", "", ""], True, False),
    (["text", "person", "Beneficiary", "#beneficiary+name", ""], True, False),
    (["geopoint", "hh_gps", "Where the household lives", "", ""], True, False),
    (["decimal", "lat", "Latitude", "#geo+lat", ""], True, False),
    (["decimal", "site_lat", "Latitude of the site", "#geo+lat+site", ""], False, False),
    (["text", "comments", "Comments", "", ""], True, False),
    (["image", "photo", "Photo", "", ""], True, False),
    (["deviceid", "deviceid", "", "", ""], True, False),
    (["select_one sex", "sex", "Sex", "", ""], False, True),
    (["integer", "age", "Age", "", ""], False, True),
    (["integer", "idp_f", "IDP women", "#affected+idps+ind+f", ""], False, False),
    (["integer", "idp_ind", "IDP individuals", "#affected+idps+ind", ""], False, False),
]
CHOICES = [["sex", "f", "Female"], ["sex", "m", "Male"]]


def _form(tmp: Path, version: str = "1", name: str = "reg.xlsx") -> Path:
    return write_xlsform(tmp / name, [r for r, _, _ in ROWS],
                         {"form_id": "idn_reg", "version": version, "assessment_type": "REG"},
                         CHOICES)


def test_rules_classify_every_kind_of_field(tmp_path: Path) -> None:
    fields = {f["name"]: f for f in file_fields(_form(tmp_path))}
    for row, personal, quasi in ROWS:
        f = fields[row[1]]
        assert (f["personal"], f["quasi"]) == (personal, quasi), (row[1], f["personal_why"])
        assert (f["personal_why"] is not None) == personal
    assert fields["hh_gps"]["personal_why"].startswith("geopoint: exact coordinates")
    assert fields["comments"]["personal_why"] == "free text"


def test_places_are_quasi_only_when_the_records_are_people(tmp_path: Path) -> None:
    # The shipped site assessment: one record per site, no sex/age of a person.
    sa = {f["path"]: f for f in file_fields(path_of("dtm_sa.xlsx"))}
    assert quasi_paths(sa.values()) == []
    assert personal_paths(sa.values()) == {"comments"}
    assert sa["location/gps"]["personal"] is False  # "GPS location of the site"


def test_older_versions_without_the_key_are_classified_on_the_fly() -> None:
    old = [{"path": "g/nama", "name": "nama", "type": "text", "hxl": None, "label": {}},
           {"path": "g/site", "name": "site", "type": "text", "hxl": "#loc+code",
            "label": {}}]
    assert personal_paths(old) == {"g/nama"}
    assert classify(old[1]) == (False, None, False)


def test_overrides_are_stored_with_the_version_and_change_it(ws: Workspace,
                                                             tmp_path: Path) -> None:
    ws.operations.create("op", "IDN", "Op")
    path = _form(tmp_path)
    ws.forms.import_xlsform("op", path)
    stored = _stored(ws)
    assert stored["head_name"]["personal"] and not stored["site_name"]["personal"]
    mapping = tmp_path / "map.yaml"
    mapping.write_text("personal: [site_name]\nnot_personal: [phone_number]\n"
                       "quasi_identifiers: [sex, age]\n", encoding="utf-8")
    info = ws.forms.import_xlsform("op", path, mapping=mapping)
    assert info.status == "mapping_updated"
    stored = _stored(ws)
    assert stored["site_name"]["personal"] and stored["site_name"]["personal_why"] == \
        "personal by the mapping file"
    assert not stored["phone_number"]["personal"]
    assert [n for n, f in stored.items() if f["quasi"]] == ["sex", "age"]
    assert ws.forms.import_xlsform("op", path, mapping=mapping).status == "unchanged"


def test_bad_overrides_store_nothing(ws: Workspace, tmp_path: Path) -> None:
    ws.operations.create("op", "IDN", "Op")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("personal: [nope, head_name]\nnot_personal: [head_name]\n"
                       "quasi_identifiers: age\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as e:
        ws.forms.import_xlsform("op", _form(tmp_path), mapping=mapping)
    text = str(e.value) + " ".join(f"{p.field}: {p.message}" for p in e.value.problems)
    assert "nope: no such field in the form" in text
    assert "head_name: listed as both personal and not_personal" in text
    assert "quasi_identifiers: 'quasi_identifiers' must be a list" in text
    assert ws.forms.list("op") == []


def test_inspect_shows_the_classification(cli, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws.operations.create("op", "IDN", "Op")
    path = _form(tmp_path)
    cli("form", "import", "op", path)
    for args in (("form", "inspect", "op", "idn_reg"), ("form", "inspect", path)):
        out = " ".join(cli(*args).output.split())
        assert "personal: name of a person" in out and "quasi-identifier" in out
        assert "Personal fields (13), never published: head_name, nama_lengkap, kontak" in out


def test_redact_replaces_or_drops_personal_answers_in_repeats_too() -> None:
    data = {"name": "Siti Aminah", "site": "S1", "empty": "",
            "hh": [{"hh/member": "Budi", "hh/age": "4"}, {"hh/member": "Ani"}]}
    personal = {"name", "hh/member", "empty"}
    assert redact(data, personal) == {"name": REDACTED, "site": "S1", "hh": [
        {"hh/member": REDACTED, "hh/age": "4"}, {"hh/member": REDACTED}]}
    assert redact(data, personal, None) == {"site": "S1", "hh": [{"hh/age": "4"}, {}]}
    assert data["name"] == "Siti Aminah"  # a copy
    assert redact_text("row 3: 'Siti Aminah' and Budi twice: Budi", data, personal) == \
        f"row 3: '{REDACTED}' and {REDACTED} twice: {REDACTED}"


def _stored(ws: Workspace) -> dict[str, dict]:
    with ws.session() as s:
        fv = s.scalars(select(FormVersion).where(FormVersion.current.is_(True))).one()
        return {f["name"]: f for f in fv.fields}


def test_counts_of_groups_have_no_quasi_identifiers_and_respondents_do(tmp_path: Path) -> None:
    # Flow monitoring registry shape: daily counts at a point, by nationality.
    fmr = write_xlsform(tmp_path / "fmr.xlsx", [
        ["text", "fmp_id", "Point", "#loc+code", ""],
        ["select_one nat", "nationality", "Nationality", "#country+code+nationality", ""],
        ["integer", "women", "Women", "#affected+ind+f+adults", ""]],
        {"form_id": "fmr", "version": "1"}, [["nat", "IDN", "Indonesia"]])
    assert quasi_paths(file_fields(fmr)) == []
    # Flow monitoring survey shape: one respondent per record.
    fms = write_xlsform(tmp_path / "fms.xlsx", [
        ["text", "fmp_id", "Point", "#loc+code", ""],
        ["select_one sex", "sex", "Sex", "#respondee+sex", ""],
        ["select_one nat", "nationality", "Nationality", "#country+code+nationality", ""],
        ["text", "who", "Respondent", "#respondee+name", ""]],
        {"form_id": "fms", "version": "1"}, [*CHOICES, ["nat", "IDN", "Indonesia"]])
    fields = {f["name"]: f for f in file_fields(fms)}
    assert (fields["sex"]["personal"], fields["sex"]["quasi"]) == (False, True)
    assert fields["who"]["personal"] and not fields["who"]["quasi"]
    assert quasi_paths(fields.values()) == ["fmp_id", "sex", "nationality"]
