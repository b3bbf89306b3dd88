"""Row-level limits on both stores: collectors see their own submissions, managers their areas."""

from __future__ import annotations

from sqlalchemy import select

from pantau.access.principal import Grant, Principal
from pantau.access.rows import areas_visible, submissions_visible
from pantau.store.models import AdminUnit, Submission
from pantau.workspace import Workspace
from tests.access.conftest import People
from tests.ingest.sample_form import FORM, OP, incoming, new_id


def test_a_collector_sees_only_their_own_submissions(ws: Workspace, people: People) -> None:
    _ = people
    for who in ("u-collector", "u-collector", "someone-else"):
        ws.ingest.receive(OP, FORM, incoming(new_id(), submitter=who))
    seen = {}
    for role in ("collector", "analyst", "viewer", "admin"):
        who = ws.access.by_password(f"u-{role}", "a long test password")
        assert who is not None
        with ws.session() as s:
            seen[role] = sorted(s.scalars(select(Submission.submitter)
                                          .where(submissions_visible(who, OP))))
    assert seen == {"collector": ["u-collector", "u-collector"],
                    "analyst": ["someone-else", "u-collector", "u-collector"],
                    "viewer": [],
                    "admin": ["someone-else", "u-collector", "u-collector"]}
    assert ws.access.by_password("u-collector", "a long test password")\
        .sees_only_own_submissions(OP)  # type: ignore[union-attr]


def test_a_manager_limited_to_areas(ws: Workspace, pcodes_csv) -> None:  # type: ignore[no-untyped-def]
    ws.gazetteer.import_file(pcodes_csv, country="IDN")
    who = Principal("m", 1, grants={OP: Grant("manager", ("ID72",))}, via="token")
    assert who.covers_area(OP, "ID7271") and not who.covers_area(OP, "ID7371")
    assert not who.covers_area(OP, None) and who.covers_area("elsewhere", "ID11")
    with ws.session() as s:
        codes = set(s.scalars(select(AdminUnit.pcode).where(
            AdminUnit.level == 2, areas_visible(who, OP, AdminUnit.pcode))))
    assert codes and all(c.startswith("ID72") for c in codes)


def test_areas_are_given_to_managers_only(ws: Workspace, people: People) -> None:
    import pytest

    from pantau.errors import PantauError

    _ = people
    ws.access.grant("u-manager", OP, "manager", ["id7271", " ID7210 "], by="tests")
    assert ws.access.user("u-manager").roles == {OP: "manager [ID7210, ID7271]"}
    who = ws.access.by_password("u-manager", "a long test password")
    assert who is not None and who.areas(OP) == ("ID7210", "ID7271")
    with pytest.raises(PantauError, match="only a manager"):
        ws.access.grant("u-viewer", OP, "viewer", ["ID72"], by="tests")
