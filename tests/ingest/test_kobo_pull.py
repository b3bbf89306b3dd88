"""Pulling from a KoboToolbox API v2 served over real HTTP by `FakeKobo`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pantau.errors import PantauError
from tests.ingest.kobo_server import ASSET, FORM, OP, TOKEN, FakeKobo, add_form

FAST = {"backoff": 0.01, "retries": 2}


@pytest.fixture
def kobo() -> Iterator[FakeKobo]:
    fake = FakeKobo()
    for n in range(1, 8):
        fake.add(n, households=n % 3)
    yield fake
    fake.stop()


def _pull(ws, url: str, **kw):  # type: ignore[no-untyped-def]
    return ws.ingest.pull_kobo(OP, FORM, url, ASSET, token=TOKEN, **{**FAST, **kw})


def _ids(ws) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(s.instance_id for s in ws.ingest.submissions(OP, FORM))


def test_full_then_incremental_pull(ws, tmp_path: Path, kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    url = kobo.serve()
    first = _pull(ws, url, page_size=3)
    assert first.counts == {"created": 7} and first.pages == 3 and first.total == 7
    assert _ids(ws) == sorted(s.instance_id for s in kobo.subs)
    kobo.add(20)
    kobo.add(21)
    second = _pull(ws, url, page_size=3)
    # only what came since the cursor: the two new ones and the one at the cursor itself
    assert second.counts == {"created": 2, "duplicate": 1}
    assert len(_ids(ws)) == 9
    sent = [s for s in ws.ingest.submissions(OP, FORM) if s.instance_id == kobo.subs[1].instance_id]
    assert sent[0].review_state == "received"


def test_edits_and_statuses_come_with_a_full_pull(ws, tmp_path: Path, kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    url = kobo.serve()
    _pull(ws, url)
    old = kobo.subs[2].instance_id
    kobo.edit(kobo.subs[2], idp_hh="55")
    kobo.subs[4].status = "validation_status_not_approved"
    assert _pull(ws, url).counts == {"duplicate": 1}  # Kobo keeps an edit's submission time
    swept = _pull(ws, url, full=True)
    assert swept.counts == {"updated": 1, "duplicate": 6}
    detail = ws.ingest.submission(OP, FORM, old)
    assert [v.instance_id for v in detail.versions if v.current] == [kobo.subs[2].instance_id]
    assert len(detail.versions) == 2
    states = {s.instance_id: s.review_state for s in ws.ingest.submissions(OP, FORM)}
    assert states[kobo.subs[4].instance_id] == "rejected"
    assert len(states) == 7


def test_interrupted_pull_resumes_without_gap_or_duplicate(ws, tmp_path: Path,
                                                           kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    url = kobo.serve()
    kobo.fail(500, after=2, times=3)  # page 3 fails more often than the retries allow
    with pytest.raises(PantauError, match="HTTP 500 3 time.*resumes where it stopped"):
        _pull(ws, url, page_size=2)
    assert len(_ids(ws)) == 4  # pages 1 and 2 are stored
    resumed = _pull(ws, url, page_size=2)
    assert resumed.counts == {"created": 3}
    assert _ids(ws) == sorted(s.instance_id for s in kobo.subs)


def test_truncated_page_stops_and_resumes(ws, tmp_path: Path, kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    url = kobo.serve()
    kobo.fail("truncate", after=1, times=3)
    with pytest.raises(PantauError, match="truncated or broken JSON page"):
        _pull(ws, url, page_size=4)
    assert len(_ids(ws)) == 4
    assert _pull(ws, url, page_size=4).counts == {"created": 3}
    assert len(_ids(ws)) == 7


def test_429_with_retry_after_and_a_500_are_retried(ws, tmp_path: Path,
                                                    kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    url = kobo.serve()
    kobo.fail(429, times=1, retry_after="1")
    kobo.fail(500, after=1, times=1)  # counts only the requests that reach it
    result = _pull(ws, url, page_size=4)
    assert result.counts == {"created": 7}
    assert kobo.data_requests().count(429) == 1 and kobo.data_requests().count(500) == 1


def test_bad_token_is_refused_without_showing_it(ws, tmp_path: Path, kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    url = kobo.serve()
    wrong = "0123456789abcdef-secret-token"
    with pytest.raises(PantauError) as err:
        ws.ingest.pull_kobo(OP, FORM, url, ASSET, token=wrong, **FAST)
    assert "refused the API token (HTTP 401)" in str(err.value)
    assert wrong not in str(err.value)
    assert _ids(ws) == []


def test_cli_pull_with_token_from_environment(cli, tmp_path: Path, kobo: FakeKobo,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ingest.kobo_server import write_form

    cli("operation", "create", OP, "--country", "IDN", "--name", "Sulteng 2018")
    cli("form", "import", OP, write_form(tmp_path / "f.xlsx"))
    url = kobo.serve()
    monkeypatch.setenv("PANTAU_KOBO_TOKEN", TOKEN)
    out = cli("pull", "kobo", OP, FORM, "--server", url, "--asset", ASSET, "--page-size", "5")
    assert "Pulled 7 record(s) in 2 page(s): 7 new, 0 edited, 0 already here" in out.output
    monkeypatch.setenv("PANTAU_KOBO_TOKEN", "not-the-token")
    bad = cli("pull", "kobo", OP, FORM, "--server", url, "--asset", ASSET, ok=False)
    assert bad.exit_code != 0 and "HTTP 401" in bad.output
    assert "not-the-token" not in bad.output


def test_refusals_name_the_address_never_the_token(ws, tmp_path: Path, kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    url = kobo.serve()
    with pytest.raises(PantauError) as err:
        ws.ingest.pull_kobo(OP, FORM, url, "aNoSuchAsset", token=TOKEN, **FAST)
    assert str(err.value) == (f"KoboToolbox has no such project (HTTP 404) at {url}/api/v2/"
                              "assets/aNoSuchAsset/data/: check the asset uid, as in the "
                              "project's address /#/forms/<uid>")
    with pytest.raises(PantauError, match="user name or password") as err:
        ws.ingest.pull_kobo(OP, FORM, url.replace("//", f"//me:{TOKEN}@"), ASSET, token=TOKEN)
    assert TOKEN not in str(err.value)


def test_token_comes_from_the_setting_and_never_shows(cli, ws, tmp_path: Path, kobo: FakeKobo,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    add_form(ws, tmp_path)
    url = kobo.serve()
    monkeypatch.setenv("PANTAU_KOBO_TOKEN", TOKEN)
    assert ws.ingest.pull_kobo(OP, FORM, url, ASSET, **FAST).counts == {"created": 7}
    shown = cli("pull", "kobo", "--help").output
    assert "PANTAU_KOBO_TOKEN" in shown and TOKEN not in shown
    monkeypatch.delenv("PANTAU_KOBO_TOKEN")
    with pytest.raises(PantauError, match="needs an API token.*PANTAU_KOBO_TOKEN"):
        ws.ingest.pull_kobo(OP, FORM, url, ASSET, **FAST)
