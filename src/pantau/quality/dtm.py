"""DTM logic on one record's numbers: households against individuals, parts against totals.

Works on the record summary (records.py), i.e. on what the HXL tags say the numbers are, per
population group and per repeat item (an IDP group of a baseline assessment is checked on its
own, not summed with the others). Counts are not personal data; messages may carry them.
"""

from __future__ import annotations

from pantau.quality.config import QualityConfig
from pantau.quality.formrules import Found
from pantau.quality.records import Group, Record


def check_numbers(rec: Record, config: QualityConfig) -> list[Found]:
    out: list[Found] = []
    for key, g in rec.groups.items():
        group = key[0]
        _households(group, g, config, out)
        _parts(group, g, config, out)
    return out


def _households(group: str, g: Group, config: QualityConfig, out: list[Found]) -> None:
    hh, ind = g.households, g.individuals
    if hh is None or ind is None:
        return
    if config.on("households_individuals") and hh > ind:
        out.append(Found("households_individuals", g.individuals_field,
                         f"{group}: {_n(hh)} households but {_n(ind)} individuals (households "
                         "may not outnumber individuals)"))
        return
    if config.on("individuals_per_household") and hh > 0:
        low = config.param("individuals_per_household", "min")
        high = config.param("individuals_per_household", "max")
        ratio = ind / hh
        if not low <= ratio <= high:
            out.append(Found("individuals_per_household", g.individuals_field,
                             f"{group}: {ratio:.1f} individuals per household, outside the "
                             f"plausible range {_n(low)}–{_n(high)}"))


def _parts(group: str, g: Group, config: QualityConfig, out: list[Found]) -> None:
    """Sex × age parts when answered, else sex-only or age-only parts, against the total."""
    if not config.on("sex_age_sum") or g.individuals is None or not g.kinds:
        return
    kind = next(k for k in ("sex_age", "sex", "age") if k in g.kinds)
    parts = {"sex_age": g.by_sex_age, "sex": g.by_sex, "age": g.by_age}[kind]
    if abs(parts - g.individuals) > config.param("sex_age_sum", "tolerance"):
        what = {"sex_age": "sex × age", "sex": "sex", "age": "age"}[kind]
        out.append(Found("sex_age_sum", g.individuals_field,
                         f"{group}: the {what} parts add up to {_n(parts)}, the total is "
                         f"{_n(g.individuals)}"))


def _n(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"
