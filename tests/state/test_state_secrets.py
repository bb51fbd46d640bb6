"""Keyed digests of sensitive values: never the value, stable under one key, key kept private."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statesync.errors import StateError
from statesync.kinds import INVESTOR
from statesync.state import open_state
from statesync.state.secrets import is_keyed_digest, keyed_digest, load_key, redact

KEY = b"k" * 32
tax_ids = st.text(min_size=1, max_size=40)


@given(tax_ids, tax_ids)
def test_a_digest_is_never_the_value_and_differs_for_different_values(a: str, b: str) -> None:
    assert keyed_digest(KEY, a) != a
    assert is_keyed_digest(keyed_digest(KEY, a))
    assert not is_keyed_digest(a)
    assert (keyed_digest(KEY, a) == keyed_digest(KEY, b)) == (a == b)


@given(tax_ids)
def test_a_digest_depends_on_the_key(value: str) -> None:
    assert keyed_digest(KEY, value) != keyed_digest(b"x" * 32, value)


def test_redact_replaces_sensitive_values_at_any_depth_and_keeps_nulls() -> None:
    document = {
        "primaryTaxId": "123456789",
        "foreignTaxId": None,
        "name": {"fullName": "Ada"},
        "nested": {"deeper": [{"dob": "01/02/1990"}]},
    }
    redacted = redact(KEY, INVESTOR, document)
    assert redacted == {
        "primaryTaxId": keyed_digest(KEY, "123456789"),
        "foreignTaxId": None,
        "name": {"fullName": "Ada"},
        "nested": {"deeper": [{"dob": keyed_digest(KEY, "01/02/1990")}]},
    }
    assert document["primaryTaxId"] == "123456789"  # the caller's document is left alone


def test_digests_match_across_runs_with_the_same_key_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    document = {"primaryTaxId": "123456789", "dob": "01/02/1990"}
    with open_state(url) as first:
        once = first.redact(INVESTOR, document)
    with open_state(url) as second:
        assert second.redact(INVESTOR, document) == once
    key_file = tmp_path / "state.db.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert "123456789" not in (tmp_path / "state.db").read_bytes().decode("latin-1")


def test_digests_match_across_databases_with_the_same_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATESYNC_STATE_KEY", "shared-key-0123456789")
    document = {"secondaryTaxId": "987654321"}
    with (
        open_state(f"sqlite:///{tmp_path / 'a.db'}") as a,
        open_state(f"sqlite:///{tmp_path / 'b.db'}") as b,
    ):
        assert a.redact(INVESTOR, document) == b.redact(INVESTOR, document)
    assert not (tmp_path / "a.db.key").exists()


def test_a_different_key_is_refused_rather_than_changing_every_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    with open_state(url) as store:
        store.redact(INVESTOR, {"dob": "01/02/1990"})
    monkeypatch.setenv("STATESYNC_STATE_KEY", "another-key-0123456789")
    with open_state(url) as store, pytest.raises(StateError, match="state key differs"):
        store.redact(INVESTOR, {"dob": "01/02/1990"})


def test_a_state_without_a_file_needs_the_key_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(StateError, match="set STATESYNC_STATE_KEY"):
        load_key(None)
    monkeypatch.setenv("STATESYNC_STATE_KEY", "short")
    with pytest.raises(StateError, match="at least 16 characters"):
        load_key(None)


@pytest.mark.parametrize("content", ["", "\n", "short\n"])
def test_a_key_file_without_a_key_is_refused(tmp_path: Path, content: str) -> None:
    """An empty key file (a crash, or a second process reading it before the first wrote it)
    must not become an empty HMAC key."""
    (tmp_path / "state.db.key").write_text(content)
    with pytest.raises(StateError, match="holds no key of 16 characters or more"):
        load_key(tmp_path / "state.db")


def test_the_key_file_is_created_whole_and_private(tmp_path: Path) -> None:
    key = load_key(tmp_path / "state.db")
    path = tmp_path / "state.db.key"
    assert path.read_text() == key.decode() + "\n" and len(key) == 64
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["state.db.key"]
    assert load_key(tmp_path / "state.db") == key
