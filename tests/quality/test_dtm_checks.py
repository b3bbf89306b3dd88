"""DTM logic: numbers that contradict each other, places and dates that do not fit."""

from __future__ import annotations

from tests.quality.conftest import OP, PARTS


def _only(sa, iid: str) -> list[tuple[str, str | None]]:
    return sorted(sa.flags().get(iid, []))


def test_households_individuals_and_sex_age_parts(sa, ws):
    more_hh = sa.record("PAL-001", "2018-10-05", hh=80, ind=60)
    crowded = sa.record("SIG-001", "2018-10-05", hh=10, ind=200)
    parts = sa.record("DON-001", "2018-10-05", hh=50, ind=200, **{PARTS[0]: 90})
    ids = sa.send(more_hh, crowded, parts)
    ws.quality.check(OP)
    # the form's own constraint says the same as the DTM check; both are reported
    assert _only(sa, ids[0]) == [("constraint", "population/idp_ind"),
                                 ("households_individuals", "population/idp_ind")]
    assert _only(sa, ids[1]) == [("individuals_per_household", "population/idp_ind")]
    [flag] = ws.quality.flags(OP, check="sex_age_sum", form="dtm_sa", round=1)[-1:]
    assert flag.instance_id == ids[2]
    assert flag.message == "idps: the sex × age parts add up to 265, the total is 200"


def test_master_list_coordinates_and_round_period(sa, ws):
    unknown = sa.record("XXX-999", "2018-10-05")
    closed = sa.record("SIG-002", "2018-11-20")
    misplaced = sa.record("PAL-001", "2018-10-05", **{"location/adm2_pcode": "ID7205"})
    between = sa.record("DON-001", "2018-10-30")  # after round 1, before round 2
    no_gps = sa.record("SIG-001", "2018-10-06", **{"location/gps": None,
                                                    "location/adm2_pcode": "ID7271"})
    ids = sa.send(unknown, closed, misplaced, between, no_gps)
    result = ws.quality.check(OP)
    assert result.notes == []
    assert _only(sa, ids[0]) == [("site_unknown", None)]
    assert _only(sa, ids[1]) == [("site_closed", None)]
    assert _only(sa, ids[2]) == [("pcode_location", None)]
    assert _only(sa, ids[3]) == [("round_period", None)]
    # without GPS in the record, the master list's coordinates of the site are used
    assert _only(sa, ids[4]) == [("pcode_location", None)]
    by_check = {(f.instance_id, f.check): f.message for f in ws.quality.flags(OP)}
    assert by_check[(ids[2], "pcode_location")] == (
        "admin-2 P-code ID7205 does not hold the site's coordinates (they lie in ID7271)")
    assert by_check[(ids[1], "site_closed")] == (
        "site SIG-002 was closed on 2018-11-15, before the assessment date")
    assert by_check[(ids[3], "round_period")] == (
        "the assessment date 2018-10-30 lies in no round's period (or in more than one)")


def test_one_record_per_site_per_round_and_same_day_duplicates(sa, ws):
    first = sa.record("PAL-001", "2018-10-05", hh=50, ind=200)
    again = sa.record("PAL-001", "2018-10-05", hh=51, ind=202)  # re-typed, same day
    later = sa.record("PAL-001", "2018-10-20", hh=80, ind=300)  # same round, other day
    other = sa.record("SIG-001", "2018-10-05", hh=51, ind=202)  # other site
    ids = sa.send(first, again, later, other)
    ws.quality.check(OP)
    assert _only(sa, ids[0]) == [("one_per_round", None)]
    assert _only(sa, ids[1]) == [("duplicate", None), ("one_per_round", None)]
    assert _only(sa, ids[2]) == [("one_per_round", None)]
    assert ids[3] not in sa.flags()
    [dup] = ws.quality.flags(OP, check="duplicate")
    assert dup.message.startswith(f"near-identical to {ids[0]} (site PAL-001, 2018-10-05)")


def test_outliers_and_jumps_across_rounds(sa, ws):
    series = [200, 210, 190, 205, 900, 200]
    days = ["2018-10-05", "2018-11-05", "2018-12-05", "2019-01-05", "2019-02-05",
            "2019-03-05"]
    ids = sa.send(*[sa.record("PAL-001", d, hh=v // 4, ind=v)
                    for d, v in zip(days, series, strict=True)])
    ws.quality.check(OP)
    got = sa.flags()
    # the wrong value is flagged; the round after it, back to normal, is not (its jump is
    # measured from round 4, the last round that is not itself an outlier)
    assert set(got) == {ids[4]}
    assert sorted(got[ids[4]]) == [
        ("jump", "#affected+idps+hh"), ("jump", "#affected+idps+ind"),
        ("modified_zscore", "#affected+idps+hh"), ("modified_zscore", "#affected+idps+ind")]
    # the z-score needs a lower limit to speak on six rounds (|z| ≤ √(n − 1) ≈ 2.24)
    ws.quality.check(OP, config={"checks": {"zscore": {"threshold": 2.0},
                                            "jump": {"enabled": False}}})
    z = ws.quality.flags(OP, check="zscore")
    assert {f.instance_id for f in z} == {ids[4]}
    assert z[0].message.startswith("site PAL-001, round 5: z-score +2.2 over 6 rounds")
    # a disabled check keeps its earlier flags; the ones that ran were replaced
    assert len(ws.quality.flags(OP, check="jump")) == 2


def test_checking_one_round_compares_with_all_rounds_but_flags_only_that_round(sa, ws):
    days = ["2018-10-05", "2018-11-05"]
    ids = sa.send(*[sa.record("PAL-001", d, hh=v // 4, ind=v)
                    for d, v in zip(days, [100, 400], strict=True)])
    result = ws.quality.check(OP, round=1)
    assert result.versions == 1 and result.total == 0
    result = ws.quality.check(OP, round=2)
    assert result.versions == 1
    assert {f.instance_id for f in ws.quality.flags(OP, check="jump")} == {ids[1]}


def test_a_round_with_two_records_is_one_value_of_the_series(sa, ws):
    """Found by benchmarks/quality_accuracy.py: a round assessed twice (243 and 237) put two
    near-equal values in the site's series, which shrank the MAD and flagged a clean round of
    a site that empties out (243+237 | 230 | 200 | 149 gave a modified z of -4.2)."""
    days = ["2018-10-05", "2018-10-06", "2018-11-05", "2018-12-05", "2019-01-05"]
    counts = [243, 237, 230, 200, 149]
    sa.send(*[sa.record("PAL-001", d, hh=v // 4, ind=v)
              for d, v in zip(days, counts, strict=True)])
    ws.quality.check(OP, config={"checks": {"jump": {"enabled": False},
                                            "one_per_round": {"enabled": False},
                                            "duplicate": {"enabled": False}}})
    assert ws.quality.flags(OP, check="modified_zscore") == []
