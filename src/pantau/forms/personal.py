"""Which answers of a form are personal data, and the one way to keep them out of outputs.

Displacement data can put people at risk, so a form's fields are classified when the form
is imported, from what the XLSForm says about them, and the result is stored with the form
version (each dict of `FormVersion.fields` gets `personal`, `personal_why` and `quasi`):

- **personal** (never in public outputs, logs or error messages): names of people, phone
  numbers, e-mail addresses, document / ID numbers, HXL `#contact…`, `#beneficiary…`,
  `#respondee…` tags, people's `+name`/`+phone`/`+email` attributes, the device identifiers
  ODK records (`deviceid`, `phonenumber`, `simserial` …), photos and recordings, exact
  coordinates (`geopoint`/`geotrace`/`geoshape`, `#geo+lat`/`+lon`/`+coord`) unless the
  field says it is a *site's* location, and untagged free text (a comment can hold anything);
- **quasi-identifier** (not secret, but a combination can single a person out in a
  record-level release): sex, age, nationality, ethnicity, religion, marital status,
  disability, occupation — and, when the form has such a person-level field, the
  administrative place codes. A site assessment (one record per site) has none, so its
  records carry no re-identification risk for people.

The form's mapping file can override both (docs/forms.md):

    personal: [respondent_role]        # personal even though the rules say no
    not_personal: [site_contact_phone] # a public office number, say
    quasi_identifiers: [age, sex, adm3]   # replaces the derived list

`redact(data, personal)` is the single helper every record-level output goes through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pantau.forms.hxl import TagError, parse_tag

REDACTED = "‹personal›"
OVERRIDE_KEYS = ("personal", "not_personal", "quasi_identifiers")

# ODK's metadata types that identify a device or a person.
_DEVICE_TYPES = {"deviceid", "subscriberid", "simserial", "phonenumber", "username", "email",
                 "audit"}
_MEDIA_TYPES = {"image", "photo", "audio", "video", "file", "binary", "background-audio"}
_GEO_TYPES = {"geopoint", "geotrace", "geoshape"}
_TEXT_TYPES = {"text", "string"}
# HXL hashtags about people (https://hxlstandard.org/standard/dictionary/).
_PEOPLE_TAGS = {"contact", "beneficiary", "respondee", "respondent", "informant", "person"}
_PERSON_ATTRS = {"name", "phone", "email", "id", "nid"}
# Tags that are about places, codes and organisations: a tagged field with one is not free text.
_PLACE_TAGS = {"loc", "site", "adm1", "adm2", "adm3", "adm4", "adm5", "country", "geo", "org",
               "sector", "operation", "date", "event", "cause", "shelter", "need", "inneed",
               "service", "status", "indicator", "meta", "activity", "group", "population",
               "affected", "value", "impact", "capacity", "item", "modality", "access",
               "frequency", "region", "crisis", "channel", "output", "description"}

_SPLIT = re.compile(r"[^a-z0-9]+")
# Words of a field's name (split at _ and other separators) or label.
_NAME_WORDS = {"name", "names", "nama", "fullname", "firstname", "lastname", "surname",
               "givenname", "familyname", "nom", "prenom", "nombre", "apellido"}
_PHONE_WORDS = {"phone", "telephone", "tel", "telp", "telepon", "mobile", "cell", "hp",
                "whatsapp", "wa", "msisdn", "kontak", "contact", "email", "mail"}
_DOCUMENT_WORDS = {"nik", "ktp", "passport", "paspor", "document", "dokumen", "idcard",
                   "nationalid", "nin", "ssn", "unhcr", "proges", "registration",
                   "birthcert", "certificate"}
_PLACE_WORDS = {"site", "lokasi", "location", "loc", "village", "desa", "kelurahan",
                "kecamatan", "kabupaten", "province", "provinsi", "camp", "posko", "district",
                "subdistrict", "area", "place", "settlement", "region", "org", "organisation",
                "organization", "agency", "school", "facility", "point", "road", "event",
                "adm", "admin", "street", "city", "town", "shelter", "office"}
_QUASI_WORDS = {"sex", "gender", "age", "umur", "usia", "jenis_kelamin", "kelamin",
                "nationality", "kewarganegaraan", "ethnicity", "ethnic", "suku", "religion",
                "agama", "marital", "disability", "disabilitas", "occupation", "pekerjaan",
                "education", "pendidikan", "employment", "birth", "dob", "yob"}
_QUASI_ATTRS = {"sex", "gender", "age", "nationality", "ethnicity", "religion", "marital",
                "disability", "occupation", "education", "employment"}
_COUNTED = {"affected", "population", "inneed", "targeted", "reached", "displaced", "need",
            "indicator", "value"}


def classify(f: Mapping[str, Any]) -> tuple[bool, str | None, bool]:
    """(personal, why, quasi-identifier) of one field of `FormVersion.fields`, by the rules
    in this module's docstring; overrides come later (`classify_fields`)."""
    kind = str(f.get("type") or "")
    if kind in ("group", "repeat", "note"):
        return False, None, False
    tag = _tag(f.get("hxl"))
    words = _words(f)
    label = _label_words(f)
    if kind in _DEVICE_TYPES:
        return True, f"device or account identifier ({kind})", False
    if kind in _MEDIA_TYPES:
        return True, f"{kind}: may show or record people", False
    if tag is not None and tag.hashtag in _PEOPLE_TAGS:
        if tag.attributes and not tag.has(*_PERSON_ATTRS, "address"):
            return False, None, True  # #respondee+sex, +age, +education: describes, not names
        return True, f"HXL {tag} is about a person", False
    site_words = (words | label) & {"site", "lokasi", "location", "camp", "posko", "facility"}
    if tag is not None and tag.hashtag == "geo" and tag.has("lat", "lon", "coord", "x", "y") \
            and not tag.has("site", "loc") and not site_words:
        return True, f"HXL {tag}: exact coordinates (not a site's)", False
    if kind in _GEO_TYPES:
        if tag is not None and (tag.hashtag in ("loc", "site") or tag.has("site", "loc")):
            return False, None, False
        if site_words:
            return False, None, False
        return True, f"{kind}: exact coordinates (not a site's)", False
    place = bool(words & _PLACE_WORDS)
    if words & _PHONE_WORDS and not place:
        return True, "phone number or contact", False
    if words & _DOCUMENT_WORDS or _id_number(words):
        return True, "document or ID number", False
    if kind in _TEXT_TYPES and words & _NAME_WORDS and not place and (
            tag is None or tag.hashtag not in _PLACE_TAGS):
        return True, "name of a person", False
    if tag is not None and tag.hashtag not in _PLACE_TAGS and tag.has(*_PERSON_ATTRS):
        return True, f"HXL {tag} names a person", False
    quasi = _quasi(kind, tag, words)
    if kind in _TEXT_TYPES and tag is None and not quasi:
        return True, "free text", False
    return False, None, quasi


def classify_fields(fields: list[dict[str, Any]],
                    overrides: Mapping[str, list[str]] | None = None) -> list[dict[str, Any]]:
    """Add `personal`, `personal_why` and `quasi` to every field dict (in place, and
    returned). `overrides` are the mapping file's lists of field paths."""
    overrides = overrides or {}
    forced = set(overrides.get("personal", []))
    freed = set(overrides.get("not_personal", []))
    given_quasi = overrides.get("quasi_identifiers")
    for f in fields:
        personal, why, quasi = classify(f)
        if f["path"] in forced:
            personal, why = True, "personal by the mapping file"
        elif f["path"] in freed:
            personal, why = False, None
        f["personal"], f["personal_why"], f["quasi"] = personal, why, quasi
    people = _records_are_people(fields)
    has_person_quasi = people and any(f["quasi"] for f in fields)
    for f in fields:
        if given_quasi is not None:
            f["quasi"] = f["path"] in given_quasi and not f["personal"]
        elif not people:
            f["quasi"] = False  # a group's attributes (nationality of a count), not a person's
        elif has_person_quasi and not f["personal"] and _place_code(f):
            f["quasi"] = True
    return fields


def _records_are_people(fields: list[dict[str, Any]]) -> bool:
    """Whether a record describes one person (a survey respondent, a registered household)
    rather than a group (a site's or a flow point's counts): it has a field tagged about a
    person, or one that identifies a person, or it counts nobody."""
    counts = False
    for f in fields:
        tag = _tag(f.get("hxl"))
        if tag is not None and tag.hashtag in _PEOPLE_TAGS:
            return True
        why = f.get("personal_why") or ""
        if f.get("personal") and why != "free text" and not why.startswith("device") \
                and "may show or record people" not in why:
            return True
        counts = counts or (tag is not None and tag.hashtag in _COUNTED
                            and f.get("type") in ("integer", "decimal"))
    return not counts


def personal_paths(fields: Iterable[Mapping[str, Any]]) -> set[str]:
    """The paths of the personal fields; fields stored before classification existed
    (no `personal` key) are classified on the fly."""
    return {f["path"] for f in fields
            if (f["personal"] if "personal" in f else classify(f)[0])}


def quasi_paths(fields: Iterable[Mapping[str, Any]]) -> list[str]:
    """The quasi-identifiers, in form order (classified on the fly for older versions)."""
    fields = list(fields)
    if fields and not all("quasi" in f for f in fields):
        fields = classify_fields([dict(f) for f in fields])
    return [f["path"] for f in fields if f.get("quasi")]


def redact(data: Any, personal: set[str] | frozenset[str], mark: str | None = REDACTED
           ) -> Any:
    """A copy of a submission's answers (`{path: value}`, repeats as lists of such dicts)
    with every personal answer replaced by `mark`, or left out when `mark` is None.

    The one helper every record-level output and message goes through, so that a new
    output cannot forget a field kind the others know."""
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        if _plain(key) in personal:
            if mark is not None and value not in (None, "", []):
                out[key] = mark
            continue
        if isinstance(value, list):
            out[key] = [redact(item, personal, mark) for item in value]
        else:
            out[key] = value
    return out


def redact_text(text: str, data: Mapping[str, Any], personal: set[str] | frozenset[str]
                ) -> str:
    """`text` with every personal answer of `data` that appears in it replaced by
    REDACTED: for messages built from answers (reasons, flags) before they are shown or
    logged."""
    for value in _personal_values(data, personal):
        if len(value) >= 3:
            text = text.replace(value, REDACTED)
    return text


def _personal_values(data: Any, personal: set[str] | frozenset[str]) -> list[str]:
    out: list[str] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            if isinstance(value, list):
                for item in value:
                    out += _personal_values(item, personal)
            elif _plain(str(key)) in personal and value not in (None, ""):
                out.append(str(value).strip())
    return out


def _plain(key: str) -> str:
    """`grp/rep[2]/name` → `grp/rep/name` (the field path of an answer key)."""
    return re.sub(r"\[\d+\]", "", key)


def _tag(text: Any) -> Any:
    if not text:
        return None
    try:
        return parse_tag(str(text))
    except TagError:
        return None


def _words(f: Mapping[str, Any]) -> set[str]:
    name = str(f.get("name") or "").lower()
    parts = {p for p in _SPLIT.split(name) if p}
    joined = name.replace("_", "").replace("-", "")
    return parts | {joined}


def _label_words(f: Mapping[str, Any]) -> set[str]:
    label = f.get("label") or {}
    texts = label.values() if isinstance(label, Mapping) else [str(label)]
    return {p for t in texts for p in _SPLIT.split(str(t).lower()) if p}


def _id_number(words: set[str]) -> bool:
    """`id_number`, `id_no`, `idnum`: an ID number (but not `site_id`, `hh_id` codes)."""
    return bool(words & {"idnumber", "idno", "idnum", "idcard"}) or (
        "id" in words and bool(words & {"number", "no", "num", "card", "nomor"}))


def _quasi(kind: str, tag: Any, words: set[str]) -> bool:
    if tag is not None and tag.hashtag in _COUNTED and kind in ("integer", "decimal"):
        return False  # a count (#affected+idps+f), not a person's attribute
    if tag is not None and tag.has(*_QUASI_ATTRS) and tag.hashtag not in _COUNTED:
        return True
    if kind not in ("select_one", "select_multiple", "integer", "decimal", "text", "date"):
        return False
    return bool(words & _QUASI_WORDS)


def _place_code(f: Mapping[str, Any]) -> bool:
    tag = _tag(f.get("hxl"))
    return tag is not None and tag.hashtag in ("adm1", "adm2", "adm3", "adm4", "loc",
                                               "site") and tag.has("code", "id") \
        and not tag.has("origin")


def version_fields(ws: Any, operation: str, form_id: str, version: str | None = None
                   ) -> list[dict[str, Any]]:
    """The stored fields of a form version (current by default), each with its
    classification (older versions are classified on the fly)."""
    from pantau.forms.store import get_form, get_version

    with ws.session() as s:
        fields = [dict(f) for f in get_version(s, get_form(s, operation, form_id),
                                               version).fields]
    if fields and not all("personal" in f for f in fields):
        overrides: dict[str, list[str]] = {}
        classify_fields(fields, overrides)
    return fields


def file_fields(path: Any, mapping: Any = None) -> list[dict[str, Any]]:
    """The fields of an XLSForm file (not imported), classified with the mapping file's
    overrides."""
    from pathlib import Path

    from pantau.forms.importer import read_and_map

    form, _, _, _ = read_and_map(Path(path), mapping)
    return form.fields


def personal_by_version(s: Any, version_ids: Iterable[int | None]) -> dict[int, set[str]]:
    """Form version id → its personal field paths, for outputs that read many records."""
    from sqlalchemy import select

    from pantau.store.models import FormVersion

    ids = [v for v in set(version_ids) if v is not None]
    return {fv.id: personal_paths(fv.fields or []) for fv in
            s.scalars(select(FormVersion).where(FormVersion.id.in_(ids)))} if ids else {}


def is_personal(name: str, personal: set[str] | frozenset[str] | None) -> bool:
    """Whether an answer key (`grp/rep[2]/name` or a path) is of a personal field."""
    return bool(personal) and _plain(name) in personal  # type: ignore[operator]
