"""``statesync apply`` and ``statesync jobs resume``: the CD half, sending what the plan says."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from statesync import api
from statesync.apply import ApplyHooks, ApplyOptions
from statesync.cli.options import color_option, lock_timeout_option, specs_option, state_option
from statesync.cli.plan_cmds import render
from statesync.plans import Plan
from statesync.views.apply_progress import LogLines, ProgressBar
from statesync.views.apply_summary import outcome_counts, summary_table

EXIT_INTERRUPTED = 130

env_option = click.option(
    "--env",
    "env_name",
    metavar="NAME",
    envvar="STATESYNC_ENV",
    help="Environment from statesync.toml (default: local, the emulator).",
)
job_timeout_option = click.option(
    "--job-timeout",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="Seconds a job may stay In Progress before it is recorded as unknown.",
)


def hooks_for(console: Console) -> ApplyHooks:
    """A live bar on a terminal; log lines otherwise (CI)."""
    return ProgressBar(console) if console.is_terminal else LogLines(click.echo)


def report(console: Console, result: api.ApplyResult) -> int:
    """Print the summary and the run id; return the exit code."""
    outcomes = [*result.settled, *result.outcomes]
    shown = [o for o in outcomes if o.status not in ("skipped", "released") or o.messages]
    if shown:
        console.print(summary_table(shown))
    counts = outcome_counts(outcomes)
    if result.cancelled:
        console.print("Apply cancelled; nothing was sent.")
    elif result.plan is not None and not result.plan.has_changes and not result.settled:
        console.print("[green]No changes. Investor records match the specs.[/green]")
    else:
        console.print(
            f"Apply {'interrupted' if result.interrupted else 'finished'}: "
            f"{counts['completed']} completed, {counts['failed']} failed, "
            f"{counts['unknown']} unknown, {counts['released']} released."
        )
    console.print(f"Run {result.run_id}; read the ledger with `statesync history`.")
    if result.interrupted:
        return EXIT_INTERRUPTED
    return 0 if result.ok or result.cancelled else 1


@click.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@specs_option("Specs directory (ignored with a saved PLAN_FILE).")
@state_option
@env_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking (needed without a TTY).")
@click.option("--target", "targets", multiple=True, metavar="EXTERNAL_ID", help="Only this one.")
@click.option("--parallelism", type=click.IntRange(min=1), help="Changes in flight at once.")
@click.option("--rate-limit", type=click.FloatRange(min=0, min_open=True), help="Requests/s.")
@job_timeout_option
@lock_timeout_option
@color_option
def apply(
    plan_file: Path | None,
    specs_dir: Path,
    state_url: str | None,
    env_name: str | None,
    auto_approve: bool,
    targets: tuple[str, ...],
    parallelism: int | None,
    rate_limit: float | None,
    job_timeout: float,
    lock_timeout: float,
    no_color: bool,
) -> None:
    """Send the changes the plan shows to SEI and follow each job to its end.

    With PLAN_FILE (from `statesync plan --out`), applies exactly that plan, refusing it if the
    state moved since. Otherwise plans SPECS first, shows the plan and asks for `yes`.
    Exit code: 0 all completed, 1 anything failed or unknown, 130 interrupted.
    """
    console = Console(highlight=False, soft_wrap=True, no_color=no_color or None)
    if plan_file is None and not auto_approve and not sys.stdin.isatty():
        raise click.UsageError(
            "stdin is not a terminal: pass --auto-approve to apply without asking"
        )

    def confirm(plan: Plan) -> bool:
        if plan_file is not None:
            return True  # a saved plan was reviewed when it was made
        render(plan, "text", color=not no_color)
        if auto_approve:
            return True
        answer = click.prompt(
            "\nDo you want to apply these changes? Only 'yes' will be accepted",
            default="",
            show_default=False,
        )
        return bool(answer.strip() == "yes")

    env = api.environment(env_name, parallelism=parallelism, rate_limit=rate_limit)
    result = api.apply(
        specs_dir,
        plan_file=plan_file,
        state_url=state_url,
        env=env,
        targets=targets,
        options=ApplyOptions(job_timeout=job_timeout),
        hooks=hooks_for(console),
        confirm=confirm,
        lock_timeout=lock_timeout,
    )
    sys.exit(report(console, result))


@click.group()
def jobs() -> None:
    """Jobs an earlier apply left unfinished."""


@jobs.command()
@state_option
@env_option
@job_timeout_option
@lock_timeout_option
def resume(
    state_url: str | None, env_name: str | None, job_timeout: float, lock_timeout: float
) -> None:
    """Follow every job an interrupted or timed-out apply left unfinished; send nothing new."""
    console = Console(highlight=False, soft_wrap=True)
    result = api.resume_jobs(
        state_url=state_url,
        env=api.environment(env_name),
        options=ApplyOptions(job_timeout=job_timeout),
        hooks=hooks_for(console),
        lock_timeout=lock_timeout,
    )
    if not result.settled:
        console.print("No unfinished jobs: nothing to follow.")
        return
    sys.exit(report(console, result))
