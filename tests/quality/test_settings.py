"""Per-operation settings from YAML, users' own rules, and rules that cannot run."""

from __future__ import annotations

import pytest

from pantau.errors import PantauError
from pantau.store.models import FormVersion
from tests.quality.conftest import OP


def _write(path, text: str):  # type: ignore[no-untyped-def]
    path.write_text(text, encoding="utf-8")
    return path


def test_thresholds_severities_and_user_rules_from_the_workspace_file(sa, ws):
    ids = sa.send(sa.record("PAL-001", "2018-10-05", hh=40, ind=200),
                  sa.record("SIG-001", "2018-10-05", hh=50, ind=200,
                            **{"population/idp_f_elderly": 60}))
    (ws.path / "quality").mkdir()
    _write(ws.path / "quality" / f"{OP}.yaml", """
checks:
  individuals_per_household: {min: 1, max: 4.5, severity: error}
  sex_age_sum: false
rules:
  - name: many_elderly_women
    form: dtm_sa
    expression: "${idp_f_elderly} <= ${idp_ind} div 4"
    field: idp_f_elderly
    severity: info
    message: Unusually many older women; confirm with the site manager.
""")
    result = ws.quality.check(OP)
    assert result.flags == {("individuals_per_household", "error"): 1,
                            ("rule:many_elderly_women", "info"): 1}
    assert "rule:many_elderly_women" in result.checks
    [rule] = ws.quality.flags(OP, check="rule:many_elderly_women")
    assert (rule.instance_id, rule.field, rule.severity) == (
        ids[1], "population/idp_f_elderly", "info")
    assert rule.message == "Unusually many older women; confirm with the site manager."


def test_rechecking_replaces_flags_and_leaves_other_checks(sa, ws):
    [iid] = sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60))
    ws.quality.check(OP)
    ws.quality.check(OP)
    assert sorted(f.check for f in ws.quality.flags(OP)) == [
        "constraint", "households_individuals"]
    only_form = {"checks": {c: False for c in ("households_individuals", "sex_age_sum")}}
    ws.quality.check(OP, config=only_form)
    # the disabled check keeps its flag; with it off, the ratio check speaks (0.75 per hh)
    assert sorted(f.check for f in ws.quality.flags(OP)) == [
        "constraint", "households_individuals", "individuals_per_household"]
    assert {f.instance_id for f in ws.quality.flags(OP)} == {iid}


@pytest.mark.parametrize(("text", "message"), [
    ("checks: [", "quality.yaml: not valid YAML (line 1, column 10)"),
    ("- a\n- b\n", "expected a mapping with `checks` and/or `rules`"),
    ("check: {}", "unknown key 'check' (expected checks, rules, on_ingest)"),
    ("checks: {zscor: {threshold: 2}}", "checks: unknown check 'zscor'"),
    ("checks: {zscore: {threshold: high}}", "checks.zscore.threshold: expected a number ≥ 0"),
    ("checks: {jump: {severity: fatal}}", "checks.jump.severity: 'fatal' is not one of"),
    ("checks: {jump: {ratios: 2}}", "checks.jump: unknown setting 'ratios'"),
    ("checks: {individuals_per_household: {min: 9, max: 3}}", "min is above max"),
    ("rules: [{name: r1}]", "rules[1] 'r1': a rule needs an expression"),
    ("rules: [{expression: '. > 1'}]", "rules[1]: a rule needs a name"),
    ("rules: [{name: a, expression: '1', when: x}]", "rules[1]: unknown key 'when'"),
    ("rules: [{name: a, expression: '1'}, {name: a, expression: '2'}]", "used twice"),
])
def test_bad_settings_are_refused_with_where_and_why(sa, ws, tmp_path, text, message):
    sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60))
    before = ws.quality.flags(OP)  # the import's own per-record checks (on_ingest)
    with pytest.raises(PantauError) as exc:
        ws.quality.check(OP, config=_write(tmp_path / "quality.yaml", text))
    assert message in str(exc.value)
    assert ws.quality.flags(OP) == before


@pytest.mark.parametrize(("rule", "message"), [
    ({"name": "r", "expression": "${idp_indd} > 0"},
     "form 'dtm_sa', rule 'r', expression: no field named 'idp_indd' in the form (at "
     "character 1) in `${idp_indd} > 0`"),
    ({"name": "r", "expression": "${idp_ind} >"},
     "form 'dtm_sa', rule 'r', expression: expected a value, found the end of the rule"),
    ({"name": "r", "expression": ". > 0", "field": "nope"},
     "form 'dtm_sa', rule 'r': no field named 'nope' in the form"),
    ({"name": "r", "expression": "1", "form": "dtm_xx"},
     "rule 'r' names form 'dtm_xx', which idn-sulteng does not have"),
])
def test_a_user_rule_that_cannot_run_stops_the_check_and_writes_nothing(sa, ws, rule,
                                                                         message):
    sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60))
    ws.quality.check(OP)
    before = ws.quality.flags(OP)
    with pytest.raises(PantauError) as exc:
        ws.quality.check(OP, config={"rules": [rule]})
    assert message in str(exc.value)
    assert ws.quality.flags(OP) == before


@pytest.mark.parametrize(("path", "column", "rule", "message"), [
    ("location/site_type", "relevant", "${idp_hh} > ",
     "form 'dtm_sa', field 'location/site_type', relevant column: expected a value, found "
     "the end of the rule (at character 13) in `${idp_hh} > `"),
    ("population/idp_hh", "constraint", ". >= 0 and . <= ${households_max}",
     "form 'dtm_sa', field 'population/idp_hh', constraint column: no field named "
     "'households_max' in the form (at character 17) in `. >= 0 and . <= ${households_max}`"),
    ("population/idp_ind", "required", "pulldata('x', 'y', 'z', 'w')",
     "form 'dtm_sa', field 'population/idp_ind', required column: pulldata() is not "
     "supported by server-side checks (at character 1)"),
])
def test_a_form_rule_that_cannot_run_names_form_field_and_column(sa, ws, path, column, rule,
                                                                  message):
    sa.send(sa.record("PAL-001", "2018-10-05"))
    with ws.session() as s:
        version = s.query(FormVersion).one()
        fields = [dict(f) for f in version.fields]
        for f in fields:
            if f["path"] == path:
                f[column] = rule
        version.fields = fields
    with pytest.raises(PantauError) as exc:
        ws.quality.check(OP)
    assert str(exc.value).startswith(message)
    assert ws.quality.flags(OP) == []


def test_exactly_the_versions_given_are_checked_and_an_edit_is_checked_on_its_own(sa, ws):
    """What ingest calls after storing a batch: `check(version_ids=…)`."""
    from sqlalchemy import select

    from pantau.store.models import SubmissionVersion

    (ws.path / "quality").mkdir(exist_ok=True)
    _write(ws.path / "quality" / f"{OP}.yaml", "on_ingest: false\n")  # only explicit checks

    bad, good = sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60),
                        sa.record("SIG-001", "2018-10-05"))
    with ws.session() as s:
        ids = dict(s.execute(select(SubmissionVersion.instance_id, SubmissionVersion.id)).all())
    result = ws.quality.check(OP, version_ids=[ids[good]])
    assert result.versions == 1 and result.total == 0
    assert ws.quality.flags(OP) == []
    ws.quality.check(OP, version_ids=[ids[bad]])
    assert {f.instance_id for f in ws.quality.flags(OP)} == {bad}
    # the edit fixes the numbers: a new version, checked on its own; the old one's flags
    # stay with the old version and are no longer listed
    fixed = sa.record("PAL-001", "2018-10-05", hh=15, ind=60,
                      **{"meta/deprecatedID": bad})
    [new] = sa.send(fixed)
    ws.quality.check(OP)
    assert ws.quality.flags(OP) == []
    assert new != bad
