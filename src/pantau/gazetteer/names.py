"""Place names folded into comparable keys, so spelling habits stop hiding a match.

Users type the same place many ways: "Kota Palu", "PALU CITY", "Palu"; "Nord-Ouest" for
"North-West"; "Darwazi Bala" for "Darwaz-e-Balla". Each name is reduced to:

- `literal`: accents, case, punctuation and spacing folded — equal literals are the same name;
- `key`: the words that name the place, in canonical form — admin-type words ("Kota",
  "District", "Wilayat" …), articles ("al-", "de") and ezafe connectors ("-e-") dropped,
  abbreviations expanded ("St." → saint), direction words translated ("Nord", "Utara" → north);
- `skeleton`: the key with transliteration habits folded (double letters, ou/u, kh/k, y/i,
  e/i, o/u …), for names written from another script by different people;
- `types`: the admin-type groups the name carried ("city" for "Kota"), which tell "Kota
  Bandung" from the regency "Bandung" when both exist.

The same folding runs on the gazetteer's names and on the user's, so whatever it merges, it
merges on both sides; the matcher still prefers the less-folded level when it can.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from unidecode import unidecode

# Admin-type words by group. A group, not the word, is what tells two units apart: "Kota"
# and "City" both say "city". Multi-word phrases are matched before single words.
_TYPE_GROUPS: dict[str, tuple[str, ...]] = {
    "city": ("kota", "kotamadya", "kota madya", "city", "ville", "ciudad", "cidade", "citta",
             "town", "shahr", "kota administrasi", "city of"),
    "regency": ("kabupaten", "kab", "regency", "kabupaten administrasi"),
    "province": ("provinsi", "propinsi", "prov", "province", "provincia", "provincie",
                 "ostan", "wilaya", "wilayah", "velayat"),
    "district": ("district", "districts", "distrito", "dist", "distt", "wilayat", "woreda",
                 "shahrestan", "uluswali", "raion", "rayon", "okrug", "kecamatan", "kec",
                 "qada", "qadaa", "caza", "mudiriya", "nahiya", "nahia", "sub district",
                 "subdistrict", "upazila", "tehsil", "taluk", "mandal"),
    "region": ("region", "regions", "regione", "regiao", "oblast", "kray", "krai"),
    "department": ("department", "departement", "departamento", "dept", "dpto", "depto"),
    "governorate": ("governorate", "gouvernorat", "muhafazah", "muhafazat", "mohafaza",
                    "mohafazat", "muhafaza", "governorat"),
    "county": ("county", "comte", "condado", "kaunti"),
    "municipality": ("municipality", "municipalite", "municipio", "municipal", "municipalidad",
                     "mun", "municipiul", "obshtina", "opstina"),
    "commune": ("commune", "comuna", "comune", "gemeinde"),
    "zone": ("zone", "zona"),
    "state": ("state", "estado", "etat", "wilayah negeri"),
    "prefecture": ("prefecture", "prefectura", "sous prefecture", "sub prefecture",
                   "subprefecture"),
    "area": ("local government area", "lga", "area", "territory", "territoire", "cercle",
             "circle", "division", "subdivision", "arrondissement", "parish", "paroisse",
             "atoll"),
    "capital": ("dki", "daerah khusus ibukota", "capital district", "distrito capital",
                "capital territory", "federal capital territory"),
    "special": ("daerah istimewa", "special region", "autonomous region", "autonomous",
                "special"),
}

# Words that carry no identity. Arabic articles and Persian ezafe connectors come in many
# spellings; dropping them on both sides makes "Al Anbar", "El-Anbar" and "Anbar" one key.
_STOPWORDS = frozenset({
    "of", "the", "de", "del", "della", "di", "du", "des", "da", "do", "dos", "das", "d", "la",
    "le", "les", "l", "el", "al", "ad", "ar", "as", "ash", "at", "az", "an", "adh", "ath",
    "e", "i", "ye", "yi", "ul", "ol", "wa", "y", "und", "and", "et",
})

# One canonical word per meaning; "nord", "north", "utara" all become "north".
_SYNONYMS: dict[str, str] = {}
for _canon, _words in {
    "north": ("north", "northern", "nord", "norte", "utara", "shamal", "shamali",
              "septentrional", "nordre"),
    "south": ("south", "southern", "sud", "sur", "selatan", "janub", "janubi", "junub",
              "meridional", "sul"),
    "east": ("east", "eastern", "est", "este", "timur", "sharq", "sharqi", "sharqiya",
             "oriental", "orientale", "leste"),
    "west": ("west", "western", "ouest", "oeste", "barat", "gharb", "gharbi", "gharbiya",
             "occidental", "occidentale"),
    "central": ("central", "centre", "center", "centro", "centrale", "tengah", "middle",
                "wusta", "markazi", "ctr"),
    "northwest": ("northwest", "nordouest", "noroeste", "nordoeste"),
    "northeast": ("northeast", "nordest", "nordeste", "noreste"),
    "southwest": ("southwest", "sudouest", "suroeste", "sudoeste"),
    "southeast": ("southeast", "sudest", "sureste", "sudeste", "tenggara"),
    "upper": ("upper", "haut", "haute", "alto", "alta", "ulya", "oberer"),
    "lower": ("lower", "bas", "basse", "bajo", "baja", "sufla"),
    "saint": ("saint", "st", "sankt", "sint", "santo", "sto"),
    "sainte": ("sainte", "ste", "santa", "sta"),
    "mount": ("mount", "mt", "mont", "monte", "gunung", "gn"),
    "fort": ("fort", "ft"),
    "port": ("port", "pt", "porto", "puerto", "pto"),
    "island": ("island", "islands", "isla", "islas", "ile", "iles", "pulau", "kepulauan",
               "is", "isl"),
    "new": ("new", "nouveau", "nouvelle", "nuevo", "nueva", "novo", "nova", "baru"),
    "great": ("great", "grand", "grande", "gran", "greater", "besar", "kabir", "kalan"),
    "little": ("little", "petit", "petite", "small", "kecil", "saghir", "khurd"),
}.items():
    for _word in _words:
        _SYNONYMS[_word] = _canon

_TYPE_WORDS: dict[tuple[str, ...], str] = {}
for _group, _phrases in _TYPE_GROUPS.items():
    for _phrase in _phrases:
        _TYPE_WORDS[tuple(_phrase.split())] = _group
_LONGEST_TYPE = max(len(k) for k in _TYPE_WORDS)
_TYPE_FIRST = frozenset(k[0] for k in _TYPE_WORDS)

# unidecode gives ASCII: every character but a letter or digit becomes a space.
_TO_SPACE = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_DIRECTION_INITIAL = re.compile(r"\b([nsew])\.")
_INITIALS = {"n": "north ", "s": "south ", "e": "east ", "w": "west "}
_DOUBLE = re.compile(r"(.)\1+")

# Transliteration habits. Each pair merges spellings that the same sound gets in different
# romanisations (Persian, Arabic, Pashto, French, Dutch, English): letter groups first, in
# this order, then single letters.
_GROUP_FOLDS: tuple[tuple[str, str], ...] = (
    ("tch", "ch"), ("sch", "sh"), ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "k"),
    ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("ck", "k"), ("ou", "u"), ("oo", "u"),
    ("ee", "i"), ("ie", "i"), ("ey", "i"), ("ay", "ai"),
)
_LETTER_FOLDS = str.maketrans({"q": "k", "x": "ks", "w": "v", "y": "i", "e": "i", "o": "u"})
_FINAL_H = re.compile(r"(?<=[aiu])h\b")


class NameKeys(NamedTuple):
    """The comparable forms of one name (see the module docstring)."""

    literal: str
    key: str
    skeleton: str
    words: str  # the skeleton's words separated by spaces, for word-order-insensitive scoring
    full: str  # the literal's skeleton, type words and all: typos in them still compare
    ordered: str  # the skeleton's words in alphabetical order: word order stops mattering
    types: frozenset[str]


def literal(name: str) -> str:
    """Accents, case, punctuation and spacing folded; words kept as written.

    An apostrophe splits words ("Grande'Anse" is "grande anse", as is "Grand Anse" after
    synonyms); "N." and "S." before a name are the directions they abbreviate.
    """
    text = unidecode(name).lower()
    if "." in text:
        text = _DIRECTION_INITIAL.sub(lambda m: _INITIALS[m.group(1)], text)
    return " ".join(text.translate(_TO_SPACE).split())


def skeleton(text: str) -> str:
    """Text with transliteration variants folded (see `_GROUP_FOLDS`) and doubled letters
    single. A final "h" after a vowel goes too: "Herah"/"Hera", "Balkh"/"Balk"."""
    for old, new in _GROUP_FOLDS:
        if old in text:
            text = text.replace(old, new)
    text = _DOUBLE.sub(_first, text.translate(_LETTER_FOLDS))
    return _FINAL_H.sub("", text) if "h" in text else text


def _first(m: re.Match[str]) -> str:
    return m.group(1)


def _type_phrase(words: list[str], i: int) -> int:
    """How many words from `i` on form an admin-type phrase (longest first); 0 if none."""
    for size in range(min(_LONGEST_TYPE, len(words) - i), 0, -1):
        if tuple(words[i:i + size]) in _TYPE_WORDS:
            return size
    return 0


@lru_cache(maxsize=200_000)
def keys(name: str) -> NameKeys:
    """Every comparable form of `name`; cached because files repeat their names."""
    lit = literal(name)
    words = lit.split()
    types: set[str] = set()
    kept: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in _TYPE_FIRST:
            size = _type_phrase(words, i)
            if size:
                types.add(_TYPE_WORDS[tuple(words[i:i + size])])
                i += size
                continue
        i += 1
        if word in _STOPWORDS and len(words) > 1:
            continue
        kept.append(_SYNONYMS.get(word, word))
    if not kept:  # the name is only type words ("Centre", "City"): keep it as it is
        kept = [_SYNONYMS.get(w, w) for w in words]
        types = set()
    plain = " ".join(kept)
    spaced = skeleton(plain)
    compact = _DOUBLE.sub(_first, spaced.replace(" ", ""))
    full = compact if plain == lit else skeleton(lit).replace(" ", "")
    return NameKeys(lit, "".join(kept), compact, spaced, full,
                    " ".join(sorted(spaced.split())), frozenset(types))
