"""Running the emulator: uvicorn over the app, on plain HTTP or mutual TLS."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from statesync.emulator.app import create_app
from statesync.emulator.config import EmulatorConfig


@dataclass(frozen=True)
class TlsFiles:
    """Server certificate and key, and the CA whose client certificates are let in."""

    cert: Path
    key: Path
    client_ca: Path


def build_server(
    config: EmulatorConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 8400,
    tls: TlsFiles | None = None,
    log_level: str = "info",
) -> uvicorn.Server:
    """A uvicorn server for a new emulator; with ``tls``, HTTPS that requires a client cert."""
    options: dict[str, object] = {}
    if tls is not None:
        options = {
            "ssl_certfile": str(tls.cert),
            "ssl_keyfile": str(tls.key),
            "ssl_ca_certs": str(tls.client_ca),
            "ssl_cert_reqs": ssl.CERT_REQUIRED,
        }
    return uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            host=host,
            port=port,
            log_level=log_level,
            access_log=log_level == "debug",
            lifespan="on",
            **options,  # type: ignore[arg-type]
        )
    )
