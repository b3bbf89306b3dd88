"""Read an OpenRosa submission (the XML ODK Collect, KoboCollect and Enketo send) safely.

The XML comes from the network, so it is parsed with defusedxml: no DTD, no entity (the
"billion laughs"), no external entity (XXE), a size limit and a nesting limit. A body that is
hostile or not XML is *rejected* (`XmlRejected`): it is not a submission, nothing is kept. A
well-formed submission is turned into the same `data` the Kobo and Central readers produce:
paths without the root element (`group/field`), values as text, a repeat as a list of dicts
keyed by full paths, unanswered (empty) fields left out, and the `meta` block (instanceID,
deprecatedID …), Kobo's `formhub` and `__version__` kept out of `data` (they are the
submission's own attributes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from pantau.ingest.incoming import Incoming, IncomingAttachment

MAX_XML = 10 * 1024 * 1024  # bytes: a 250-question form with long notes is well under 1 MB
MAX_DEPTH = 64  # groups in repeats in groups …; deeper is an attack, not a form
NOT_DATA = {"meta", "formhub"}  # top-level blocks that describe the submission, not answers


class XmlRejected(Exception):
    """A body that is not a submission at all (hostile, too big, not XML): nothing is kept.

    `status` is the HTTP answer: 413 for too big, 400 otherwise."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class XmlSubmission:
    """A parsed submission: which form and version it claims, its ids, and its tree."""

    form_id: str
    version: str | None
    instance_id: str
    deprecated_id: str | None
    root: Element

    def data(self, fields: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
        """The answers, keyed by path; `fields` (FormVersion.fields) tells which groups are
        repeats, so a repeat answered once is still a list."""
        repeats = {f["path"] for f in fields if f.get("type") == "repeat"}
        out: dict[str, Any] = {}
        _flatten(self.root, "", repeats, out, top=True)
        return out

    def incoming(self, raw: bytes, fields: Iterable[dict[str, Any]] = (), *,
                 source: str = "openrosa", origin: str = "",
                 attachments: list[IncomingAttachment] | None = None) -> Incoming:
        return Incoming(instance_id=self.instance_id, data=self.data(fields), raw=raw,
                        raw_format="xml", source=source, origin=origin,
                        form_version=self.version, deprecated_id=self.deprecated_id,
                        attachments=list(attachments or []))


def parse_submission(raw: bytes, limit: int = MAX_XML) -> XmlSubmission:
    """Parse `raw` or raise `XmlRejected` saying why (never with the submission's content)."""
    if len(raw) > limit:
        raise XmlRejected(f"the submission XML is larger than {limit // 2**20} MB", 413)
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise XmlRejected(f"the submission XML uses a forbidden feature "
                          f"({type(exc).__name__}: DTDs and entities are not accepted)") from None
    except ParseError as exc:
        raise XmlRejected(f"the body is not well-formed XML ({exc})") from None
    except ValueError as exc:  # e.g. an encoding declaration Python does not know
        raise XmlRejected(f"the body is not readable XML ({exc})") from None
    if _depth(root) > MAX_DEPTH:
        raise XmlRejected(f"the submission XML nests deeper than {MAX_DEPTH} levels")
    form_id = root.get("id") or ""
    if not form_id:
        raise XmlRejected("the submission XML has no form id (attribute 'id' on its root)")
    meta = _child(root, "meta")
    return XmlSubmission(form_id=form_id, version=root.get("version") or None,
                         instance_id=_text(meta, "instanceID"),
                         deprecated_id=_text(meta, "deprecatedID") or None, root=root)


def local(tag: str) -> str:
    """`{http://openrosa.org/xforms}meta` → `meta`: forms may or may not use namespaces."""
    return tag.rsplit("}", 1)[-1]


def _depth(root: Element) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        el, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > MAX_DEPTH:
            break
        stack.extend((c, d + 1) for c in el)
    return deepest


def _child(el: Element | None, name: str) -> Element | None:
    if el is None:
        return None
    return next((c for c in el if local(c.tag) == name), None)


def _text(el: Element | None, name: str) -> str:
    c = _child(el, name)
    return (c.text or "").strip() if c is not None else ""


def _flatten(el: Element, prefix: str, repeats: set[str], out: dict[str, Any],
             top: bool = False) -> None:
    """Write `el`'s answers into `out`; a repeat's instances become a list of dicts."""
    names = Counter(local(c.tag) for c in el)
    for child in el:
        name = local(child.tag)
        if top and (name in NOT_DATA or name.startswith("_")):
            continue
        path = f"{prefix}{name}"
        if path in repeats or names[name] > 1:
            item: dict[str, Any] = {}
            _flatten(child, f"{path}/", repeats, item)
            if item:
                out.setdefault(path, []).append(item)
        elif len(child):
            _flatten(child, f"{path}/", repeats, out)
        elif child.text:
            out[path] = child.text
