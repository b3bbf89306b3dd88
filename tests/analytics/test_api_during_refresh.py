"""The DTM API keeps answering while `pantau refresh` rewrites the analytics file in another
process (DuckDB lets one process write it), and answers the new figures afterwards."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from pantau.access.roles import PERMISSIONS
from pantau.web.app import create_app
from pantau.workspace import Workspace
from tests.analytics import scenario as sc
from tests.serving import serve

D1 = dt.date(2018, 10, 5)
QUERY = {"Operation": "Central Sulawesi Earthquake 2018", "Admin2Pcode": "ID7271"}

REFRESH = """
import sys
from pantau.config import Settings
from pantau.workspace import Workspace
ws = Workspace.open(Settings.load(workspace=sys.argv[1], database_url=sys.argv[2]))
print(ws.analytics.refresh(sys.argv[3]).observations)
"""


def _individuals(base: str, key: str) -> list[float]:
    body = httpx.get(f"{base}/v3/displacement/admin2", params=QUERY, timeout=30,
                     headers={"Ocp-Apim-Subscription-Key": key}).json()
    assert body["isSuccess"], body
    return sorted(r["numPresentIdpInd"] for r in body["result"])


def test_answers_during_and_after_a_refresh_in_another_process(ws: Workspace,
                                                               tmp_path: Path) -> None:
    sc.build(ws, tmp_path)
    sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450)
    ws.analytics.refresh(sc.OP)
    ws.access.add_user("reader", "a long test password", admin=True, by="tests")
    key, _ = ws.access.create_token("reader", "tests", list(PERMISSIONS), by="tests")
    for i in range(40):  # enough new figures for the refresh to take a while
        sc.site(ws, D1, f"N{i}", "ID7271", hh=1, ind=10, reason="conflict")
    with serve(create_app(ws)) as base:
        before = _individuals(base, key)
        assert before == [450]
        answers: list[list[float]] = []
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                answers.append(_individuals(base, key))

        asking = threading.Thread(target=ask)
        asking.start()
        try:
            done = subprocess.run(
                [sys.executable, "-c", REFRESH, str(ws.settings.workspace),
                 ws.settings.database_url, sc.OP], capture_output=True, text=True,
                timeout=300)
        finally:
            stop.set()
            asking.join(timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == str(2 + 40 * 2)
        assert answers and all(a in (before, [400, 450]) for a in answers)
        assert _individuals(base, key) == [400, 450]  # conflict 40 × 10, earthquake 450
