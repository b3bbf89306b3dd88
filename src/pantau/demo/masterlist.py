"""The demo master list: about 300 sites over four rounds, generated from a fixed seed.

Sites sit in real kelurahan and desa (see `places.py`), mostly in Palu, Sigi, Donggala and
Parigi Moutong as in 2018. Round by round the list changes the way real lists do: new sites
open, schools used as shelters close when classes resume, camps empty into the temporary
shelters (*huntara*) built from November, names get corrected and points re-surveyed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import shapely
from shapely.prepared import prep

from pantau.demo.places import PLACES, REGENCIES, Place
from pantau.demo.scenario import EVENT, ROUNDS
from pantau.demo.shapes import regency_shapes

SEED = 20180928
INSET = 0.002  # degrees a generated point keeps from its regency's (approximate) edge

_MOSQUES = ("Al-Ikhlas", "Nurul Huda", "Al-Hidayah", "Baiturrahman", "At-Taqwa", "Al-Amin",
            "Nurul Iman", "Al-Muhajirin")
_CHURCHES = ("GKST Imanuel", "GKST Getsemani", "GPdI Bethel", "Gereja Katolik St. Maria")
_HUNTARA_PLACES = ("Tondo", "Talise", "Petobo", "Balaroa", "Mamboro", "Layana", "Duyu",
                   "Pombewe", "Jono Oge", "Sibalaya", "Biromaru", "Loli Oge", "Banawa",
                   "Sirenja", "Labuan", "Kawatuna", "Pantoloan")
_TYPES = (("camp", 44), ("collective_centre", 20), ("informal_settlement", 20),
          ("host_community", 16))


@dataclass
class State:
    """What the master list says about a site in one round's file."""

    name: str
    site_type: str
    lon: float
    lat: float
    managed_by: str
    alt_names: list[str] = field(default_factory=list)
    closed: dt.date | None = None


@dataclass
class DemoSite:
    code: str
    place: Place
    opened: dt.date
    first_round: int
    states: dict[int, State]  # round number -> state, from first_round on

    def state(self, number: int) -> State | None:
        return self.states.get(number)

    @property
    def regency(self) -> str:
        return self.place.regency


def build_sites(seed: int = SEED) -> list[DemoSite]:
    """The whole master list with its history; the same seed gives the same list."""
    rng = random.Random(seed)
    shapes = {p: prep(g.buffer(-INSET)) for p, g in regency_shapes().items()}
    taken: Counter[str] = Counter()
    sites: list[DemoSite] = []
    for regency in REGENCIES:
        places = [p for p in PLACES if p.regency == regency.pcode]
        if not places or not regency.sites:
            continue
        huntara = [p for p in places if p.name in _HUNTARA_PLACES]
        n_huntara = round(regency.sites * 0.09) if huntara else 0
        counter = 0
        for place in _spread(places, regency.sites - n_huntara, rng):
            counter += 1
            first = 1 if rng.random() < 0.88 else 2
            kind = _pick(rng)
            sites.append(_new_site(f"{regency.prefix}-{counter:03d}", place, kind, first,
                                   shapes[regency.pcode], taken, rng))
        for i in range(n_huntara):
            counter += 1
            place = huntara[i % len(huntara)]
            first = 3 if i < n_huntara * 0.6 else 4
            sites.append(_new_site(f"{regency.prefix}-{counter:03d}", place, "huntara", first,
                                   shapes[regency.pcode], taken, rng))
    _evolve(sites, rng)
    return sites


def _spread(places: list[Place], n: int, rng: random.Random) -> list[Place]:
    """`n` places drawn in proportion to their weights, every place at least once if n allows."""
    out = list(places)[:n]
    weights = [p.weight for p in places]
    out += rng.choices(places, weights=weights, k=max(0, n - len(out)))
    return sorted(out, key=lambda p: (p.kecamatan, p.name))


def _pick(rng: random.Random) -> str:
    return rng.choices([t for t, _ in _TYPES], weights=[w for _, w in _TYPES])[0]


def _new_site(code: str, place: Place, kind: str, first: int, shape: Any,
              taken: Counter[str], rng: random.Random) -> DemoSite:
    lon, lat = _point(place, shape, rng)
    name = _unique(_base_name(place, kind, rng), taken)
    opened = _opened(first, rng)
    site_type = "camp" if kind == "huntara" else kind
    state = State(name, site_type, lon, lat, _manager(place, kind, rng))
    return DemoSite(code, place, opened, first, {first: state})


def _point(place: Place, shape: Any, rng: random.Random) -> tuple[float, float]:
    spread = 0.004 if place.regency == "ID7271" else 0.008
    for _ in range(200):
        lon = place.lon + rng.uniform(-spread, spread)
        lat = place.lat + rng.uniform(-spread, spread)
        if shape.contains(shapely.Point(lon, lat)):
            return round(lon, 5), round(lat, 5)
    return place.lon, place.lat


def _base_name(place: Place, kind: str, rng: random.Random) -> str:
    p = place.name
    town = place.regency == "ID7271"
    options = {
        "camp": [f"Posko {p}", f"Posko Pengungsian {p}", f"Lapangan {p}",
                 f"Tenda Pengungsi {p}"],
        "collective_centre": [f"Masjid {rng.choice(_MOSQUES)} {p}",
                              f"SD Negeri {rng.randint(1, 9)} {p}",
                              f"{rng.choice(_CHURCHES)} {p}",
                              f"Kantor Kelurahan {p}" if town else f"Balai Desa {p}"],
        "informal_settlement": [f"Pengungsian Mandiri {p}", f"Kebun {p}", f"Tepi Jalan {p}"],
        "host_community": [f"Keluarga Penampung {p}", f"Rumah Warga {p}"],
        "huntara": [f"Huntara {p}"],
    }[kind]
    return rng.choice(options)


def _unique(name: str, taken: Counter[str]) -> str:
    taken[name] += 1
    return name if taken[name] == 1 else f"{name} {taken[name]}"


def _opened(first: int, rng: random.Random) -> dt.date:
    """Opened after the event and before the round that first lists the site."""
    start = EVENT if first == 1 else ROUNDS[first - 2].period_end
    end = ROUNDS[first - 1].period_start - dt.timedelta(days=3)
    if first == 1:
        end = EVENT + dt.timedelta(days=10)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _manager(place: Place, kind: str, rng: random.Random) -> str:
    regency = next(r.name for r in REGENCIES if r.pcode == place.regency)
    if kind == "huntara":
        return "Kementerian PUPR"
    if kind in ("informal_settlement", "host_community"):
        return "Mandiri (self-managed)"
    return rng.choice([f"BPBD {regency.removeprefix('Kota ')}", "Dinas Sosial",
                       "PMI – Palang Merah Indonesia", "TNI/Polri",
                       "Pemerintah Kelurahan" if place.regency == "ID7271"
                       else "Pemerintah Desa"])


# round by round ------------------------------------------------------------------------
def _evolve(sites: list[DemoSite], rng: random.Random) -> None:
    """Carry each site into the later rounds: closures, corrections, re-surveys."""
    closures = {2: 18, 3: 30, 4: 45}
    for number in (2, 3, 4):
        previous = [s for s in sites if number - 1 in s.states]
        for site in previous:
            site.states[number] = replace(site.states[number - 1],
                                          alt_names=list(site.states[number - 1].alt_names))
        still_open = [s for s in previous if s.states[number].closed is None
                      and s.states[number].managed_by != "Kementerian PUPR"]
        # schools empty first (classes resumed in October), then camps into huntara
        weights = [4 if s.states[number].site_type == "collective_centre" else
                   3 if s.states[number].site_type == "host_community" else 1
                   for s in still_open]
        for site in _sample(still_open, weights, closures[number], rng):
            site.states[number].closed = _closed_on(site, number, rng)
        _corrections(previous, number, rng)


def _sample(items: list[DemoSite], weights: list[int], k: int,
            rng: random.Random) -> list[DemoSite]:
    pool = list(zip(items, weights, strict=True))
    out: list[DemoSite] = []
    while pool and len(out) < k:
        i = rng.choices(range(len(pool)), weights=[w for _, w in pool])[0]
        out.append(pool.pop(i)[0])
    return out


def _closed_on(site: DemoSite, number: int, rng: random.Random) -> dt.date:
    start = max(ROUNDS[number - 2].period_end, site.opened)
    end = ROUNDS[number - 1].period_start - dt.timedelta(days=2)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _corrections(previous: list[DemoSite], number: int, rng: random.Random) -> None:
    """A few edits per round, as field teams correct the list."""
    candidates = sorted((s for s in previous if s.states[number].closed is None),
                        key=lambda s: s.code)
    picks = rng.sample(candidates, min(len(candidates), 9))
    for site in picks[:3]:  # a better-known name; the old one stays as an alternative
        st = site.states[number]
        if "(" not in st.name:
            st.alt_names.append(st.name)
            st.name = f"{st.name} ({site.place.kecamatan})"
    for site in picks[3:6]:  # re-surveyed point, a few hundred metres off before
        st = site.states[number]
        st.lon, st.lat = site.place.lon + (st.lon - site.place.lon) * 0.5, \
            site.place.lat + (st.lat - site.place.lat) * 0.5
        st.lon, st.lat = round(st.lon, 5), round(st.lat, 5)
    for site in picks[6:]:  # an informal settlement that got organised, or new management
        st = site.states[number]
        if st.site_type == "informal_settlement":
            st.site_type, st.managed_by = "camp", "Dinas Sosial"
        else:
            st.managed_by = "PMI – Palang Merah Indonesia"


def counts(sites: list[DemoSite]) -> dict[str, Any]:
    """Figures the tests and the docs quote: sites per regency, per round, open per round."""
    last = max(r.number for r in ROUNDS)
    return {
        "total": len(sites),
        "by_regency": dict(Counter(s.regency for s in sites)),
        "listed": {r.number: sum(1 for s in sites if r.number in s.states) for r in ROUNDS},
        "open_at_end": sum(1 for s in sites if s.states[last].closed is None),
    }
