"""``statesync demo``: the whole loop on this machine, against a local emulator.

Starts the emulator with a book of existing investors, plans the example specs, applies them
with progress, plans again to show nothing is left, and says where the ledger is. The emulator's
book is kept beside the state (``statesync-emulator.json``), so a second demo run finds SEI as
the first one left it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rich.console import Console

from statesync import api
from statesync.apply import ApplyHooks
from statesync.emulator.process import run_emulator
from statesync.views import render_text
from statesync.views.apply_summary import summary_table

DEMO_BOOK = Path("statesync-emulator.json")


def run_demo(
    console: Console,
    hooks: ApplyHooks,
    *,
    specs_dir: Path = Path("specs"),
    state_url: str | None = None,
    book: Path = DEMO_BOOK,
    job_delay_ms: int = 250,
) -> bool:
    """Run the demo, printing as it goes; True when every change completed."""
    console.rule("[bold]statesync demo")
    console.print(f"Starting the SEI emulator (book: {book}) …")
    with run_emulator("--data", str(book), "--job-delay-ms", str(job_delay_ms)) as emulator:
        count = len(emulator.admin.book().get("investors", []))
        console.print(f"Emulator on {emulator.base_url}, {count} investors in its book.\n")
        env = dataclasses.replace(
            api.environment("local"),
            base_url=emulator.base_url,
            job_poll_initial=0.2,
            job_poll_max=1.0,
        )
        console.rule("[bold]1. statesync plan")
        first = api.plan(specs_dir, state_url=state_url)
        console.print(render_text(first))
        console.rule("[bold]2. statesync apply --auto-approve")
        # The emulator's own credentials: any SEI ones in the environment are not for it.
        result = api.apply(
            specs_dir,
            state_url=state_url,
            env=env,
            credentials=emulator.credentials,
            hooks=hooks,
        )
        outcomes = [*result.settled, *result.outcomes]
        if outcomes:
            console.print(summary_table([o for o in outcomes if o.status != "skipped"]))
        console.print(f"Run {result.run_id}.\n")
        console.rule("[bold]3. statesync plan, again")
        again = api.plan(specs_dir, state_url=state_url)
        console.print(render_text(again))
    console.rule("[bold]The ledger")
    where = state_url or "state.db (in this directory)"
    console.print(
        f"Every plan, request and job outcome is in {where}. Read it with:\n"
        "  statesync history                  every change that reached SEI\n"
        "  statesync history INV-1001         one investor's audit trail\n"
        "  statesync history --format json    for tools\n"
        "  statesync state list               what statesync believes SEI holds"
    )
    return result.ok
