"""Environments (where SEI is, how to reach it, how hard to push) and credentials (who we are).

SEI's environments are built in; ``statesync.toml`` at the specs repo's root may override any
setting of them or add more, under ``[environments.NAME]``. ``local`` is the emulator and the
default, so a fresh checkout rehearses against it with no configuration and no secrets.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from statesync.errors import ConfigError

CONFIG_FILE = "statesync.toml"
DEFAULT_ENVIRONMENT = "local"

#: The credentials the emulator accepts by default (``statesync emulator serve`` prints them).
LOCAL_APP_KEY = "statesync-local-key"
LOCAL_APP_SECRET = "statesync-local-secret"

APP_KEY_VAR = "STATESYNC_APP_KEY"
APP_SECRET_VAR = "STATESYNC_APP_SECRET"

Wire = Literal["sei", "rfc6902"]


@dataclass(frozen=True)
class Environment:
    """One place the client can talk to, with every knob that differs between places."""

    name: str
    base_url: str
    client_cert: Path | None = None
    client_key: Path | None = None
    ca_bundle: Path | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    parallelism: int = 16
    #: Requests per second this client sends at most; ``None`` for no limit.
    rate_limit: float | None = None
    wire: Wire = "sei"
    #: Attempts per request (first try included) on connection errors, timeouts, 5xx and 429.
    max_attempts: int = 5
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    #: First and longest wait between job status polls (SEI: 1, 2, 4, 8 s…).
    job_poll_initial: float = 1.0
    job_poll_max: float = 8.0
    #: Renew the token this many seconds before SEI would expire it.
    token_renew_margin: float = 60.0
    #: Where trade instructions are POSTed; SEI does not publish the path.
    trade_instruction_path: str = "/v1/order/tradetickets"

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"environment {self.name!r}: {self.base_url!r} is not an http(s) URL")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ConfigError(
                f"environment {self.name!r}: plain http to {parts.hostname} is refused; "
                "only loopback hosts may be reached without TLS"
            )
        if (self.client_cert is None) != (self.client_key is None):
            raise ConfigError(f"environment {self.name!r}: set both client_cert and client_key")
        if self.wire not in ("sei", "rfc6902"):
            raise ConfigError(f"environment {self.name!r}: wire must be 'sei' or 'rfc6902'")
        if self.parallelism < 1 or self.max_attempts < 1:
            raise ConfigError(
                f"environment {self.name!r}: parallelism and max_attempts must be >= 1"
            )

    @property
    def is_loopback(self) -> bool:
        """True when the environment is on this machine (the emulator)."""
        return _is_loopback(urlsplit(self.base_url).hostname or "")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


BUILTIN_ENVIRONMENTS: dict[str, Environment] = {
    env.name: env
    for env in (
        Environment("local", "http://127.0.0.1:8400"),
        Environment("build", "https://build.api.seic.com"),
        Environment("sandbox", "https://sandbox.api.seic.com"),
        Environment("test", "https://test.mtls.api.seic.com"),
        Environment("prod", "https://mtls.api.seic.com"),
    )
}

_PATH_SETTINGS = {"client_cert", "client_key", "ca_bundle"}
_SETTINGS = {f.name: f for f in fields(Environment) if f.name != "name"}


def load_environments(root: Path) -> dict[str, Environment]:
    """The built-in environments with ``root/statesync.toml``'s ``[environments.*]`` applied.

    Relative certificate paths are resolved against ``root``. Unknown settings are errors, so a
    typo cannot silently fall back to a default.
    """
    path = root / CONFIG_FILE
    environments = dict(BUILTIN_ENVIRONMENTS)
    if not path.exists():
        return environments
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    tables = raw.get("environments", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: [environments] must be a table of tables")
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: environments.{name} must be a table")
        environments[name] = _environment(path, name, table, environments.get(name))
    return environments


def _environment(
    path: Path, name: str, table: dict[str, Any], base: Environment | None
) -> Environment:
    unknown = sorted(set(table) - set(_SETTINGS))
    if unknown:
        raise ConfigError(f"{path}: environments.{name}: unknown setting(s) {', '.join(unknown)}")
    values: dict[str, Any] = {
        key: (path.parent / value if key in _PATH_SETTINGS and value is not None else value)
        for key, value in table.items()
    }
    try:
        if base is not None:
            return replace(base, **values)
        if "base_url" not in values:
            raise ConfigError(f"{path}: environments.{name} needs a base_url")
        return Environment(name=name, **values)
    except TypeError as exc:
        raise ConfigError(f"{path}: environments.{name}: {exc}") from exc


def select_environment(environments: dict[str, Environment], name: str | None) -> Environment:
    """The environment ``--env NAME`` names, ``local`` when none is named."""
    chosen = name or DEFAULT_ENVIRONMENT
    try:
        return environments[chosen]
    except KeyError:
        known = ", ".join(sorted(environments))
        raise ConfigError(f"no environment named {chosen!r} (known: {known})") from None


@dataclass(frozen=True)
class Credentials:
    """The application's consumer key and secret; the secret never appears in a repr."""

    app_key: str
    app_secret: str

    def __repr__(self) -> str:
        return f"Credentials(app_key={self.app_key!r}, app_secret='***')"

    @classmethod
    def from_env(cls, environment: Environment | None = None) -> Credentials:
        """Credentials from ``STATESYNC_APP_KEY``/``STATESYNC_APP_SECRET``.

        Secrets come from the process environment only, never from a file in the repo. With
        neither variable set, a loopback environment gets the emulator's documented defaults so
        the demo runs out of the box; any other environment is a ConfigError.
        """
        key, secret = os.environ.get(APP_KEY_VAR), os.environ.get(APP_SECRET_VAR)
        if key and secret:
            return cls(key, secret)
        if not key and not secret and (environment is None or environment.is_loopback):
            return cls(LOCAL_APP_KEY, LOCAL_APP_SECRET)
        target = f"environment {environment.name!r}" if environment else "SEI"
        raise ConfigError(f"set {APP_KEY_VAR} and {APP_SECRET_VAR} to reach {target}")
