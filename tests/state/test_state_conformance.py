"""The contract every state backend must honour (Terraform's statemgr.TestFull, for statesync).

Runs on SQLite always and on PostgreSQL when STATESYNC_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import time
import uuid

import pytest

import statesync.state
from statesync.errors import StateError, StateLockedError
from statesync.kinds import INVESTOR, digest
from statesync.state import RELEASE, ChangeStatus, FullState, open_state

DOC = {
    "name": {"fullName": "Ada Lovelace"},
    "address": {"Legal": {"city": "London", "postalCode": "N1"}},
    "primaryTaxId": "123456789",
    "secondaryTaxId": None,
    "dob": "12/10/1815",
}


def test_new_state_has_serial_zero_and_a_lineage_that_survives_reopening(
    state_url: str,
) -> None:
    with open_state(state_url) as first:
        assert first.serial == 0
        lineage = first.lineage
        assert uuid.UUID(lineage)
    with open_state(state_url) as again:
        assert again.lineage == lineage


def test_put_stores_the_redacted_document_and_bumps_version_and_serial(store: FullState) -> None:
    run = store.begin_run("apply")
    first = store.put_resource(INVESTOR, "INV-1", DOC, run)
    assert (first.version, store.serial) == (1, 1)
    stored = store.get("Investor", "INV-1")
    assert stored is not None
    assert stored.document == store.redact(INVESTOR, DOC)
    assert stored.document["primaryTaxId"] != DOC["primaryTaxId"]
    assert stored.document["secondaryTaxId"] is None
    assert stored.digest == digest(stored.document)
    assert stored.run_id == run
    assert stored.updated_at.tzinfo is not None

    second = store.put_resource(INVESTOR, "INV-1", {**DOC, "active": True}, run)
    assert (second.version, store.serial) == (2, 2)
    assert store.resources("Investor") == {"INV-1": second}
    assert store.get("Investor", "INV-2") is None
    assert store.resources("Other") == {}


def test_redacting_what_is_already_redacted_changes_nothing(store: FullState) -> None:
    once = store.redact(INVESTOR, DOC)
    assert store.redact(INVESTOR, once) == once


def test_recording_runs_and_changes_leaves_the_serial_alone(store: FullState) -> None:
    run = store.begin_run("plan", specs_digest="d" * 64, commit="c" * 40, user="alice")
    store.record_change(run, "Investor", "INV-1", "create", [])
    store.end_run(run, "completed")
    assert store.serial == 0
    [recorded] = store.runs()
    assert (recorded.id, recorded.operation, recorded.user) == (run, "plan", "alice")
    assert (recorded.commit, recorded.specs_digest) == ("c" * 40, "d" * 64)
    assert (recorded.serial_before, recorded.serial_after, recorded.outcome) == (0, 0, "completed")
    assert recorded.ended_at is not None and recorded.ended_at >= recorded.started_at


def test_a_run_ends_once(store: FullState) -> None:
    run = store.begin_run("apply")
    store.end_run(run, "completed")
    with pytest.raises(StateError, match="already ended"):
        store.end_run(run, "failed")


def test_remove_forgets_the_resource_in_the_ledger_and_bumps_the_serial(store: FullState) -> None:
    run = store.begin_run("apply")
    store.put_resource(INVESTOR, "INV-1", DOC, run)
    rm_run = store.begin_run("state rm")
    store.remove_resource("Investor", "INV-1", rm_run)
    assert store.get("Investor", "INV-1") is None
    assert store.serial == 2
    [entry] = store.history("INV-1")
    assert (entry.action, entry.run_id, entry.status) == (RELEASE, rm_run, ChangeStatus.COMPLETED)
    with pytest.raises(StateError, match="holds no Investor 'INV-1'"):
        store.remove_resource("Investor", "INV-1", rm_run)


def test_a_change_moves_through_its_statuses_and_tells_the_audit_trail(store: FullState) -> None:
    run = store.begin_run("apply", commit="abc123")
    patch = [{"op": "replace", "path": "/name/fullName", "value": "Ada King"}]
    change = store.record_change(run, "Investor", "INV-1", "update", patch, detail={"n": 1})
    assert store.unfinished_changes() == []
    assert store.history() == []  # planned: nothing reached SEI yet

    store.set_change_status(change, ChangeStatus.INTENT)
    [pending] = store.unfinished_changes()
    assert (pending.id, pending.status, pending.job_key) == (change, ChangeStatus.INTENT, None)
    assert pending.patch == patch and pending.detail == {"n": 1} and pending.target is None

    store.record_request(run, change, "PUT", "/investors/INV-1", 202, "trk-1", 1, 12.5, None)
    store.record_sent(change, "job-1")
    store.record_job_status("job-1", "Pending", "batch-1", None, None)
    [pending] = store.unfinished_changes("Investor")
    assert (pending.status, pending.job_key) == (ChangeStatus.SENT, "job-1")
    assert store.unfinished_changes("Other") == []

    store.record_job_status("job-1", "Completed", "batch-1", "done", [])
    store.set_change_status(change, ChangeStatus.COMPLETED)
    assert store.unfinished_changes() == []
    [entry] = store.history("INV-1")
    assert (entry.change_id, entry.run_id, entry.commit) == (change, run, "abc123")
    assert (entry.action, entry.patch, entry.status) == ("update", patch, ChangeStatus.COMPLETED)
    assert (entry.job_key, entry.job_status, entry.batch_id) == ("job-1", "Completed", "batch-1")
    assert entry.to_json()["jobStatus"] == "Completed"
    assert store.history("INV-2") == []


def test_a_change_keeps_its_target_redacted_for_a_resumed_apply(store: FullState) -> None:
    run = store.begin_run("apply")
    change = store.record_change(run, "Investor", "INV-1", "adopt", [], target=DOC)
    store.set_change_status(change, ChangeStatus.INTENT)
    store.set_change_status(change, ChangeStatus.UNKNOWN)
    store.set_change_status(change, ChangeStatus.UNKNOWN)  # a resume that could not settle it
    [pending] = store.unfinished_changes()
    assert pending.target == store.redact(INVESTOR, DOC)
    with pytest.raises(StateError, match="unknown kind 'Other'"):
        store.record_change(run, "Other", "X", "adopt", [], target={})


def test_impossible_status_moves_are_refused(store: FullState) -> None:
    run = store.begin_run("apply")
    change = store.record_change(run, "Investor", "INV-1", "update", [])
    with pytest.raises(StateError, match="cannot move from planned to sent"):
        store.set_change_status(change, ChangeStatus.SENT)
    store.set_change_status(change, ChangeStatus.INTENT)
    store.set_change_status(change, ChangeStatus.FAILED)
    with pytest.raises(StateError, match="cannot move from failed"):
        store.set_change_status(change, ChangeStatus.COMPLETED)
    with pytest.raises(StateError, match="unknown"):
        store.set_change_status(change + 1000, ChangeStatus.INTENT)
    with pytest.raises(StateError, match="unknown"):
        store.record_job_status("no-such-job", "Pending", None, None, None)


def test_last_failure_shows_the_latest_settled_change_only_while_it_is_a_failure(
    store: FullState,
) -> None:
    assert store.last_failure("Investor", "INV-1") is None
    run = store.begin_run("apply")
    failed = store.record_change(run, "Investor", "INV-1", "update", [])
    store.set_change_status(failed, ChangeStatus.INTENT)
    store.record_sent(failed, "job-1")
    store.record_job_status("job-1", "Failed", "b", "rejected", "city is too long")
    store.set_change_status(failed, ChangeStatus.FAILED)
    failure = store.last_failure("Investor", "INV-1")
    assert failure is not None
    assert (failure.run_id, failure.change_id) == (run, failed)
    assert (failure.message, failure.validation_messages) == ("rejected", ["city is too long"])

    # A 400 before any job: the request's error is the message.
    refused = store.record_change(run, "Investor", "INV-1", "update", [])
    store.set_change_status(refused, ChangeStatus.INTENT)
    store.record_request(run, refused, "PUT", "/investors/INV-1", 400, "t", 1, 3.0, "bad request")
    store.set_change_status(refused, ChangeStatus.FAILED)
    failure = store.last_failure("Investor", "INV-1")
    assert failure is not None
    assert (failure.change_id, failure.message, failure.validation_messages) == (
        refused,
        "bad request",
        [],
    )

    fixed = store.record_change(run, "Investor", "INV-1", "update", [])
    for status in (ChangeStatus.INTENT, ChangeStatus.SENT, ChangeStatus.COMPLETED):
        store.set_change_status(fixed, status)
    assert store.last_failure("Investor", "INV-1") is None


def test_the_ledger_never_holds_a_sensitive_value_in_plain_text(store: FullState) -> None:
    run = store.begin_run("apply")
    patch = [
        {"op": "replace", "path": "/primaryTaxId", "value": "123456789"},
        {"op": "add", "path": "/dob", "value": "01/02/1990"},
    ]
    change = store.record_change(run, "Investor", "INV-1", "adopt", patch)
    store.set_change_status(change, ChangeStatus.INTENT)
    store.set_change_status(change, ChangeStatus.UNKNOWN)
    [entry] = store.history()
    assert entry.patch == [
        {"op": "replace", "path": "/primaryTaxId", "value": "•••••6789"},
        {"op": "add", "path": "/dob", "value": "(sensitive)"},
    ]


def test_a_second_lock_is_refused_naming_the_holder_and_the_way_out(store: FullState) -> None:
    with store.lock("apply") as held:
        with pytest.raises(StateLockedError) as refused, store.lock("apply"):
            pass
        message = str(refused.value)
        for part in (held.user, held.host, str(held.pid), "apply", held.lock_id):
            assert part in message
        assert f"statesync force-unlock {held.lock_id}" in message
    with store.lock("apply") as again:
        assert again.lock_id != held.lock_id


def test_a_lock_timeout_waits_before_giving_up(store: FullState) -> None:
    with store.lock("apply"):
        started = time.monotonic()
        with (
            pytest.raises(StateLockedError, match=r"waited 0\.3s"),
            store.lock("plan", timeout=0.3),
        ):
            pass
        assert time.monotonic() - started >= 0.3


def test_force_unlock_releases_a_lock_and_refuses_a_wrong_id(state_url: str) -> None:
    with open_state(state_url) as holder, open_state(state_url) as rescuer:
        lock = holder.lock("apply")
        held = lock.__enter__()
        with pytest.raises(StateError, match="no lock nope"):
            rescuer.force_unlock("nope")
        assert rescuer.force_unlock(held.lock_id) == held
        time.sleep(0.2)  # PostgreSQL ends the holder's session asynchronously
        with rescuer.lock("apply"):
            pass
        with pytest.raises(StateError, match="force-unlocked while this run held it"):
            lock.__exit__(None, None, None)


def test_the_public_surface_is_pinned() -> None:
    assert set(statesync.state.__all__) == {
        "DEFAULT_URL",
        "RELEASE",
        "STATE_ENV",
        "ChangeRecord",
        "ChangeStatus",
        "Failure",
        "FullState",
        "HistoryEntry",
        "LedgerReader",
        "LedgerWriter",
        "LockInfo",
        "RunRecord",
        "StateLocker",
        "StateReader",
        "StateStore",
        "StateWriter",
        "StoredResource",
        "git_commit",
        "open_state",
    }


def test_history_leaves_out_changes_that_never_reached_sei(store: FullState) -> None:
    run_id = store.begin_run("apply")

    def change(key: str, *, answered: int | None, error: str | None) -> int:
        change_id = store.record_change(run_id, "Investor", key, "update", [])
        store.set_change_status(change_id, ChangeStatus.INTENT)
        path = f"/v1/investors/{key}"
        store.record_request(run_id, change_id, "PATCH", path, answered, None, 1, 1.0, error)
        store.set_change_status(change_id, ChangeStatus.FAILED)
        return change_id

    change("INV-NO-CONNECTION", answered=None, error="ConnectError: connection refused")
    refused = change("INV-REFUSED", answered=400, error="postalCode: not valid")
    lost = store.record_change(run_id, "Investor", "INV-LOST", "update", [])
    store.set_change_status(lost, ChangeStatus.INTENT)
    store.set_change_status(lost, ChangeStatus.UNKNOWN)
    store.set_change_status(lost, ChangeStatus.FAILED)

    shown = {entry.change_id for entry in store.history()}
    assert shown == {refused, lost}, "a change SEI never answered about did not reach it"


def test_completing_a_change_writes_the_resource_and_the_status_together(
    store: FullState,
) -> None:
    run = store.begin_run("apply")
    change = store.record_change(run, "Investor", "INV-1", "update", [])
    store.set_change_status(change, ChangeStatus.INTENT)
    store.record_sent(change, "job-1")
    assert [(c.status, c.job_key) for c in store.unfinished_changes()] == [
        (ChangeStatus.SENT, "job-1")
    ]
    serial = store.serial
    stored = store.complete_change(change, INVESTOR, "INV-1", {"active": True}, run)
    assert stored.version == 1 and store.serial == serial + 1
    assert store.unfinished_changes() == []
    assert store.get("Investor", "INV-1") is not None


def test_a_refused_completion_writes_neither_the_resource_nor_the_status(
    store: FullState,
) -> None:
    run = store.begin_run("apply")
    change = store.record_change(run, "Investor", "INV-1", "update", [])  # still planned
    serial = store.serial
    with pytest.raises(StateError, match="cannot move from planned to completed"):
        store.complete_change(change, INVESTOR, "INV-1", {"active": True}, run)
    assert store.get("Investor", "INV-1") is None, "the resource was written without its status"
    assert store.serial == serial
