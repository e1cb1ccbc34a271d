"""Under CI a missing real program fails the run; elsewhere it skips with the reason."""

from __future__ import annotations

import pytest

from tests.conftest import missing, require_program, under_ci


@pytest.mark.parametrize("value", ["true", "1", "yes", "True"])
def test_a_missing_program_fails_under_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert under_ci()
    with pytest.raises(pytest.fail.Exception, match="CI must run this test, but chromium is gone"):
        missing("chromium is gone")
    with pytest.raises(pytest.fail.Exception, match="no-such-program-4711 is not installed"):
        require_program("no-such-program-4711", "apt-get install nothing")


@pytest.mark.parametrize("value", [None, "", "0", "false"])
def test_a_missing_program_skips_elsewhere(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert not under_ci()
    with pytest.raises(pytest.skip.Exception, match="no-such-program-4711 is not installed"):
        require_program("no-such-program-4711", "apt-get install nothing")


def test_a_present_program_is_found() -> None:
    assert require_program("sh", "it is POSIX").endswith("/sh")
