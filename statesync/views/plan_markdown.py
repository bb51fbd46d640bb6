"""The plan as a pull-request comment: summary and counts up front, one fold per resource.

GitHub refuses comments over 65,536 characters, so past that the remaining resources are listed
by key only, and past even that they are counted.
"""

from __future__ import annotations

from statesync.plans import Action, Change, Plan
from statesync.views.fields import field_line

COMMENT_LIMIT = 65_536
_TITLE = {
    Action.ADOPT: "adopt",
    Action.UPDATE: "update",
    Action.RELEASE: "release",
}


def render_markdown(plan: Plan, *, limit: int = COMMENT_LIMIT) -> str:
    """Markdown of the plan, never longer than ``limit`` characters."""
    counts = plan.counts
    head = [
        "### statesync plan",
        "",
        f"**{plan.summary()}**",
        "",
        "| action | investors |",
        "| --- | ---: |",
        f"| adopt | {counts[Action.ADOPT]} |",
        f"| update | {counts[Action.UPDATE]} |",
        f"| release | {counts[Action.RELEASE]} |",
        f"| unchanged | {counts[Action.NOOP]} |",
        "",
        "",
    ]
    text = "\n".join(head)
    changes = plan.actionable
    # Room is kept for the worst-case tail, so the limit always holds.
    tail_room = 400
    shown = 0
    for change in changes:
        block = _block(change)
        if len(text) + len(block) + tail_room > limit:
            break
        text += block
        shown += 1
    if shown < len(changes):
        text += _overflow(list(changes[shown:]), limit - len(text))
    return text


def _block(change: Change) -> str:
    title = _TITLE[change.action]
    count = len(change.fields)
    noun = "field" if count == 1 else "fields"
    summary = (
        f"{change.action.symbol} {title} <code>{_html(change.kind)} {_html(change.key)}</code>"
    )
    if change.action is not Action.RELEASE:
        summary += f" ({count} {noun})"
    lines = ["<details>", f"<summary>{summary}</summary>", ""]
    if change.source:
        lines += [f"Declared at `{change.source}`.", ""]
    if change.previous_failure is not None:
        failure = change.previous_failure
        lines.append(f"Retry: the last attempt failed in run `{failure.run_id}`:")
        lines += [f"- {_html(message)}" for message in failure.messages]
        lines.append("")
    if change.action is Action.RELEASE:
        lines += ["No longer in the specs: statesync stops managing it; nothing is sent.", ""]
    else:
        lines.append("```diff")
        for field in change.fields:
            path, before, after = field_line(change, field)
            if change.action is Action.UPDATE:
                lines.append(f"- {path}: {before}")
            lines.append(f"+ {path}: {after}")
        lines += ["```", ""]
    lines += ["</details>", ""]
    return "\n".join(lines) + "\n"


def _overflow(pending: list[Change], room: int) -> str:
    note = (
        f"\n**{_count(len(pending), 'more change')} not shown in full** (GitHub's comment "
        "limit); "
        "run `statesync plan` for every field. Their keys:\n\n"
    )
    text = note
    for index, change in enumerate(pending):
        line = f"- {change.action.symbol} `{change.key}`\n"
        rest = len(pending) - index
        closing = f"- … and {rest} more\n"
        if len(text) + len(line) + len(closing) + 40 > room:
            return text + closing
        text += line
    return text


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun} is" if n == 1 else f"{n} {noun}s are"
