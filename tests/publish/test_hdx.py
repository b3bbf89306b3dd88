"""`pantau publish hdx`: the HDX package built and checked offline, and uploaded to a local
fake of HDX's CKAN API (never the internet)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from pantau.errors import PantauError
from pantau.workspace import Workspace
from tests.analytics import scenario as sc
from tests.conftest import Cli
from tests.publish.fake_ckan import VOCABULARY_ID, fake_ckan

D1 = dt.date(2018, 10, 5)
FILES = {f"{sc.OP}_{t}.{s}" for t in ("current", "area_totals", "displacement")
         for s in ("csv", "xlsx")}


@pytest.fixture
def refreshed(ws: Workspace, tmp_path: Path) -> Workspace:
    sc.build(ws, tmp_path)
    sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450, f=(10, 20, 100, 5), m=(10, 25, 90, 5))
    sc.site(ws, D1, "S2", "ID7205", hh=50, ind=200, state="rejected")
    ws.analytics.refresh(sc.OP)
    return ws


def test_dry_run_writes_files_and_metadata(refreshed: Workspace, cli: Cli,
                                           tmp_path: Path) -> None:
    out = tmp_path / "hdx"
    result = cli("publish", "hdx", sc.OP, "--out", out, "--org", "iom", "--maintainer",
                 "dtm-team", "--dry-run")
    assert "6 files" in result.output
    assert {p.name for p in out.iterdir()} == FILES | {"dataset.json"}
    meta = json.loads((out / "dataset.json").read_text())
    assert meta["name"] == f"{sc.OP}-displacement-tracking-matrix"
    assert meta["groups"] == [{"name": "idn"}]
    assert [t["name"] for t in meta["tags"]] == ["displacement", "hxl",
                                                 "internally displaced persons-idp"]
    assert meta["methodology"] == "Other" and "Site assessment round 2" in \
        meta["methodology_other"]
    assert meta["dataset_date"] == "[2018-10-01T00:00:00 TO 2018-11-15T23:59:59]"
    assert meta["license_id"] == "cc-by" and meta["caveats"] and meta["notes"]
    assert meta["data_update_frequency"] == "-2"  # HDX's code for "As needed"
    assert {r["name"] for r in meta["resources"]} == FILES
    assert {r["format"] for r in meta["resources"]} == {"csv", "xlsx"}
    rows = list(csv.reader((out / f"{sc.OP}_current.csv").open(encoding="utf-8-sig")))
    assert rows[1][0].startswith("#")  # the HXL row
    text = "".join((out / f).read_text(encoding="utf-8-sig") for f in FILES if
                   f.endswith(".csv"))
    assert "S1" not in text and "450" in text and "200" not in text  # approved aggregates


@pytest.mark.parametrize(("args", "message"), [
    (("--name", "Not A Slug"), "HDX names are 2–100 characters"),
    (("--licence", "mine"), "licence 'mine'"),
    (("--tag", "earthquakes-and-stuff"), "not in the vetted HDX vocabulary"),
    (("--frequency", "whenever"), "update frequency 'whenever'"),
])
def test_bad_metadata_writes_nothing(refreshed: Workspace, cli: Cli, tmp_path: Path,
                                     args: tuple[str, ...], message: str) -> None:
    out = tmp_path / "hdx"
    result = cli("publish", "hdx", sc.OP, "--out", out, "--org", "iom", "--maintainer", "x",
                 "--dry-run", *args, ok=False)
    assert result.exit_code != 0 and message in result.output
    assert not out.exists()


def test_not_refreshed(ws: Workspace, tmp_path: Path) -> None:
    sc.build(ws, tmp_path)
    with pytest.raises(PantauError, match="pantau refresh"):
        ws.publish.hdx(sc.OP, tmp_path / "hdx", org="iom", maintainer="x", dry_run=True)


def test_upload_to_fake_hdx(refreshed: Workspace, cli: Cli, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_HDX_KEY", "secret-hdx-token")
    with fake_ckan() as fake:
        result = cli("publish", "hdx", sc.OP, "--out", tmp_path / "hdx", "--org", "iom",
                     "--maintainer", "dtm-team", "--url", fake.url)
        assert "Uploaded to" in result.output and "secret-hdx-token" not in result.output
        actions = fake.actions()
        assert actions[-2:] == ["package_create", "package_revise"]  # files: in the revise
        assert all(c.key == "secret-hdx-token" for c in fake.calls
                   if c.action.startswith("package_"))
        pkg = fake.packages[f"{sc.OP}-displacement-tracking-matrix"]
        assert {t["vocabulary_id"] for t in pkg["tags"]} == {VOCABULARY_ID}
        assert {r["name"] for r in pkg["resources"]} == FILES
        assert set().union(*(c.files for c in fake.calls)) == FILES
        # again: the dataset exists now, so it is updated, not created twice
        cli("publish", "hdx", sc.OP, "--out", tmp_path / "hdx", "--org", "iom",
            "--maintainer", "dtm-team", "--url", fake.url)
        assert fake.actions().count("package_create") == 1
    assert "secret-hdx-token" not in (tmp_path / "hdx" / "dataset.json").read_text()


def test_dry_run_never_uploads(refreshed: Workspace, cli: Cli, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_HDX_KEY", "secret-hdx-token")
    with fake_ckan() as fake:
        cli("publish", "hdx", sc.OP, "--out", tmp_path / "hdx", "--org", "iom",
            "--maintainer", "x", "--url", fake.url, "--dry-run")
        assert fake.calls == []
