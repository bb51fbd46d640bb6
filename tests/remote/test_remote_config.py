"""Environments from statesync.toml and credentials from the process environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from statesync.errors import ConfigError
from statesync.remote.config import (
    LOCAL_APP_KEY,
    Credentials,
    Environment,
    load_environments,
    select_environment,
)


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATESYNC_APP_KEY", raising=False)
    monkeypatch.delenv("STATESYNC_APP_SECRET", raising=False)


def test_builtins_without_a_file_use_mtls_hosts_for_test_and_prod(tmp_path: Path) -> None:
    envs = load_environments(tmp_path)
    assert envs["local"].base_url == "http://127.0.0.1:8400"
    assert envs["prod"].base_url == "https://mtls.api.seic.com"
    assert envs["test"].base_url == "https://test.mtls.api.seic.com"
    assert {"build", "sandbox"} <= set(envs)
    assert select_environment(envs, None).name == "local"
    assert envs["local"].parallelism == 16


def test_the_file_overrides_builtins_and_adds_environments(tmp_path: Path) -> None:
    (tmp_path / "statesync.toml").write_text(
        """
[environments.prod]
client_cert = "certs/client.pem"
client_key = "certs/client.key"
parallelism = 4
rate_limit = 10.0

[environments.uat]
base_url = "https://uat.example.com"
wire = "rfc6902"
max_attempts = 2
"""
    )
    envs = load_environments(tmp_path)
    assert envs["prod"].client_cert == tmp_path / "certs/client.pem"
    assert envs["prod"].parallelism == 4
    assert envs["prod"].base_url == "https://mtls.api.seic.com"
    assert envs["uat"].wire == "rfc6902"
    assert select_environment(envs, "uat").max_attempts == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[environments.prod]\nparalelism = 4\n", "unknown setting"),
        ("[environments.x]\nparallelism = 4\n", "needs a base_url"),
        ('[environments.x]\nbase_url = "http://api.example.com"\n', "plain http"),
        ('[environments.prod]\nwire = "xml"\n', "wire must be"),
        ('[environments.prod]\nclient_cert = "a.pem"\n', "both client_cert and client_key"),
        ("[environments\n", "statesync.toml"),
    ],
)
def test_bad_settings_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "statesync.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_environments(tmp_path)


def test_an_unknown_environment_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="known: build, local"):
        select_environment(load_environments(tmp_path), "staging")


def test_plain_http_is_allowed_on_loopback_only() -> None:
    assert Environment("a", "http://localhost:9000").is_loopback
    assert Environment("b", "http://[::1]:9000").is_loopback
    with pytest.raises(ConfigError):
        Environment("c", "http://10.0.0.8:8400")


def test_credentials_come_from_the_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATESYNC_APP_KEY", "key")
    monkeypatch.setenv("STATESYNC_APP_SECRET", "s3cret")
    credentials = Credentials.from_env(load_environments(Path("/nonexistent"))["prod"])
    assert credentials == Credentials("key", "s3cret")
    assert "s3cret" not in repr(credentials)


def test_local_works_out_of_the_box_but_sei_needs_credentials(tmp_path: Path) -> None:
    envs = load_environments(tmp_path)
    assert Credentials.from_env(envs["local"]).app_key == LOCAL_APP_KEY
    assert Credentials.from_env().app_key == LOCAL_APP_KEY
    with pytest.raises(ConfigError, match="STATESYNC_APP_KEY"):
        Credentials.from_env(envs["prod"])


def test_half_set_credentials_are_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATESYNC_APP_KEY", "key")
    with pytest.raises(ConfigError):
        Credentials.from_env()
