"""The point-in-polygon locator, on its own and built from a stored gazetteer."""

from __future__ import annotations

from shapely.geometry import box

from pantau.gazetteer.locate import TOLERANCE, Locator
from tests.sites.conftest import ADM1, ADM2, BANAWA, HUNTAP_TONDO, JONO_OGE, PASANGKAYU


def _grid() -> Locator:
    """Two provinces split at 122°E; districts of 1.5° in the west, one in the east."""
    units = [("ID72", 1, "IDN", box(119, -3, 122, 0).wkb),
             ("ID73", 1, "IDN", box(122, -3, 125, 0).wkb),
             ("ID7271", 2, "ID72", box(119, -3, 120.5, 0).wkb),
             ("ID7210", 2, "ID72", box(120.5, -3, 122, 0).wkb),
             ("ID7301", 2, "ID73", box(122, -3, 125, 0).wkb)]
    return Locator("IDN", None, units)


def test_levels_nest_on_a_shared_border():
    loc = _grid()
    assert loc.levels == [1, 2]
    assert loc.locate(119.8, -0.9) == {1: "ID72", 2: "ID7271"}
    # on the provincial border: both provinces touch the point, the districts must follow
    found = loc.locate_many([122.0], [-1.0])[0]
    assert found.pcodes[2] == ("ID7210" if found.pcodes[1] == "ID72" else "ID7301")
    assert found.issues == []


def test_inconsistent_boundaries_are_reported():
    units = [("ID72", 1, "IDN", box(119, -3, 122, 0).wkb),
             ("ID7301", 2, "ID73", box(119, -3, 122, 0).wkb)]
    found = Locator("IDN", None, units).locate_many([120.0], [-1.0])[0]
    assert found.pcodes == {1: "ID72", 2: "ID7301"}
    assert found.issues and "ID7301 lies in ID73" in found.issues[0]


def test_points_just_outside_go_to_the_nearest_area():
    loc = _grid()
    near = loc.locate_many([125 + TOLERANCE / 2], [-1.0])[0]
    assert near.pcodes == {1: "ID73", 2: "ID7301"} and near.nearest == near.pcodes
    assert loc.contains_country(125 + TOLERANCE / 2, -1.0)
    assert loc.locate(125 + TOLERANCE * 2, -1.0) == {}
    assert not loc.contains_country(125 + TOLERANCE * 2, -1.0)
    assert loc.bounds == (119.0, -3.0, 125.0, 0.0)


def test_bulk_and_single_agree():
    loc = _grid()
    lons = [119.1 + 0.37 * i for i in range(16)]
    lats = [-0.2 - 0.17 * i for i in range(16)]
    bulk = [f.pcodes for f in loc.locate_many(lons, lats)]
    assert bulk == [loc.locate(x, y) for x, y in zip(lons, lats, strict=True)]
    assert list(loc.contains_country_many(lons, lats)) == [
        loc.contains_country(x, y) for x, y in zip(lons, lats, strict=True)]


def test_empty_locator_knows_nothing():
    loc = Locator("IDN", None, [])
    assert not loc and loc.levels == [] and loc.bounds is None
    assert loc.locate(120, -1) == {} and not loc.contains_country(120, -1)


def test_locator_from_the_stored_gazetteer(ws, boundaries):
    with ws.session() as s:
        loc = Locator.load(s, "IDN")
    assert loc.levels == [1, 2]
    for (lat, lon), adm2 in [(HUNTAP_TONDO, "ID7271"), (JONO_OGE, "ID7210"),
                             (PASANGKAYU, "ID7605"), (BANAWA, "ID7205")]:
        assert loc.locate(lon, lat) == {1: ADM2[adm2][1], 2: adm2}
    assert set(ADM1) == {loc.locate(lon, lat)[1] for lat, lon in (HUNTAP_TONDO, PASANGKAYU)}
    assert not loc.contains_country(106.8, -6.2)  # Jakarta: not in the loaded boundaries
