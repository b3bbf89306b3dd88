"""The form rules give exactly the flags the closure evaluator gave, on both stores.

The rules are compiled into one generated Python function per scope (quality/formcode.py)
instead of being evaluated closure by closure. EXPECTED below was produced by the closure
evaluator this replaced (same fields, same records), frozen here: every rule kind (required,
required by expression, type for every typed kind, choice, select_multiple, constraint with and
without a message, relevant on a field, a group and a repeat), nested repeats, every XLSForm
function the evaluator supports, missing fields, empty answers, type errors, and answers that are
not text (numbers, booleans, lists and objects where a value is expected).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from pantau.forms.xlsform import read_xlsform
from pantau.quality.config import parse_config
from pantau.quality.formrules import FormRules

OP, FORM = "exact-op", "exact_form"
SURVEY = [
    # type, name, relevant, required, constraint, constraint_message
    ("begin_group", "info", "", "", "", ""),
    ("select_one kinds", "kind", "", "yes", "", ""),
    ("integer", "count", "", "yes", ". >= 0 and . < 1000", "0 to 999"),
    ("decimal", "share", "", "", ". <= 1", ""),
    ("date", "day", "", "", ". <= today() and . >= date('2018-01-01')", "no future"),
    ("dateTime", "stamp", "", "", "", ""),
    ("time", "clock", "", "", "", ""),
    ("geopoint", "gps", "", "", "", ""),
    ("select_multiple picks", "picks", "", "", "count-selected(.) <= 2", ""),
    ("text", "code", "", "", "regex(., '^[A-Z]{2}[0-9]{3}$')", "two letters, three digits"),
    ("text", "note_txt", "", "${kind} = 'other'", "", ""),
    ("text", "detail", "selected(${picks}, 'b')", "", "", ""),
    ("range", "score", "", "", ". != 3", ""),
    ("end_group", "", "", "", "", ""),
    ("begin_group", "more", "${count} > 0", "", "", ""),
    ("integer", "extra", "", "yes", "", ""),
    ("end_group", "", "", "", "", ""),
    ("begin_repeat", "people", "${kind} != 'none'", "", "", ""),
    ("integer", "age", "", "yes", ". <= 120", ""),
    ("select_one sexes", "sex", "", "", "", ""),
    ("select_one yn", "preg", "${sex} = 'f' and ${age} >= 12", "", "", ""),
    ("begin_repeat", "kids", "", "", "", ""),
    ("integer", "kid_age", "", "", ". < ${age}", "younger than the parent"),
    ("end_repeat", "", "", "", "", ""),
    ("end_repeat", "", "", "", "", ""),
]
CHOICES = [("kinds", n) for n in ("a", "b", "other", "none")] + \
    [("picks", n) for n in ("a", "b", "c")] + [("sexes", "f"), ("sexes", "m"),
                                               ("yn", "yes"), ("yn", "no")]
RULES: list[dict[str, Any]] = [
    {"name": "selected_at", "expression": "selected-at(${picks}, 0) = 'a' or ${picks} = ''"},
    {"name": "code_length", "expression": "string-length(${code}) = 5"},
    {"name": "rounding", "expression": "number(${share}) * 100 = round(${share} * 100, 0)"},
    {"name": "int_floor_ceiling", "expression":
     "int(${share} * 10) <= floor(${share} * 10) and ceiling(${count} div 7) >= 0"},
    {"name": "absolute", "expression": "abs(-${count}) = ${count}"},
    {"name": "string_concat", "expression": "string(${count}) = concat('', ${count})"},
    {"name": "booleans", "expression": "boolean(${code}) and not(false()) and true()"},
    {"name": "from_string",
     "expression": "boolean-from-string(if(${kind} = 'a', 'true', '0'))"},
    {"name": "date_numbers", "expression":
     "decimal-date-time(${day}) > 17000 and date-time(${stamp}) != ''"},
    {"name": "coalesced", "expression": "coalesce(${note_txt}, 'none') != 'none'"},
    {"name": "text_tests", "expression":
     "contains(${code}, 'A') or starts-with(${code}, 'B') or ends-with(${code}, '9')"},
    {"name": "substring", "expression": "substr(${code}, 0, 2) = 'AB'"},
    {"name": "spaces", "expression": "normalize-space(concat(' ', ${kind}, '  ')) = ${kind}"},
    {"name": "counted", "expression": "count(${age}) <= 2"},
    {"name": "aggregates",
     "expression": "sum(${age}) < 150 and max(${age}) < 100 and min(${age}) >= 0"},
    {"name": "clock", "expression": "today() > date('2020-01-01') and now() > '2020-01-01'"},
    {"name": "even_or_old", "field": "age", "expression": ". mod 2 = 0 or . div 2 > 40",
     "severity": "info"},
    {"name": "extra_close", "expression": "${count} - ${extra} >= -5"},
    {"name": "unlucky", "field": "count", "expression": ". != 13", "message": "unlucky"},
    {"name": "bool_equal", "expression": "(${share} > 0.5) = (${count} > 10)"},
    {"name": "branches",
     "expression": "if(${day} > '2018-06-01', ${count} > 1, ${count} > 5)"},
    {"name": "arithmetic", "expression": "-(${count} * 2 - 1) + 3 div 0 > 0 or ${count} = 0"},
]
CLEAN = {"info/kind": "a", "info/count": "12", "info/share": "0.75", "info/day": "2018-10-05",
         "info/stamp": "2018-10-05T08:00:00.000+08:00", "info/clock": "08:30",
         "info/gps": "-0.9 119.8 0 5", "info/picks": "a b", "info/code": "AB129",
         "info/detail": "x", "info/score": "4", "info/note_txt": "n", "more/extra": "10",
         "people": [{"people/age": "30", "people/sex": "f", "people/preg": "no",
                     "people/kids": [{"people/kids/kid_age": "4"}]}]}
# strings only: what a Kobo export holds (also sent through the stores)
TEXT_RECORDS: list[dict[str, Any]] = [
    CLEAN,
    {**CLEAN, "info/kind": "other", "info/count": "12a", "info/share": "1.5",
     "info/day": "2999-01-01", "info/stamp": "yesterday", "info/clock": "8h",
     "info/gps": "95 10", "info/picks": "a b c", "info/code": "ab12", "info/score": "3",
     "more/extra": ""},
    {"info/kind": "zz", "info/count": "0", "info/picks": "d", "info/detail": "given",
     "info/day": "2018-13-01", "info/share": "abc", "info/gps": "x y",
     "people": [{"people/age": "", "people/sex": "m", "people/preg": "yes"},
                {"people/age": "130", "people/sex": "f",
                 "people/kids": [{"people/kids/kid_age": "140"},
                                 {"people/kids/kid_age": "n/a"}]},
                {"people/age": "13", "people/sex": "f", "people/preg": "maybe"}]},
    {"info/kind": "none", "info/count": "13", "info/share": "0.2", "info/day": "2018-05-05",
     "info/code": "BX009", "info/picks": "", "more/extra": "30",
     "people": [{"people/age": "41"}]},
    {},
]
# answers that are not text: what a hand-made JSON import or an API client could store
ODD_RECORDS: list[dict[str, Any]] = [
    {**CLEAN, "info/count": 7, "info/share": 0.5, "info/kind": True, "info/code": 12345,
     "more/extra": 7.0, "info/picks": ["a", "b"], "info/detail": {"x": 1},
     "people": {"people/age": "30"}},
    {**CLEAN, "info/count": None, "info/score": -1.5, "info/day": 17809,
     "people": ["not an item", {"people/age": 2, "people/kids": "none"}]},
]


def _xlsform(path: Path) -> Path:
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "relevant", "required", "constraint",
                   "constraint_message"])
    for kind, name, relevant, required, constraint, message in SURVEY:
        survey.append([kind, name, name or None, relevant or None, required or None,
                       constraint or None, message or None])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for list_name, name in CHOICES:
        choices.append([list_name, name, name])
    settings = wb.create_sheet("settings")
    settings.append(["form_id", "form_title", "version"])
    settings.append([FORM, "Exact rules", "1"])
    wb.save(path)
    return path


def _flags(found: list[Any]) -> list[tuple[str, str | None, str]]:
    return [(f.check, f.field, f.message) for f in found]


def test_form_rules_match_the_closure_evaluator(tmp_path):
    fields = read_xlsform(_xlsform(tmp_path / "f.xlsx").read_bytes(), "f.xlsx").fields
    config = parse_config({"rules": RULES}, "settings")
    rules = FormRules(FORM, fields, config, config.rules)
    got = [_flags(rules.check(r)) for r in TEXT_RECORDS + ODD_RECORDS]
    assert got == EXPECTED


def test_checks_that_are_off_cost_nothing_and_flag_nothing(tmp_path):
    fields = read_xlsform(_xlsform(tmp_path / "f.xlsx").read_bytes(), "f.xlsx").fields
    off = {c: {"enabled": False} for c in ("required", "type", "choice", "constraint",
                                            "not_relevant")}
    config = parse_config({"checks": off, "rules": RULES}, "settings")
    rules = FormRules(FORM, fields, config, config.rules)
    for record, expected in zip(TEXT_RECORDS + ODD_RECORDS, EXPECTED, strict=True):
        assert _flags(rules.check(record)) == [f for f in expected
                                               if f[0].startswith("rule:")]


def test_the_stores_write_the_same_flags(ws, tmp_path):
    """Through import and `ws.quality.check`, on SQLite and PostgreSQL."""
    ws.operations.create(OP, "IDN", "Exact rules")
    ws.forms.import_xlsform(OP, _xlsform(tmp_path / "f.xlsx"))
    results = []
    for n, record in enumerate(TEXT_RECORDS):
        uid = f"00000000-0000-4000-8000-{n:012d}"
        results.append({**record, "meta/instanceID": f"uuid:{uid}", "_uuid": uid,
                        "_submission_time": "2018-10-05T10:00:00"})
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"count": len(results), "next": None, "previous": None,
                                "results": results}), encoding="utf-8")
    ws.ingest.import_file(OP, FORM, path)
    ws.quality.check(OP, config={"rules": RULES})
    got: dict[str, list[tuple[str, str | None, str]]] = {}
    for f in ws.quality.flags(OP):
        got.setdefault(f.instance_id, []).append((f.check, f.field, f.message))
    want = {r["meta/instanceID"]: e for r, e in zip(results, EXPECTED, strict=False) if e}
    assert got == want


@pytest.mark.parametrize("bad", ["${nope} > 1", "count-selected(", "pulldata('a', 'b')"])
def test_a_rule_that_does_not_compile_names_form_field_and_column(tmp_path, bad):
    from pantau.errors import PantauError

    fields = read_xlsform(_xlsform(tmp_path / "f.xlsx").read_bytes(), "f.xlsx").fields
    config = parse_config({"rules": [{"name": "bad", "expression": bad}]}, "settings")
    with pytest.raises(PantauError, match=r"form 'exact_form', rule 'bad', expression: "):
        FormRules(FORM, fields, config, config.rules)


# produced by the closure evaluator (before formcode.py) on TEXT_RECORDS + ODD_RECORDS
EXPECTED: list[list[tuple[str, str | None, str]]] = [[],
 [('type', 'info/count', 'not a whole number'),
  ('constraint', 'info/share', 'breaks the constraint `. <= 1`'),
  ('constraint',
   'info/day',
   "breaks the constraint `. <= today() and . >= date('2018-01-01')`: no future"),
  ('type', 'info/stamp', 'not a date and time'),
  ('type', 'info/clock', 'not a time (HH:MM)'),
  ('type', 'info/gps', 'a GPS point outside the ranges of latitude (±90) and longitude (±180)'),
  ('constraint', 'info/picks', 'breaks the constraint `count-selected(.) <= 2`'),
  ('constraint',
   'info/code',
   "breaks the constraint `regex(., '^[A-Z]{2}[0-9]{3}$')`: two letters, three digits"),
  ('constraint', 'info/score', 'breaks the constraint `. != 3`'),
  ('rule:code_length', None, 'breaks the rule `string-length(${code}) = 5`'),
  ('rule:int_floor_ceiling',
   None,
   'breaks the rule `int(${share} * 10) <= floor(${share} * 10) and ceiling(${count} div 7) >= '
   '0`'),
  ('rule:absolute', None, 'breaks the rule `abs(-${count}) = ${count}`'),
  ('rule:from_string',
   None,
   "breaks the rule `boolean-from-string(if(${kind} = 'a', 'true', '0'))`"),
  ('rule:text_tests',
   None,
   "breaks the rule `contains(${code}, 'A') or starts-with(${code}, 'B') or ends-with(${code}, "
   "'9')`"),
  ('rule:substring', None, "breaks the rule `substr(${code}, 0, 2) = 'AB'`"),
  ('rule:extra_close', None, 'breaks the rule `${count} - ${extra} >= -5`'),
  ('rule:bool_equal', None, 'breaks the rule `(${share} > 0.5) = (${count} > 10)`'),
  ('rule:branches',
   None,
   "breaks the rule `if(${day} > '2018-06-01', ${count} > 1, ${count} > 5)`"),
  ('rule:arithmetic',
   None,
   'breaks the rule `-(${count} * 2 - 1) + 3 div 0 > 0 or ${count} = 0`')],
 [('choice', 'info/kind', 'an answer that is not in the choice list'),
  ('type', 'info/share', 'not a number'),
  ('type', 'info/day', 'not a date (YYYY-MM-DD)'),
  ('type', 'info/gps', 'not a GPS point (latitude longitude [altitude accuracy])'),
  ('choice', 'info/picks', 'an answer that is not in the choice list'),
  ('not_relevant',
   'info/detail',
   "answered although not relevant (relevant: `selected(${picks}, 'b')`)"),
  ('required', 'people[1]/age', 'required but not answered'),
  ('not_relevant',
   'people[1]/preg',
   "answered although not relevant (relevant: `${sex} = 'f' and ${age} >= 12`)"),
  ('constraint', 'people[2]/age', 'breaks the constraint `. <= 120`'),
  ('constraint',
   'people[2]/kids[1]/kid_age',
   'breaks the constraint `. < ${age}`: younger than the parent'),
  ('type', 'people[2]/kids[2]/kid_age', 'not a whole number'),
  ('choice', 'people[3]/preg', 'an answer that is not in the choice list'),
  ('rule:selected_at',
   None,
   "breaks the rule `selected-at(${picks}, 0) = 'a' or ${picks} = ''`"),
  ('rule:code_length', None, 'breaks the rule `string-length(${code}) = 5`'),
  ('rule:rounding',
   None,
   'breaks the rule `number(${share}) * 100 = round(${share} * 100, 0)`'),
  ('rule:int_floor_ceiling',
   None,
   'breaks the rule `int(${share} * 10) <= floor(${share} * 10) and ceiling(${count} div 7) >= '
   '0`'),
  ('rule:booleans', None, 'breaks the rule `boolean(${code}) and not(false()) and true()`'),
  ('rule:from_string',
   None,
   "breaks the rule `boolean-from-string(if(${kind} = 'a', 'true', '0'))`"),
  ('rule:date_numbers',
   None,
   "breaks the rule `decimal-date-time(${day}) > 17000 and date-time(${stamp}) != ''`"),
  ('rule:coalesced', None, "breaks the rule `coalesce(${note_txt}, 'none') != 'none'`"),
  ('rule:text_tests',
   None,
   "breaks the rule `contains(${code}, 'A') or starts-with(${code}, 'B') or ends-with(${code}, "
   "'9')`"),
  ('rule:substring', None, "breaks the rule `substr(${code}, 0, 2) = 'AB'`"),
  ('rule:counted', None, 'breaks the rule `count(${age}) <= 2`'),
  ('rule:aggregates',
   None,
   'breaks the rule `sum(${age}) < 150 and max(${age}) < 100 and min(${age}) >= 0`'),
  ('rule:even_or_old', 'people[1]/age', 'breaks the rule `. mod 2 = 0 or . div 2 > 40`'),
  ('rule:even_or_old', 'people[3]/age', 'breaks the rule `. mod 2 = 0 or . div 2 > 40`'),
  ('rule:extra_close', None, 'breaks the rule `${count} - ${extra} >= -5`'),
  ('rule:branches',
   None,
   "breaks the rule `if(${day} > '2018-06-01', ${count} > 1, ${count} > 5)`")],
 [('not_relevant',
   'people[1]/age',
   "answered although not relevant (relevant: `${kind} != 'none'`)"),
  ('rule:from_string',
   None,
   "breaks the rule `boolean-from-string(if(${kind} = 'a', 'true', '0'))`"),
  ('rule:coalesced', None, "breaks the rule `coalesce(${note_txt}, 'none') != 'none'`"),
  ('rule:substring', None, "breaks the rule `substr(${code}, 0, 2) = 'AB'`"),
  ('rule:even_or_old', 'people[1]/age', 'breaks the rule `. mod 2 = 0 or . div 2 > 40`'),
  ('rule:extra_close', None, 'breaks the rule `${count} - ${extra} >= -5`'),
  ('rule:unlucky', 'info/count', 'unlucky'),
  ('rule:bool_equal', None, 'breaks the rule `(${share} > 0.5) = (${count} > 10)`')],
 [('required', 'info/kind', 'required but not answered'),
  ('required', 'info/count', 'required but not answered'),
  ('rule:code_length', None, 'breaks the rule `string-length(${code}) = 5`'),
  ('rule:rounding',
   None,
   'breaks the rule `number(${share}) * 100 = round(${share} * 100, 0)`'),
  ('rule:int_floor_ceiling',
   None,
   'breaks the rule `int(${share} * 10) <= floor(${share} * 10) and ceiling(${count} div 7) >= '
   '0`'),
  ('rule:absolute', None, 'breaks the rule `abs(-${count}) = ${count}`'),
  ('rule:booleans', None, 'breaks the rule `boolean(${code}) and not(false()) and true()`'),
  ('rule:from_string',
   None,
   "breaks the rule `boolean-from-string(if(${kind} = 'a', 'true', '0'))`"),
  ('rule:date_numbers',
   None,
   "breaks the rule `decimal-date-time(${day}) > 17000 and date-time(${stamp}) != ''`"),
  ('rule:coalesced', None, "breaks the rule `coalesce(${note_txt}, 'none') != 'none'`"),
  ('rule:text_tests',
   None,
   "breaks the rule `contains(${code}, 'A') or starts-with(${code}, 'B') or ends-with(${code}, "
   "'9')`"),
  ('rule:substring', None, "breaks the rule `substr(${code}, 0, 2) = 'AB'`"),
  ('rule:aggregates',
   None,
   'breaks the rule `sum(${age}) < 150 and max(${age}) < 100 and min(${age}) >= 0`'),
  ('rule:extra_close', None, 'breaks the rule `${count} - ${extra} >= -5`'),
  ('rule:branches',
   None,
   "breaks the rule `if(${day} > '2018-06-01', ${count} > 1, ${count} > 5)`"),
  ('rule:arithmetic',
   None,
   'breaks the rule `-(${count} * 2 - 1) + 3 div 0 > 0 or ${count} = 0`')],
 [('choice', 'info/kind', 'an answer that is not in the choice list'),
  ('constraint',
   'info/code',
   "breaks the constraint `regex(., '^[A-Z]{2}[0-9]{3}$')`: two letters, three digits"),
  ('type', 'more/extra', 'not a whole number'),
  ('rule:from_string',
   None,
   "breaks the rule `boolean-from-string(if(${kind} = 'a', 'true', '0'))`"),
  ('rule:text_tests',
   None,
   "breaks the rule `contains(${code}, 'A') or starts-with(${code}, 'B') or ends-with(${code}, "
   "'9')`"),
  ('rule:substring', None, "breaks the rule `substr(${code}, 0, 2) = 'AB'`"),
  ('rule:aggregates',
   None,
   'breaks the rule `sum(${age}) < 150 and max(${age}) < 100 and min(${age}) >= 0`')],
 [('required', 'info/count', 'required but not answered'),
  ('type', 'info/day', 'not a date (YYYY-MM-DD)'),
  ('not_relevant', 'more/extra', 'answered although not relevant (relevant: `${count} > 0`)'),
  ('rule:int_floor_ceiling',
   None,
   'breaks the rule `int(${share} * 10) <= floor(${share} * 10) and ceiling(${count} div 7) >= '
   '0`'),
  ('rule:absolute', None, 'breaks the rule `abs(-${count}) = ${count}`'),
  ('rule:date_numbers',
   None,
   "breaks the rule `decimal-date-time(${day}) > 17000 and date-time(${stamp}) != ''`"),
  ('rule:extra_close', None, 'breaks the rule `${count} - ${extra} >= -5`'),
  ('rule:bool_equal', None, 'breaks the rule `(${share} > 0.5) = (${count} > 10)`'),
  ('rule:branches',
   None,
   "breaks the rule `if(${day} > '2018-06-01', ${count} > 1, ${count} > 5)`"),
  ('rule:arithmetic',
   None,
   'breaks the rule `-(${count} * 2 - 1) + 3 div 0 > 0 or ${count} = 0`')]]
