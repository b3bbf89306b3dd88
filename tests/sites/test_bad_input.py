"""Broken master lists: every problem is reported with its row and column, and nothing changes."""

from __future__ import annotations

import pytest

from pantau.errors import ImportFailed, PantauError
from tests.sites.conftest import HUNTAP_TONDO, JONO_OGE, OP, write_csv, write_xlsx

HEADER = ["Site ID", "Site Name", "Type", "Latitude", "Longitude", "Opened", "Closed"]


def _problems(ws, path) -> list[tuple[int | None, str | None, str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportFailed) as info:
        ws.sites.import_file(OP, path)
    assert "nothing was imported" in str(info.value)
    return [(p.row, p.field, p.message) for p in info.value.problems if p.severity == "error"]


def _has(found: list[tuple[int | None, str | None, str]], row: int | None, field: str | None,
         text: str) -> bool:
    return any(r == row and f == field and text in m for r, f, m in found)


def test_every_bad_row_is_reported_and_nothing_is_imported(ws, op, boundaries, tmp_path):
    lat, lon = HUNTAP_TONDO
    rows = [
        HEADER,
        ["PAL-001", "Huntap Tondo", "camp", lat, lon, "", ""],  # 2: fine
        ["PAL-001", "Huntap Tondo again", "camp", lat, lon, "", ""],  # 3: duplicate id
        ["pal-001", "Case twin", "camp", lat, lon, "", ""],  # 4: duplicate, other case
        ["PAL-004", "Tenda", "tent", lat, lon, "", ""],  # 5: unknown type
        ["PAL-005", "Swapped", "camp", lon, lat, "", ""],  # 6: lat/lon swapped
        ["JKT-001", "Jakarta", "camp", -6.2, 106.8, "", ""],  # 7: outside the boundaries
        ["PAL-007", "Half", "camp", lat, "", "", ""],  # 8: latitude without longitude
        ["PAL-008", "Degrees", "camp", "0°51'S", lon, "", ""],  # 9: not a number
        ["PAL-009", "Huge", "camp", "1e308", lon, "", ""],  # 10: huge value
        ["PAL-010", "Backwards", "camp", lat, lon, "2019-01-10", "2018-12-31"],  # 11
        ["PAL-011", "Bad date", "camp", lat, lon, "31/02/2018", ""],  # 12
        ["", "No id", "camp", lat, lon, "", ""],  # 13
        ["PAL-013", "", "camp", lat, lon, "", ""],  # 14: no name
        ["X" * 61, "Long id", "camp", lat, lon, "", ""],  # 15
        ["PAL-015", "N" * 201, "camp", lat, lon, "", ""],  # 16
        ["PAL-016", "Nowhere", "camp", "", "", "", ""],  # 17: no location at all
        ["PAL-017", "Infinity", "camp", "inf", lon, "", ""],  # 18
    ]
    found = _problems(ws, write_csv(tmp_path / "bad.csv", rows))
    expected = [
        (3, "Site ID", "appears twice: on row 2 and on row 3"),
        (4, "Site ID", "differs only in case"),
        (5, "Type", "'tent' is not a site type"),
        (6, "Latitude", "latitude and longitude look swapped"),
        (7, "Latitude", "is outside IDN"),
        (8, "Longitude", "give both coordinates or neither"),
        (9, "Latitude", "is not a number"),
        (10, "Latitude", "not between -90 and 90"),
        (11, "Closed", "before it opened"),
        (12, "Opened", "is not a date"),
        (13, "Site ID", "no site id"),
        (14, "Site Name", "no site name"),
        (15, "Site ID", "limit 60"),
        (16, "Site Name", "limit 200"),
        (17, None, "needs coordinates or an admin P-code"),
        (18, "Latitude", "not a finite number"),
    ]
    missing = [e for e in expected if not _has(found, *e)]
    assert not missing, f"not reported: {missing}\nreported: {found}"
    assert not any(r == 2 for r, _, _ in found)
    assert ws.sites.list(OP) == []


def test_pcode_problems_without_boundaries(ws, op, hdx_pcodes, tmp_path):
    rows = [
        ["Site ID", "Site Name", "Type", "Admin1 P-code", "Admin2 P-code"],
        ["PAL-001", "Huntap Tondo", "camp", "ID72", "ID7271"],  # 2: fine
        ["PAL-002", "Unknown", "camp", "ID72", "ID7299"],  # 3: unknown P-code
        ["PAL-003", "Level", "camp", "ID7271", ""],  # 4: admin-2 code as admin-1
        ["PAL-004", "Parent", "camp", "ID76", "ID7271"],  # 5: wrong parent
        ["PAL-005", "Other country", "camp", "PH01", ""],  # 6: a Philippine code
    ]
    found = _problems(ws, write_csv(tmp_path / "pcodes.csv", rows))
    for e in [(3, "Admin2 P-code", "unknown P-code 'ID7299'"),
              (4, "Admin1 P-code", "ID7271 is an admin-2 P-code, not admin-1"),
              (5, "Admin2 P-code", "wrong parent: admin-2 ID7271 (as given) lies in ID72, "
                                   "not in admin-1 ID76"),
              (6, "Admin1 P-code", "unknown P-code 'PH01'")]:
        assert _has(found, *e), f"{e} not in {found}"
    assert len(found) == 4 and ws.sites.list(OP) == []


def test_pcodes_below_the_boundaries_must_lie_in_them(ws, op, hdx_pcodes, tmp_path):
    """HDX list (admin 1–2) plus admin-1 boundaries only: admin 1 comes from the coordinates,
    admin 2 from the file, and the admin 2 given must lie in the admin 1 found."""
    from tests.sites.conftest import boundaries_geojson

    adm1, _ = boundaries_geojson(tmp_path)
    ws.gazetteer.import_file(adm1, country="IDN")  # attached to the current (HDX) version
    rows = [["Site ID", "Site Name", "Type", "Latitude", "Longitude", "ADM2_PCODE"],
            ["PAL-001", "Huntap Tondo", "camp", *HUNTAP_TONDO, "ID7271"],
            ["PAL-002", "Mislabelled", "camp", *HUNTAP_TONDO, "ID7605"],
            ["PAL-003", "Unknown", "camp", *HUNTAP_TONDO, "ID7299"]]
    found = _problems(ws, write_csv(tmp_path / "adm2.csv", rows))
    assert _has(found, 3, "ADM2_PCODE", "wrong parent: admin-2 ID7605 (as given) lies in ID76, "
                "not in admin-1 ID72 (from the coordinates)")
    assert _has(found, 4, "ADM2_PCODE", "unknown P-code 'ID7299'")
    assert len(found) == 2
    result = ws.sites.import_file(OP, write_csv(tmp_path / "ok.csv", rows[:2]))
    site = ws.sites.get(OP, "PAL-001")
    assert result.created == 1 and site.admin_pcodes == {1: "ID72", 2: "ID7271"}
    assert site.pcode_source == "coordinates"


def test_one_bad_row_changes_nothing(ws, op, boundaries, tmp_path):
    good = [HEADER, ["PAL-001", "Huntap Tondo", "camp", *HUNTAP_TONDO, "", ""],
            ["SIG-001", "Jono Oge", "camp", *JONO_OGE, "", ""]]
    ws.sites.import_file(OP, write_csv(tmp_path / "good.csv", good))
    before = ws.sites.list(OP)
    bad = [HEADER, ["PAL-001", "Huntap Tondo renamed", "camp", *HUNTAP_TONDO, "", "2019-01-01"],
           ["SIG-001", "Jono Oge", "camp", *JONO_OGE, "", ""],
           ["NEW-001", "New site", "camp", *HUNTAP_TONDO, "", ""],
           ["NEW-002", "Bad site", "camp", 95, 119.9, "", ""]]
    found = _problems(ws, write_csv(tmp_path / "bad.csv", bad))
    assert len(found) == 1 and found[0][0] == 5
    assert ws.sites.list(OP) == before
    assert len(ws.sites.history(OP, "PAL-001")) == 1


def test_file_level_problems(ws, op, hdx_pcodes, tmp_path):
    cases = [
        ([["Name", "Type"], ["Huntap Tondo", "camp"]], "no column for the site id"),
        ([["Site ID", "Type"], ["PAL-001", "camp"]], "no column for the site name"),
        ([["Site ID", "Name", "Type", "Latitude"], ["P", "N", "camp", "-0.8"]],
         "has a latitude column but no longitude column"),
        ([["Site ID", "Site code", "Name"], ["P", "Q", "N"]], "both look like the site id"),
        ([["Site ID", "Name", "Admin1"], ["P", "N", "ID72"]], "needs a site type"),
    ]
    for i, (rows, text) in enumerate(cases):
        found = _problems(ws, write_csv(tmp_path / f"case{i}.csv", rows))
        assert any(text in m for _, _, m in found), f"{text!r} not in {found}"
    assert ws.sites.list(OP) == []
    with pytest.raises(PantauError, match="No operation 'nope'"):
        ws.sites.import_file("nope", tmp_path / "case0.csv")


def test_pcodes_need_a_gazetteer(ws, op, tmp_path):
    src = write_csv(tmp_path / "nogaz.csv", [["Site ID", "Name", "Type", "Admin1"],
                                             ["PAL-001", "Huntap Tondo", "camp", "ID72"]])
    found = _problems(ws, src)
    assert any("no gazetteer is loaded for IDN" in m for _, _, m in found)


def test_swapped_coordinates_without_boundaries_use_the_country_box(ws, tmp_path):
    """Baghdad (33.31 N, 44.36 E): swapped, 44.36 N is north of Iraq's box."""
    ws.operations.create("irq-idp", "IRQ", "Iraq IDPs")
    src = write_csv(tmp_path / "irq.csv", [
        ["Site ID", "Name", "Type", "Latitude", "Longitude"],
        ["BGD-001", "Baghdad camp", "camp", 33.31, 44.36],
        ["BGD-002", "Swapped", "camp", 44.36, 33.31],
        ["BGD-003", "Lagos", "camp", 6.45, 3.39]])
    with pytest.raises(ImportFailed) as info:
        ws.sites.import_file("irq-idp", src)
    errors = {p.row: p.message for p in info.value.problems if p.severity == "error"}
    assert set(errors) == {3, 4}
    assert "look swapped" in errors[3]
    assert "outside IRQ (checked against its bounding box)" in errors[4]


def test_awkward_files_are_read(ws, op, boundaries, tmp_path):
    """Latin-1 with ';' and decimal commas, a UTF-8 BOM, an XLSX with a title row."""
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("Site ID;Site Name;Type;Latitude;Longitude\n"
                      "PAL-001;Pengungsian Balaroa – Désa;camp;-0,865;119,884\n"
                      .encode("cp1252"))
    bom = write_csv(tmp_path / "bom.csv", [["Site ID", "Site Name", "Type", "Latitude",
                                            "Longitude"],
                                           ["SIG-001", "Jono Oge", "camp", *JONO_OGE]],
                    encoding="utf-8-sig")
    xlsx = write_xlsx(tmp_path / "titled.xlsx", [
        ["Site ID", "Site Name", "Type", "Latitude", "Longitude", "Opened"],
        ["PAL-002", "Petobo", "camp", -0.944, 119.925, "2018-10-08"]],
        title="DTM Central Sulawesi — master list, round 3")
    for path in (latin, bom, xlsx):
        assert ws.sites.import_file(OP, path).created == 1
    assert ws.sites.get(OP, "PAL-001").name == "Pengungsian Balaroa – Désa"
    assert ws.sites.get(OP, "PAL-001").admin_pcodes[2] == "ID7271"
    assert ws.sites.get(OP, "SIG-001").admin_pcodes[2] == "ID7210"
    petobo = ws.sites.get(OP, "PAL-002")
    assert petobo.admin_pcodes[2] == "ID7271" and str(petobo.opened_on) == "2018-10-08"
