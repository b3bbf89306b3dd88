"""Checks that compare records with each other: per round, across rounds, same day.

- `one_per_round`: a site (per form) has more than one current record in a round;
- `zscore`, `modified_zscore`: per site and indicator (a record total such as
  `#affected+idps+ind`), each round's value against the site's series over all rounds, as
  DHIS2's outlier detection does: z = (x − mean) / sd, and the modified z = 0.6745 (x − median)
  / MAD, which one wild value cannot mask. Needs `min_rounds` values; a series of n values can
  never reach |z| above √(n − 1) (Samuelson), so the z-score only speaks for long series.
  The spread (sd, MAD) is taken as at least `min_spread` × the series' level (mean, median):
  over four rounds two near-equal values make the MAD tiny, and a site that shrinks by a
  fifth from one round to the next — camps empty as people go home — would otherwise be
  "extreme" (found by benchmarks/quality_accuracy.py, seed 1: 10 false positives of 42);
- `jump`: a value more than `ratio` times (or less than 1/`ratio` of) the site's value in the
  previous round that has one, when either is at least `min_value` (small sites move a lot);
- `duplicate`: another record of the same site on the same day with the same counted fields
  answered and values apart by at most `tolerance` of their size in all; the later record
  (by arrival) is flagged.

Every series uses all rounds; only records in scope get flags.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable

from pantau.quality.config import QualityConfig
from pantau.quality.formrules import Found
from pantau.quality.records import Record, RoundRow

Flags = dict[int, list[Found]]


def check_across(records: Iterable[Record], scope: set[int], rounds: dict[int, RoundRow],
                 config: QualityConfig) -> Flags:
    out: Flags = defaultdict(list)
    by_site: dict[tuple[int, str], list[Record]] = defaultdict(list)
    for rec in records:
        if rec.site_code:
            by_site[(rec.form_id, rec.site_code)].append(rec)
    for (_, site), recs in by_site.items():
        if config.on("one_per_round"):
            _one_per_round(site, recs, scope, rounds, out)
        if config.on("duplicate"):
            _duplicates(site, recs, scope, config.param("duplicate", "tolerance"), out)
        if any(config.on(c) for c in ("zscore", "modified_zscore", "jump")):
            _series(site, recs, scope, rounds, config, out)
    return out


def _one_per_round(site: str, recs: list[Record], scope: set[int],
                   rounds: dict[int, RoundRow], out: Flags) -> None:
    per_round: dict[int, list[Record]] = defaultdict(list)
    for r in recs:
        if r.round_id is not None:
            per_round[r.round_id].append(r)
    for round_id, same in per_round.items():
        if len(same) < 2:
            continue
        number = rounds[round_id].number if round_id in rounds else "?"
        for r in same:
            if r.version_id in scope:
                others = sorted(o.instance_id for o in same if o is not r)
                out[r.version_id].append(Found(
                    "one_per_round", None, f"site {site} has {len(same)} records in round "
                    f"{number} (also {', '.join(others[:3])}{' …' if len(others) > 3 else ''})"))


def _near(a: dict[str, float], b: dict[str, float], tolerance: float) -> bool:
    """The same fields answered, and the values apart by at most `tolerance` of their size
    in all (Σ|a − b| / Σ max(|a|, |b|)): a re-typed record differs by a few units here and
    there, a real second visit by much more."""
    if not a or a.keys() != b.keys():
        return False
    size = sum(max(abs(a[k]), abs(b[k])) for k in a)
    apart = sum(abs(a[k] - b[k]) for k in a)
    return apart <= tolerance * size


def _duplicates(site: str, recs: list[Record], scope: set[int], tolerance: float,
                out: Flags) -> None:
    by_day: dict[object, list[Record]] = defaultdict(list)
    for r in recs:
        if r.date is not None:
            by_day[r.date].append(r)
    for day, same in by_day.items():
        if len(same) < 2:
            continue
        same.sort(key=lambda r: r.submission_id)
        for i, later in enumerate(same):
            if later.version_id not in scope:
                continue
            earlier = next((e for e in same[:i] if _near(e.values, later.values, tolerance)),
                           None)
            if earlier is not None:
                out[later.version_id].append(Found(
                    "duplicate", None, f"near-identical to {earlier.instance_id} (site {site}, "
                    f"{day}): counted values within {tolerance:.0%} in all"))


def _series(site: str, recs: list[Record], scope: set[int], rounds: dict[int, RoundRow],
            config: QualityConfig, out: Flags) -> None:
    per_indicator: dict[str, list[tuple[int, Record, float]]] = defaultdict(list)
    for r in recs:
        if r.round_id is None or r.round_id not in rounds:
            continue
        for indicator, value in r.totals.items():
            per_indicator[indicator].append((rounds[r.round_id].number, r, value))
    for indicator, points in per_indicator.items():
        points.sort(key=lambda p: (p[0], p[1].submission_id))
        values = _per_round(points)
        if config.on("zscore") and len(values) >= config.param("zscore", "min_rounds"):
            _zscores(site, indicator, points, values, scope, config, out)
        if config.on("modified_zscore") and \
                len(values) >= config.param("modified_zscore", "min_rounds"):
            _modified(site, indicator, points, values, scope, config, out)
        if config.on("jump"):
            _jumps(site, indicator, points, _outlier_rounds(points, values, config), scope,
                   config, out)


def _per_round(points: list[tuple[int, Record, float]]) -> list[float]:
    """One value per round (the median of a round's records): a round assessed twice must not
    count twice, or its near-equal pair shrinks the spread and clean rounds look extreme.
    Every record is still judged against these statistics."""
    by_round: dict[int, list[float]] = defaultdict(list)
    for number, _, value in points:
        by_round[number].append(value)
    return [statistics.median(v) for _, v in sorted(by_round.items())]


def _zscores(site: str, indicator: str, points: list[tuple[int, Record, float]],
             values: list[float], scope: set[int], config: QualityConfig, out: Flags) -> None:
    mean = math.fsum(values) / len(values)
    sd = _spread(math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values)), mean,
                 config, "zscore")
    limit = config.param("zscore", "threshold")
    if sd == 0:
        return
    for number, rec, value in points:
        z = (value - mean) / sd
        if rec.version_id in scope and abs(z) > limit:
            out[rec.version_id].append(Found(
                "zscore", indicator, f"site {site}, round {number}: z-score {z:+.1f} over "
                f"{len(values)} rounds (mean {mean:,.0f}; limit ±{limit:g})"))


def _modified(site: str, indicator: str, points: list[tuple[int, Record, float]],
              values: list[float], scope: set[int], config: QualityConfig, out: Flags) -> None:
    median, mad = _median_mad(values, config)
    limit = config.param("modified_zscore", "threshold")
    if mad == 0:
        return
    for number, rec, value in points:
        m = 0.6745 * (value - median) / mad
        if rec.version_id in scope and abs(m) > limit:
            out[rec.version_id].append(Found(
                "modified_zscore", indicator, f"site {site}, round {number}: modified z-score "
                f"{m:+.1f} over {len(values)} rounds (median {median:,.0f}; limit ±{limit:g})"))


def _spread(spread: float, level: float, config: QualityConfig, check: str) -> float:
    """The spread, but at least `min_spread` × |level| (see the module docstring)."""
    return max(spread, config.param(check, "min_spread") * abs(level))


def _median_mad(values: list[float], config: QualityConfig) -> tuple[float, float]:
    """The series' median and its MAD, floored by `_spread`."""
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    return median, _spread(mad, median, config, "modified_zscore")


def _outlier_rounds(points: list[tuple[int, Record, float]], values: list[float],
                    config: QualityConfig) -> set[int]:
    """Rounds whose value is a modified-z-score outlier of the site's series (whether or not
    that check reports): a jump is measured from the last round that is not one, so the
    round after a wrong value is not flagged for going back to normal."""
    if len(values) < config.param("modified_zscore", "min_rounds"):
        return set()
    median, mad = _median_mad(values, config)
    if mad == 0:
        return set()
    limit = config.param("modified_zscore", "threshold")
    by_round = dict(zip(sorted({p[0] for p in points}), values, strict=True))
    return {n for n, v in by_round.items() if abs(0.6745 * (v - median) / mad) > limit}


def _jumps(site: str, indicator: str, points: list[tuple[int, Record, float]],
           outliers: set[int], scope: set[int], config: QualityConfig, out: Flags) -> None:
    ratio = config.param("jump", "ratio")
    floor = config.param("jump", "min_value")
    previous: tuple[int, float] | None = None
    for number, rec, value in points:
        if previous is not None and previous[0] < number:
            before = previous[1]
            big = max(before, value) >= floor
            jumped = big and (value > before * ratio or value * ratio < before)
            if jumped and rec.version_id in scope:
                change = f"{value / before:.1f}×" if before else "from 0"
                out[rec.version_id].append(Found(
                    "jump", indicator, f"site {site}: {before:,.0f} in round {previous[0]}, "
                    f"{value:,.0f} in round {number} ({change}; limit {ratio:g}×)"))
        if (previous is None or previous[0] < number) and number not in outliers:
            previous = (number, value)
