"""Importing, exporting and re-importing a master list through `ws.sites`."""

from __future__ import annotations

import csv
import datetime as dt

from openpyxl import load_workbook

from tests.sites.conftest import BANAWA, HUNTAP_TONDO, JONO_OGE, OP, PASANGKAYU, write_csv

HEADER = ["Site ID", "Site Name", "Alternative names", "Type", "Latitude", "Longitude",
          "Opened", "Partner"]


def _rows() -> list[list[object]]:
    return [
        HEADER,
        ["PAL-001", "Huntap Tondo", "Tondo; Huntap Tondo 2 | Tondo", "camp", *HUNTAP_TONDO,
         "2018-10-05", "IOM"],
        ["SIG-001", "Jono Oge", "", "Collective Center", *JONO_OGE, "10/10/2018", "YEU"],
        ["MAM-001", "Pasangkayu", "", "host community", *PASANGKAYU, "43383", ""],
        ["DON-001", "Banawa", "", "VILLAGE", *BANAWA, "", "IOM"],
    ]


def test_import_places_sites_by_coordinates_and_round_trips(ws, op, boundaries, tmp_path):
    src = write_csv(tmp_path / "sites.csv", _rows())
    result = ws.sites.import_file(OP, src, changed_by="imo")
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert result.warnings == []
    by_code = {s.code: s for s in ws.sites.list(OP)}
    assert by_code["PAL-001"].admin_pcodes == {1: "ID72", 2: "ID7271"}
    assert by_code["SIG-001"].admin_pcodes == {1: "ID72", 2: "ID7210"}
    assert by_code["MAM-001"].admin_pcodes == {1: "ID76", 2: "ID7605"}
    assert by_code["DON-001"].admin_pcodes == {1: "ID72", 2: "ID7205"}
    assert {s.pcode_source for s in by_code.values()} == {"coordinates"}
    pal = by_code["PAL-001"]
    assert pal.alt_names == ["Tondo", "Huntap Tondo 2"]
    assert pal.attributes == {"Partner": "IOM"} and by_code["MAM-001"].attributes == {}
    assert by_code["SIG-001"].site_type == "collective_centre"
    assert by_code["SIG-001"].opened_on == dt.date(2018, 10, 10)
    assert by_code["MAM-001"].opened_on == dt.date(2018, 10, 10)  # Excel serial 43383

    out_csv = ws.sites.export(OP, tmp_path / "export.csv")
    with out_csv.open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert lines[1][:6] == ["#loc+code", "#loc+name", "#loc+name+alt", "#loc+type", "#geo+lat",
                            "#geo+lon"]
    assert "#adm2+code" in lines[1] and "#date+start" in lines[1] and "#date+end" in lines[1]
    palu = [r[lines[0].index("admin2_name")] for r in lines[2:] if r[0] == "PAL-001"]
    assert palu == ["Kota Palu"]
    again = ws.sites.import_file(OP, out_csv)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)

    out_xlsx = ws.sites.export(OP, tmp_path / "export.xlsx")
    assert load_workbook(out_xlsx).active["A2"].value == "#loc+code"
    assert ws.sites.import_file(OP, out_xlsx).unchanged == 4
    assert all(len(ws.sites.history(OP, s.code)) == 1 for s in ws.sites.list(OP))


def test_reimport_updates_in_place_with_history(ws, op, boundaries, tmp_path):
    ws.sites.import_file(OP, write_csv(tmp_path / "r1.csv", _rows()), changed_by="imo")
    rows = _rows()
    rows[1][1] = "Huntap Tondo (Tadulako)"  # renamed
    rows[2][4:6] = HUNTAP_TONDO  # moved from Sigi to Palu
    rows[0].append("Closed")
    for r in rows[1:]:
        r.append("")
    rows[4][-1] = "2019-03-31"  # Banawa closes
    del rows[3]  # Pasangkayu is not in this partial file
    second = write_csv(tmp_path / "r2.csv", rows)
    result = ws.sites.import_file(OP, second, changed_by="field-lead")
    assert (result.created, result.updated, result.closed, result.unchanged) == (0, 2, 1, 0)

    pal = ws.sites.get(OP, "PAL-001")
    assert pal.name == "Huntap Tondo (Tadulako)" and pal.version == 2
    history = ws.sites.history(OP, "PAL-001")
    assert [h.action for h in history] == ["created", "updated"]
    assert history[1].changes == {"name": ["Huntap Tondo", "Huntap Tondo (Tadulako)"]}
    assert history[1].source == "r2.csv" and history[1].changed_by == "field-lead"
    moved = ws.sites.history(OP, "SIG-001")[-1].changes
    assert moved["admin2_pcode"] == ["ID7210", "ID7271"]
    assert moved["latitude"] == [JONO_OGE[0], HUNTAP_TONDO[0]]
    assert ws.sites.get(OP, "DON-001").closed_on == dt.date(2019, 3, 31)
    assert ws.sites.history(OP, "DON-001")[-1].action == "closed"
    assert ws.sites.get(OP, "MAM-001").version == 1  # absent from the file: kept as it was

    idem = ws.sites.import_file(OP, second)
    assert (idem.unchanged, idem.updated, idem.closed) == (3, 0, 0)
    assert len(ws.sites.history(OP, "PAL-001")) == 2

    rows[3][-1] = ""  # Banawa's closing date removed: reopened
    result = ws.sites.import_file(OP, write_csv(tmp_path / "r3.csv", rows))
    assert result.reopened == 1 and ws.sites.get(OP, "DON-001").closed_on is None


def test_given_pcodes_are_checked_and_completed_without_boundaries(ws, op, hdx_pcodes,
                                                                   tmp_path):
    src = write_csv(tmp_path / "pcodes.csv", [
        ["site_code", "site_name", "site_type", "adm1_pcode", "adm2_pcode", "lat", "lon"],
        ["PAL-001", "Huntap Tondo", "camp", "ID72", "ID7271", *HUNTAP_TONDO],
        ["SIG-001", "Jono Oge", "camp", "", "id7210 ", "", ""],
        ["MAM-001", "Pasangkayu", "village", "ID76", "", "", ""],
    ])
    result = ws.sites.import_file(OP, src)
    assert result.created == 3 and result.warnings == []
    sites = {s.code: s for s in ws.sites.list(OP)}
    assert sites["SIG-001"].admin_pcodes == {1: "ID72", 2: "ID7210"}  # admin 1 from the parent
    assert sites["MAM-001"].admin_pcodes == {1: "ID76"}
    assert {s.pcode_source for s in sites.values()} == {"given"}
    assert [s.code for s in ws.sites.list(OP, admin_pcode="ID72")] == ["PAL-001", "SIG-001"]
    assert [s.code for s in ws.sites.list(OP, admin_pcode="id7210")] == ["SIG-001"]


def test_pcodes_in_the_file_that_disagree_with_coordinates_warn(ws, op, boundaries, tmp_path):
    src = write_csv(tmp_path / "disagree.csv", [
        ["#loc+code", "#loc+name", "#loc+type", "#geo+lat", "#geo+lon", "#adm1+code",
         "#adm2+code"],
        ["PAL-001", "Huntap Tondo", "camp", *HUNTAP_TONDO, "ID72", "ID7210"],
    ])
    result = ws.sites.import_file(OP, src)
    assert result.created == 1
    [warning] = result.warnings
    assert warning.row == 2 and warning.field == "#adm2+code"
    assert "ID7210" in warning.message and "ID7271" in warning.message
    assert ws.sites.get(OP, "PAL-001").admin_pcodes == {1: "ID72", 2: "ID7271"}


def test_text_that_looks_like_code_is_stored_as_text(ws, op, boundaries, tmp_path):
    script = "<script>alert('x')</script> Posko"
    formula = "=HYPERLINK(\"http://example.invalid\",\"Balaroa\")"
    src = write_csv(tmp_path / "html.csv", [
        HEADER[:6], ["PAL-001", script, "", "camp", *HUNTAP_TONDO],
        ["PAL-002", formula, "@Balaroa", "camp", *HUNTAP_TONDO]])
    ws.sites.import_file(OP, src)
    assert ws.sites.get(OP, "PAL-001").name == script
    assert ws.sites.get(OP, "PAL-002").name == formula
    out = ws.sites.export(OP, tmp_path / "out.csv")
    text = out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@Balaroa" in text
    assert ws.sites.import_file(OP, out).unchanged == 2
    assert ws.sites.get(OP, "PAL-002").alt_names == ["@Balaroa"]


def test_close_reopen_and_list_filters(ws, op, boundaries, tmp_path):
    ws.sites.import_file(OP, write_csv(tmp_path / "sites.csv", _rows()))
    ws.sites.close(OP, "PAL-001", dt.date(2019, 2, 1), "residents moved to permanent housing",
                   "imo")
    pal = ws.sites.get(OP, "PAL-001")
    assert pal.closed_on == dt.date(2019, 2, 1)
    assert pal.attributes["closed_reason"] == "residents moved to permanent housing"
    on = [s.code for s in ws.sites.list(OP, open_on=dt.date(2019, 2, 1))]
    assert "PAL-001" not in on and "SIG-001" in on
    assert "PAL-001" in [s.code for s in ws.sites.list(OP, open_on=dt.date(2019, 1, 31))]
    assert [s.code for s in ws.sites.list(OP, open_on=dt.date(2018, 10, 6))] == [
        "DON-001", "PAL-001"]  # the others opened later, Banawa has no opening date
    assert [s.code for s in ws.sites.list(OP, site_type="Collective centre")] == ["SIG-001"]
    ws.sites.reopen(OP, "PAL-001", "imo")
    history = ws.sites.history(OP, "PAL-001")
    assert [h.action for h in history] == ["created", "closed", "reopened"]
    assert history[2].changes["closed_on"] == ["2019-02-01", None]
    assert "closed_reason" not in ws.sites.get(OP, "PAL-001").attributes
    assert ws.sites.get(OP, "PAL-001").version == 3
