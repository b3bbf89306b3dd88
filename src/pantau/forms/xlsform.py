"""Read an XLSForm with pyxform: its XForm, settings and fields (FormVersion.fields).

pyxform is the converter KoboToolbox and ODK Central themselves use, so a form that passes
here converts the same way there. ODK Validate (Java) is not run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyxform.builder import create_survey_element_from_dict
from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import get_xlsform

from pantau.forms.hxl import TagError, parse_tag

SUFFIXES = (".xlsx", ".xlsm", ".xls")
_TYPES = {"select one": "select_one", "select all that apply": "select_multiple",
          "select one external": "select_one_external", "select one from file":
          "select_one_from_file", "select multiple from file": "select_multiple_from_file"}
_FORM_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,119}")


class XLSFormError(ValueError):
    """The file is not a usable XLSForm; `problems` are (row or None, field or None, message)."""

    def __init__(self, problems: list[tuple[int | None, str | None, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(p[2] for p in problems))


@dataclass
class XLSForm:
    form_id: str
    version: str
    title: str
    xform: str
    fields: list[dict[str, Any]]
    settings: dict[str, str]
    sha256: str
    rows: dict[str, int]  # field path -> survey sheet row, for messages
    warnings: list[str] = field(default_factory=list)
    problems: list[tuple[int | None, str | None, str]] = field(default_factory=list)
    version_derived: bool = False


def read_xlsform(content: bytes, name: str) -> XLSForm:
    """Convert the file's bytes; XLSFormError with pyxform's message if it does not convert.

    HXL tags that do not parse are listed in `problems` (with their row) and left out of
    `fields`, so the caller can report them with the other problems of the form.

    Without a `version` in settings, the version is `auto-` + the first 12 hex digits of
    the file's SHA-256 and is written into the XForm, so devices send it back.
    Without a `form_id`, pyxform's rule applies: the file name (a warning says so).
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise XLSFormError([(None, None, f"is not an XLSForm: expected an Excel workbook "
                             f"({', '.join(SUFFIXES)}), got '{suffix or 'no extension'}'")])
    sha = hashlib.sha256(content).hexdigest()
    try:
        book = get_xlsform(xlsform=content, file_type=suffix)
    except PyXFormError as exc:
        raise XLSFormError([(None, None, f"is not an XLSForm: {_unreadable(exc)}")]) from None
    except Exception as exc:  # noqa: BLE001 — openpyxl/zipfile raise many kinds on junk
        raise XLSFormError([(None, None, "is not an XLSForm: the workbook cannot be read "
                             f"({type(exc).__name__})")]) from None
    tags = _check_tags(book.survey or [])
    warnings: list[str] = []
    try:
        data = workbook_to_json(workbook_dict=book, form_name=None,
                                fallback_form_name=Path(name).stem, warnings=warnings)
        derived = not data.get("version")
        if derived:
            data["version"] = "auto-" + sha[:12]
        survey = create_survey_element_from_dict(data)
        xform = survey.to_xml(validate=False, pretty_print=False, warnings=warnings)
    except PyXFormError as exc:
        raise XLSFormError([(None, None, f"pyxform: {exc}"), *tags]) from None
    settings = {str(k): str(v) for k, v in ((book.settings or [{}])[0] or {}).items()}
    form_id = str(data.get("id_string") or "")
    if not any(k in settings for k in ("form_id", "id_string")):
        warnings.append(f"settings has no form_id: the form id is '{form_id}', from the "
                        "file name")
    if not _FORM_ID.fullmatch(form_id):
        raise XLSFormError([(None, "form_id", f"form_id '{form_id}' must start with a letter "
                             "and hold only letters, digits, '_', '-' and '.'")])
    fields, rows = _fields(data, book.survey or [])
    return XLSForm(form_id=form_id, version=str(data["version"]),
                   title=str(data.get("title") or form_id), xform=xform, fields=fields,
                   settings=settings, sha256=sha, rows=rows, warnings=warnings,
                   problems=tags, version_derived=derived)


def _unreadable(exc: PyXFormError) -> str:
    text = str(exc)
    if "not recognized as a supported type" in text:
        return "not an Excel workbook"
    return text


def _check_tags(survey: list[dict[str, Any]]) -> list[tuple[int | None, str | None, str]]:
    """Every `hxl` cell must parse; problems name the survey row and field."""
    out = []
    for i, row in enumerate(survey):
        text = next((v for k, v in row.items() if str(k).strip().lower() == "hxl"), None)
        if text is None or not str(text).strip():
            continue
        try:
            parse_tag(str(text))
        except TagError as exc:
            out.append((i + 2, row.get("name"), f"survey sheet, hxl column: {exc}"))
    return out


def _fields(data: dict[str, Any], survey: list[dict[str, Any]]
            ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    choices = data.get("choices") or {}
    fields: list[dict[str, Any]] = []
    for child in data.get("children", []):
        if child.get("name") == "meta" and (child.get("control") or {}).get("bodyless"):
            continue
        _walk(child, "", None, choices, fields)
    return fields, _rows(fields, survey)


def _walk(el: dict[str, Any], prefix: str, repeat: str | None,
          choices: dict[str, Any], out: list[dict[str, Any]]) -> None:
    kind = _TYPES.get(el.get("type", ""), el.get("type", ""))
    if kind == "loop":
        kind = "group"
    path = prefix + el["name"]
    listname = el.get("list_name") or el.get("itemset")
    entry = {"path": path, "name": el["name"], "type": kind,
             "list": listname if kind.startswith("select") else None,
             "choices": _choices(el, listname, choices) if kind.startswith("select") else None,
             "label": _label(el.get("label")), "hxl": _tag(el.get("hxl")), "repeat": repeat}
    entry.update(_rules(el.get("bind") or {}))
    out.append(entry)
    inner = path if kind == "repeat" else repeat
    for child in el.get("children", []) if kind in ("group", "repeat") else []:
        _walk(child, path + "/", inner, choices, out)


_RULES = (("required", "required"), ("relevant", "relevant"), ("constraint", "constraint"),
          ("calculate", "calculation"))


def _rules(bind: dict[str, Any]) -> dict[str, Any]:
    """The XLSForm's own rules, for the server-side checks (pantau.quality); only those set,
    so a field without rules looks as it always did."""
    out: dict[str, Any] = {key: str(bind[col]).strip() for col, key in _RULES
                           if str(bind.get(col) or "").strip()}
    if "constraint" in out and bind.get("jr:constraintMsg"):
        out["constraint_message"] = _label(bind["jr:constraintMsg"])
    return out


def _choices(el: dict[str, Any], listname: str | None,
             choices: dict[str, Any]) -> list[dict[str, Any]] | None:
    items = el.get("choices") or (choices.get(listname) if listname else None)
    if not items:
        return None
    return [{"name": str(c.get("name")), "label": _label(c.get("label"))} for c in items]


def _label(label: Any) -> dict[str, str]:
    if label is None:
        return {}
    if isinstance(label, dict):
        return {str(k): str(v) for k, v in label.items()}
    return {"default": str(label)}


def _tag(text: Any) -> str | None:
    if text is None or not str(text).strip():
        return None
    try:
        return str(parse_tag(str(text)))
    except TagError:
        return None  # reported by _check_tags


def _rows(fields: list[dict[str, Any]], survey: list[dict[str, Any]]) -> dict[str, int]:
    """Survey sheet row of each field, by walking begin/end rows as pyxform does."""
    rows: dict[str, int] = {}
    stack: list[str] = []
    for i, row in enumerate(survey):
        kind = str(row.get("type", "")).strip().lower().replace(" ", "_")
        name = str(row.get("name", "")).strip()
        if kind.startswith("end_") or kind in ("end_group", "end_repeat"):
            if stack:
                stack.pop()
            continue
        if not name:
            continue
        path = "/".join([*stack, name])
        rows.setdefault(path, i + 2)
        if kind.startswith("begin"):
            stack.append(name)
    known = {f["path"] for f in fields}
    return {p: r for p, r in rows.items() if p in known}
