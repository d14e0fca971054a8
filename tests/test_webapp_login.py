"""Login: ASSISTANT_AUTH is read strictly, passwords are compared in constant time, and repeated failures
for one user name are refused for a growing delay (a fake clock stands in for time)."""

from __future__ import annotations

import pytest

from assistant.errors import SettingsError
from assistant.webapp.login import FIRST_DELAY_S, FREE_FAILURES, WINDOW_S, Logins, auth_from_env


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_login_is_off_only_when_the_setting_is_unset_or_empty() -> None:
    assert auth_from_env({}) is None
    assert auth_from_env({"ASSISTANT_AUTH": ""}) is None
    logins = auth_from_env({"ASSISTANT_AUTH": "alice:s3cret:x, bob:pw"})
    assert logins is not None
    assert logins("alice", "s3cret:x") and logins("bob", "pw")
    assert not logins("alice", "pw")


@pytest.mark.parametrize("value", ["   ", "\t\n", "alice", "alice:", ":pw", "alice:pw,", "alice:  ", "a:1,a:2"])
def test_a_blank_or_malformed_setting_is_refused_naming_it(value: str) -> None:
    with pytest.raises(SettingsError, match="ASSISTANT_AUTH") as caught:
        auth_from_env({"ASSISTANT_AUTH": value})
    assert "\n" not in str(caught.value)


def test_the_cli_refuses_to_serve_with_a_blank_setting_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path, fake_embedder
) -> None:  # type: ignore[no-untyped-def]
    from assistant import service
    from assistant.cli import main

    monkeypatch.setenv("ASSISTANT_AUTH", "  ")
    monkeypatch.setattr(service, "SentenceTransformerEmbedder", lambda _model: fake_embedder)
    assert main(["serve", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ASSISTANT_AUTH") and "\n" not in err
    assert not (tmp_path / "i").exists()  # refused before any indexing


def test_failures_beyond_the_free_ones_lock_the_name_out_for_a_doubling_delay() -> None:
    clock = Clock()
    logins = Logins({"alice": "right"}, clock=clock)
    for _ in range(FREE_FAILURES):
        assert not logins("alice", "wrong")
    assert logins.wait_s("alice") == 0
    assert not logins("alice", "wrong")
    assert logins.wait_s("alice") == FIRST_DELAY_S
    assert not logins("alice", "right")  # refused while locked out, even with the right password
    clock.now += FIRST_DELAY_S
    assert not logins("alice", "wrong")
    assert logins.wait_s("alice") == 2 * FIRST_DELAY_S
    clock.now += 2 * FIRST_DELAY_S
    assert logins("alice", "right")
    assert logins.wait_s("alice") == 0
    assert not logins("alice", "wrong")  # a success clears the count: the next failure is free again
    assert logins.wait_s("alice") == 0


def test_failures_older_than_the_window_are_forgotten_and_names_are_counted_apart() -> None:
    clock = Clock()
    logins = Logins({"alice": "right", "bob": "other"}, clock=clock)
    for _ in range(FREE_FAILURES):
        assert not logins("alice", "wrong")
        clock.now += WINDOW_S / FREE_FAILURES
    assert not logins("alice", "wrong")
    assert logins.wait_s("alice") == 0  # the first failure has left the window
    for _ in range(FREE_FAILURES + 1):
        logins("mallory", "guess")
    assert logins.wait_s("mallory") > 0
    assert logins("bob", "other")
