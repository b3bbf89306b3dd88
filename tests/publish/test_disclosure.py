"""Disclosure control: small-cell suppression with complements in every published output
(export in each format, HDX package, DTM API), and the risk of record-level releases."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pantau.errors import PantauError
from pantau.publish import dtm_api
from pantau.publish.disclosure import (
    MARK_TAG,
    check_release,
    risk,
    suppress,
    suppress_table,
)
from pantau.workspace import Workspace
from tests.analytics import scenario as sc
from tests.conftest import Cli

D1 = dt.date(2018, 10, 5)
NAME = "Central Sulawesi Earthquake 2018"
FIGURES = ("idps_ind", "idps_hh", "idps_f", "idps_m")


@pytest.fixture
def op(ws: Workspace, tmp_path: Path) -> Workspace:
    """Three regencies of one province in round 1; Sigi (ID7210) has one family of 3."""
    sc.build(ws, tmp_path)
    sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450, f=(10, 20, 100, 5), m=(10, 25, 90, 5))
    sc.site(ws, D1, "S2", "ID7205", hh=50, ind=200, f=(5, 20, 60, 15), m=(5, 20, 60, 15))
    sc.site(ws, D1, "S3", "ID7210", hh=1, ind=3, f=(0, 1, 1, 0), m=(0, 0, 1, 0))
    ws.analytics.refresh(sc.OP)
    return ws


def _read(path: Path) -> tuple[list[str], list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1], [dict(zip(rows[0], r, strict=True)) for r in rows[2:]]


def _unknowns_per_relation(rows: list[dict[str, str]]) -> list[int]:
    """How many cells are hidden in each relation an attacker can use: each area = the sum
    of its sub-areas (per figure), and individuals = females + males. Written here, apart
    from the code under test."""
    out = []
    by_level: dict[int, list[dict[str, str]]] = {}
    for r in rows:
        by_level.setdefault(int(r["admin_level"]), []).append(r)
    for level in (0, 1, 2):
        for parent in by_level.get(level, []):
            code = parent[f"admin{level}_pcode"]
            kids = [k for k in by_level.get(level + 1, [])
                    if k[f"admin{level}_pcode"] == code
                    and k["round_number"] == parent["round_number"]
                    and k["assessment_type"] == parent["assessment_type"]]
            if not kids:
                continue
            for col in FIGURES:
                cells = [parent, *kids]
                if any(c[col] != "" or col in c["suppressed"].split() for c in cells):
                    out.append(sum(col in c["suppressed"].split() for c in cells))
    for r in rows:
        out.append(sum(c in r["suppressed"].split() for c in ("idps_ind", "idps_f", "idps_m")))
    return out


def test_small_cells_are_suppressed_with_their_complements(op: Workspace,
                                                           tmp_path: Path) -> None:
    result = op.publish.export(sc.OP, "area_totals", tmp_path / "t.csv", assessment_type="SA")
    header, tags, rows = _read(result.path)
    assert header[-1] == "suppressed" and tags[-1] == MARK_TAG
    sigi = next(r for r in rows if r["admin_level"] == "2" and r["admin2_pcode"] == "ID7210")
    assert [sigi[c] for c in FIGURES] == ["", "", "", ""]
    assert set(sigi["suppressed"].split()) == set(FIGURES)
    # No relation is left with exactly one unknown: nothing can be subtracted back.
    unknowns = _unknowns_per_relation(rows)
    assert 1 not in unknowns and max(unknowns) >= 2
    province = next(r for r in rows if r["admin_level"] == "1")
    assert province["idps_ind"] == "653"  # totals stay published
    assert result.threshold == 5 and result.suppressed > result.primary >= 8


def test_a_filtered_export_hides_the_same_cells(op: Workspace, tmp_path: Path) -> None:
    whole = _read(op.publish.export(sc.OP, "area_totals", tmp_path / "a.csv").path)[2]
    level2 = _read(op.publish.export(sc.OP, "area_totals", tmp_path / "b.csv",
                                     admin_level=2).path)[2]
    assert level2 == [r for r in whole if r["admin_level"] == "2"]
    current = _read(op.publish.export(sc.OP, "current", tmp_path / "c.csv",
                                      assessment_type="SA").path)[2]
    same_round = [r for r in whole if r["assessment_type"] == "SA" and r["round_number"] == "1"]
    assert [r["suppressed"] for r in current] == [r["suppressed"] for r in same_round]


def test_every_format_marks_the_suppressed_cells(op: Workspace, tmp_path: Path) -> None:
    xlsx = op.publish.export(sc.OP, "area_totals", tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(xlsx.path)
    meta = {r[0]: r[1] for r in wb["metadata"].iter_rows(min_row=2, values_only=True)}
    assert "fewer than 5 people" in meta["disclosure_control"]
    assert meta["cells_suppressed"].startswith(f"{xlsx.suppressed} (")
    data = list(wb["data"].iter_rows(values_only=True))
    assert data[1][-1] == MARK_TAG
    geo = json.loads(op.publish.export(sc.OP, "area_totals", tmp_path / "t.geojson")
                     .path.read_text(encoding="utf-8"))
    sigi = [f["properties"] for f in geo["features"]
            if f["properties"]["admin2_pcode"] == "ID7210"]
    assert sigi and all(p["idps_ind"] is None and "idps_ind" in p["suppressed"] for p in sigi)
    import duckdb

    pq = op.publish.export(sc.OP, "area_totals", tmp_path / "t.parquet")
    got = duckdb.connect().execute(
        f"SELECT idps_ind, suppressed FROM '{pq.path}' WHERE admin2_pcode = 'ID7210'"
    ).fetchall()
    assert got and all(v is None and "idps_ind" in s for v, s in got)
    assert pq.suppressed == xlsx.suppressed


def test_the_cli_reports_and_can_turn_it_off(op: Workspace, cli: Cli, tmp_path: Path) -> None:
    out = " ".join(cli("export", sc.OP, "--table", "area_totals", "--out",
                       tmp_path / "a.csv").output.split())
    assert "Suppressed" in out and "below 5" in out and "complementary" in out
    res = cli("export", "table", sc.OP, "--table", "area_totals", "--suppress-below", "0",
              "--out", tmp_path / "b.csv")
    assert "do not publish this file" in " ".join(res.output.split())
    header, _, rows = _read(tmp_path / "b.csv")
    assert "suppressed" not in header
    assert any(r["admin2_pcode"] == "ID7210" and r["idps_ind"] == "3" for r in rows)
    # A higher threshold for one call hides the 200 of Donggala too.
    cli("export", sc.OP, "--table", "area_totals", "--suppress-below", "250", "--out",
        tmp_path / "c.csv")
    rows = _read(tmp_path / "c.csv")[2]
    assert all(r["idps_ind"] != "200" for r in rows)


def test_the_operation_sets_its_threshold(op: Workspace, tmp_path: Path) -> None:
    folder = op.settings.workspace / "disclosure"
    folder.mkdir()
    (folder / f"{sc.OP}.yaml").write_text("min_cell: 250\nmax_risk: 0.05\n", encoding="utf-8")
    assert op.publish.policy(sc.OP).max_risk == 0.05
    rows = _read(op.publish.export(sc.OP, "area_totals", tmp_path / "t.csv").path)[2]
    assert all(r["idps_ind"] != "200" for r in rows)
    (folder / f"{sc.OP}.yaml").write_text("min_cells: 3\n", encoding="utf-8")
    with pytest.raises(PantauError, match="unknown key.*min_cells"):
        op.publish.export(sc.OP, "area_totals", tmp_path / "u.csv")
    (folder / f"{sc.OP}.yaml").write_text("min_cell: -1\n", encoding="utf-8")
    with pytest.raises(PantauError, match="min_cell must be a whole number"):
        op.publish.export(sc.OP, "area_totals", tmp_path / "u.csv")
    assert not (tmp_path / "u.csv").exists()


def test_hdx_package_is_suppressed_and_says_so(op: Workspace, cli: Cli, tmp_path: Path) -> None:
    out = " ".join(cli("publish", "hdx", sc.OP, "--out", tmp_path / "hdx", "--org", "iom",
                       "--maintainer", "dtm", "--dry-run").output.split())
    assert "Disclosure control:" in out and "cell(s) suppressed (fewer than 5 people" in out
    meta = json.loads((tmp_path / "hdx" / "dataset.json").read_text(encoding="utf-8"))
    assert "fewer than 5 people are suppressed" in meta["caveats"]
    for name in ("current", "area_totals", "displacement"):
        rows = _read(tmp_path / "hdx" / f"{sc.OP}_{name}.csv")[2]
        assert not any(r.get("admin2_pcode") == "ID7210" and r["idps_ind" if "idps_ind" in r
                                                             else "ind"] for r in rows), name
    bad = cli("publish", "hdx", sc.OP, "--out", tmp_path / "x", "--org", "iom", "--maintainer",
              "dtm", "--dry-run", "--suppress-below", "0", ok=False)
    assert bad.exit_code != 0 and not (tmp_path / "x").exists()


def test_the_dtm_api_serves_the_same_pattern(op: Workspace, tmp_path: Path) -> None:
    records = dtm_api.records(op, dtm_api.Query(level=2, operation=NAME))
    sigi = [r for r in records if r["admin2Pcode"] == "ID7210"]
    assert sigi and all(r["numPresentIdpInd"] is None and r["numberFemales"] is None
                        for r in sigi)
    shown = {r["admin2Pcode"]: r["numPresentIdpInd"] for r in records}
    rows = _read(op.publish.export(sc.OP, "displacement", tmp_path / "d.csv",
                                   admin_level=2).path)[2]
    assert shown == {r["admin2_pcode"]: (int(r["ind"]) if r["ind"] else None) for r in rows}
    national = dtm_api.records(op, dtm_api.Query(level=0, operation=NAME))
    assert [r["numPresentIdpInd"] for r in national] == [653]


def test_pages_can_hide_what_the_files_hide(op: Workspace, tmp_path: Path) -> None:
    columns, rows = op.analytics.read("area_totals", sc.OP, admin_level=2)
    dicts = [dict(zip(columns, r, strict=True)) for r in rows]
    shown = op.publish.hide_small_cells(sc.OP, "area_totals", dicts)
    sigi = next(r for r in shown if r["admin2_pcode"] == "ID7210")
    assert (sigi["ind"], sigi["hh"], sigi["f"], sigi["m"]) == (None, None, None, None)
    assert next(r for r in dicts if r["admin2_pcode"] == "ID7210")["ind"] == 3  # a copy
    published = _read(op.publish.export(sc.OP, "area_totals", tmp_path / "t.csv",
                                        admin_level=2).path)[2]
    for row, page in zip(sorted(published, key=lambda r: r["admin2_pcode"]),
                         sorted(shown, key=lambda r: r["admin2_pcode"]), strict=True):
        assert [row[f"idps_{c}"] == "" for c in ("ind", "hh", "f", "m")] == \
            [page[c] is None for c in ("ind", "hh", "f", "m")]
    with pytest.raises(PantauError, match="need admin_level"):
        op.publish.hide_small_cells(sc.OP, "area_totals",
                                    [{k: v for k, v in d.items() if k != "admin_level"}
                                     for d in dicts])


# --- the algorithm on its own -----------------------------------------------------------
def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    # total 20 = 2 + 8 + 10: hiding 2 alone would leave it as 20 - 8 - 10.
    values = {(0, 0): 20.0, (1, 0): 2.0, (2, 0): 8.0, (3, 0): 10.0}
    primary, secondary = suppress(values, [((0, 0), [(1, 0), (2, 0), (3, 0)])], 5)
    assert (primary, secondary) == ({(1, 0)}, {(2, 0)})
    # Only one part besides the small one: the total goes too.
    primary, secondary = suppress({(0, 0): 9.0, (1, 0): 2.0, (2, 0): 7.0},
                                  [((0, 0), [(1, 0), (2, 0)])], 5)
    assert secondary == {(2, 0)}
    primary, secondary = suppress({(0, 0): 2.0, (1, 0): 2.0}, [((0, 0), [(1, 0)])], 5)
    assert primary == {(0, 0), (1, 0)} and secondary == set()
    # Zero is not a small cell, and is the complement of last resort.
    primary, secondary = suppress({(0, 0): 3.0, (1, 0): 3.0, (2, 0): 0.0},
                                  [((0, 0), [(1, 0), (2, 0)])], 5)
    assert primary == {(0, 0), (1, 0)} and secondary == set()


def _random_table(rng: random.Random) -> tuple[list[str], list[list[Any]]]:
    """country → 3 provinces → 4 regencies, individuals = females + males, some small."""
    columns = ["operation", "assessment_type", "round_number", "admin_level", "admin0_pcode",
               "admin1_pcode", "admin2_pcode", "idps_ind", "idps_f", "idps_m"]
    leaves = []
    for p in range(3):
        for d in range(4):
            f = rng.choice([0, 1, 2, 3, 4, 6, 20, 50])
            m = rng.choice([0, 1, 2, 3, 7, 30])
            leaves.append((f"P{p}", f"P{p}D{d}", f, m))
    rows: list[list[Any]] = []
    for level, key in ((0, None), (1, 1), (2, 2)):
        groups: dict[Any, list[Any]] = {}
        for leaf in leaves:
            groups.setdefault(leaf[key - 1] if key else "XX", []).append(leaf)
        for code, members in groups.items():
            f, m = sum(x[2] for x in members), sum(x[3] for x in members)
            a1 = None if level == 0 else members[0][0]
            a2 = code if level == 2 else None
            rows.append(["op", "SA", 1, level, "XX", a1, a2, f + m, f, m])
    return columns, rows


def test_no_relation_is_left_with_one_unknown_on_random_tables() -> None:
    rng = random.Random(7)
    for _ in range(200):
        columns, rows = _random_table(rng)
        done = suppress_table("area_totals", columns, rows, 5)
        marked = [dict(zip(columns, r, strict=True)) | {"suppressed": m}
                  for r, m in zip(done.rows, done.marks, strict=True)]
        text = [{k: "" if v is None else str(v) for k, v in r.items()} for r in marked]
        for r in text:
            r.setdefault("idps_hh", "")
        assert 1 not in _unknowns_per_relation(text)
        for r, original in zip(done.rows, rows, strict=True):
            for i, v in enumerate(original[7:], 7):
                if 0 < v < 5:
                    assert r[i] is None


# --- record-level risk -------------------------------------------------------------------
def test_risk_is_sdcmicro_global_risk_without_weights() -> None:
    records = [("f", "30", "A"), ("f", "30", "A"), ("m", "40", "A"), ("m", "41", "B")]
    r = risk(records, ["sex", "age", "adm3"], k=2)
    assert r.individual == [0.5, 0.5, 1.0, 1.0]
    assert (r.classes, r.below_k, r.expected, r.global_risk) == (3, 2, 3.0, 0.75)
    with pytest.raises(PantauError) as e:
        check_release(r, 0.03)
    message = str(e.value)
    assert "blocked" in message and "75.0%" in message and "above 3.0%" in message
    assert "sex, age, adm3" in message and "41" not in message
    check_release(r, 0.75)  # at the threshold: allowed
    assert risk([(None,), (None,)], ["age"]).global_risk == 0.5
    assert risk([("a",)] * 3, []).global_risk == 0.0
