"""The table at the end of an apply: one row per change that was sent, settled or held back."""

from __future__ import annotations

from collections import Counter

from rich.table import Table

from statesync.apply import Outcome

_STYLE = {"completed": "green", "failed": "red", "unknown": "yellow", "skipped": "yellow"}


def outcome_counts(outcomes: list[Outcome]) -> Counter[str]:
    """How many changes ended each way."""
    return Counter(outcome.status for outcome in outcomes)


def summary_table(outcomes: list[Outcome], *, title: str = "Apply summary") -> Table:
    """A rich table of outcomes (rendered as plain text when piped)."""
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in ("resource", "action", "outcome", "job", "details"):
        table.add_column(column, overflow="fold")
    for outcome in outcomes:
        if outcome.status == "skipped" and not outcome.messages:
            continue
        style = _STYLE.get(outcome.status, "")
        table.add_row(
            f"{outcome.kind} {outcome.key}",
            outcome.action,
            f"[{style}]{outcome.status}[/{style}]" if style else outcome.status,
            outcome.job_key or "",
            "; ".join(outcome.messages),
        )
    return table
