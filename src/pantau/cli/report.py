"""What an import or a pull did, printed the same way by every command that brings
submissions in (`pantau submissions import`, `pantau pull kobo`, `pantau pull central`),
and what became of a pull's attachments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pantau.cli.app import console

if TYPE_CHECKING:
    from pantau.ingest.attachments import Pulled

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


# attachment outcome → how the summary names it, in the order it is printed
FILE_WORDS = (("stored", "stored"), ("refused", "refused"), ("failed", "failed"),
              ("not_on_server", "not on the server yet"), ("not_stored", "not stored"))


def print_attachments(result: Pulled, again: str) -> None:
    """One line counting the attachments, then the first problems (file names and
    reasons; never answers). `again` is the command that fetches what is missing."""
    counts = result.attachments
    if not sum(counts.values()):
        return
    tally = ", ".join(f"{counts.get(status, 0):,} {word}" for status, word in FILE_WORDS
                      if counts.get(status, 0) or status == "stored")
    console.print(f"Attachments: {tally}.", highlight=False, markup=False)
    for note in result.notes[:SHOWN]:
        console.print(f"  {note}", highlight=False, markup=False)
    if len(result.notes) > SHOWN:
        console.print(f"  … and {len(result.notes) - SHOWN:,} more", highlight=False,
                      markup=False)
    if counts.get("failed", 0) or counts.get("not_on_server", 0):
        console.print(f"  The submissions are stored; `{again}` fetches the missing files "
                      "later.", highlight=False, markup=False)
