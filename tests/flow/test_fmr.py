"""FMR import: good files in whole and once; every bad input refused with file, row, field."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pantau.errors import ImportFailed
from pantau.store.flows import FlowCount
from tests.flow.conftest import HEADER, OP, fmr_row, write_fmr


def _stored(ws) -> list[FlowCount]:  # type: ignore[no-untyped-def]
    with ws.session() as s:
        return list(s.scalars(select(FlowCount).order_by(FlowCount.id)))


def _refused(ws, path) -> str:  # type: ignore[no-untyped-def]
    before = len(_stored(ws))
    with pytest.raises(ImportFailed) as exc:
        ws.flow.import_fmr(OP, path)
    assert len(_stored(ws)) == before, "nothing half-applied"
    return exc.value.details()


def test_a_good_file_imports_once(italy_ws, tmp_path):
    path = write_fmr(tmp_path / "fmr.csv", [
        fmr_row(_uuid="a"), fmr_row(_uuid="b", nationality="Tunisie", previous_country="tn",
                                    final_country="Germany", direction="outgoing")])
    result = italy_ws.flow.import_fmr(OP, path)
    assert (result.created, result.updated, result.unchanged, result.people) == (2, 0, 0, 20)
    assert result.matched == ["Germany → DEU (Germany), by name",
                              "tn → TUN (Tunisia), by iso2",
                              "Tunisie → TUN (Tunisia), by name"]
    rows = _stored(italy_ws)
    assert [(r.nationality, r.previous_country, r.final_country, r.direction) for r in rows] \
        == [("BGD", "LBY", "FRA", "incoming"), ("TUN", "TUN", "DEU", "outgoing")]
    assert rows[0].source == "fmr.csv, row 2"
    again = italy_ws.flow.import_fmr(OP, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = write_fmr(tmp_path / "fmr.csv", [
        fmr_row(_uuid="a", total=11, men=7), fmr_row(_uuid="b", nationality="Tunisie",
                                                     previous_country="tn",
                                                     final_country="Germany",
                                                     direction="outgoing")])
    third = italy_ws.flow.import_fmr(OP, changed)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert _stored(italy_ws)[0].total == 11


def test_without_a_key_the_same_file_is_still_a_no_op(italy_ws, tmp_path):
    """Two identical groups on one day are two groups, and importing again adds none."""
    path = write_fmr(tmp_path / "nokey.csv", [fmr_row(), fmr_row()],
                     header=[h for h in HEADER if h != "_uuid"])
    assert italy_ws.flow.import_fmr(OP, path).created == 2
    assert italy_ws.flow.import_fmr(OP, path).unchanged == 2


def test_kobo_group_headers_and_hxl_tags_are_read(italy_ws, tmp_path):
    kobo = ["point/fmp_id", "point/count_date", "point/direction", "people/nationality",
            "people/total", "people/men", "people/women", "people/boys", "people/girls",
            "people/unaccompanied_children", "meta/instanceID"]
    path = write_fmr(tmp_path / "kobo.csv", [fmr_row(instanceID="uuid:1")], header=kobo)
    assert italy_ws.flow.import_fmr(OP, path).created == 1
    tags = ["#loc+code", "#date+reported", "#meta+direction", "#country+code+nationality",
            "#affected+ind", "#affected+ind+m+adults", "#affected+ind+f+adults",
            "#affected+ind+m+children", "#affected+ind+f+children",
            "#affected+ind+children+unaccompanied"]
    header = ["Punto", "Data", "Direzione", "Nazionalità", "Totale", "Uomini", "Donne",
              "Ragazzi", "Ragazze", "MSNA"]
    rows = [dict(zip(header, fmr_row(nationality="EGY").values(), strict=False))]
    path = write_fmr(tmp_path / "hxl.csv", rows, header=header, hxl=tags)
    result = italy_ws.flow.import_fmr(OP, path)
    assert result.created == 1 and _stored(italy_ws)[-1].nationality == "EGY"


def test_group_counts_must_be_given_non_negative_and_add_up(italy_ws, tmp_path):
    path = write_fmr(tmp_path / "counts.csv", [
        fmr_row(_uuid="1"),
        fmr_row(_uuid="2", women=""),
        fmr_row(_uuid="3", boys=-1, total=8),
        fmr_row(_uuid="4", total=12),
        fmr_row(_uuid="5", unaccompanied_children=3),
        fmr_row(_uuid="6", total=0, men=0, women=0, boys=0, girls=0, unaccompanied_children=0),
        fmr_row(_uuid="7", men="six"),
    ])
    text = _refused(italy_ws, path)
    assert "counts.csv, row 3, field 'women': the women count is missing" in text
    assert "row 4, field 'boys': -1 boys: a count of people cannot be negative" in text
    assert ("row 5, field 'total': men 6 + women 2 + boys 1 + girls 1 = 10, not the total 12"
            in text)
    assert ("row 6, field 'unaccompanied_children': 3 unaccompanied children but only 2 "
            "children" in text)
    assert "row 7, field 'total': the total is 0" in text
    assert "row 8, field 'men': 'six' is not a number" in text
    assert "row 2" not in text


def test_dates_must_be_observation_days_of_an_open_point(italy_ws, tmp_path):
    path = write_fmr(tmp_path / "dates.csv", [
        fmr_row(_uuid="1", fmp_id="ITA-KRO", count_date="2024-01-07"),  # a Sunday
        fmr_row(_uuid="2", count_date="2023-12-31"),  # before the FMPs opened
        fmr_row(_uuid="3", count_date=""),
        fmr_row(_uuid="4", fmp_id="ITA-POZ", direction="outgoing"),
        fmr_row(_uuid="5", fmp_id="ITA-XXX"),
        fmr_row(_uuid="6", direction="sideways"),
    ])
    text = _refused(italy_ws, path)
    assert ("dates.csv, row 2, field 'count_date': 2024-01-07 is a Sunday: FMP ITA-KRO "
            "observes mon, tue, wed, thu, fri, sat only") in text
    assert "row 3, field 'count_date': 2023-12-31 is before FMP ITA-LMP opened" in text
    assert "row 4, field 'count_date': no date given" in text
    assert ("row 5, field 'direction': FMP ITA-POZ does not monitor outgoing flows (it "
            "monitors incoming)") in text
    assert "row 6, field 'fmp_id': 'ITA-XXX' is not a flow monitoring point" in text
    assert "row 7, field 'direction': 'sideways' is not a direction" in text


def test_unknown_countries_are_refused_with_suggestions(italy_ws, tmp_path):
    path = write_fmr(tmp_path / "countries.csv", [
        fmr_row(_uuid="1", nationality="Atlantis"),
        fmr_row(_uuid="2", nationality=""),
        fmr_row(_uuid="3", previous_country="Tunsia"),
        fmr_row(_uuid="4", final_country="ZZ"),
        fmr_row(_uuid="1"),
    ])
    text = _refused(italy_ws, path)
    assert "row 2, field 'nationality': 'Atlantis' is not a known country" in text
    assert "row 3, field 'nationality': no nationality given" in text
    assert ("row 4, field 'previous_country': 'Tunsia' is not a known country: use an ISO3 "
            "code (TUN), an ISO2 code (TN) or a country name (did you mean 'Tunisia'") in text
    assert "row 5, field 'final_country': 'ZZ' is not a known country" in text
    assert "row 6, field '_uuid': record id '1' appears twice: on row 2 and on row 6" in text


def test_missing_columns_and_points_are_reported(italy_ws, ws, tmp_path):
    path = write_fmr(tmp_path / "cols.csv", [fmr_row()],
                     header=[h for h in HEADER if h not in ("girls", "direction")])
    text = _refused(italy_ws, path)
    assert "no column for the direction ('direction' or #meta+direction)" in text
    assert "the girls ('girls' or #affected+children+f+ind)" in text
    italy_ws.operations.create("empty-op", "ITA", "No points")
    with pytest.raises(ImportFailed) as exc:
        italy_ws.flow.import_fmr("empty-op", write_fmr(tmp_path / "x.csv", [fmr_row()]))
    assert "has no flow monitoring points yet" in exc.value.details()


def test_the_store_refuses_groups_that_do_not_add_up(italy_ws, tmp_path):
    """The check constraints hold on both stores, whatever writes to them."""
    from sqlalchemy.exc import IntegrityError

    italy_ws.flow.import_fmr(OP, write_fmr(tmp_path / "ok.csv", [fmr_row(_uuid="k")]))
    with pytest.raises(IntegrityError), italy_ws.session() as s:
        row = s.scalar(select(FlowCount))
        row.total = 99
    with italy_ws.session() as s:
        assert s.scalar(select(func.sum(FlowCount.total))) == 10
