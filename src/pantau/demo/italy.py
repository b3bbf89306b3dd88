"""The second demo operation: *Italy — flow monitoring of arrivals* (`ita-flow`).

Five real landing points of the central Mediterranean route (Lampedusa, Pozzallo, Augusta,
Reggio Calabria, Crotone) with their real coordinates, and six months of FMR counts generated
deterministically (seeded) in the shape a KoboToolbox export of pantau's FMR form has, then
imported through the real importers (`ws.flow.import_points`, `ws.flow.import_fmr`). The mix
of departure countries and nationalities follows the shape of 2023–2024 arrivals by sea
(departures mostly from Libya and Tunisia, some from Türkiye to Calabria); the figures are
invented.

Italy is not in the HDX global P-code list, so the demo ships its own admin 1–2 table with
P-codes built as `IT` + ISTAT region code (+ ISTAT province code), and approximate boxes as
demo boundaries — so that Lampedusa, which the country extent table misses, is placed too.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pantau.tabular import write_table

if TYPE_CHECKING:
    from pantau.workspace import Workspace

SLUG = "ita-flow"
COUNTRY = "ITA"
NAME = "Italy — flow monitoring of arrivals"
DESCRIPTION = ("Flow monitoring of arrivals by sea at five landing points in Sicily and "
               "Calabria. pantau's demo: the places and coordinates are real, the counts are "
               "invented (generated with a fixed seed).")
START, END = dt.date(2024, 1, 1), dt.date(2024, 6, 30)
SEED = 20240101
GAZETTEER_LABEL = "demo-istat-2024"

REGIONS = {"IT19": "Sicilia", "IT18": "Calabria"}
PROVINCES = {  # P-code: (name, region) — ISTAT codes
    "IT19081": ("Trapani", "IT19"), "IT19082": ("Palermo", "IT19"),
    "IT19083": ("Messina", "IT19"), "IT19084": ("Agrigento", "IT19"),
    "IT19085": ("Caltanissetta", "IT19"), "IT19086": ("Enna", "IT19"),
    "IT19087": ("Catania", "IT19"), "IT19088": ("Ragusa", "IT19"),
    "IT19089": ("Siracusa", "IT19"), "IT18078": ("Cosenza", "IT18"),
    "IT18079": ("Catanzaro", "IT18"), "IT18080": ("Reggio di Calabria", "IT18"),
    "IT18101": ("Crotone", "IT18"), "IT18102": ("Vibo Valentia", "IT18"),
}


@dataclass(frozen=True)
class Point:
    code: str
    name: str
    latitude: float
    longitude: float
    province: str
    point_type: str
    directions: str
    days: str
    hours: str
    weight: float  # share of the arrivals
    departures: dict[str, float]  # departure country -> weight


POINTS = (
    Point("ITA-LMP", "Lampedusa — Molo Favarolo", 35.4983, 12.6067, "IT19084",
          "landing_point", "incoming; outgoing", "daily", "24h", 0.55,
          {"TUN": 0.52, "LBY": 0.45, "DZA": 0.03}),
    Point("ITA-POZ", "Pozzallo — porto", 36.7253, 14.8466, "IT19088", "port", "incoming",
          "daily", "24h", 0.12, {"LBY": 0.85, "TUN": 0.15}),
    Point("ITA-AUG", "Augusta — porto commerciale", 37.2134, 15.2181, "IT19089", "port",
          "incoming", "daily", "24h", 0.12, {"LBY": 0.9, "TUN": 0.1}),
    Point("ITA-RCA", "Reggio Calabria — porto", 38.1237, 15.6499, "IT18080", "port",
          "incoming", "daily", "06:00-22:00", 0.11, {"LBY": 0.6, "TUR": 0.4}),
    Point("ITA-KRO", "Crotone — porto", 39.0814, 17.1316, "IT18101", "landing_point",
          "incoming", "Mon-Sat", "08:00-20:00", 0.10, {"TUR": 0.7, "LBY": 0.3}),
)
# nationality -> weight by departure country (who leaves from where)
NATIONALITIES = {
    "TUN": {"TUN": 0.30}, "GIN": {"TUN": 0.18, "LBY": 0.03}, "CIV": {"TUN": 0.16, "LBY": 0.02},
    "BFA": {"TUN": 0.08}, "MLI": {"TUN": 0.07, "LBY": 0.03}, "SDN": {"TUN": 0.05, "LBY": 0.05},
    "BGD": {"LBY": 0.22}, "EGY": {"LBY": 0.18}, "SYR": {"LBY": 0.12, "TUR": 0.20},
    "PAK": {"LBY": 0.10, "TUR": 0.10}, "ERI": {"LBY": 0.08}, "AFG": {"TUR": 0.35},
    "IRQ": {"TUR": 0.20}, "IRN": {"TUR": 0.15}, "DZA": {"DZA": 1.0},
}
FINAL = {"ITA": 0.45, "FRA": 0.25, "DEU": 0.15, "BEL": 0.05, "NLD": 0.04, "GBR": 0.06}
REASONS = {"economic": 0.55, "conflict": 0.2, "persecution": 0.1, "family": 0.1,
           "education": 0.05}
PLACES = {"LBY": ["Zuwara", "Sabratha", "Tobruk", "Benghazi"], "TUN": ["Sfax", "Mahdia",
          "Monastir"], "TUR": ["Izmir", "Bodrum", "Mersin"], "DZA": ["Annaba"]}


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def gazetteer_rows() -> list[dict[str, str]]:
    return [{"ADM0_EN": "Italy", "ADM0_PCODE": "IT", "ADM1_EN": REGIONS[region],
             "ADM1_PCODE": region, "ADM2_EN": name, "ADM2_PCODE": pcode}
            for pcode, (name, region) in PROVINCES.items()]


def write_gazetteer(folder: Path) -> Path:
    path = folder / "ita-adm1-2-istat.csv"
    rows = gazetteer_rows()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_boundaries(folder: Path) -> Path:
    """Approximate boxes around each FMP's province (Agrigento with the Pelagie islands)."""
    def box(lon: float, lat: float, half: float) -> list[list[list[float]]]:
        return [[[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
                 [lon - half, lat + half], [lon - half, lat - half]]]

    shapes = {"IT19084": [box(13.55, 37.35, 0.35), box(12.58, 35.52, 0.12)],
              "IT19088": [box(14.70, 36.90, 0.25)], "IT19089": [box(15.10, 37.10, 0.25)],
              "IT18080": [box(16.00, 38.25, 0.40)], "IT18101": [box(16.95, 39.15, 0.25)]}
    features = [{"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": parts},
                 "properties": {"ADM0_PCODE": "IT", "ADM0_EN": "Italy",
                                "ADM1_PCODE": PROVINCES[p][1],
                                "ADM1_EN": REGIONS[PROVINCES[p][1]], "ADM2_PCODE": p,
                                "ADM2_EN": PROVINCES[p][0]}}
                for p, parts in shapes.items()]
    path = folder / "ita-adm2-approximate.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "name": "ita_adm2_approximate",
                                "description": "APPROXIMATE DEMO BOXES, NOT BOUNDARIES",
                                "features": features}), encoding="utf-8")
    return path


def write_points(folder: Path) -> Path:
    path = folder / "ita-flow-monitoring-points.csv"
    rows = [(p.code, p.name, p.point_type, p.latitude, p.longitude, p.province, p.directions,
             p.days, p.hours, START.isoformat()) for p in POINTS]
    return write_table(path, ["Site ID", "Name", "FMP type", "Latitude", "Longitude",
                              "Admin2", "Directions", "Observation days", "Observation hours",
                              "Opened"], rows)


HEADERS = ["start", "end", "point/fmp_id", "point/count_date", "point/direction",
           "people/nationality", "people/total", "people/men", "people/women", "people/boys",
           "people/girls", "people/unaccompanied_children", "movement/transport_mode",
           "movement/previous_country", "movement/previous_place", "movement/next_country",
           "movement/next_area", "movement/final_country", "movement/final_area",
           "movement/reason", "meta/instanceID", "_uuid", "_submission_time"]


def fmr_rows(start: dt.date = START, end: dt.date = END, seed: int = SEED) -> list[list]:
    """The FMR groups of the period, as rows under `HEADERS` (a Kobo export)."""
    rng = random.Random(seed)
    rows: list[list] = []
    day = start
    while day <= end:
        season = 0.6 + 0.8 * (day.month - 1) / 5  # arrivals grow towards the summer
        for p in POINTS:
            if p.days == "Mon-Sat" and day.weekday() == 6:
                continue
            for _ in range(_poisson(rng, 0.9 * season * p.weight / 0.2)):
                rows.extend(_boat(rng, p, day))
        day += dt.timedelta(days=1)
    return rows


def _poisson(rng: random.Random, mean: float) -> int:
    n, limit, prod = 0, pow(2.718281828, -mean), rng.random()
    while prod > limit:
        n += 1
        prod *= rng.random()
    return n


def _boat(rng: random.Random, p: Point, day: dt.date) -> list[list]:
    """One landing: people of a few nationalities who left from one country."""
    departure = _pick(rng, p.departures)
    nats = {n: w[departure] for n, w in NATIONALITIES.items() if departure in w}
    place = rng.choice(PLACES[departure])
    out = []
    for nat in sorted({_pick(rng, nats) for _ in range(rng.randint(1, 3))}):
        men, women = rng.randint(5, 45), rng.randint(0, 8)
        boys, girls = rng.randint(0, 8), rng.randint(0, 3)
        alone = rng.randint(0, boys + girls)
        out.append(_row(rng, p, day, "incoming", nat, (men, women, boys, girls, alone),
                        departure, place, "ITA", p.province, _pick(rng, FINAL)))
        if "outgoing" in p.directions and rng.random() < 0.8:
            out.append(_row(rng, p, day + dt.timedelta(days=rng.randint(0, 1)), "outgoing",
                            nat, (men, women, boys, girls, alone), departure, place, "ITA",
                            "Porto Empedocle", _pick(rng, FINAL)))
    return [r for r in out if r[3] <= END]


def _row(rng: random.Random, p: Point, day: dt.date, direction: str, nat: str,
         people: tuple[int, int, int, int, int], departure: str, place: str, next_country: str,
         next_area: str, final: str) -> list:
    men, women, boys, girls, alone = people
    key = uuid.UUID(int=rng.getrandbits(128), version=4)
    when = dt.datetime.combine(day, dt.time(rng.randint(6, 21), rng.randint(0, 59)))
    return [when.isoformat(), (when + dt.timedelta(minutes=12)).isoformat(), p.code, day,
            direction, nat, men + women + boys + girls, men, women, boys, girls, alone, "boat",
            departure, place, next_country, next_area, final, "", _pick(rng, REASONS),
            f"uuid:{key}", str(key), (when + dt.timedelta(hours=2)).isoformat()]


FMR_FILE = "ita-flow-fmr-kobo-export.xlsx"


def write_fmr(folder: Path) -> tuple[Path, int]:
    path = folder / FMR_FILE
    rows = fmr_rows()
    write_table(path, HEADERS, rows, sheet="dtm_fmr")
    return path, len(rows)


# --- FMS interviews ----------------------------------------------------------------------
FMS_FILE = "ita-flow-fms-kobo-export.xlsx"
FMS_HEADERS = ["start", "end", "fmp_id", "survey_date", "consent", "profile/sex",
               "profile/age_group", "profile/nationality", "profile/education",
               "profile/employment_before", "journey/origin_country",
               "journey/departure_country", "journey/destination_country", "journey/reasons",
               "vulnerability/unpaid_work", "vulnerability/forced_work",
               "vulnerability/held_against_will", "vulnerability/violence",
               "vulnerability/marriage_offer", "meta/instanceID", "_uuid"]
ROUTE_HEADERS = ["route_country", "route_place", "route_days", "_index",
                 "_parent_table_name", "_submission__uuid"]
# (nationality, departure country) -> countries passed through before the departure country
TRANSIT = {("BGD", "LBY"): ["ARE", "EGY"], ("EGY", "LBY"): [], ("SYR", "LBY"): ["LBN", "EGY"],
           ("PAK", "LBY"): ["ARE", "EGY"], ("ERI", "LBY"): ["SDN"], ("SDN", "LBY"): ["TCD"],
           ("GIN", "TUN"): ["MLI", "DZA"], ("CIV", "TUN"): ["BFA", "NER", "DZA"],
           ("MLI", "TUN"): ["DZA"], ("BFA", "TUN"): ["NER", "DZA"], ("SDN", "TUN"): ["LBY"],
           ("GIN", "LBY"): ["MLI", "NER"], ("CIV", "LBY"): ["BFA", "NER"],
           ("MLI", "LBY"): ["NER"], ("AFG", "TUR"): ["IRN"], ("IRQ", "TUR"): [],
           ("IRN", "TUR"): [], ("SYR", "TUR"): [], ("PAK", "TUR"): ["IRN"],
           ("TUN", "TUN"): [], ("DZA", "DZA"): []}
# departure country -> chance of each vulnerability indicator (the Libya route is the worst)
RISK = {"LBY": (0.45, 0.32, 0.38, 0.30, 0.02), "TUN": (0.25, 0.15, 0.12, 0.18, 0.01),
        "TUR": (0.12, 0.06, 0.05, 0.08, 0.01), "DZA": (0.10, 0.05, 0.03, 0.05, 0.0)}
CONSENT = 0.94


def fms_rows(seed: int = SEED + 1) -> tuple[list[list], list[list]]:
    """About 1,400 interviews (a few on most observed days at each point) and their stops."""
    rng = random.Random(seed)
    rows: list[list] = []
    legs: list[list] = []
    day = START
    while day <= END:
        for p in POINTS:
            if p.days == "Mon-Sat" and day.weekday() == 6:
                continue
            for _ in range(_poisson(rng, 1.6 * p.weight / 0.2)):
                rows.append(_interview(rng, p, day, legs))
        day += dt.timedelta(days=1)
    return rows, legs


def _interview(rng: random.Random, p: Point, day: dt.date, legs: list[list]) -> list:
    key = uuid.UUID(int=rng.getrandbits(128), version=4)
    when = dt.datetime.combine(day, dt.time(rng.randint(8, 19), rng.randint(0, 59)))
    head = [when.isoformat(), (when + dt.timedelta(minutes=25)).isoformat(), p.code, day]
    if rng.random() > CONSENT:
        return [*head, "no", *([""] * 14), f"uuid:{key}", str(key)]
    departure = _pick(rng, p.departures)
    nat = _pick(rng, {n: w[departure] for n, w in NATIONALITIES.items() if departure in w})
    route = [nat, *TRANSIT.get((nat, departure), []), departure]
    route = [c for i, c in enumerate(route) if i == 0 or c != route[i - 1]]
    for c in route:
        legs.append([c, rng.choice(PLACES.get(c, [""])), rng.randint(1, 240), len(legs) + 1,
                     "dtm_fms", str(key)])
    risk = RISK[departure]
    vuln = ["refused" if rng.random() < 0.04 else "yes" if rng.random() < r else "no"
            for r in risk]
    return [*head, "yes", "m" if rng.random() < 0.86 else "f",
            _pick(rng, {"14_17": 0.12, "18_24": 0.38, "25_34": 0.32, "35_44": 0.12,
                        "45_59": 0.05, "60_plus": 0.01}), nat,
            _pick(rng, {"none": 0.2, "primary": 0.3, "secondary": 0.35, "tertiary": 0.1,
                        "vocational": 0.05}),
            _pick(rng, {"employed": 0.35, "self_employed": 0.2, "unemployed": 0.35,
                        "student": 0.1}),
            nat, departure, _pick(rng, FINAL),
            " ".join(sorted({_pick(rng, REASONS) for _ in range(rng.randint(1, 2))})),
            *vuln, f"uuid:{key}", str(key)]


def write_fms(folder: Path) -> Path:
    """A Kobo XLSX export: interviews on the first sheet, the `route` repeat on its own."""
    from openpyxl import Workbook

    rows, legs = fms_rows()
    wb = Workbook(write_only=True)
    main = wb.create_sheet("dtm_fms")
    main.append(FMS_HEADERS)
    for r in rows:
        main.append(r)
    route = wb.create_sheet("route")
    route.append(ROUTE_HEADERS)
    for leg in legs:
        route.append(leg)
    path = folder / FMS_FILE
    wb.save(path)
    return path


def build(ws: Workspace, inputs: Path) -> dict[str, int]:
    """Gazetteer, operation, FMPs, FMR counts and FMS interviews, through the importers a
    user runs."""
    inputs.mkdir(parents=True, exist_ok=True)
    ws.gazetteer.import_file(write_gazetteer(inputs), country=COUNTRY, label=GAZETTEER_LABEL,
                             valid_from=dt.date(2024, 1, 1))
    ws.gazetteer.import_file(write_boundaries(inputs), country=COUNTRY, label=GAZETTEER_LABEL)
    ws.operations.create(SLUG, COUNTRY, NAME, description=DESCRIPTION)
    points = ws.flow.import_points(SLUG, write_points(inputs), changed_by="pantau demo")
    path, _ = write_fmr(inputs)
    fmr = ws.flow.import_fmr(SLUG, path)
    fms = ws.flow.import_fms(SLUG, write_fms(inputs))
    return {"flow monitoring points": points.points_created, "FMR groups": fmr.created,
            "individuals": fmr.people, "FMS interviews": fms.created,
            "without consent": fms.without_consent}
