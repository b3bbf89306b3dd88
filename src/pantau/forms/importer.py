"""Import an XLSForm as a new version of an operation's form — all checks first, then one write.

Rules (docs/forms.md):
- the same file again changes nothing; a new `version` in settings is a new version, made
  current, with the older ones kept; a changed file under an existing version is refused
  (ODK Central refuses it too: the devices could not tell the two apart);
- the same file with another mapping file keeps the version and replaces its mapping;
- the assessment type comes from the argument, else the settings column `assessment_type`,
  else a token of the form_id (`dtm_sa_2024` → SA); once set it stays unless given again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pantau.errors import ImportFailed, PantauError, Problem, Problems
from pantau.forms.mapfile import load_mapping, load_personal
from pantau.forms.mapping import build_mapping, describe
from pantau.forms.personal import classify_fields
from pantau.forms.store import find_form, find_version, versions_of
from pantau.forms.xlsform import XLSForm, XLSFormError, read_xlsform
from pantau.operations import get_operation
from pantau.store.models import AssessmentType, Form, FormVersion

_TRUE = {"yes", "true", "1", "ya", "y"}


@dataclass(frozen=True)
class FormInfo:
    operation: str
    form_id: str
    title: str
    assessment_type: str | None
    version: str
    sha256: str
    versions: int
    status: str = ""  # created | new_version | unchanged | mapping_updated ('' when listed)
    fields: int = 0
    values: int = 0
    unmapped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    recomputed: int = 0  # submissions whose observations a mapping change recomputed


@dataclass
class Prepared:
    """Everything checked, nothing written yet."""

    form: XLSForm
    mapping: dict[str, Any]
    assessment_type: str | None
    warnings: list[str]


def read_and_map(path: Path, mapping: str | Path | dict[str, Any] | None
                 ) -> tuple[XLSForm, dict[str, Any], list[str], list[Problem]]:
    """The form, its mapping, warnings and problems (unraised); ImportFailed if the file
    does not convert at all."""
    if not path.is_file():
        raise PantauError("not_found", what="file", key=str(path))
    problems = Problems(path.name)
    try:
        form = read_xlsform(path.read_bytes(), path.name)
    except XLSFormError as exc:
        for row, fld, message in exc.problems:
            problems.add(message, row, fld)
        raise ImportFailed(path.name, problems.items) from None
    for row, fld, message in form.problems:
        problems.add(message, row, fld)
    map_problems = Problems("mapping" if mapping is None or isinstance(mapping, dict)
                            else Path(mapping).name)
    overrides, estimate = ({}, None) if mapping is None else \
        load_mapping(mapping, form.fields, map_problems)
    if estimate is None:
        estimate = form.settings.get("estimate_individuals", "").strip().lower() in _TRUE
    built, issues = build_mapping(form.fields, overrides, estimate)
    # Personal-data classification is stored with the fields; its overrides are part of the
    # mapping, so a changed override is a mapping change like any other.
    personal = {} if mapping is None else load_personal(mapping, form.fields, map_problems)
    classify_fields(form.fields, personal)
    if personal:
        built["personal"] = personal
    warnings = list(form.warnings)
    for path_, message, severity in issues:
        if severity == "error":
            problems.add(message, form.rows.get(path_), path_ or None)
        else:
            warnings.append(f"{path_}: {message}" if path_ else message)
    return form, built, warnings, problems.items + map_problems.items


def prepare(s: Session, path: Path, assessment_type: str | None,
            mapping: str | Path | dict[str, Any] | None) -> Prepared:
    """Read and check the form (and mapping file); ImportFailed lists every problem."""
    form, built, warnings, problems = read_and_map(path, mapping)
    type_problems = Problems(path.name)
    code = _assessment_type(s, assessment_type, form, type_problems)
    problems += type_problems.items
    if any(p.severity == "error" for p in problems):
        raise ImportFailed(path.name, problems)
    return Prepared(form, built, code, warnings)


def store(s: Session, operation: str, path: Path, p: Prepared, mapping_given: bool,
          type_given: bool) -> FormInfo:
    op = get_operation(s, operation)
    x = p.form
    form = find_form(s, op.id, x.form_id)
    if form is None:
        form = Form(operation_id=op.id, xml_form_id=x.form_id, title=x.title,
                    assessment_type=p.assessment_type)
        s.add(form)
        s.flush()
        status = "created"
    else:
        status = "new_version"
        if type_given or form.assessment_type is None:
            form.assessment_type = p.assessment_type
    existing = find_version(s, form, x.version)
    if existing is not None and existing.sha256 != x.sha256:
        raise PantauError("invalid", message=f"{path.name}: form '{x.form_id}' already has a "
                          f"version '{x.version}' with other content; raise `version` in the "
                          "settings sheet for a new version")
    if existing is None:
        s.execute(update(FormVersion).where(FormVersion.form_id == form.id)
                  .values(current=False))
        form.title = x.title
        s.add(FormVersion(form_id=form.id, version=x.version, xlsform=path.read_bytes(),
                          xlsform_name=path.name, xform=x.xform, sha256=x.sha256,
                          fields=x.fields, mapping=p.mapping, current=True))
    elif mapping_given and existing.mapping != p.mapping:
        from pantau.ingest.observe import recompute

        existing.mapping = p.mapping
        existing.fields = x.fields  # the same fields, classified with the new overrides
        s.flush()
        recomputed = recompute(s, form, existing)
        return replace(info(s, operation, form, x.version, "mapping_updated", p.warnings),
                       recomputed=recomputed)
    else:
        status = "unchanged"
    s.flush()
    return info(s, operation, form, x.version, status, p.warnings)


def info(s: Session, operation: str, form: Form, version: str | None = None,
         status: str = "", warnings: list[str] | None = None) -> FormInfo:
    versions = versions_of(s, form)
    chosen = next((v for v in versions if v.version == version), None) if version else \
        next((v for v in reversed(versions) if v.current), versions[-1])
    assert chosen is not None
    summary = describe(chosen.fields, chosen.mapping or {})
    values = sum(1 for f in summary["fields"] if f["role"] in ("value", "choices", "flag"))
    return FormInfo(operation, form.xml_form_id, form.title, form.assessment_type,
                    chosen.version, chosen.sha256, len(versions), status, len(chosen.fields),
                    values, summary["unmapped"], list(warnings or []))


def _assessment_type(s: Session, given: str | None, form: XLSForm,
                     problems: Problems) -> str | None:
    codes = set(s.scalars(select(AssessmentType.code)))
    if given:
        if given.upper() not in codes:
            problems.add(f"unknown assessment type '{given}' (known: "
                         f"{', '.join(sorted(codes))})", fld="assessment_type")
        return given.upper()
    setting = form.settings.get("assessment_type", "").strip()
    if setting:
        if setting.upper() not in codes:
            problems.add(f"settings sheet: unknown assessment type '{setting}' (known: "
                         f"{', '.join(sorted(codes))})", fld="assessment_type")
        return setting.upper()
    tokens = {t.upper() for t in re.split(r"[^A-Za-z0-9]+", form.form_id)}
    found = tokens & codes
    return found.pop() if len(found) == 1 else None
