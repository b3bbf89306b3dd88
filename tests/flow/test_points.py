"""Flow monitoring points: sites of the master list with what an FMP watches and when."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pantau.demo import italy
from pantau.errors import ImportFailed
from pantau.flow import vocab
from pantau.store.flows import FlowPoint
from pantau.store.models import Site
from pantau.tabular import write_table
from pantau.tabular.values import ValueProblem
from tests.flow.conftest import OP

COLUMNS = ["Site ID", "Name", "FMP type", "Latitude", "Longitude", "Directions",
           "Observation days", "Observation hours"]


def _count(ws, model) -> int:  # type: ignore[no-untyped-def]
    with ws.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_points_are_sites_with_a_watch(italy_ws, tmp_path):
    points = {p.code: p for p in italy_ws.flow.points(OP)}
    assert set(points) == {p.code for p in italy.POINTS}
    lmp = points["ITA-LMP"]
    assert lmp.point_type == "landing_point" and lmp.directions == ("incoming", "outgoing")
    assert lmp.admin_pcodes == {1: "IT19", 2: "IT19084"}  # from the coordinates
    assert points["ITA-KRO"].days == "mon, tue, wed, thu, fri, sat"
    assert points["ITA-KRO"].hours == "08:00-20:00" and points["ITA-POZ"].hours == "24h"
    site = italy_ws.sites.get(OP, "ITA-LMP")
    assert site.site_type == "flow_monitoring_point"
    assert "FMP type" not in site.attributes, "FMP columns are not duplicated as attributes"
    # the same file again changes nothing
    again = italy_ws.flow.import_points(OP, italy.write_points(tmp_path))
    assert again.sites.unchanged == 5 and again.points_created == again.points_updated == 0


def test_a_changed_watch_updates_the_point(italy_ws, tmp_path):
    path = write_table(tmp_path / "p.csv", COLUMNS, [
        ("ITA-KRO", "Crotone — porto", "port", 39.0814, 17.1316, "incoming; transit",
         "Mon-Fri", "07:30-19:00"),
        ("ITA-TC1", "Centro di transito", "transit centre", 37.25, 15.15, "transit", "daily",
         "24h")])
    result = italy_ws.flow.import_points(OP, path)
    assert result.points_created == 1 and result.points_updated == 1
    points = {p.code: p for p in italy_ws.flow.points(OP)}
    assert points["ITA-KRO"].directions == ("incoming", "transit")
    assert points["ITA-KRO"].days == "mon, tue, wed, thu, fri"
    assert points["ITA-TC1"].point_type == "transit_centre"
    assert italy_ws.sites.get(OP, "ITA-TC1").site_type == "transit_centre"


def test_bad_fmp_cells_name_row_and_field_and_nothing_is_stored(italy_ws, tmp_path):
    sites, points = _count(italy_ws, Site), _count(italy_ws, FlowPoint)
    path = write_table(tmp_path / "bad.csv", COLUMNS, [
        ("NEW-1", "Good one", "port", 37.25, 15.15, "incoming", "daily", "24h"),
        ("NEW-2", "Bus stop", "tent", 37.25, 15.15, "incoming", "daily", "24h"),
        ("NEW-3", "Checkpoint", "checkpoint", 37.25, 15.15, "sideways", "Mon-Fri", "24h"),
        ("NEW-4", "Port", "port", 37.25, 15.15, "outgoing", "Funday", "25:00-26:00"),
        ("NEW-5", "Far away", "port", -0.9, 119.8, "incoming", "daily", "24h")])
    with pytest.raises(ImportFailed) as exc:
        italy_ws.flow.import_points(OP, path)
    text = exc.value.details()
    assert "bad.csv, row 3, field 'FMP type': 'tent' is not a flow monitoring point type" in text
    assert "row 4, field 'Directions': 'sideways' is not a direction" in text
    assert "row 5, field 'Observation days': 'Funday' is not a list of days" in text
    assert "row 5, field 'Observation hours'" in text
    assert "row 6, field 'Latitude'" in text  # a point in Sulawesi is not in Italy
    assert _count(italy_ws, Site) == sites and _count(italy_ws, FlowPoint) == points


def test_a_file_without_fmp_columns_is_refused(italy_ws, tmp_path):
    path = write_table(tmp_path / "sites.csv", ["Site ID", "Name", "Type", "Admin2"],
                       [("X", "X", "camp", "IT19084")])
    with pytest.raises(ImportFailed) as exc:
        italy_ws.flow.import_points(OP, path)
    assert "no column for the FMP point type" in exc.value.details()
    assert "no column for the FMP directions" in exc.value.details()


@pytest.mark.parametrize(("text", "mask"), [
    ("daily", 127), ("", 127), ("Mon-Fri", 31), ("mon, wed, sat", 1 | 4 | 32),
    ("Fri-Mon", 16 | 32 | 64 | 1), ("weekends", 96), ("Tuesday", 2)])
def test_observation_days(text, mask):
    assert vocab.days_mask(text) == mask


def test_hours_and_directions():
    assert vocab.hours("8-20") == ("08:00", "20:00")
    assert vocab.hours("24/7") == (None, None)
    assert vocab.directions("Incoming / Transit") == ("incoming", "transit")
    assert vocab.directions("all") == ("incoming", "outgoing", "transit")
    with pytest.raises(ValueProblem):
        vocab.hours("noon")
