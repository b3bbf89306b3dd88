"""P-code tools as pure functions (no store): validate, convert, level_of, the length table."""

from __future__ import annotations

import datetime as dt

import pytest

from pantau.errors import PantauError
from pantau.gazetteer.pcodes import (
    VARIABLE,
    CodeFormat,
    convert,
    country_of,
    level_of,
    normalise,
    parse_lengths,
    validate,
)

IDN = CodeFormat("IDN", 2, (2, 2, 3))
TCD = CodeFormat("TCD", 3, (2, 2))
KGZ = CodeFormat("KGZ", 2, (11, 0, 0))
TJK = CodeFormat("TJK", 0, (7, 0))
MMR = CodeFormat("MMR", 3, (3, 4, VARIABLE))


@pytest.mark.parametrize("code, level, fmt", [
    ("ID7271", 2, IDN), ("ID72", 1, IDN), ("ID7271010", 3, IDN), ("TCD07", 1, TCD),
    ("KG02205000000", 2, KGZ), ("3501263", 2, TJK), ("MMR001D001", 2, MMR),
    ("MMR001D001701", 3, MMR), ("ID7271", None, IDN),
])
def test_valid_codes(code, level, fmt):
    assert validate(code, level=level, fmt=fmt) == []


@pytest.mark.parametrize("code, country, level, fmt, message", [
    ("", "IDN", None, None, "empty"),
    ("TD07", None, 1, TCD, "Chad P-codes start with TCD ('TCD07'?)"),
    ("IDN72", None, 1, IDN, "start with ID ('ID72'?)"),
    ("ID727", None, 2, IDN, "has 5 characters; admin-2 P-codes of IDN have 6"),
    ("ID72711", None, None, IDN, "fits no admin level"),
    ("id7271", "IDN", None, None, "'ID7271'?"),
    ("ID 72", "IDN", None, None, "upper case, no spaces"),
    ("XX12", None, None, None, "does not start with a country code"),
    ("PH7271", "IDN", None, None, "does not start with ID or IDN"),
    ("ID72#1", "IDN", None, None, "only letters"),
    ("ID", "IDN", 1, None, "nothing after the country prefix"),
])
def test_invalid_codes(code, country, level, fmt, message):
    problems = validate(code, country, level, fmt)
    assert problems and any(message in p for p in problems), problems


@pytest.mark.parametrize("code, to, fmt, expected", [
    ("TD07", None, TCD, "TCD07"),          # ISO2 where the country uses ISO3
    ("TD0701", None, TCD, "TCD0701"),
    ("TCD07", "iso2", None, "TD07"),
    ("IDN7271", None, IDN, "ID7271"),      # ISO3 where the country uses ISO2
    ("ID7271", "iso3", None, "IDN7271"),
    ("id 72-71", None, None, "ID7271"),    # case, spaces, dashes
    ("ID7", None, IDN, "ID07"),            # Excel dropped the leading zero
    ("ID771", None, IDN, "ID0771"),
    ("ID7271", None, IDN, "ID7271"),
    ("3501000.0", None, TJK, "3501000"),   # a numeric code read back as a float
    ("101000", None, TJK, "0101000"),
    ("MMR001D001", "iso2", MMR, "MM001D001"),
])
def test_convert(code, to, fmt, expected):
    assert convert(code, to, fmt) == expected


def test_convert_refuses_what_it_cannot_read():
    with pytest.raises(PantauError, match="does not start with"):
        convert("XX12")
    with pytest.raises(PantauError, match="iso2' or 'iso3"):
        convert("ID72", to="iso4")
    with pytest.raises(PantauError, match="empty"):
        convert("  ")


def test_level_of_and_country_of():
    assert [level_of(c, IDN) for c in ("ID", "ID72", "ID7271", "ID7271010", "ID72711")] == [
        0, 1, 2, 3, None]
    assert level_of("KG02205000000", KGZ) is None  # fixed-width codes: length cannot tell
    assert level_of("TCD0701", TCD) == 2
    assert country_of("CAF01").iso3 == "CAF" and country_of("id7271").iso3 == "IDN"
    assert country_of("3501000") is None
    assert normalise(" id 72.71 ") == "ID7271"


def test_parse_lengths():
    assert parse_lengths("2", ["2", "3|7", "", "", ""]) == (2, (2, VARIABLE))
    assert parse_lengths(3, [2, 2, None, None, None]) == (3, (2, 2))
    for prefix, levels in (("4", ["2"]), ("", ["2"]), ("2", ["x"])):
        with pytest.raises(ValueError):
            parse_lengths(prefix, levels)


def test_infer_format_from_a_gazetteers_codes():
    from pantau.gazetteer.pcodes import infer_format

    fmt = infer_format("TCD", [(1, "TCD01"), (1, "TCD07"), (2, "TCD0701"), (2, "TCD0702")])
    assert fmt is not None and fmt.prefix_len == 3 and fmt.lengths == (2, 2)
    assert convert("TD7", fmt=fmt) == "TCD07"
    varying = infer_format("IRQ", [(1, "IQG01"), (2, "IQG01Q01"), (2, "IQG01Q123")])
    assert varying is not None and varying.lengths == (3, -1)
    assert infer_format("IDN", []) is None


def test_format_falls_back_to_the_loaded_gazetteer(ws, tmp_path):
    """Without the length table, validate and convert read the format off the units."""
    path = tmp_path / "tcd.csv"
    path.write_text("ADM1_PCODE,ADM1_FR,ADM2_PCODE,ADM2_FR\n"
                    "TCD07,Guéra,TCD0701,Barh Signaka\nTCD07,Guéra,TCD0702,Guéra\n",
                    encoding="utf-8")
    ws.gazetteer.import_file(path, country="TCD", valid_from=dt.date(2020, 1, 1))
    assert ws.gazetteer.convert("TD07") == "TCD07"
    assert ws.gazetteer.validate("TCD07") == []
    assert "fits no admin level" in " ".join(ws.gazetteer.validate("TCD070"))
