"""Sentences such as "80.2% of individuals arriving at the 5 FMPs departed from Libya" —
generated from the data with their base and period, never typed by hand.

Each statement carries the numbers it was made from (share, individuals, base, the unknown
remainder, first and last day), so a reader can check it and a page can show them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pantau.flow.countries import name_of

VERBS = {  # dimension -> how the sentence says it
    "previous_country": "departed from {}",
    "nationality": "were nationals of {}",
    "final_country": "intended to reach {} as their final destination",
    "next_country": "were heading next to {}",
}
KNOWN = {"previous_country": "departure country", "final_country": "final destination",
         "next_country": "next destination"}
MOVING = {"incoming": "arriving at", "outgoing": "leaving from", "transit": "transiting through",
          None: "counted at"}


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def statements(shares: list[dict[str, Any]], dimension: str, direction: str | None,
               where: str, top: int = 3) -> list[dict[str, Any]]:
    """One statement per leading value of `dimension` in `shares` (rows of `shares_sql`)."""
    out = []
    for r in shares[:top]:
        share = float(r["share"])
        label = name_of(r["value"]) if dimension in VERBS else str(r["value"])
        verb = VERBS.get(dimension, f"had {dimension.replace('_', ' ')} {{}}")
        period = f"{_day(r['first_day'])} – {_day(r['last_day'])}"
        unknown = int(r["unknown"])
        text = (f"{share:.1%} of individuals {MOVING.get(direction, 'counted at')} {where} "
                f"{verb.format(label)} (n = {int(r['base']):,} individuals with a known "
                f"{KNOWN.get(dimension, dimension.replace('_', ' '))}; period {period}"
                + _unknown(unknown) + ").")
        out.append({"text": text, "dimension": dimension, "value": r["value"],
                    "label": label, "share": round(share, 4),
                    "individuals": int(r["individuals"]), "base": int(r["base"]),
                    "unknown": unknown, "direction": direction,
                    "first_day": r["first_day"].isoformat(),
                    "last_day": r["last_day"].isoformat()})
    return out


def _unknown(unknown: int) -> str:
    return f"; {unknown:,} more with none recorded" if unknown else ""


HIDDEN_UNKNOWN = "; a few more with none recorded"


def withhold(statements: list[dict[str, Any]], shares: dict[str, list[dict[str, Any]]]
             ) -> list[dict[str, Any]]:
    """The statements a public reader may see, given the shares of each dimension after
    small-cell suppression (`pantau.web.flow_api.protect_shares`): a statement whose share
    or base is hidden is left out; one whose unknown remainder is hidden says "a few" and
    has `unknown` null."""
    out = []
    for s in statements:
        row = next((r for r in shares.get(s["dimension"], []) if r["value"] == s["value"]),
                   None)
        hidden = set(row.get("suppressed") or ()) if row is not None else {"share"}
        if hidden & {"share", "individuals", "base"}:
            continue
        if "unknown" in hidden:
            s = {**s, "unknown": None,
                 "text": s["text"].replace(_unknown(s["unknown"]), HIDDEN_UNKNOWN)}
        out.append(s)
    return out
