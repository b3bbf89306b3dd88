"""The placing rule on its own: deepest known P-code wins, parents from the gazetteer."""

from __future__ import annotations

from pantau.analytics.places import index_units, place, place_origin

UNITS = index_units([("ID72", 1, "Sulawesi Tengah", None), ("ID76", 1, "Sulawesi Barat", None),
                     ("ID7271", 2, "Kota Palu", "ID72"), ("ID727101", 3, "Palu Barat", "ID7271"),
                     ("LOOP1", 2, "a", "LOOP2"), ("LOOP2", 2, "b", "LOOP1")])


def test_the_gazetteer_corrects_a_wrong_parent() -> None:
    placed = place(UNITS, ("ID76", "ID7271", None, None))
    assert placed.known
    assert placed.levels == (("ID72", "Sulawesi Tengah"), ("ID7271", "Kota Palu"), (None, None))


def test_deeper_unknown_codes_are_kept_without_names() -> None:
    placed = place(UNITS, ("ID72", "ID7299", "ID729901", "ID72990101"))
    assert placed.known
    assert placed.levels == (("ID72", "Sulawesi Tengah"), ("ID7299", None), ("ID729901", None))


def test_a_deep_code_fills_every_level_above_it() -> None:
    placed = place(UNITS, (None, None, "ID727101", None))
    assert placed.levels == (("ID72", "Sulawesi Tengah"), ("ID7271", "Kota Palu"),
                             ("ID727101", "Palu Barat"))


def test_nothing_known_keeps_the_answers() -> None:
    placed = place(UNITS, ("XX1", None, "XX1001", None))
    assert not placed.known
    assert placed.levels == (("XX1", None), (None, None), ("XX1001", None))
    assert place({}, (None, None, None, None)).levels == ((None, None),) * 3


def test_a_parent_cycle_in_bad_data_ends() -> None:
    assert place(UNITS, (None, "LOOP1", None, None)).known


def test_origins_roll_up_and_unknown_origins_stay() -> None:
    assert place_origin(UNITS, "ID727101") == (("ID72", "Sulawesi Tengah"),
                                                 ("ID7271", "Kota Palu"))
    assert place_origin(UNITS, "ID72") == (("ID72", "Sulawesi Tengah"), (None, None))
    assert place_origin(UNITS, "TL01") == (("TL01", None), (None, None))
    assert place_origin(UNITS, None) == ((None, None), (None, None))
