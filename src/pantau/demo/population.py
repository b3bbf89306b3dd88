"""Who lives on each demo site, round by round: the figures the SA exports carry.

One assessment per site per round while the site is open (a closed site is not assessed).
Figures follow the shape of the 2018 response: the most people in sites in October, schools
and public buildings emptied first when classes resumed, camps thinning out as families moved
into the temporary shelters (*huntara*) built from November, which fill up round by round.
The numbers are invented and deterministic (fixed seed), like the master list.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from pantau.demo.masterlist import DemoSite, State
from pantau.demo.scenario import ROUNDS

SEED = 20181008

# (median individuals at a site's first round, lognormal sigma, lowest, highest)
_SIZE = {"camp": (300, 0.8, 30, 2800), "collective_centre": (120, 0.6, 20, 900),
         "informal_settlement": (85, 0.6, 12, 600), "host_community": (55, 0.5, 8, 300),
         "huntara": (310, 0.25, 120, 600)}
# share of a site's first-round population still there in rounds 1..4, by kind
_TREND = {"camp": (1.0, 0.9, 0.76, 0.58), "collective_centre": (1.0, 0.7, 0.55, 0.42),
          "informal_settlement": (1.0, 0.87, 0.72, 0.56),
          "host_community": (1.0, 0.9, 0.8, 0.68)}
_HUNTARA_FILL = (0.55, 0.85, 1.0)  # occupancy in a huntara's 1st, 2nd, 3rd round
# sex × age shares of IDP individuals (sum 1): under 5, 5–17, 18–59, 60+
BREAKDOWN = (("f", "infants", 0.056), ("f", "children", 0.156), ("f", "adults", 0.248),
             ("f", "elderly", 0.05), ("m", "infants", 0.058), ("m", "children", 0.152),
             ("m", "adults", 0.236), ("m", "elderly", 0.044))

_LIQUEFACTION = {"Balaroa", "Petobo", "Jono Oge", "Sibalaya"}
_TSUNAMI = {"Talise", "Lere", "Silae", "Tipo", "Buluri", "Watusampu", "Besusu", "Mamboro",
            "Pantoloan", "Layana", "Kabonga", "Banawa", "Loli Oge", "Labuan", "Tanantovea",
            "Towale"}
_LANDSLIDE = {"Kulawi", "Lindu", "Palolo", "Gumbasa"}
_NEAR_PALU = {"Kinovaro", "Marawola", "Dolo", "Langaleso", "Biromaru", "Sidera", "Labuan",
              "Tanantovea", "Loli Oge"}
_HIT = {"ID7271", "ID7210", "ID7205", "ID7208"}  # the four regencies the disaster struck

# chance of "yes" per round: water, latrines, health facility, school
_SERVICES = {"water_on_site": (0.45, 0.66, 0.8, 0.86),
             "latrines_on_site": (0.35, 0.6, 0.78, 0.85),
             "health_access": (0.6, 0.76, 0.86, 0.9),
             "school_access": (0.2, 0.55, 0.76, 0.86)}
_NEEDS = ({"shelter": 5, "food": 5, "wash": 4, "nfi": 3, "health": 2},
          {"shelter": 5, "wash": 4, "food": 3, "nfi": 2, "health": 2, "livelihoods": 1,
           "education": 1},
          {"shelter": 5, "livelihoods": 4, "wash": 3, "food": 2, "education": 2, "health": 1},
          {"livelihoods": 5, "shelter": 5, "education": 2, "wash": 2, "protection": 1,
           "health": 1})
_COMMENTS = ("Air bersih terbatas, truk tangki datang dua kali seminggu.",
             "Banyak anak batuk dan diare.", "Tenda bocor kalau hujan.",
             "Sebagian keluarga sudah pindah ke huntara.",
             "Akses jalan rusak, bantuan sulit masuk.",
             "Warga minta bantuan modal usaha.", "Penerangan malam kurang, perlu lampu.",
             "Jamban penuh, perlu disedot.", "Anak-anak belajar di tenda darurat.")


@dataclass
class Assessment:
    """One site assessment as the enumerator records it (answers before any slip)."""

    site: DemoSite
    state: State
    round: int
    date: dt.date
    individuals: int
    households: int
    breakdown: dict[str, int]  # "idp_f_infants" -> n; sums to `individuals`
    reason: str
    origin_adm2: str
    shelter: str
    management: str
    informant: str
    services: dict[str, str] = field(default_factory=dict)  # field name -> yes | no
    needs: list[str] = field(default_factory=list)
    comment: str = ""


def assessments(sites: list[DemoSite], seed: int = SEED) -> dict[int, list[Assessment]]:
    """Round number -> the round's assessments, by date; the same seed gives the same."""
    rng = random.Random(seed)
    out: dict[int, list[Assessment]] = {r.number: [] for r in ROUNDS}
    for site in sites:
        kind = "huntara" if site.states[site.first_round].managed_by == "Kementerian PUPR" \
            else site.states[site.first_round].site_type
        median, sigma, low, high = _SIZE[kind]
        base = min(high, max(low, round(median * math.exp(rng.gauss(0, sigma)))))
        size = rng.uniform(3.5, 4.3)  # people per household on this site
        reason, origin = _why(site, rng)
        for number in sorted(site.states):
            state = site.states[number]
            if state.closed is not None:
                break
            if kind == "huntara":
                share = _HUNTARA_FILL[min(number - site.first_round, 2)]
            else:
                trend = _TREND[kind]
                share = trend[number - 1] / trend[site.first_round - 1]
            people = max(3, round(base * share * rng.uniform(0.94, 1.06)))
            out[number].append(Assessment(
                site, state, number, _day(number, rng), people,
                max(1, min(people, round(people / size))), _breakdown(people, rng), reason,
                origin, _shelter(kind, state, number, rng), _management(state, rng),
                _informant(state), _services(number, rng), _needs(number, rng),
                rng.choice(_COMMENTS) if rng.random() < 0.15 else ""))
    for number in out:
        out[number].sort(key=lambda a: (a.date, a.site.code))
    return out


def totals(by_round: dict[int, list[Assessment]]) -> dict[int, int]:
    """IDP individuals in sites per round, as the enumerators counted them."""
    return {n: sum(a.individuals for a in items) for n, items in by_round.items()}


def _day(number: int, rng: random.Random) -> dt.date:
    """A working day (not Sunday) in the round's reference period."""
    rnd = ROUNDS[number - 1]
    days = [rnd.period_start + dt.timedelta(days=i)
            for i in range((rnd.period_end - rnd.period_start).days + 1)]
    return rng.choice([d for d in days if d.weekday() != 6])


def _breakdown(people: int, rng: random.Random) -> dict[str, int]:
    """Sex × age counts summing to `people` (largest remainder over jittered shares)."""
    shares = [s * rng.uniform(0.85, 1.15) for _, _, s in BREAKDOWN]
    scale = people / sum(shares)
    raw = [s * scale for s in shares]
    counts = [math.floor(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])[:people - sum(counts)]:
        counts[i] += 1
    return {f"idp_{sex}_{age}": n for (sex, age, _), n in zip(BREAKDOWN, counts, strict=True)}


def _why(site: DemoSite, rng: random.Random) -> tuple[str, str]:
    """Main reason and regency of origin; people far from the bay came from Palu."""
    name = site.place.name
    if site.regency not in _HIT:
        return rng.choice(("earthquake", "tsunami", "liquefaction")), "ID7271"
    origin = "ID7271" if name in _NEAR_PALU and rng.random() < 0.3 else site.regency
    if origin != site.regency:
        return rng.choice(("earthquake", "tsunami", "liquefaction")), origin
    if name in _LIQUEFACTION:
        return "liquefaction", origin
    if name in _TSUNAMI:
        return "tsunami", origin
    if name in _LANDSLIDE:
        return "landslide", origin
    return "earthquake", origin


def _shelter(kind: str, state: State, number: int, rng: random.Random) -> str:
    if kind == "huntara":
        return "other"
    if state.site_type == "camp":
        return "tent" if number <= 2 or rng.random() < 0.5 else "makeshift"
    if state.site_type == "informal_settlement":
        return "open_air" if number == 1 and rng.random() < 0.25 else "makeshift"
    return {"collective_centre": "collective_building",
            "host_community": "host_family"}.get(state.site_type, "other")


def _management(state: State, rng: random.Random) -> str:
    if state.managed_by.startswith("PMI"):
        return "ngo"
    if state.managed_by.startswith("Mandiri"):
        return "none" if state.site_type == "informal_settlement" and rng.random() < 0.4 \
            else "community"
    return "government"


def _informant(state: State) -> str:
    if state.name.startswith(("Masjid", "GKST", "GPdI", "Gereja")):
        return "religious_leader"
    return {"host_community": "village_head",
            "informal_settlement": "community_leader"}.get(state.site_type, "site_manager")


def _services(number: int, rng: random.Random) -> dict[str, str]:
    return {name: "yes" if rng.random() < chance[number - 1] else "no"
            for name, chance in _SERVICES.items()}


def _needs(number: int, rng: random.Random) -> list[str]:
    weights = dict(_NEEDS[number - 1])
    picked: list[str] = []
    for _ in range(3 if rng.random() < 0.8 else 2):
        choice = rng.choices(list(weights), weights=list(weights.values()))[0]
        picked.append(choice)
        del weights[choice]
    return picked

