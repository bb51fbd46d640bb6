"""``statesync state list|show|rm``, ``statesync history`` and ``statesync force-unlock``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from statesync import api
from statesync.cli.options import kind_option, lock_timeout_option, state_option
from statesync.kinds import KINDS
from statesync.masking import mask_document, mask_value
from statesync.state import HistoryEntry, open_state


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A rich table on a terminal (colour unless NO_COLOR); tab-separated lines otherwise."""
    console = Console()
    if console.is_terminal:
        table = Table(header_style="bold")
        for header in headers:
            table.add_column(header, overflow="fold")  # ids are copied, never cut short
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    for line in (headers, *rows):
        click.echo("\t".join(line))


@click.group()
def state() -> None:
    """Inspect the state: what statesync believes SEI holds for each investor."""


@state.command("list")
@state_option
def list_(state_url: str | None) -> None:
    """List every resource in the state, with its version and the run that last wrote it."""
    with open_state(state_url) as store:
        rows = [
            [
                resource.kind,
                resource.external_id,
                str(resource.version),
                resource.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
                resource.run_id or "",
            ]
            for name in sorted(KINDS)
            for resource in store.resources(name).values()
        ]
        serial, lineage = store.serial, store.lineage
    _table(["KIND", "EXTERNAL ID", "VERSION", "UPDATED (UTC)", "RUN"], rows)
    click.echo(f"{len(rows)} resource(s); serial {serial}, lineage {lineage}.", err=True)


@state.command()
@click.argument("external_id")
@kind_option
@state_option
def show(external_id: str, kind_name: str, state_url: str | None) -> None:
    """Show what the state holds for EXTERNAL_ID, sensitive values masked."""
    with open_state(state_url) as store:
        resource = store.get(kind_name, external_id)
    if resource is None:
        raise click.ClickException(f"the state holds no {kind_name} {external_id!r}")
    click.echo(
        f"# {resource.kind} {resource.external_id}: version {resource.version}, "
        f"written by run {resource.run_id or '-'} at {resource.updated_at.isoformat()}"
    )
    document = mask_document(KINDS[kind_name], resource.document)
    click.echo(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))


@state.command()
@click.argument("external_id")
@kind_option
@lock_timeout_option
@state_option
def rm(external_id: str, kind_name: str, lock_timeout: float, state_url: str | None) -> None:
    """Stop managing EXTERNAL_ID: remove it from the state (SEI keeps the record).

    The removal is recorded in the ledger; a later plan treats the investor as new.
    """
    run_id = api.release(
        external_id, kind_name=kind_name, state_url=state_url, lock_timeout=lock_timeout
    )
    click.echo(f"Removed {kind_name} {external_id} from the state (run {run_id}).")


def _patch_text(patch: list[dict[str, Any]]) -> str:
    parts = []
    for op in patch:
        path = str(op.get("path", ""))
        text = f"{op.get('op')} {path}"
        if "value" in op:
            text += f" = {mask_value(path.rsplit('/', 1)[-1], op['value'])}"
        parts.append(text)
    return "; ".join(parts)


def _outcome(entry: HistoryEntry) -> str:
    outcome = entry.status.value
    if entry.job_status:
        outcome += f" (job {entry.job_status})"
    if entry.validation_messages:
        outcome += ": " + "; ".join(entry.validation_messages)
    return outcome


@click.command()
@click.argument("external_id", required=False)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@state_option
def history(external_id: str | None, output: str, state_url: str | None) -> None:
    """The audit trail: every change that reached SEI, per investor (or only EXTERNAL_ID).

    Each entry says when, from which run, user and commit of the specs, what changed
    (sensitive values masked) and how SEI's job ended.
    """
    with open_state(state_url) as store:
        entries = store.history(external_id)
    if output == "json":
        click.echo(json.dumps([entry.to_json() for entry in entries], indent=2))
        return
    if not entries:
        # A bare header would not tell a mistyped id from one never applied; both say so.
        subject = f"to {external_id} " if external_id else ""
        click.echo(f"No change {subject}has reached SEI (the ledger holds none).", err=True)
        return
    _table(
        ["WHEN (UTC)", "EXTERNAL ID", "ACTION", "OUTCOME", "RUN", "COMMIT", "USER", "CHANGES"],
        [
            [
                entry.at.strftime("%Y-%m-%d %H:%M:%S"),
                entry.external_id,
                entry.action,
                _outcome(entry),
                entry.run_id,
                (entry.commit or "")[:12],
                entry.user or "",
                _patch_text(entry.patch),
            ]
            for entry in entries
        ],
    )


@click.command("force-unlock")
@click.argument("lock_id")
@state_option
def force_unlock(lock_id: str, state_url: str | None) -> None:
    """Release the state lock LOCK_ID left behind by a run that crashed.

    Only use it when no statesync run is working on this state: the error that named
    the lock also names its holder (user, host, pid).
    """
    with open_state(state_url) as store:
        holder = store.force_unlock(lock_id)
    click.echo(
        f"Released lock {holder.lock_id}: {holder.operation} by {holder.user} on {holder.host}, "
        f"pid {holder.pid}, since {holder.since.isoformat()}."
    )
