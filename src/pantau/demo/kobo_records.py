"""The demo's SA submissions as KoboToolbox holds them, with the slips real field data has.

`kobo_exports.py` writes these records out as Kobo's CSV, XLSX and JSON exports. Each round's
records start from the assessments of `population.py` (answers as the shipped `dtm_sa` form
writes them, with Kobo's meta: `_id`, `_uuid`, `_submission_time`, validation status) and then
get slips at the rates a real operation sees — a few percent each:

- **re-sent**: the same submission twice in the export (same uuid, same answers, another
  `_id`, as Kobo shows a submission a device sent again), and in round 2 the last round-1
  submissions again (the export's date range began too early); these must count once;
- **second visit**: the same site assessed twice in the round by two teams (two uuids,
  slightly different figures) — a real duplicate for the quality checks, stored as it came;
- typos and HTML in site names, missing optional answers (sex × age breakdown, GPS, shelter),
  thousands separators typed into counts (`1.250`, `1,250`), Excel serial dates,
  P-codes with transposed digits (`ID7217` for `ID7271`: unknown; `ID7201` for `ID7210`: a
  real code of the wrong regency) — stored as submitted, for the mapping and quality checks;
- **unreadable**: a paper form typed into the export by hand (no uuid), submissions from
  tablets still running the pilot form version, records with a question added in Kobo's form
  builder that the XLSForm does not have — these go to the quarantine with their reason.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field, replace

from pantau.demo.places import BY_PCODE, PROVINCE
from pantau.demo.population import BREAKDOWN, Assessment
from pantau.demo.scenario import ROUNDS

SEED = 20181019
PILOT_VERSION = "2018100501"  # the form version the pilot tablets kept
EXTRA_QUESTION = "population/idp_hh_female_headed"  # added in Kobo's form builder only
FIRST_ID = {1: 21_400_001, 2: 21_600_001, 3: 21_800_001, 4: 22_300_001}  # Kobo's `_id`s
WITA = dt.timezone(dt.timedelta(hours=8))  # Central Sulawesi's time zone
_STATUS = {1: 0.9, 2: 0.7, 3: 0.4, 4: 0.05}  # share of submissions approved in Kobo


@dataclass
class KoboRecord:
    """One row of a Kobo export: answers by field path, as the form writes them, plus meta."""

    site: str  # the site code the enumerator meant (for the docs and tests; not exported)
    answers: dict[str, str]
    uuid: str = ""  # without "uuid:"; empty for a row typed in by hand
    id: int | None = None  # Kobo's `_id`
    submitted: dt.datetime | None = None  # `_submission_time`, UTC without offset
    status: str = ""  # "" | "Approved" | "On Hold"
    submitter: str = ""
    version: str | None = None  # `_version_`; None = the form's current version
    extra: dict[str, str] = field(default_factory=dict)  # keys the XLSForm does not have


@dataclass
class RoundRecords:
    """A round's export rows and what was slipped into them (slip -> site codes)."""

    number: int
    records: list[KoboRecord]
    slips: dict[str, list[str]] = field(default_factory=dict)

    @property
    def resent(self) -> int:
        return len(self.slips.get("resent", [])) + len(self.slips.get("earlier_round", []))

    @property
    def unreadable(self) -> int:
        return sum(len(self.slips.get(k, [])) for k in ("no_uuid", "pilot_version",
                                                          "unknown_question"))


def answers(a: Assessment, rng: random.Random) -> dict[str, str]:
    """The answers of one assessment as the shipped dtm_sa form writes them (empty ones left
    out). The sub-district and village P-codes stay empty: the demo's gazetteer has admin
    levels 1–2 only, and the demo does not invent codes."""
    start = dt.datetime.combine(a.date, dt.time(8), WITA) + dt.timedelta(
        minutes=rng.randint(0, 8 * 60))
    end = start + dt.timedelta(minutes=rng.randint(18, 55))
    lat = a.state.lat + rng.uniform(-0.0002, 0.0002)
    lon = a.state.lon + rng.uniform(-0.0002, 0.0002)
    out = {
        "start": _kobo_time(start), "end": _kobo_time(end), "today": a.date.isoformat(),
        "assessment_date": a.date.isoformat(), "informant_role": a.informant,
        "location/site_id": a.site.code, "location/site_name": a.state.name,
        "location/adm1_pcode": PROVINCE[0], "location/adm2_pcode": a.site.regency,
        "location/gps": f"{lat:.6f} {lon:.6f} {rng.uniform(5, 120):.1f} "
                        f"{rng.choice((3.9, 4.8, 5.0, 8.0, 12.5))}",
        "location/site_type": a.state.site_type, "location/site_management": a.management,
        "population/idp_hh": str(a.households), "population/idp_ind": str(a.individuals),
        **{f"population/{k}": str(v) for k, v in a.breakdown.items()},
        "population/main_reason": a.reason, "population/origin_adm1_pcode": PROVINCE[0],
        "population/origin_adm2_pcode": a.origin_adm2, "population/main_shelter": a.shelter,
        **{f"services/{k}": v for k, v in a.services.items()},
        "needs/priority_needs": " ".join(n for n in _SECTORS if n in a.needs),
        "comments": a.comment,
    }
    return {k: v for k, v in out.items() if v}


_SECTORS = ("shelter", "nfi", "wash", "food", "health", "protection", "education",
            "livelihoods")  # the form's choice order, which Kobo keeps


def round_records(number: int, items: list[Assessment], earlier: list[KoboRecord],
                  seed: int = SEED) -> RoundRecords:
    """The export rows of round `number`; `earlier` are the previous round's rows."""
    rng = random.Random(seed * 10 + number)
    second = _second_visits(items, rng)
    records = [_record(a, rng) for a in sorted([*items, *second],
                                                key=lambda a: (a.date, a.site.code))]
    out = RoundRecords(number, records, {"second_visit": [a.site.code for a in second]})
    pick = _Picker(records, out.slips, rng, keep=set(out.slips["second_visit"]))
    for r in pick("typo", 0.03):
        r.answers["location/site_name"] = _typo(r.answers["location/site_name"], rng)
    for r in pick("html", 0.0):
        r.answers["location/site_name"] = f"<b>{r.answers['location/site_name']}</b>"
    for r in pick("no_breakdown", 0.03):
        for sex, age, _ in BREAKDOWN:
            r.answers.pop(f"population/idp_{sex}_{age}", None)
    for r in pick("no_gps", 0.02):
        del r.answers["location/gps"]
    for r in pick("no_shelter", 0.015):
        del r.answers["population/main_shelter"]
    for r in pick("wrong_pcode", 0.02):
        code = r.answers["location/adm2_pcode"]
        r.answers["location/adm2_pcode"] = code[:-2] + code[-1] + code[-2]
    if number <= 3:  # figures typed over by hand: an Indonesian Excel, then an English one
        sep = "." if number <= 2 else ","
        grouped = [r for r in records if int(r.answers["population/idp_ind"]) >= 1000][::2]
        for r in grouped:
            r.answers["population/idp_ind"] = f"{int(r.answers['population/idp_ind']):,}" \
                .replace(",", sep)
        out.slips["thousands"] = [r.site for r in grouped]
    if number == 3:  # the XLSX was re-saved and some date cells lost their format
        for r in pick("excel_serial_date", 0.03):
            day = dt.date.fromisoformat(r.answers["assessment_date"])
            r.answers["assessment_date"] = str((day - dt.date(1899, 12, 30)).days)
    _unreadable(number, pick, rng)
    _number(records, number)
    resent = [replace(r, answers=dict(r.answers)) for r in pick("resent", 0.02)]
    for n, r in enumerate(resent):
        r.id = FIRST_ID[number] + len(records) + n
        r.submitted = (r.submitted or dt.datetime(2018, 1, 1)) + dt.timedelta(
            minutes=rng.randint(3, 600))
    out.records = sorted(records + resent, key=lambda r: (r.id is None, r.id or 0))
    if number == 2:  # the export's date range began a few days too early
        again = [r for r in earlier if r.uuid][-4:]
        out.records = again + out.records
        out.slips["earlier_round"] = [r.site for r in again]
    return out


class _Picker:
    """Draws records for one slip after another, never the same record for two slips, and
    never a site in `keep` (the sites visited twice stay a clean case of their own)."""

    def __init__(self, records: list[KoboRecord], slips: dict[str, list[str]],
                 rng: random.Random, keep: set[str]) -> None:
        self.records, self.slips = records, slips
        self.pool = [i for i, r in enumerate(records) if r.site not in keep]
        rng.shuffle(self.pool)

    def __call__(self, slip: str, share: float, at_least: int = 1) -> list[KoboRecord]:
        """`share` of the records (at least `at_least`), noted under `slip`."""
        n = max(at_least, round(len(self.records) * share))
        chosen = [self.records[self.pool.pop()] for _ in range(n)]
        self.slips[slip] = [r.site for r in chosen]
        return chosen


def _second_visits(items: list[Assessment], rng: random.Random) -> list[Assessment]:
    """About 1% of sites assessed again a few days later by another team."""
    last = ROUNDS[items[0].round - 1].period_end if items else dt.date.min
    out = []
    for a in rng.sample(items, max(2, round(len(items) * 0.01))):
        factor = rng.uniform(0.92, 1.08)
        people = max(3, round(a.individuals * factor))
        out.append(replace(a, date=min(last, a.date + dt.timedelta(days=rng.randint(1, 3))),
                           individuals=people,
                           households=max(1, min(people, round(a.households * factor))),
                           breakdown=_rescale(a.breakdown, people)))
    return out


def _rescale(breakdown: dict[str, int], people: int) -> dict[str, int]:
    total = sum(breakdown.values())
    out = {k: v * people // total for k, v in breakdown.items()}
    biggest = max(out, key=lambda k: out[k])
    out[biggest] += people - sum(out.values())
    return out


def _record(a: Assessment, rng: random.Random) -> KoboRecord:
    data = answers(a, rng)
    end = dt.datetime.fromisoformat(data["end"])
    submitted = (end + dt.timedelta(minutes=rng.randint(5, 72 * 60))).astimezone(dt.UTC)
    team = BY_PCODE[a.site.regency].prefix.lower()
    return KoboRecord(
        a.site.code, data, str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        submitted=submitted.replace(tzinfo=None, microsecond=0),
        status="Approved" if rng.random() < _STATUS[a.round] else
        ("On Hold" if rng.random() < 0.05 else ""),
        submitter=f"dtm_{team}_{rng.randint(1, 3)}")


def _unreadable(number: int, pick: _Picker, rng: random.Random) -> None:
    """The records that cannot be placed, by round: what each export shape can carry."""
    if number in (1, 3):  # a paper form typed into the export by hand
        for r in pick("no_uuid", 0.0):
            r.uuid, r.submitted, r.status, r.submitter = "", None, "", ""
            for device_only in ("start", "end", "today"):
                del r.answers[device_only]
    if number == 2:  # tablets that kept the pilot version of the form
        for r in pick("pilot_version", 0.0, 2):
            r.version = PILOT_VERSION
    if number == 4:  # a question added in Kobo's form builder, not in the XLSForm
        for r in pick("unknown_question", 0.0, 2):
            r.extra[EXTRA_QUESTION] = str(rng.randint(2, 9))


def _number(records: list[KoboRecord], number: int) -> None:
    """Kobo's `_id`s follow the submission time; a hand-typed row has none."""
    timed = sorted((r for r in records if r.submitted),
                   key=lambda r: r.submitted or dt.datetime.min)
    for n, r in enumerate(timed):
        r.id = FIRST_ID[number] + n


def _typo(name: str, rng: random.Random) -> str:
    """A slip of the thumb: a letter dropped or swapped, all lower case, a double space."""
    for _ in range(20):
        kind = rng.choice(("drop", "swap", "lower", "space"))
        i = rng.randrange(1, max(2, len(name) - 2))
        typed = {"drop": name[:i] + name[i + 1:],
                 "swap": name[:i] + name[i + 1:i + 2] + name[i] + name[i + 2:],
                 "lower": name.lower(),
                 "space": name.replace(" ", "  ", 1) + " "}[kind]
        if typed != name:
            return typed
    return name + "."


def _kobo_time(when: dt.datetime) -> str:
    """As ODK Collect writes `start` and `end`: milliseconds and the device's offset."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.000") + when.strftime("%z")[:3] + ":" + \
        when.strftime("%z")[3:]

