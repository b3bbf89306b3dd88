"""`pantau import dtm-api`: records of IOM's DTM API v3 (`/v3/displacement/admin0|1|2`) as
an operation's observations, so that an existing DTM dataset can be migrated in and served
back unchanged through pantau's own `/v3` endpoints.

No new store schema: each assessment type gets a small generated form (`dtm_api_sa`,
`dtm_api_ba` …: a form has one assessment type) whose HXL tags map the record's fields to
observations, and each record becomes one submission of it — `raw` the record's JSON,
source `dtm-api`, review state `approved` (the figures were already published). Rounds are
created when missing (one day: the record's reporting date). Everything is checked before
anything is stored; a file with any error stores nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl

from pantau.errors import PantauError
from pantau.ingest import Incoming

if TYPE_CHECKING:
    from pantau.workspace import Workspace

SOURCE = "dtm-api"
REQUIRED = ("id", "admin0Pcode", "numPresentIdpInd", "reportingDate", "roundNumber",
            "assessmentType")
FIELDS = ("id", "operation", "admin0Name", "admin0Pcode", "admin1Name", "admin1Pcode",
          "admin2Name", "admin2Pcode", "numPresentIdpInd", "reportingDate",
          "yearReportingDate", "monthReportingDate", "roundNumber", "displacementReason",
          "numberMales", "numberFemales", "idpOriginAdmin1Name", "idpOriginAdmin1Pcode",
          "assessmentType")
COUNTS = {"numPresentIdpInd": "idp_ind", "numberMales": "idp_m", "numberFemales": "idp_f"}
NOT_AVAILABLE = {"", "not available", "n/a", "na", "unknown", "none", "null"}
# The generated form: (type, name, HXL tag). Names and P-codes of areas come from the
# gazetteer when served back, so admin names are kept with the submission only.
SURVEY = (("date", "reporting_date", "#date+reported"),
          ("text", "record_id", ""),
          ("integer", "round_number", ""),
          ("text", "admin0_pcode", "#country+code"),
          ("text", "adm1_pcode", "#adm1+code"),
          ("text", "adm2_pcode", "#adm2+code"),
          ("integer", "idp_ind", "#affected+idps+ind"),
          ("integer", "idp_f", "#affected+idps+ind+f"),
          ("integer", "idp_m", "#affected+idps+ind+m"),
          ("text", "reason", "#cause+type"),
          ("text", "origin_adm1_pcode", "#adm1+code+origin"))


@dataclass
class DtmImportResult:
    operation: str
    records: int
    created: int = 0
    duplicates: int = 0  # records already imported with the same data
    forms: list[str] = field(default_factory=list)
    rounds_created: list[str] = field(default_factory=list)  # "SA 3 (2024-05-01)"
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Record:
    number: int  # 1-based position in the file
    instance_id: str
    assessment_type: str
    round_number: int
    date: dt.date
    data: dict[str, str]
    raw: bytes


def form_id(assessment_type: str) -> str:
    return f"dtm_api_{assessment_type.lower()}"


def read(path: Path) -> list[dict[str, Any]]:
    """The records of a file: a JSON list, or IOM's envelope `{"result": [...]}`."""
    try:
        body = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PantauError("invalid", message=f"{path.name}: not a JSON file ({exc})") from None
    if isinstance(body, dict) and "result" in body:
        if body.get("isSuccess") is False:
            raise PantauError("invalid", message=f"{path.name}: the DTM API answered "
                              f"isSuccess false: {body.get('errorMessages')}")
        body = body["result"]
    if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
        raise PantauError("invalid", message=f"{path.name}: expected a list of DTM API "
                          "records (or {\"isSuccess\", \"result\": [...]}), as "
                          "/v3/displacement/admin0|admin1|admin2 return them")
    return body


def import_records(ws: Workspace, operation: str, path: Path,
                   gazetteer_version: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> DtmImportResult:
    """Check every record, then store them (see the module doc); errors name the record
    number (1-based) and the field, and store nothing."""
    op = ws.operations.get(operation)
    raw_records = read(path)
    result = DtmImportResult(operation, len(raw_records))
    known = {u.pcode for lv in (1, 2) for u in ws.gazetteer.units(
        op.country_iso3, version=gazetteer_version, level=lv)} \
        if gazetteer_version or ws.gazetteer.versions(op.country_iso3) else set()
    # (an unknown --gazetteer version is an error here, before anything is stored)
    errors: list[str] = []
    unknown: dict[str, int] = {}
    names: set[str] = set()
    records: dict[str, _Record] = {}
    types = {str(t["code"]) for t in ws.operations.vocabularies()["assessment_types"]}
    for n, rec in enumerate(raw_records, 1):
        try:
            r = _parse(n, rec, op.country_iso3, known, unknown)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if r.assessment_type not in types:
            errors.append(f"record {n}: assessmentType '{rec['assessmentType']}' is not a "
                          f"known assessment type ({', '.join(sorted(types))})")
            continue
        if rec.get("operation"):
            names.add(str(rec["operation"]))
        seen = records.get(r.instance_id)
        if seen is None:
            records[r.instance_id] = r
        elif seen.raw == r.raw:
            result.duplicates += 1
        else:
            errors.append(f"record {n}: id {rec['id']} is also record {seen.number}, with "
                          "other data (conflict)")
    new_rounds = _rounds(ws, operation, list(records.values()), errors)
    stored = _stored(ws, operation, records, errors)
    if errors:
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        raise PantauError("invalid", message=f"{path.name}: nothing imported; "
                          + "; ".join(errors[:20]) + more)
    if unknown:
        result.warnings.append("P-codes not in the gazetteer, kept as given: " + ", ".join(
            f"{c} ({k})" for c, k in sorted(unknown.items(), key=lambda x: -x[1])[:10]))
    other = sorted(n for n in names if n != op.name)
    if other:
        result.warnings.append(f"records name operation(s) {', '.join(other)}; they are "
                               f"served back as '{op.name}'")
    for code in sorted({r.assessment_type for r in records.values()}):
        result.forms.append(_ensure_form(ws, operation, code))
    for code, number, day in new_rounds:
        ws.operations.add_round(operation, code, number, day, day, reporting_date=day,
                                gazetteer_version=gazetteer_version)
        result.rounds_created.append(f"{code} {number} ({day})")
    todo = [r for r in records.values() if r.instance_id not in stored]
    result.duplicates += len(records) - len(todo)
    _store(ws, operation, path, todo, result, progress)
    return result


def _store(ws: Workspace, operation: str, path: Path, todo: list[_Record],
           result: DtmImportResult, progress: Callable[[int, int], None] | None) -> None:
    """All records in one transaction, through the batch path of the storage rules: an
    unexpected failure halfway stores none of them."""
    from pantau.forms.store import get_form
    from pantau.ingest.stream import ingest

    done = 0
    with ws.session() as s:
        for code in sorted({r.assessment_type for r in todo}):
            form = get_form(s, operation, form_id(code))
            mine = [r for r in todo if r.assessment_type == code]
            out = ingest(s, form, (Incoming(
                instance_id=r.instance_id, data=r.data, raw=r.raw, raw_format="json",
                source=SOURCE, origin=f"{path.name}, record {r.number}",
                review_state="approved", external_id=r.data["record_id"]) for r in mine),
                progress=None if progress is None else
                (lambda n, base=done: progress(base + n, len(todo))))
            other = {k: v for k, v in out.counts.items() if k not in ("created", "duplicate")}
            if other:
                raise PantauError("invalid", message=f"{path.name}: nothing imported; "
                                  + "; ".join(out.messages[:20] or [str(other)]))
            result.created += out.counts.get("created", 0)
            result.duplicates += out.counts.get("duplicate", 0)
            done += len(mine)


def _parse(n: int, rec: dict[str, Any], iso3: str, known: set[str],
           unknown: dict[str, int]) -> _Record:
    """One record as the generated form's answers; ValueError names the record and field.
    P-codes the gazetteer does not know are kept as given and counted in `unknown`."""
    where = f"record {n}"
    extra = sorted(k for k in rec if k not in FIELDS)
    if extra:
        raise ValueError(f"{where}: unknown field(s) {', '.join(extra)}")
    missing = [k for k in REQUIRED if rec.get(k) in (None, "")]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    country = str(rec["admin0Pcode"]).strip().upper()
    if country != iso3:
        raise ValueError(f"{where}: admin0Pcode {country} is not the operation's country "
                         f"({iso3})")
    day = _day(rec["reportingDate"], f"{where}: reportingDate")
    round_number = _count(rec["roundNumber"], f"{where}: roundNumber")
    data = {"reporting_date": day.isoformat(), "record_id": json.dumps(rec["id"]),
            "round_number": str(round_number), "admin0_pcode": country}
    for key, name in COUNTS.items():
        if rec.get(key) is not None:
            data[name] = str(_count(rec[key], f"{where}: {key}"))
    for key, name in (("admin1Pcode", "adm1_pcode"), ("admin2Pcode", "adm2_pcode"),
                      ("idpOriginAdmin1Pcode", "origin_adm1_pcode")):
        code = _given(rec.get(key))
        if code is None:
            continue
        code = code.upper()
        if known and code not in known:
            unknown[code] = unknown.get(code, 0) + 1
        data[name] = code
    reason = _given(rec.get("displacementReason"))
    if reason is not None:
        data["reason"] = reason
    raw = json.dumps(rec, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return _Record(n, f"dtm-api:{rec['id']}", str(rec["assessmentType"]).strip().upper(),
                   round_number, day, data, raw)


def _given(value: Any) -> str | None:
    """A text value, or None when it is empty or says it is not available."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text.casefold() in NOT_AVAILABLE else text


def _count(value: Any, where: str) -> int:
    """A whole number of 0 or more (IOM sends numbers; 12.0 and "12" are accepted)."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = float(value.strip())
    if number is None or number < 0 or not number.is_integer():
        raise ValueError(f"{where} must be a whole number of 0 or more, not {value!r}")
    return int(number)


def _day(value: Any, where: str) -> dt.date:
    """IOM's reporting dates: `2018-12-15T00:00:00` or `2018-12-15`."""
    text = str(value).strip()
    try:
        if len(text) >= 10 and text[10:11] in ("", "T", " "):
            return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    raise ValueError(f"{where} must be a date (YYYY-MM-DD, optionally with a time), "
                     f"not {text!r}")


def _rounds(ws: Workspace, operation: str, records: list[_Record], errors: list[str]
            ) -> list[tuple[str, int, dt.date]]:
    """The rounds to create: (type, number, date); each round of the file has one date.
    A round already in the operation must hold the records' date; one date can be in one
    round of a type only (else its figures could not be placed)."""
    wanted: dict[tuple[str, int], _Record] = {}
    for r in records:
        key = (r.assessment_type, r.round_number)
        first = wanted.setdefault(key, r)
        if first.date != r.date:
            errors.append(f"record {r.number}: reportingDate {r.date} differs from record "
                          f"{first.number} of the same round ({r.assessment_type} "
                          f"{r.round_number}: {first.date})")
    existing = {(x.assessment_type, x.number): x for x in ws.operations.rounds(operation)}
    new = []
    for (code, number), r in sorted(wanted.items()):
        have = existing.get((code, number))
        if have is None:
            clash = [x for x in existing.values() if x.assessment_type == code and
                     _holds(x, r.date)]
            if clash or (code, r.date) in {(c, d) for c, _, d in new}:
                errors.append(f"record {r.number}: reportingDate {r.date} of {code} round "
                              f"{number} falls in another {code} round")
            new.append((code, number, r.date))
        elif not _holds(have, r.date):
            errors.append(f"record {r.number}: reportingDate {r.date} is outside {code} "
                          f"round {number} ({have.period_start} to {have.period_end})")
    return new


def _holds(rnd: Any, day: dt.date) -> bool:
    start = rnd.period_start or rnd.reporting_date
    end = rnd.period_end or rnd.reporting_date
    return start is not None and end is not None and start <= day <= end


def _stored(ws: Workspace, operation: str, records: dict[str, _Record],
            errors: list[str]) -> set[str]:
    """Instance ids already imported with the same record; another record under the same
    id is a conflict."""
    forms = {f.form_id for f in ws.forms.list(operation)}
    same: set[str] = set()
    for code in sorted({r.assessment_type for r in records.values()}):
        fid = form_id(code)
        if fid not in forms:
            continue
        present = {s.instance_id for s in ws.ingest.submissions(operation, fid)}
        for iid in present & {i for i, r in records.items() if r.assessment_type == code}:
            r = records[iid]
            current = next(v for v in ws.ingest.submission(operation, fid, iid).versions
                           if v.current)
            if current.raw_sha256 == hashlib.sha256(r.raw).hexdigest():
                same.add(iid)
            else:
                errors.append(f"record {r.number}: id {r.data['record_id']} was imported "
                              "before with other data (conflict)")
    return same


def _ensure_form(ws: Workspace, operation: str, code: str) -> str:
    """The generated form of assessment type `code` (importing the same file again changes
    nothing; an existing form is used as it is)."""
    fid = form_id(code)
    if fid in {f.form_id for f in ws.forms.list(operation)}:
        return fid
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{fid}.xlsx"
        wb = openpyxl.Workbook()
        survey = wb.active
        survey.title = "survey"
        survey.append(["type", "name", "label", "hxl"])
        for ftype, name, tag in SURVEY:
            survey.append([ftype, name, name.replace("_", " ").capitalize(), tag or None])
        settings = wb.create_sheet("settings")
        settings.append(["form_id", "form_title", "version"])
        settings.append([fid, f"DTM API records ({code})", "1"])
        wb.save(path)
        ws.forms.import_xlsform(operation, path, assessment_type=code)
    return fid
