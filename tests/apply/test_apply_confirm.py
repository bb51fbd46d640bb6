"""Confirming a send whose answer was lost, in process: an interrupt cuts the wait short."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx

from statesync.apply import ApplyOptions, Executor
from statesync.kinds import INVESTOR
from statesync.plans import Action, Change
from statesync.remote.config import (
    BUILTIN_ENVIRONMENTS,
    LOCAL_APP_KEY,
    LOCAL_APP_SECRET,
    Credentials,
)
from statesync.state import ChangeStatus, open_state


def _sei_without_the_change(request: httpx.Request) -> httpx.Response:
    """A token, and an investor record that never shows the sent value."""
    if request.url.path == "/v2/oauthtoken":
        body = {"access_token": "t", "token_type": "Bearer", "expires_in": 3600}
        return httpx.Response(200, json=body)
    record = {"externalId": "INV-1", "name": {"fullName": "Old Name"}}
    page = {"data": [record], "paging": {"totalCount": 1, "limit": 50}}
    return httpx.Response(200, content=json.dumps(page), headers={"requesttrackingid": "x"})


def test_an_interrupt_cuts_the_confirmation_short_and_leaves_the_change_unknown(
    tmp_path: Path,
) -> None:
    store = open_state(f"sqlite:///{tmp_path / 'state.db'}")
    run_id = store.begin_run("apply")
    target = {"name": {"fullName": "New Name"}}
    change_id = store.record_change(run_id, "Investor", "INV-1", "update", [], target=target)
    store.set_change_status(change_id, ChangeStatus.INTENT)
    store.set_change_status(change_id, ChangeStatus.UNKNOWN)
    change = Change("Investor", "INV-1", Action.UPDATE, target=target)
    options = ApplyOptions(confirm_wait=30.0, interrupt_grace=0.0)

    async def confirm() -> str:
        http = httpx.AsyncClient(transport=httpx.MockTransport(_sei_without_the_change))
        env = BUILTIN_ENVIRONMENTS["local"]
        credentials = Credentials(LOCAL_APP_KEY, LOCAL_APP_SECRET)
        async with Executor(store, run_id, env, credentials, options=options, http=http) as e:
            e.interrupt()
            outcome = await e._confirm(change, change_id, target)
        await http.aclose()
        return outcome.status

    started = time.monotonic()
    status = asyncio.run(confirm())
    assert status == ChangeStatus.UNKNOWN.value, "an interrupted confirmation proves nothing"
    assert time.monotonic() - started < 5, "the interrupt grace, not confirm_wait, bounds it"
    assert [c.status for c in store.unfinished_changes()] == [ChangeStatus.UNKNOWN]
    assert store.get(INVESTOR.name, "INV-1") is None
    store.close()
