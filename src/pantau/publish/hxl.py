"""HXL hashtags of every published column, in one table, so each format tags alike.

The tags are the ones DTM and HDX datasets use (`#adm1+code`, `#affected+idps+ind`,
`#date+reported`, `#round+code` …); columns that split people by population group carry the
group as an attribute (`#affected+returnees+hh`).
"""

from __future__ import annotations

TAGS: dict[str, str] = {
    "operation": "#operation+code",
    "operation_name": "#operation+name",
    "assessment_type": "#assessment+type",
    "round_number": "#round+code",
    "previous_round": "#round+code+previous",
    "reporting_date": "#date+reported",
    "period_start": "#date+start",
    "period_end": "#date+end",
    "gazetteer_version": "#meta+gazetteer",
    "admin_level": "#geo+admin_level",
    "admin0_pcode": "#country+code",
    "admin0_name": "#country+name",
    **{f"admin{lv}_{part}": f"#adm{lv}+{attr}" for lv in (1, 2, 3)
       for part, attr in (("pcode", "code"), ("name", "name"))},
    **{f"origin_admin{lv}_{part}": f"#adm{lv}+{attr}+origin" for lv in (1, 2)
       for part, attr in (("pcode", "code"), ("name", "name"))},
    "population_group": "#population+type",
    "measure": "#indicator+type",
    "unit": "#indicator+unit",
    "sex": "#indicator+sex",
    "age_group": "#indicator+age",
    "reason": "#cause+type",
    "sector": "#sector",
    "status": "#status",
    "value": "#indicator+value+num",
    "estimated_value": "#indicator+value+estimated",
    "share": "#indicator+share",
    "records": "#meta+records",
    "assessed": "#meta+assessed",
    "ind": "#affected+ind",
    "hh": "#affected+hh",
    "f": "#affected+f",
    "m": "#affected+m",
    "ind_estimated": "#affected+ind+estimated",
    "ind_previous": "#affected+ind+previous",
    "ind_change": "#affected+ind+change",
    "hh_previous": "#affected+hh+previous",
    "hh_change": "#affected+hh+change",
}

# Headline columns split by population group: `idps_ind` → `#affected+idps+ind`.
HEADLINE = ("ind", "hh", "f", "m", "ind_estimated")
UNSPECIFIED = "unspecified"  # a count whose form said no population group


def tag(column: str) -> str:
    """The hashtag of a published column."""
    try:
        return TAGS[column]
    except KeyError:
        raise KeyError(f"no HXL hashtag for column '{column}'") from None


def group_tag(group: str, figure: str) -> str:
    """The hashtag of a headline figure of one population group (`idps`, `hh` →
    `#affected+idps+hh`); a count of no stated group keeps the plain tag."""
    base = TAGS[figure]
    return base if group == UNSPECIFIED else base.replace("#affected", f"#affected+{group}", 1)
