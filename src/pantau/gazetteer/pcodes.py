"""P-code tools as pure functions: normalise, validate, convert ISO2 ↔ ISO3, find the level.

A P-code is a country prefix (ISO2 such as `ID`, ISO3 such as `TCD`, or none for a few countries
such as Tajikistan) followed by a fixed number of characters per admin level (`ID` `72` `71`).
The HDX length table gives those numbers per country; `CodeFormat` holds one of its rows. Lengths
of 0 mean "no extra characters" (Kyrgyzstan's fixed-width codes) and -1 "varies".

What goes wrong in real files, and what `convert` repairs: lower case and spaces (`id 72`),
Excel turning a numeric code into a float (`3501000.0`) or dropping its leading zeros (`ID7`
for `ID07`), and the ISO3 prefix where the country uses ISO2 (`IDN72` for `ID72`) or the reverse
(`TD07` for `TCD07`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pantau.errors import PantauError
from pantau.gazetteer.countries import Country, country, is_country

VARIABLE = -1
_STRIP = re.compile(r"[\s\-_./]+")
_ALNUM = re.compile(r"^[A-Z0-9]+$")


@dataclass(frozen=True)
class CodeFormat:
    """One row of the length table: prefix length and characters added by admin levels 1–5."""

    country_iso3: str
    prefix_len: int
    lengths: tuple[int | None, ...]  # adm1 … adm5; None = level not in the table

    def span(self, level: int) -> tuple[int, int | None] | None:
        """(min, max) total length of a code at `level`; max None when a level varies."""
        if level == 0:
            return self.prefix_len, self.prefix_len
        if level > len(self.lengths) or any(n is None for n in self.lengths[:level]):
            return None
        low = high = self.prefix_len
        variable = False
        for n in self.lengths[:level]:
            assert n is not None
            if n == VARIABLE:
                low += 1
                variable = True
            else:
                low += n
                high += n
        return low, None if variable else high

    @property
    def levels(self) -> list[int]:
        return [lv for lv in range(0, 6) if self.span(lv) is not None]


def normalise(code: object) -> str:
    """Upper case without spaces, dashes or dots; an Excel float `3501000.0` loses its `.0`."""
    text = "" if code is None else str(code).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return _STRIP.sub("", text).upper()


def split_prefix(code: str, where: Country | None = None) -> tuple[Country | None, str, str]:
    """(country, prefix, rest): the ISO3 reading wins over ISO2 (`CAF01` is not Canada)."""
    if where is not None:
        for prefix in (where.iso3, where.iso2):
            if prefix and code.startswith(prefix):
                return where, prefix, code[len(prefix):]
        return None, "", code
    if len(code) >= 3 and code[:3].isalpha() and is_country(code[:3]):
        found = country(code[:3])
        if found.iso3 == code[:3]:
            return found, code[:3], code[3:]
    if len(code) >= 2 and code[:2].isalpha() and is_country(code[:2]):
        found = country(code[:2])
        if found.iso2 == code[:2]:
            return found, code[:2], code[2:]
    return None, "", code


def country_of(code: str) -> Country | None:
    """The country a P-code's prefix names, if any."""
    return split_prefix(normalise(code))[0]


def validate(code: object, country_code: str | None = None, level: int | None = None,
             fmt: CodeFormat | None = None) -> list[str]:
    """What is wrong with `code` as written (an empty list when it is a valid P-code).

    Without a format the code must be a known country prefix followed by letters or digits;
    with one, the prefix length and the length for `level` (or for some level) must match.
    """
    text = "" if code is None else str(code)
    if not text.strip():
        return ["the P-code is empty"]
    problems: list[str] = []
    clean = normalise(text)
    if clean != text:
        problems.append(f"'{text}' is not written as a P-code (upper case, no spaces): "
                        f"'{clean}'?")
    if not _ALNUM.match(clean):
        return problems + [f"'{clean}' may hold only letters A–Z and digits"]
    where = country(fmt.country_iso3 if fmt else country_code) if (fmt or country_code) else None
    prefix_len = fmt.prefix_len if fmt else None
    if prefix_len == 0:
        rest = clean
    else:
        found, prefix, rest = split_prefix(clean, where)
        if found is None:
            expected = (f"{where.iso2} or {where.iso3}" if where and prefix_len is None
                        else _prefix(where, prefix_len) if where else "a country code")
            return problems + [f"'{clean}' does not start with {expected}"]
        if prefix_len is not None and len(prefix) != prefix_len:
            problems.append(f"'{clean}' starts with {prefix}; {found.name} P-codes start with "
                            f"{_prefix(found, prefix_len)} ('{convert(clean, fmt=fmt)}'?)")
            rest = clean[len(prefix):]
    if level is not None and level > 0 and not rest:
        problems.append(f"'{clean}' has nothing after the country prefix")
    if fmt is not None:
        problems += _length_problems(clean, len(rest) + fmt.prefix_len, level, fmt)
    return problems


def _prefix(where: Country, prefix_len: int | None) -> str:
    return where.iso3 if prefix_len == 3 else where.iso2


def _length_problems(code: str, length: int, level: int | None, fmt: CodeFormat) -> list[str]:
    if level is not None:
        span = fmt.span(level)
        if span is None or _fits(length, span):
            return []
        return [f"'{code}' has {length} characters; admin-{level} P-codes of {fmt.country_iso3} "
                f"have {_describe(span)}"]
    if fmt.levels and not any(_fits(length, fmt.span(lv)) for lv in fmt.levels):  # type: ignore[arg-type]
        return [f"'{code}' has {length} characters, which fits no admin level of "
                f"{fmt.country_iso3}"]
    return []


def _fits(length: int, span: tuple[int, int | None]) -> bool:
    low, high = span
    return length >= low and (high is None or length <= high)


def _describe(span: tuple[int, int | None]) -> str:
    low, high = span
    return f"at least {low}" if high is None else str(low) if low == high else f"{low}–{high}"


def level_of(code: object, fmt: CodeFormat) -> int | None:
    """The admin level a code's length gives, or None when none or several levels fit."""
    clean = normalise(code)
    fits = [lv for lv in fmt.levels if _fits(len(clean), fmt.span(lv))]  # type: ignore[arg-type]
    return fits[0] if len(fits) == 1 else None


def convert(code: object, to: str | None = None, fmt: CodeFormat | None = None,
            country_code: str | None = None) -> str:
    """Rewrite a code with the prefix `to` asks for ('iso2', 'iso3', or the format's own).

    Also normalises case and spaces and, with a format, puts back the leading zeros Excel drops
    from a numeric part (`ID7` → `ID07`, `ID771` → `ID0771`): the shortest level the digits fit.
    """
    if to not in (None, "iso2", "iso3"):
        raise PantauError("invalid", message=f"convert to 'iso2' or 'iso3', not '{to}'")
    clean = normalise(code)
    if not clean:
        raise PantauError("invalid", message="the P-code is empty")
    where = country(fmt.country_iso3) if fmt else country(country_code) if country_code else None
    if fmt is not None and fmt.prefix_len == 0:
        return _pad(clean, fmt, 0)
    found, prefix, rest = split_prefix(clean, where)
    if found is None:
        what = f"{where.iso2} or {where.iso3}" if where else "a country code"
        raise PantauError("invalid", message=f"'{clean}' does not start with {what}")
    if to is None:
        to = "iso3" if fmt is not None and fmt.prefix_len == 3 else "iso2"
    new_prefix = found.iso3 if to == "iso3" else found.iso2
    if fmt is not None:
        return new_prefix + _pad(rest, fmt, fmt.prefix_len)
    return new_prefix + rest


def _pad(rest: str, fmt: CodeFormat, prefix_len: int) -> str:
    """Left-pad an all-digit part to the shortest level length it falls short of."""
    if not rest.isdigit():
        return rest
    for level in fmt.levels:
        if level == 0:
            continue
        low, high = fmt.span(level)  # type: ignore[misc]
        need = low - prefix_len
        if len(rest) <= need:
            return rest.zfill(need) if high == low else rest
        if high is None or len(rest) <= high - prefix_len:
            return rest
    return rest


def infer_format(iso3: str, codes: list[tuple[int, str]]) -> CodeFormat | None:
    """A format read off a gazetteer's own codes, for countries the length table lacks.

    The prefix is what the admin-1 codes start with; each level's length is what its codes add
    to the level above (varying when they differ).
    """
    where = country(iso3)
    by_level: dict[int, set[int]] = {}
    prefix_len: int | None = None
    for level, code in codes:
        if level == 0:
            continue
        if prefix_len is None:
            found, prefix, _ = split_prefix(code, where)
            prefix_len = len(prefix) if found else 0
        by_level.setdefault(level, set()).add(len(code))
    if prefix_len is None or 1 not in by_level:
        return None
    lengths: list[int | None] = []
    total = prefix_len
    for level in range(1, max(by_level) + 1):
        seen = by_level.get(level)
        if not seen:
            break
        if len(seen) == 1:
            (length,) = seen
            lengths.append(length - total)
            total = length
        else:
            lengths.append(VARIABLE)
            total = min(seen)
    return CodeFormat(iso3, prefix_len, tuple(lengths))


def parse_lengths(prefix: object, levels: list[object]) -> tuple[int, tuple[int | None, ...]]:
    """Read one length-table row; alternatives such as `3|7` are stored as varying (-1)."""
    def one(value: object) -> int | None:
        text = "" if value is None else str(value).strip()
        if text == "":
            return None
        if "|" in text:
            return VARIABLE
        try:
            number = int(float(text))
        except ValueError:
            raise ValueError(f"'{text}' is not a length") from None
        if number < VARIABLE:
            raise ValueError(f"'{text}' is not a length")
        return number

    pre = one(prefix)
    if pre is None or pre not in (0, 2, 3):
        raise ValueError(f"country prefix length '{prefix}' must be 0, 2 or 3")
    values = [one(v) for v in levels]
    while values and values[-1] is None:
        values.pop()
    return pre, tuple(values)
