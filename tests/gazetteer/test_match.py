"""The name matcher on real units from the HDX global P-code list (no store needed)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from benchmarks.distortions import labelled_set, load_units

from pantau.gazetteer.match import Matcher


@dataclass
class Unit:
    pcode: str
    name: str
    level: int
    parent_pcode: str | None
    names: dict = field(default_factory=dict)


def _units(path: Path, country: str) -> list[Unit]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [Unit(r["P-Code"], r["Name"], int(r["Admin Level"]), r["Parent P-Code"])
                for r in csv.DictReader(f) if r["Location"] == country]


@pytest.fixture(scope="module")
def matchers(pcodes_csv: Path) -> dict[str, Matcher]:
    return {c: Matcher(_units(pcodes_csv, c)) for c in ("IDN", "HTI", "AFG", "EGY", "BRB")}


@pytest.mark.parametrize("name", ["Kota Palu", "KOTA PALU", "kota  palu", "Kota-Palu"])
def test_exact_whatever_the_case_and_spacing(matchers, name):
    m = matchers["IDN"].match(name, level=2, parent="ID72")
    assert (m.pcode, m.kind, m.score, m.name) == ("ID7271", "exact", 1.0, "Kota Palu")


@pytest.mark.parametrize("name", ["Palu", "PALU CITY", "Palu City", "Kota Palu ", "Kotamadya Palu",
                                  "Kota Paluu", "Kota Plau"])
def test_admin_type_words_and_typos(matchers, name):
    m = matchers["IDN"].match(name, level=2, parent="ID72")
    assert m.pcode == "ID7271", m
    assert m.kind in ("exact", "fuzzy")
    assert 0.62 <= m.score <= 1.0


def test_the_type_word_decides_between_city_and_regency(matchers):
    idn = matchers["IDN"]
    assert idn.match("Kota Bandung", level=2, parent="ID32").pcode == "ID3273"
    assert idn.match("Bandung City", level=2, parent="ID32").pcode == "ID3273"
    assert idn.match("Kabupaten Bandung", level=2, parent="ID32").pcode == "ID3204"
    assert idn.match("Kab. Bandung", level=2, parent="ID32").pcode == "ID3204"
    bare = idn.match("Bandung", level=2, parent="ID32")
    assert (bare.pcode, bare.kind) == ("ID3204", "exact")
    assert bare.alternatives[0][:2] == ("ID3273", "Kota Bandung")  # the user sees the other


@pytest.mark.parametrize("name", ["Nord Ouest", "Nord-Ouest", "NORD-OUEST", "North West",
                                  "Northwest", "Nord-Ouest Department",
                                  "Département du Nord-Ouest"])
def test_french_direction_words(matchers, name):
    assert matchers["HTI"].match(name, level=1).pcode == "HT09"


def test_other_direction_words_stay_apart(matchers):
    hti = matchers["HTI"]
    assert hti.match("Nord-Est", level=1).pcode == "HT04"
    assert hti.match("Nord", level=1).pcode == "HT03"
    assert hti.match("Sud Est", level=1).pcode == "HT02"
    assert hti.match("Grand Anse", level=1).pcode == "HT08"  # "Grande'Anse"


@pytest.mark.parametrize("name", ["Darwaz-e-Balla", "Darwaz-i-Bala", "Darwazi Bala",
                                  "Darwaz Bala", "Darvaz-e-Bala", "DARWAZ-E-BALA District"])
def test_transliteration_variants(matchers, name):
    m = matchers["AFG"].match(name, level=2, parent="AF17")
    assert m.pcode == "AF1727", m


def test_transliteration_keeps_siblings_apart(matchers):
    assert matchers["AFG"].match("Darwazi Payin", level=2, parent="AF17").pcode == "AF1722"


@pytest.mark.parametrize(("name", "pcode"), [
    ("St. Andrew", "BB02"), ("St Lucy", "BB07"), ("saint-james", "BB04"),
    ("Sulawési Tengah", "ID72"), ("Central Sulawesi", "ID72"), ("Jawa-Barat", "ID32"),
    ("JawaBarat", "ID32"), ("West Java", "ID32"), ("Provinsi Gorontallo", "ID75"),
    ("Prov. Sulawesi Tenggara", "ID74"), ("DKI Jakarta", "ID31"), ("Jakarta", "ID31"),
])
def test_abbreviations_accents_and_translations(matchers, name, pcode):
    country = "BRB" if pcode.startswith("BB") else "IDN"
    assert matchers[country].match(name, level=1).pcode == pcode


def test_parent_name_is_resolved_first(matchers):
    m = matchers["IDN"].match("Palu", level=2, parent_name="Central Sulawesi")
    assert (m.pcode, m.scope, m.parent) == ("ID7271", "parent", "ID72")


def test_parent_restricts_the_search(matchers):
    idn = matchers["IDN"]
    inside = idn.match("Bandung", level=2, parent="ID72")  # Bandung is in Jawa Barat
    assert inside.pcode != "ID3204"
    assert all(alt[0].startswith("ID72") for alt in inside.alternatives)


def test_unknown_parent_widens_to_the_country(matchers):
    m = matchers["IDN"].match("Bandung", level=2, parent="ID99")
    assert (m.pcode, m.scope, m.parent) == ("ID3204", "country", None)


def test_a_pcode_typed_as_a_name(matchers):
    m = matchers["IDN"].match("id7271", level=2, parent="ID72")
    assert (m.pcode, m.kind) == ("ID7271", "exact")


def test_two_units_of_one_name_are_ambiguous(matchers):
    # Egypt's list has "Mit Ghamr" twice under the same governorate (EG12).
    m = matchers["EGY"].match("Mit Ghamr", level=2, parent="EG12")
    assert (m.kind, m.pcode, m.name) == ("ambiguous", None, None)
    assert len({alt[0] for alt in m.alternatives}) >= 2
    assert {alt[1] for alt in m.alternatives[:2]} == {"Mit Ghamr"}


def test_not_found_lists_the_nearest(matchers):
    m = matchers["AFG"].match("Xyzzy Qwerty", level=2, parent="AF17")
    assert (m.kind, m.pcode) == ("not_found", None)
    scores = [alt[2] for alt in m.alternatives]
    assert scores == sorted(scores, reverse=True) and m.score < 0.62


@pytest.mark.parametrize("name", ["", "   ", None])
def test_empty_names_are_not_found(matchers, name):
    m = matchers["IDN"].match(name, level=1)
    assert (m.kind, m.pcode, m.score) == ("not_found", None, 0.0)


def test_names_in_other_languages():
    units = [Unit("HT09", "North-West", 1, "HTI", {"fr": "Nord-Ouest", "alt": ["Nòdwès"]}),
             Unit("HT03", "North", 1, "HTI", {"fr": "Nord"})]
    matcher = Matcher(units)
    assert matcher.match("nodwes", level=1).pcode == "HT09"
    m = matcher.match("Nord Ouest", level=1)
    assert (m.pcode, m.kind) == ("HT09", "exact")


def test_html_in_a_name_is_just_text(matchers):
    m = matchers["IDN"].match("<script>alert(1)</script>", level=1)
    assert m.query == "<script>alert(1)</script>"
    assert m.kind in ("not_found", "ambiguous", "fuzzy")


def test_accuracy_on_distorted_names(pcodes_csv):
    """500 names distorted as users write them (fixed seed), over the whole world."""
    units = load_units(pcodes_csv)
    items = labelled_set(units, size=500, seed=11)
    by_country: dict[str, list[Unit]] = {}
    for u in units:
        by_country.setdefault(u.country, []).append(Unit(u.pcode, u.name, u.level, u.parent))
    matchers = {c: Matcher(by_country[c]) for c in {i.country for i in items}}
    results = [matchers[i.country].match(i.query, level=i.level, parent=i.parent)
               for i in items]
    right = sum(r.pcode == i.expected for r, i in zip(results, items, strict=True))
    wrong = sum(r.pcode not in (None, i.expected) for r, i in zip(results, items, strict=True))
    assert right >= 0.90 * len(items), f"{right}/{len(items)} right"
    assert wrong <= 0.02 * len(items), f"{wrong} confidently wrong"
