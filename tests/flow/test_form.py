"""The shipped FMR form: valid for pyxform, bilingual, and what the FMR importer reads."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from pantau.flow import fms
from pantau.flow.fmr import COLUMNS, REQUIRED
from pantau.forms import inspect_file
from pantau.forms.library import path_of, shipped
from pantau.forms.library.build import workbook
from pantau.forms.library.flow_specs import FMR, FMS
from pantau.sites.columns import normalise


def test_fmr_form_converts_and_is_bilingual():
    result = convert(path_of(FMR.file).read_bytes(), file_type=".xlsx")
    assert result.warnings == []
    assert 'lang="English (en)"' in result.xform
    assert 'lang="Bahasa Indonesia (id)"' in result.xform
    assert ("FMR", "dtm_fmr") in {(f["assessment_type"], f["form_id"]) for f in shipped()}


def test_every_field_the_importer_needs_is_in_the_form_with_its_tag():
    fields = {f["path"].rsplit("/", 1)[-1]: f for f in inspect_file(path_of(FMR.file))["fields"]}
    for name in REQUIRED:
        form_name, tag = COLUMNS[name][0], COLUMNS[name][-1]
        assert form_name in fields, name
        assert normalise(fields[form_name]["hxl"]) == normalise(tag), name
    survey = list(load_workbook(path_of(FMR.file))["survey"].iter_rows(values_only=True))
    head = survey[0]
    total = next(r for r in survey if r[1] == "total")
    assert "${men} + ${women} + ${boys} + ${girls} = ." in total[head.index("constraint")]
    assert not any("phone" in str(r[1]) or r[1] == "name" for r in survey[1:])


def test_fms_form_asks_consent_first_and_matches_the_importer():
    result = convert(path_of(FMS.file).read_bytes(), file_type=".xlsx")
    assert result.warnings == []
    shown = inspect_file(path_of(FMS.file))
    assert shown["warnings"] == []
    fields = {f["path"].rsplit("/", 1)[-1]: f for f in shown["fields"]}
    for name in (*fms.REQUIRED, "reasons", "forced_work"):
        form_name, tag = fms.COLUMNS[name][0], fms.COLUMNS[name][-1]
        assert normalise(fields[form_name]["hxl"]) == normalise(tag), name
    assert fields["route_country"]["repeat"] == "journey/route"
    survey = list(load_workbook(path_of(FMS.file))["survey"].iter_rows(values_only=True))
    head = survey[0]
    names = [r[1] for r in survey]
    assert names.index("consent") < names.index("sex")
    groups = [r for r in survey if r[0] == "begin_group"]
    assert all(r[head.index("relevant")] == "${consent} = 'yes'" for r in groups)
    assert ("FMS", "dtm_fms") in {(f["assessment_type"], f["form_id"]) for f in shipped()}


@pytest.mark.parametrize("spec", [FMR, FMS], ids=lambda s: s.form_id)
def test_committed_file_matches_the_generator(spec):
    fresh, shipped_wb = workbook(spec), load_workbook(path_of(spec.file))
    for sheet in ("survey", "choices", "settings"):
        want = [tuple(c if c is not None else "" for c in r)
                for r in fresh[sheet].iter_rows(values_only=True)]
        got = [tuple(c if c is not None else "" for c in r)
               for r in shipped_wb[sheet].iter_rows(values_only=True)]
        assert got == want, f"{sheet}: run python -m pantau.forms.library.build"
