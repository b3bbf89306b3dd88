"""The demo operation and its rounds: Central Sulawesi, 28 September 2018.

Dates follow the shape of the real response (site assessments roughly monthly, temporary
shelters — *huntara* — built from November onwards); the figures are invented.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SLUG = "idn-sulteng-2018"
COUNTRY = "IDN"
NAME = "Indonesia — Central Sulawesi Earthquake 2018"
HOUSEHOLD_SIZE = 3.9
EVENT = dt.date(2018, 9, 28)
DESCRIPTION = (
    "On 28 September 2018 a magnitude 7.4 earthquake struck Donggala regency, Central "
    "Sulawesi. A tsunami hit the shores of Palu Bay minutes later, and liquefaction swallowed "
    "whole neighbourhoods in Palu (Balaroa, Petobo) and Sigi (Jono Oge, Sibalaya). Tens of "
    "thousands of people sheltered in camps, public buildings and with host families in Palu, "
    "Sigi, Donggala and Parigi Moutong. This is pantau's demo: the P-codes and place names are "
    "real, the sites and figures are invented, and the boundaries are approximate demo shapes, "
    "not official boundaries."
)
GAZETTEER_LABEL = "demo-2018"
GAZETTEER_VALID_FROM = dt.date(2018, 1, 1)
CHANGED_BY = "pantau demo"


@dataclass(frozen=True)
class DemoRound:
    number: int
    period_start: dt.date
    period_end: dt.date
    reporting_date: dt.date


ROUNDS: tuple[DemoRound, ...] = (
    DemoRound(1, dt.date(2018, 10, 8), dt.date(2018, 10, 19), dt.date(2018, 10, 26)),
    DemoRound(2, dt.date(2018, 11, 5), dt.date(2018, 11, 16), dt.date(2018, 11, 23)),
    DemoRound(3, dt.date(2018, 12, 3), dt.date(2018, 12, 14), dt.date(2018, 12, 21)),
    DemoRound(4, dt.date(2019, 2, 4), dt.date(2019, 2, 15), dt.date(2019, 2, 22)),
)
ASSESSMENT = "SA"
SA_FORM_ID = "dtm_sa"  # form_id of the shipped SA form the demo's exports come from
