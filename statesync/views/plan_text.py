"""The plan as a person reads it in a terminal or a CI log (Terraform's plan output is the bar)."""

from __future__ import annotations

from rich.markup import escape

from statesync.plans import Action, Change, Plan
from statesync.views.fields import field_line

_STYLE = {
    Action.ADOPT: "green",
    Action.UPDATE: "yellow",
    Action.RELEASE: "red",
    Action.NOOP: "dim",
}
_VERB = {
    Action.ADOPT: "will be adopted: every managed field is sent (SEI's record is not read first)",
    Action.UPDATE: "will be updated in place",
    Action.RELEASE: "will be released: no longer in the specs; statesync stops managing it, "
    "nothing is sent",
}


def render_text(plan: Plan, *, show_unchanged: bool = False) -> str:
    """Rich markup text of a plan; print it with a rich Console, which drops colour when piped."""
    lines: list[str] = []
    for change in plan.changes:
        if change.action is Action.NOOP and not show_unchanged:
            continue
        lines.extend(_block(change))
        lines.append("")
    summary = plan.summary()
    style = "bold" if plan.has_changes else "bold green"
    lines.append(f"[{style}]{escape(summary)}[/{style}]")
    return "\n".join(lines)


def _block(change: Change) -> list[str]:
    style = _STYLE[change.action]
    symbol = change.action.symbol
    where = f" [dim]({escape(change.source)})[/dim]" if change.source else ""
    verb = _VERB.get(change.action, "is unchanged")
    head = (
        f"[{style}]{symbol}[/{style}] [bold]{change.kind} {escape(change.key)}[/bold] {verb}{where}"
    )
    lines = [head]
    if change.previous_failure is not None:
        failure = change.previous_failure
        lines.append(
            f"    [red]! retry: the last attempt failed in run {escape(failure.run_id)}[/red]"
        )
        lines.extend(f"    [red]!   {escape(message)}[/red]" for message in failure.messages)
    for field in change.fields:
        path, before, after = field_line(change, field)
        if change.action is Action.ADOPT:
            lines.append(f"    [green]+[/green] {escape(path)}: {escape(after)}")
        elif field.after is None:
            lines.append(f"    [red]-[/red] {escape(path)}: {escape(before)} [red]→ null[/red]")
        else:
            lines.append(
                f"    [yellow]~[/yellow] {escape(path)}: {escape(before)} → {escape(after)}"
            )
    return lines
