"""What only real processes can show: lock contention, and a writer killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

import statesync
from statesync.errors import StateLockedError
from statesync.kinds import digest
from statesync.state import open_state

REPO = Path(statesync.__file__).resolve().parents[1]

HOLD_LOCK = """
    import sys, time
    from statesync.state import open_state
    with open_state(sys.argv[1]) as store, store.lock("apply") as info:
        print(info.lock_id, flush=True)
        sys.stdin.readline()
        time.sleep(0.5)
"""

KEEP_WRITING = """
    import sys
    from statesync.kinds import INVESTOR
    from statesync.state import open_state
    store = open_state(sys.argv[1])
    run = store.begin_run("apply")
    written = 0
    while True:
        for n in range(10):
            document = {"name": {"fullName": f"v{written}"}, "primaryTaxId": "123456789"}
            store.put_resource(INVESTOR, f"INV-{n}", document, run)
            written += 1
            if written == 30:
                print("writing", flush=True)
"""


@contextmanager
def _child(script: str, url: str) -> Iterator[subprocess.Popen[str]]:
    """A Python process running ``script`` on the state at ``url``, SIGKILLed at the end."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ) as process:
        try:
            yield process
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()


def _first_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line, f"the child process exited early with {process.wait()}"
    return line


def test_a_second_process_is_refused_then_waits_for_the_lock(state_url: str) -> None:
    open_state(state_url).close()  # create and migrate before two processes race for it
    with _child(HOLD_LOCK, state_url) as holder, open_state(state_url) as store:
        lock_id = _first_line(holder)
        with pytest.raises(StateLockedError) as refused, store.lock("apply"):
            pass
        assert f"pid {holder.pid}" in str(refused.value)
        assert f"statesync force-unlock {lock_id}" in str(refused.value)

        assert holder.stdin is not None
        holder.stdin.write("release\n")
        holder.stdin.flush()
        with store.lock("apply", timeout=20) as mine:
            assert mine.pid == os.getpid()


def test_a_killed_holder_does_not_wedge_the_state(state_url: str) -> None:
    open_state(state_url).close()
    with _child(HOLD_LOCK, state_url) as holder:
        lock_id = _first_line(holder)
    with open_state(state_url) as store:
        if state_url.startswith("sqlite"):
            # The lock row outlives its holder: the error says so, and how to recover.
            with pytest.raises(StateLockedError, match="no longer running"), store.lock("apply"):
                pass
            store.force_unlock(lock_id)
        # On PostgreSQL the advisory lock ended with the holder's session.
        with store.lock("apply", timeout=10):
            pass


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2])
def test_a_writer_killed_mid_write_leaves_a_consistent_state(state_url: str, delay: float) -> None:
    open_state(state_url).close()
    with _child(KEEP_WRITING, state_url) as writer:
        _first_line(writer)
        time.sleep(delay)
    with open_state(state_url) as store:
        resources = store.resources("Investor")
        assert len(resources) == 10
        # Each write bumps one version and the serial in one transaction: a torn write
        # would leave them apart.
        assert store.serial == sum(r.version for r in resources.values())
        assert store.serial >= 30
        for resource in resources.values():
            assert resource.digest == digest(resource.document)
        [run] = store.runs()
        assert run.ended_at is None
    if state_url.startswith("sqlite"):
        engine = sa.create_engine(state_url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        engine.dispose()
