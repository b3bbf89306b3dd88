"""The form's own rules, checked on the server for submissions imported from a Kobo export."""

from __future__ import annotations

from pantau.forms.library import path_of
from tests.quality.conftest import OP


def test_a_clean_record_has_no_flags(sa, ws):
    sa.send(sa.record("PAL-001", "2018-10-05"))
    result = ws.quality.check(OP)
    assert result.versions == 1 and result.total == 0, result.flags
    assert ws.quality.flags(OP) == []


def test_required_type_choice_and_constraint(sa, ws):
    bad = sa.record("PAL-001", "2018-10-05", **{
        "informant_role": None,  # required, missing
        "population/idp_f_infants": "12a",  # not a whole number
        "location/site_type": "tenda",  # not in the list
        "needs/priority_needs": "shelter food wash health",  # count-selected(.) <= 3
        "location/adm2_pcode": "ID 7271",  # no spaces in a P-code
        "location/gps": "-95.1 119.9 0 5",  # latitude out of range
    })
    [iid] = sa.send(bad)
    ws.quality.check(OP)
    flags = {(f.check, f.field): f for f in ws.quality.flags(OP)}
    assert ("required", "informant_role") in flags
    assert ("type", "population/idp_f_infants") in flags
    assert ("type", "location/gps") in flags
    assert ("choice", "location/site_type") in flags
    assert flags[("constraint", "needs/priority_needs")].message == \
        "breaks the constraint `count-selected(.) <= 3`: Choose at most three."
    assert flags[("constraint", "location/adm2_pcode")].severity == "error"
    assert {f.instance_id for f in flags.values()} == {iid}


def test_messages_state_the_rule_never_the_answer(sa, ws):
    rec = sa.record("PAL-001", "2018-10-05", **{
        "location/site_name": "Ibu Sari 0812-3456-7890", "location/site_type": "Ibu Sari",
        "population/idp_hh": "Ibu Sari"})
    sa.send(rec)
    ws.quality.check(OP)
    found = ws.quality.flags(OP)
    assert {f.check for f in found} >= {"choice", "type"}
    for f in found:
        assert "Sari" not in f.message and "0812" not in f.message


def test_relevance_of_groups_and_repeats(ws, tmp_path):
    """BA form: IDP groups (a repeat) are relevant only when IDPs are present."""
    from tests.quality.conftest import Operation

    ws.operations.create(OP, "IDN", "Central Sulawesi")
    ws.forms.import_xlsform(OP, path_of("dtm_ba.xlsx"))
    ba = Operation(ws, tmp_path)
    base = {"assessment_date": "2018-10-05", "informant_role": "village_head",
            "location/adm1_pcode": "ID72", "location/adm2_pcode": "ID7271",
            "location/adm3_pcode": "ID7271010", "location/adm4_pcode": "ID7271010001",
            "location/village_name": "Tondo", "returnees/returnee_hh": "0",
            "returnees/returnee_ind": "0", "migrants/migrant_hh": "0",
            "migrants/migrant_ind": "0"}
    group = {"idps/idp_groups/origin_adm1_pcode": "ID72", "idps/idp_groups/reason": "tsunami",
             "idps/idp_groups/shelter": "tent", "idps/idp_groups/hh": "5",
             "idps/idp_groups/ind": "20"}
    second = {**group, "idps/idp_groups/ind": "3", "idps/idp_groups/reason": None}
    second = {k: v for k, v in second.items() if v is not None}
    none_present = {**base, "idps/idps_present": "no", "idps/idp_groups": [group]}
    present = {**base, "idps/idps_present": "yes", "idps/idp_groups": [group, second]}
    records = [{**r, "meta/instanceID": f"uuid:0000000{n}-0000-4000-8000-000000000000",
                "_submission_time": "2018-10-05T10:00:00"}
               for n, r in enumerate([none_present, present])]
    path = tmp_path / "ba.json"
    import json

    path.write_text(json.dumps({"count": 2, "results": records}), encoding="utf-8")
    assert ws.ingest.import_file(OP, "dtm_ba", path).counts["created"] == 2
    ws.quality.check(OP)
    got = ba.flags()
    first, other = records[0]["meta/instanceID"], records[1]["meta/instanceID"]
    assert sorted(got[first]) == sorted(
        ("not_relevant", f"idps/idp_groups[1]/{k.rsplit('/', 1)[1]}") for k in group)
    assert sorted(got[other]) == [
        ("constraint", "idps/idp_groups[2]/ind"), ("households_individuals",
                                                    "idps/idp_groups/ind"),
        ("required", "idps/idp_groups[2]/reason")]


def test_a_version_stored_before_rules_were_kept_gets_them_from_its_xlsform(sa, ws):
    from pantau.store.models import FormVersion

    [iid] = sa.send(sa.record("PAL-001", "2018-10-05", **{"needs/priority_needs":
                                                          "shelter food wash health"}))
    keys = ("required", "relevant", "constraint", "calculation", "constraint_message")
    with ws.session() as s:
        version = s.query(FormVersion).one()
        version.fields = [{k: v for k, v in f.items() if k not in keys} for f in version.fields]
    ws.quality.check(OP)
    assert sa.flags() == {iid: [("constraint", "needs/priority_needs")]}


def test_import_keeps_the_xlsform_rules_in_the_fields(ws):
    from pantau.store.models import FormVersion

    ws.operations.create(OP, "IDN", "Central Sulawesi")
    ws.forms.import_xlsform(OP, path_of("dtm_ba.xlsx"))
    with ws.session() as s:
        by_path = {f["path"]: f for f in s.query(FormVersion).one().fields}
    assert by_path["idps/idp_groups"]["relevant"] == "${idps_present} = 'yes'"
    ind = by_path["idps/idp_groups/ind"]
    assert (ind["required"], ind["constraint"]) == ("yes", ". >= 0 and . >= coalesce(${hh}, 0)")
    assert ind["constraint_message"]["English (en)"].startswith("Must be 0 or more")
    assert "relevant" not in ind and "calculation" not in ind
