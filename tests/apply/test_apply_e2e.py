"""Apply end to end over HTTP against an emulator process: jobs followed to Completed, the
emulator holding the specs' values, failures left alone, retries and lost answers delivered once."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from statesync import api
from statesync.apply import ApplyOptions
from statesync.emulator.process import RunningEmulator
from statesync.kinds import INVESTOR
from statesync.plans import Action
from statesync.remote.config import Environment
from statesync.state import ChangeStatus, open_state
from statesync.state import schema as t

from .support import (
    IN_BOOK,
    REPO,
    accepted_counts,
    body,
    keys,
    live_document,
    mismatches,
    unfinished,
    write_specs,
)

pytestmark = pytest.mark.e2e


def outcomes(result: api.ApplyResult) -> dict[str, str]:
    """How each change that needed a call ended (unchanged investors left out)."""
    every = (*result.settled, *result.outcomes)
    return {o.key: o.status for o in every if o.status != "skipped" or o.messages}


def ledger_requests(state_url: str, within: str) -> list[Any]:
    """Every request the ledger holds whose path contains ``within``, oldest first."""
    engine = sa.create_engine(state_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.requests)
            .where(t.requests.c.path.contains(within))
            .order_by(t.requests.c.id)
        ).all()
    engine.dispose()
    return list(rows)


def test_apply_adopts_the_example_specs_and_a_second_plan_is_empty(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, tmp_path: Path
) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(REPO / "specs", specs)
    assert mismatches(emulator, specs), "the example specs must differ from the book"

    result = api.apply(specs, state_url=state_url, env=emulator_env)

    assert result.ok and not result.interrupted
    assert outcomes(result) == dict.fromkeys(IN_BOOK, "completed")
    assert all(o.job_key for o in result.outcomes)
    assert accepted_counts(emulator) == dict.fromkeys(IN_BOOK, 1)
    assert mismatches(emulator, specs) == {}
    assert not api.plan(specs, state_url=state_url).has_changes
    with open_state(state_url) as store:
        held = store.resources(INVESTOR.name)
        assert sorted(held) == list(IN_BOOK)
        # The state keeps keyed digests of sensitive values, never the values SEI holds.
        plain = live_document(emulator, "INV-1001")["primaryTaxId"]
        assert held["INV-1001"].document["primaryTaxId"] != plain
        (run,) = [r for r in store.runs() if r.operation == "apply"]
        assert run.outcome == "completed"
        assert {e.job_status for e in store.history()} == {"Completed"}
    assert unfinished(state_url) == []


def test_adopting_an_investor_sei_does_not_have_creates_it(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    bodies = [body("NEW-5001"), body("INV-1003")]
    write_specs(specs, bodies)

    result = api.apply(specs, state_url=state_url, env=emulator_env)

    assert outcomes(result) == {"NEW-5001": "completed", "INV-1003": "completed"}
    tried = [(e["method"], e["statusCode"]) for e in emulator.admin.received()]
    assert sorted(tried) == [("PATCH", 202), ("PATCH", 404), ("POST", 202)]
    assert accepted_counts(emulator) == {"NEW-5001": 1, "INV-1003": 1}
    assert mismatches(emulator, specs) == {}
    assert not api.plan(specs, state_url=state_url).has_changes


def test_an_update_sends_only_what_changed_and_leaves_unmanaged_fields(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    write_specs(specs, [body("INV-1004"), body("INV-1005")])
    assert api.apply(specs, state_url=state_url, env=emulator_env).ok
    unmanaged = live_document(emulator, "INV-1004")["classification"]

    changed = body("INV-1004")
    changed["address"][0]["city"] = "New Haven"
    write_specs(specs, [changed, body("INV-1005")])
    plan = api.plan(specs, state_url=state_url)
    assert [(c.key, c.action) for c in plan.actionable] == [("INV-1004", Action.UPDATE)]

    result = api.apply(specs, state_url=state_url, env=emulator_env)

    assert outcomes(result) == {"INV-1004": "completed"}
    assert accepted_counts(emulator) == {"INV-1004": 2, "INV-1005": 1}
    last = emulator.admin.received()[-1]["body"]
    assert last == [{"externalId": "INV-1004", "address": [{"type": "Legal", "city": "New Haven"}]}]
    assert mismatches(emulator, specs) == {}
    assert live_document(emulator, "INV-1004")["classification"] == unmanaged
    assert not api.plan(specs, state_url=state_url).has_changes


def test_a_failed_job_leaves_that_investor_unchanged_while_the_others_complete(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    bodies = [body("INV-1001"), body("INV-1002"), body("INV-1003")]
    write_specs(specs, bodies)
    before = live_document(emulator, "INV-1002")
    emulator.admin.fault(
        "job", outcome="fail", message="KYC review refused", path="/v1/investors/INV-1002"
    )

    result = api.apply(specs, state_url=state_url, env=emulator_env)

    assert not result.ok
    assert outcomes(result) == {
        "INV-1001": "completed",
        "INV-1002": "failed",
        "INV-1003": "completed",
    }
    (failed,) = [o for o in result.outcomes if o.status == "failed"]
    assert "KYC review refused" in failed.messages
    assert live_document(emulator, "INV-1002") == before
    assert set(mismatches(emulator, specs)) == {"INV-1002"}
    with open_state(state_url) as store:
        assert sorted(store.resources(INVESTOR.name)) == ["INV-1001", "INV-1003"]
        (run,) = [r for r in store.runs() if r.operation == "apply"]
        assert run.outcome == "incomplete"

    retry = api.plan(specs, state_url=state_url)
    (change,) = retry.actionable
    assert (change.key, change.action) == ("INV-1002", Action.ADOPT)
    assert change.previous_failure is not None
    assert change.previous_failure.run_id == result.run_id
    assert "KYC review refused" in change.previous_failure.messages

    again = api.apply(specs, state_url=state_url, env=emulator_env)
    assert outcomes(again) == {"INV-1002": "completed"}
    assert mismatches(emulator, specs) == {}
    assert api.plan(specs, state_url=state_url).actionable == ()


def test_a_value_sei_rejects_fails_with_its_validation_messages(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    # The spec manages the state code but not the country: only SEI, which merges the patch
    # into a US address, can see that ZZ is no US state.
    rejected = {"externalId": "INV-1005", "address": [{"type": "Legal", "stateCode": "ZZ"}]}
    write_specs(specs, [rejected, body("INV-1006")])
    before = live_document(emulator, "INV-1005")

    result = api.apply(specs, state_url=state_url, env=emulator_env)

    assert outcomes(result) == {"INV-1005": "failed", "INV-1006": "completed"}
    assert live_document(emulator, "INV-1005") == before
    (change,) = api.plan(specs, state_url=state_url).actionable
    assert change.key == "INV-1005" and change.previous_failure is not None
    assert change.previous_failure.run_id == result.run_id
    assert any("stateCode" in m and "ZZ" in m for m in change.previous_failure.messages)


def test_retries_through_500s_and_429s_deliver_each_change_once(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    write_specs(specs, [body("INV-1007"), body("INV-1008")])
    emulator.admin.fault(
        "status", status=500, count=2, method="PATCH", path="/v1/investors/INV-1007"
    )
    emulator.admin.fault(
        "status", status=429, retry_after=0.3, method="PATCH", path="/v1/investors/INV-1008"
    )
    emulator.admin.fault("status", status=503, method="GET", path="/v1/jobs/")

    result = api.apply(specs, state_url=state_url, env=emulator_env)

    assert outcomes(result) == {"INV-1007": "completed", "INV-1008": "completed"}
    assert accepted_counts(emulator) == {"INV-1007": 1, "INV-1008": 1}
    assert mismatches(emulator, specs) == {}
    tries = ledger_requests(state_url, "/INV-1007")
    assert [(r.status_code, r.attempt) for r in tries] == [(500, 1), (500, 2), (202, 3)]
    throttled, accepted = ledger_requests(state_url, "/INV-1008")
    assert (throttled.status_code, accepted.status_code) == (429, 202)
    waited = (accepted.at - throttled.at).total_seconds()
    assert waited >= 0.3 - throttled.latency_ms / 1000 - 0.05, "Retry-After was not honoured"
    polls = [r.status_code for r in ledger_requests(state_url, "/v1/jobs/")]
    assert polls[0] == 503 and 200 in polls, "a failed job poll is retried"


def test_a_lost_answer_is_confirmed_by_reading_sei_and_not_sent_again(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    write_specs(specs, [body("INV-1009")])
    # SEI takes the PATCH but answers after the client gave up waiting.
    emulator.admin.fault("hang", seconds=1.0, process=True, method="PATCH")
    env = replace(emulator_env, read_timeout=0.3)

    result = api.apply(specs, state_url=state_url, env=env)

    assert outcomes(result) == {"INV-1009": "completed"}
    assert accepted_counts(emulator) == {"INV-1009": 1}
    assert mismatches(emulator, specs) == {}
    (patch,) = ledger_requests(state_url, "/INV-1009")
    assert patch.status_code is None and "Timeout" in patch.error
    assert not api.plan(specs, state_url=state_url).has_changes


def test_a_send_sei_never_processed_fails_and_the_next_apply_sends_it_once(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    write_specs(specs, [body("INV-1010")])
    # A gateway timeout: SEI may or may not have processed it (here it did not).
    emulator.admin.fault("hang", seconds=0.0, method="PATCH")
    options = ApplyOptions(confirm_wait=0.3)

    first = api.apply(specs, state_url=state_url, env=emulator_env, options=options)

    assert outcomes(first) == {"INV-1010": "failed"}
    assert accepted_counts(emulator) == {}
    (failed,) = first.outcomes
    assert "not delivered" in failed.messages[0]
    second = api.apply(specs, state_url=state_url, env=emulator_env, options=options)
    assert outcomes(second) == {"INV-1010": "completed"}
    assert accepted_counts(emulator) == {"INV-1010": 1}
    assert mismatches(emulator, specs) == {}


def test_many_investors_in_flight_at_once_with_a_job_delay(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    bodies = [body(f"NEW-{6000 + n}", n) for n in range(12)]
    write_specs(specs, bodies)
    emulator.admin.behave(job_delay_ms=100)
    env = replace(emulator_env, parallelism=6, job_poll_initial=0.02, job_poll_max=0.05)

    result = api.apply(specs, state_url=state_url, env=env)

    assert outcomes(result) == dict.fromkeys(keys(bodies), "completed")
    assert accepted_counts(emulator) == dict.fromkeys(keys(bodies), 1)
    assert mismatches(emulator, specs) == {}


def test_a_job_that_never_ends_is_never_sent_again(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    write_specs(specs, [body("INV-1011"), body("INV-1012")])
    emulator.admin.fault("job", outcome="stuck", path="/v1/investors/INV-1011")
    options = ApplyOptions(job_timeout=0.2)

    first = api.apply(specs, state_url=state_url, env=emulator_env, options=options)
    second = api.apply(specs, state_url=state_url, env=emulator_env, options=options)

    assert outcomes(first) == {"INV-1011": "unknown", "INV-1012": "completed"}
    assert not second.ok
    assert [(o.key, o.status) for o in second.settled] == [("INV-1011", "unknown")]
    (held,) = [o for o in second.outcomes if o.key == "INV-1011"]
    assert held.status == "skipped" and "still pending" in held.messages[0]
    assert accepted_counts(emulator) == {"INV-1011": 1, "INV-1012": 1}
    assert unfinished(state_url) == [("INV-1011", ChangeStatus.UNKNOWN)]


def test_a_spec_removed_is_released_from_the_state_and_left_alone_in_sei(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    write_specs(specs, [body("INV-1013"), body("INV-1014")])
    assert api.apply(specs, state_url=state_url, env=emulator_env).ok
    kept = live_document(emulator, "INV-1014")
    write_specs(specs, [body("INV-1013")])

    result = api.apply(specs, state_url=state_url, env=emulator_env)

    assert result.ok
    assert outcomes(result) == {"INV-1014": "released"}
    assert accepted_counts(emulator) == {"INV-1013": 1, "INV-1014": 1}
    assert live_document(emulator, "INV-1014") == kept
    with open_state(state_url) as store:
        assert sorted(store.resources(INVESTOR.name)) == ["INV-1013"]
    assert not api.plan(specs, state_url=state_url).has_changes


def test_a_field_set_to_null_after_adoption_is_cleared_in_sei_even_if_never_managed(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, tmp_path: Path
) -> None:
    """The state never knew alternateId, so null cannot mean "already empty": SEI is told to
    clear it, the state records it as known-empty, and the plan after that is quiet."""
    specs = tmp_path / "specs"
    key = IN_BOOK[0]
    write_specs(specs, [body(key)])
    assert api.apply(specs, state_url=state_url, env=emulator_env).ok
    emulator.admin.touch(key, {"alternateId": "SET-BEHIND-OUR-BACK"})

    write_specs(specs, [{**body(key), "alternateId": None}])
    plan = api.plan(specs, state_url=state_url)
    (change,) = plan.actionable
    assert change.patch == ({"op": "add", "path": "/alternateId", "value": None},)
    assert api.apply(specs, state_url=state_url, env=emulator_env).ok

    assert live_document(emulator, key).get("alternateId") is None, "SEI still holds a value"
    assert not api.plan(specs, state_url=state_url).has_changes
