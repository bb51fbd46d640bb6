"""Running an emulator as a child process on a free loopback port, and its admin surface.

The demo starts one this way, and so do the test suites, which also use the admin client to
count deliveries, script faults and change records behind the client's back.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from statesync.emulator.admin import PREFIX
from statesync.errors import StatesyncError
from statesync.remote.config import LOCAL_APP_KEY, LOCAL_APP_SECRET, Credentials


class EmulatorAdmin:
    """A small synchronous client for ``/_emulator``; every call raises on an error status."""

    def __init__(self, base_url: str, **client_options: Any) -> None:
        self._http = httpx.Client(base_url=base_url + PREFIX, timeout=10, **client_options)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        response = self._http.request(method, path, json=json)
        response.raise_for_status()
        return response.json()

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/health")
        return result

    def reset(self) -> None:
        self._call("POST", "/reset")

    def load(self, book: dict[str, Any], *, merge: bool = False) -> None:
        self._call("POST", "/load?merge=true" if merge else "/load", book)

    def save(self) -> None:
        self._call("POST", "/save")

    def book(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/investors")
        return result

    def investor(self, external_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/investors/{external_id}")
        return result

    def touch(self, external_id: str, partial: dict[str, Any]) -> dict[str, Any]:
        """Change fields behind the client's back (``"??NULL??"`` clears one)."""
        result: dict[str, Any] = self._call("PATCH", f"/investors/{external_id}", partial)
        return result

    def received(self) -> list[dict[str, Any]]:
        """Every PATCH/POST body that reached an endpoint, oldest first."""
        result: list[dict[str, Any]] = self._call("GET", "/received")
        return result

    def jobs(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/jobs")
        return result

    def fault(self, kind: str, **options: Any) -> None:
        """Script a fault; options are ``Fault``'s fields, e.g. ``status=429, retry_after=1``."""
        self._call("POST", "/faults", {"kind": kind, **options})

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def expire_tokens(self) -> int:
        result: int = self._call("POST", "/tokens/expire")["expired"]
        return result

    def advance_clock(self, seconds: float) -> None:
        self._call("POST", "/clock", {"advance": seconds})

    def behave(self, **changes: Any) -> dict[str, Any]:
        """Change latency_ms, job_delay_ms, fail_rate or rate_limit of the running emulator."""
        result: dict[str, Any] = self._call("PATCH", "/behaviour", changes)
        return result


@dataclass
class RunningEmulator:
    """An emulator process: where it listens, whom it lets in, and its admin client."""

    base_url: str
    credentials: Credentials
    admin: EmulatorAdmin
    process: subprocess.Popen[bytes]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def run_emulator(
    *args: str,
    scheme: str = "http",
    startup_timeout: float = 20.0,
    log: Path | None = None,
    **admin_options: Any,
) -> Iterator[RunningEmulator]:
    """Start ``python -m statesync.emulator`` on a free loopback port; stop it on exit.

    ``args`` are extra ``serve`` options; ``admin_options`` go to the admin client's httpx
    client (``verify``, ``cert`` for mutual TLS).
    """
    port = free_port()
    command = [sys.executable, "-m", "statesync.emulator", "--port", str(port)]
    command += ["--log-level", "warning", *args]
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        command, stdout=output, stderr=output, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    base_url = f"{scheme}://127.0.0.1:{port}"
    admin = EmulatorAdmin(base_url, **admin_options)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise StatesyncError(f"the emulator exited with {process.returncode}: {command}")
            try:
                admin.health()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield RunningEmulator(
            base_url, Credentials(LOCAL_APP_KEY, LOCAL_APP_SECRET), admin, process
        )
    finally:
        admin.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            output.close()  # type: ignore[union-attr]
