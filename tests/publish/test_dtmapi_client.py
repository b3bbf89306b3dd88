"""IOM's own client (`dtmapi` from PyPI) against pantau served by uvicorn on loopback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import dtmapi
import pytest
from dtmapi.exceptions import DTMApiResponseError

from pantau.web.app import create_app
from pantau.workspace import Workspace
from tests.analytics import scenario as sc
from tests.publish.keys import dtm_key
from tests.serving import serve

NAME = "Central Sulawesi Earthquake 2018"


class LocalDTMApi(dtmapi.DTMApi):  # type: ignore[misc]
    """IOM's client, pointed at a local server instead of dtmapi.iom.int."""

    def __init__(self, base: str, key: str) -> None:
        self.base = base
        super().__init__(subscription_key=key, max_retries=0, timeout=30)

    def _get_endpoint(self, endpoint_type: str) -> str:
        return super()._get_endpoint(endpoint_type).replace("https://dtmapi.iom.int", self.base)


@pytest.fixture
def api(ws: Workspace, tmp_path: Path) -> Iterator[LocalDTMApi]:
    sc.build(ws, tmp_path)
    sc.site(ws, dt.date(2018, 10, 5), "S1", "ID7271", hh=100, ind=450, f=(10, 20, 100, 5),
            m=(10, 25, 90, 5), origin="ID7205")
    sc.site(ws, dt.date(2018, 11, 5), "S1", "ID7271", hh=80, ind=300)
    ws.analytics.refresh(sc.OP)
    with serve(create_app(ws)) as base:
        yield LocalDTMApi(base, dtm_key(ws))


def test_the_official_client_reads_pantau(api: LocalDTMApi) -> None:
    frame = api.get_idp_admin2_data(Operation=NAME, Admin2Pcode="ID7271")
    assert list(frame["numPresentIdpInd"]) == [450, 300]
    assert list(frame["roundNumber"]) == [1, 2]
    assert set(frame["admin1Name"]) == {"Sulawesi Tengah"}
    rows = api.get_idp_admin1_data(CountryName="Indonesia", FromRoundNumber=2, to_pandas=False)
    assert [(r["admin1Pcode"], r["numPresentIdpInd"]) for r in rows] == [("ID72", 300)]
    national = api.get_idp_admin0_data(Admin0Pcode="IDN", ToReportingDate="2018-10-31")
    assert list(national["numPresentIdpInd"]) == [450]
    assert list(api.get_all_countries()["admin0Pcode"]) == ["IDN"]
    assert list(api.get_all_operations()["operation"]) == [NAME]


def test_the_client_shows_pantau_s_error_messages(api: LocalDTMApi) -> None:
    with pytest.raises(DTMApiResponseError, match="not in the gazetteer"):
        api.get_idp_admin2_data(Admin0Pcode="IDN", Admin2Pcode="ID9999")
