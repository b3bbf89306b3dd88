"""What an import or a pull did, printed the same way by every command that brings
submissions in (`pantau submissions import`, `pantau pull kobo`, `pantau pull central`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pantau.cli.app import console

SHOWN = 20  # messages printed; the rest are in `pantau submissions quarantine`
# storage outcome → how the summary names it, in the order it is printed
WORDS = (("created", "new"), ("updated", "edited"), ("duplicate", "already here"),
         ("conflict", "conflict(s)"), ("quarantined", "quarantined"))


def print_outcomes(lead: str, counts: Mapping[str, int], messages: Sequence[str],
                   operation: str) -> None:
    """`lead` ("Pulled 7 record(s) in 2 page(s)"), the count of each outcome, then the first
    messages (conflicts and quarantine reasons: no answers, so no personal data) and where
    to find the rest."""
    tally = ", ".join(f"{counts.get(status, 0):,} {word}" for status, word in WORDS)
    console.print(f"{lead}: {tally}.", highlight=False, markup=False)
    for message in messages[:SHOWN]:
        console.print(f"  {message}", highlight=False, markup=False)
    more = counts.get("conflict", 0) + counts.get("quarantined", 0) - min(len(messages), SHOWN)
    if more > 0:
        console.print(f"  … and {more:,} more: see `pantau submissions quarantine "
                      f"{operation}`", highlight=False, markup=False)
