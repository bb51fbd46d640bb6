"""Apply progress as people watch it: a live bar on a terminal, plain log lines in CI logs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from statesync.apply import ApplyHooks
from statesync.plans import Change


class LogLines(ApplyHooks):
    """One line per event, for logs and pipes (no terminal control codes)."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo

    def started(self, total: int) -> None:
        self.echo(f"Applying {total} change(s)…")

    def sent(self, change: Change, job_key: str) -> None:
        self.echo(f"{change.kind} {change.key}: sent ({change.action.value}), job {job_key}")

    def completed(self, change: Change) -> None:
        self.echo(f"{change.kind} {change.key}: completed")

    def failed(self, change: Change, messages: list[str]) -> None:
        self.echo(f"{change.kind} {change.key}: FAILED: {'; '.join(messages) or 'no message'}")

    def unknown(self, change: Change, reason: str) -> None:
        self.echo(f"{change.kind} {change.key}: outcome unknown: {reason}")

    def skipped(self, change: Change, reason: str) -> None:
        self.echo(f"{change.kind} {change.key}: not sent: {reason}")

    def settled(self, key: str, outcome: str) -> None:
        self.echo(f"{key}: unfinished change of an earlier apply → {outcome}")


class ProgressBar(ApplyHooks):
    """A rich progress bar with sent / completed / failed / pending counts."""

    def __init__(self, console: Console) -> None:
        self.counts: Counter[str] = Counter()
        self.console = console
        self.progress = Progress(
            TextColumn("[bold]Applying[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task("apply", total=0, counts="", start=False)

    def started(self, total: int) -> None:
        self.progress.update(self.task, total=total)
        self.progress.start_task(self.task)
        self.progress.start()
        self._refresh()

    def sent(self, change: Change, job_key: str) -> None:
        self.counts["sent"] += 1
        self._refresh()

    def completed(self, change: Change) -> None:
        self._settle("completed")

    def failed(self, change: Change, messages: list[str]) -> None:
        self._settle("failed")
        self.progress.console.print(f"[red]✗[/red] {change.key}: {'; '.join(messages)}")

    def unknown(self, change: Change, reason: str) -> None:
        self._settle("unknown")

    def skipped(self, change: Change, reason: str) -> None:
        self._settle("skipped")

    def settled(self, key: str, outcome: str) -> None:
        self.console.print(f"{key}: unfinished change of an earlier apply → {outcome}")

    def finished(self) -> None:
        self.progress.stop()

    def _settle(self, outcome: str) -> None:
        self.counts[outcome] += 1
        self.progress.advance(self.task)
        self._refresh()

    def _refresh(self) -> None:
        c = self.counts
        pending = c["sent"] - c["completed"] - c["failed"] - c["unknown"]
        text = (
            f"sent {c['sent']}  [green]completed {c['completed']}[/green]  "
            f"[red]failed {c['failed']}[/red]  pending {max(pending, 0)}"
        )
        if c["unknown"]:
            text += f"  [yellow]unknown {c['unknown']}[/yellow]"
        self.progress.update(self.task, counts=text)
