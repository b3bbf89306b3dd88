"""HXL hashtags as written in an XLSForm's `hxl` column, parsed without libhxl.

A tag is `#hashtag` followed by `+attribute`s (https://hxlstandard.org/standard/1-1final/).
Both parts start with a letter and hold letters, digits and underscores. Case and spaces
between the parts do not matter: `#Affected +IDPs +ind` is `#affected+idps+ind`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = re.compile(r"[a-z][a-z0-9_]*")


class TagError(ValueError):
    """The text is not an HXL hashtag; the message says why."""


@dataclass(frozen=True)
class Tag:
    hashtag: str  # without '#', lower case
    attributes: tuple[str, ...]  # without '+', lower case, in the order written

    def has(self, *names: str) -> bool:
        return any(n in self.attributes for n in names)

    def __str__(self) -> str:
        return "#" + self.hashtag + "".join("+" + a for a in self.attributes)


def parse_tag(text: str) -> Tag:
    """`#affected+idps+ind` → Tag('affected', ('idps', 'ind')); TagError if it does not parse."""
    compact = re.sub(r"\s+", "", str(text)).lower()
    if not compact.startswith("#"):
        raise TagError(f"'{_short(text)}' is not an HXL tag: it must start with '#' "
                       "(e.g. #affected+idps+ind)")
    hashtag, *attributes = compact[1:].split("+")
    for part, kind in [(hashtag, "hashtag"), *((a, "attribute") for a in attributes)]:
        if not _PART.fullmatch(part):
            raise TagError(f"'{_short(text)}' is not an HXL tag: {kind} '{part}' must start "
                           "with a letter and hold only letters, digits and '_'")
    if len(set(attributes)) != len(attributes):
        raise TagError(f"'{_short(text)}' repeats an attribute")
    return Tag(hashtag, tuple(attributes))


def _short(text: str, limit: int = 60) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
