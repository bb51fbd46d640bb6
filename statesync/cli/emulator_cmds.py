"""``statesync emulator``: run the local SEI that rehearsals and tests talk to."""

from __future__ import annotations

from pathlib import Path

import click

from statesync.emulator.config import Behaviour, EmulatorConfig
from statesync.errors import ConfigError
from statesync.remote.config import LOCAL_APP_KEY, LOCAL_APP_SECRET


@click.group()
def emulator() -> None:
    """A local SEI: the same endpoints, errors and jobs, with faults to script.

    Point `--env local` (the default environment) at it to rehearse an apply.
    """


def _rate(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        rate = float(value.removesuffix("/s"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a rate such as 20/s") from None
    if rate <= 0:
        raise click.BadParameter("the rate must be above 0")
    return rate


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8400, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Book of investors: loaded at start (the bundled book if the file does not exist "
    "yet), saved on shutdown.",
)
@click.option("--latency-ms", default=0, show_default=True, type=click.IntRange(min=0))
@click.option(
    "--job-delay-ms",
    default=250,
    show_default=True,
    type=click.IntRange(min=0),
    help="How long a job stays In Progress.",
)
@click.option(
    "--fail-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of API requests answered 500 (transient).",
)
@click.option("--rate-limit", callback=_rate, help="Requests per second before 429, e.g. 20/s.")
@click.option("--seed", type=int, help="Seed ids, keys and --fail-rate for repeatable runs.")
@click.option("--app-key", default=LOCAL_APP_KEY, show_default=True, help="AppKey accepted.")
@click.option(
    "--app-secret", default=LOCAL_APP_SECRET, show_default=True, help="AppSecret accepted."
)
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--client-ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --tls-cert/--tls-key: serve HTTPS and require a client certificate from this CA.",
)
@click.option("--log-level", default="info", show_default=True)
def serve(
    host: str,
    port: int,
    data: Path | None,
    latency_ms: int,
    job_delay_ms: int,
    fail_rate: float,
    rate_limit: float | None,
    seed: int | None,
    app_key: str,
    app_secret: str,
    tls_cert: Path | None,
    tls_key: Path | None,
    client_ca: Path | None,
    log_level: str,
) -> None:
    """Serve the emulator until interrupted.

    It accepts one application's credentials (printed at start; the defaults are the ones the
    `local` environment uses with no STATESYNC_APP_KEY/STATESYNC_APP_SECRET set). The admin
    surface for tests lives under /_emulator.
    """
    # Imported here so that every other command starts without loading the web stack.
    from statesync.emulator.server import TlsFiles, build_server

    tls_parts = (tls_cert, tls_key, client_ca)
    if any(tls_parts) and not all(tls_parts):
        raise click.UsageError("mutual TLS needs all of --tls-cert, --tls-key and --client-ca")
    tls = TlsFiles(tls_cert, tls_key, client_ca) if tls_cert and tls_key and client_ca else None
    config = EmulatorConfig(
        app_key=app_key,
        app_secret=app_secret,
        data=data,
        behaviour=Behaviour(latency_ms, job_delay_ms, fail_rate, rate_limit),
        seed=seed,
    )
    try:
        server = build_server(config, host=host, port=port, tls=tls, log_level=log_level)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    scheme = "https" if tls else "http"
    click.echo(f"statesync emulator on {scheme}://{host}:{port}", err=True)
    click.echo(f"  AppKey:    {app_key}", err=True)
    click.echo(f"  AppSecret: {app_secret}", err=True)
    if tls:
        click.echo(f"  client certificates required, from {client_ca}", err=True)
    server.run()
