"""What only real processes show: an apply killed with SIGKILL at each point and at random
times, then applied again (each change reaches SEI exactly once); job timeouts resumed; two
applies at once; Ctrl-C."""

from __future__ import annotations

import json
import random
import signal
import subprocess
from pathlib import Path

import pytest

from statesync import api
from statesync.emulator.process import RunningEmulator
from statesync.kinds import INVESTOR
from statesync.remote.config import Environment
from statesync.state import ChangeStatus, open_state

from .support import (
    accepted_counts,
    body,
    cli,
    cli_process,
    environ,
    keys,
    mismatches,
    release_dead_lock,
    run_runner,
    runner_args,
    statuses,
    unfinished,
    wait_for_line,
    write_config,
    write_specs,
)

pytestmark = pytest.mark.e2e

KILLED = -signal.SIGKILL


def result_line(output: str) -> dict[str, object]:
    """The runner's closing ``result {json}`` line."""
    (line,) = [x for x in output.splitlines() if x.startswith("result ")]
    parsed: dict[str, object] = json.loads(line.removeprefix("result "))
    return parsed


def assert_settled_exactly_once(
    emulator: RunningEmulator, state_url: str, specs: Path, wanted: list[str]
) -> None:
    """Every investor reached SEI once, SEI and the state hold the specs, nothing is left."""
    assert accepted_counts(emulator) == dict.fromkeys(wanted, 1)
    assert mismatches(emulator, specs) == {}
    assert unfinished(state_url) == []
    with open_state(state_url) as store:
        assert sorted(store.resources(INVESTOR.name)) == sorted(wanted)
    assert not api.plan(specs, state_url=state_url).has_changes


@pytest.mark.parametrize(
    ("kill_at", "left", "delivered"),
    [
        ("sending", ChangeStatus.INTENT, 0),
        ("answered:202", ChangeStatus.INTENT, 1),
        ("sent", ChangeStatus.SENT, 1),
        ("job_status:In Progress", ChangeStatus.SENT, 1),
    ],
)
def test_an_apply_killed_at_a_point_is_finished_by_the_next_without_sending_twice(
    emulator: RunningEmulator,
    emulator_env: Environment,
    state_url: str,
    specs: Path,
    kill_at: str,
    left: ChangeStatus,
    delivered: int,
) -> None:
    bodies = [body("INV-1001"), body("INV-1002"), body("NEW-7001")]
    write_specs(specs, bodies)
    emulator.admin.behave(job_delay_ms=150)

    killed = run_runner(
        specs,
        state_url,
        emulator_env,
        "--kill-at",
        kill_at,
        "--key",
        "INV-1002",
        "--parallelism",
        "1",
        "--confirm-wait",
        "1",
    )

    assert killed.returncode == KILLED, killed.stdout + killed.stderr
    assert ("INV-1002", left) in unfinished(state_url), unfinished(state_url)
    sent_before = accepted_counts(emulator)
    assert sent_before["INV-1002"] == delivered

    # The killed apply's lock stays behind, naming a holder that is gone, until released.
    assert release_dead_lock(state_url)

    finished = run_runner(specs, state_url, emulator_env, "--confirm-wait", "1")

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert result_line(finished.stdout)["ok"] is True
    assert "settled INV-1002" in finished.stdout
    assert_settled_exactly_once(emulator, state_url, specs, keys(bodies))
    with open_state(state_url) as store:
        outcomes = {r.id: r.outcome for r in store.runs() if r.operation == "apply"}
    assert sorted(outcomes.values()) == ["completed", "crashed"]


def test_applies_killed_at_random_times_end_with_every_change_sent_once(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    bodies = [body(f"INV-10{n:02d}", n) for n in range(1, 9)] + [body("NEW-7101")]
    write_specs(specs, bodies)
    emulator.admin.behave(job_delay_ms=100, latency_ms=30)
    rng = random.Random(7)
    kills = 0
    for _ in range(6):
        run = run_runner(
            specs,
            state_url,
            emulator_env,
            "--kill-after",
            f"{rng.uniform(0.05, 0.6):.3f}",
            "--parallelism",
            "2",
            "--confirm-wait",
            "1",
        )
        assert run.returncode in (0, KILLED), run.stdout + run.stderr
        kills += run.returncode == KILLED
        release_dead_lock(state_url)
    assert kills >= 3, "the delays must mostly land inside an apply"

    final = run_runner(specs, state_url, emulator_env, "--confirm-wait", "1")

    assert final.returncode == 0, final.stdout + final.stderr
    assert_settled_exactly_once(emulator, state_url, specs, keys(bodies))


def test_a_job_timeout_is_unknown_and_jobs_resume_polls_it_instead_of_sending(
    emulator: RunningEmulator, emulator_env: Environment, tmp_path: Path, specs: Path
) -> None:
    bodies = [body("INV-1011"), body("INV-1012")]
    write_specs(specs, bodies)
    write_config(tmp_path, emulator_env)
    emulator.admin.behave(job_delay_ms=1500)

    timed_out = cli(tmp_path, "apply", "--auto-approve", "--job-timeout", "0.2")

    assert timed_out.returncode == 1, timed_out.stdout + timed_out.stderr
    assert "outcome unknown" in timed_out.stdout
    assert "0 completed, 0 failed, 2 unknown" in timed_out.stdout
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    assert sorted(unfinished(state_url)) == [
        ("INV-1011", ChangeStatus.UNKNOWN),
        ("INV-1012", ChangeStatus.UNKNOWN),
    ]
    with open_state(state_url) as store:
        assert store.resources(INVESTOR.name) == {}

    resumed = cli(tmp_path, "jobs", "resume", "--job-timeout", "10")

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "unfinished change of an earlier apply → completed" in resumed.stdout
    assert_settled_exactly_once(emulator, state_url, specs, keys(bodies))
    nothing = cli(tmp_path, "jobs", "resume")
    assert nothing.returncode == 0
    assert nothing.stdout.strip() == "No unfinished jobs: nothing to follow."


def test_after_a_job_timeout_the_next_apply_polls_the_recorded_key(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    bodies = [body("INV-1013")]
    write_specs(specs, bodies)
    emulator.admin.behave(job_delay_ms=800)

    first = run_runner(specs, state_url, emulator_env, "--job-timeout", "0.1")

    assert first.returncode == 1
    assert result_line(first.stdout)["outcomes"] == {"INV-1013": "unknown"}
    assert statuses(state_url) == {"INV-1013": ["unknown"]}

    second = run_runner(specs, state_url, emulator_env)

    assert second.returncode == 0, second.stdout + second.stderr
    assert "sending" not in second.stdout, "a change still pending must not be sent again"
    assert "settled INV-1013 completed" in second.stdout
    assert_settled_exactly_once(emulator, state_url, specs, keys(bodies))


def test_a_second_apply_is_refused_naming_the_lock_holder(
    emulator: RunningEmulator, emulator_env: Environment, tmp_path: Path, specs: Path
) -> None:
    write_specs(specs, [body("INV-1014")])
    write_config(tmp_path, emulator_env)
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    holder = subprocess.Popen(
        runner_args(specs, state_url, emulator_env, "--pause-at", "sent"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environ(),
    )
    try:
        wait_for_line(holder, "sent INV-1014")

        second = cli(tmp_path, "apply", "--auto-approve")

        assert second.returncode == 1
        assert f"pid {holder.pid}" in second.stderr
        assert "the state is locked" in second.stderr and "apply by" in second.stderr
        assert holder.stdin is not None
        holder.stdin.write("go on\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
        if holder.stdin is not None:
            holder.stdin.close()
    assert accepted_counts(emulator) == {"INV-1014": 1}
    assert cli(tmp_path, "apply", "--auto-approve").returncode == 0


def test_ctrl_c_stops_sending_finishes_what_is_in_flight_and_releases_the_lock(
    emulator: RunningEmulator, emulator_env: Environment, tmp_path: Path, specs: Path
) -> None:
    bodies = [body(f"NEW-72{n:02d}", n) for n in range(6)]
    write_specs(specs, bodies)
    write_config(tmp_path, emulator_env)
    emulator.admin.behave(job_delay_ms=300, latency_ms=100)
    apply = cli_process(tmp_path, "apply", "--auto-approve", "--parallelism", "1")
    try:
        before = wait_for_line(apply, ": sent (adopt)")
        apply.send_signal(signal.SIGINT)
        assert apply.stdout is not None
        rest = apply.stdout.read()
        assert apply.wait(timeout=30) == 130, "".join(before) + rest
    finally:
        if apply.poll() is None:
            apply.kill()
            apply.wait()
        if apply.stdout is not None:
            apply.stdout.close()
    output = "".join(before) + rest
    assert "Apply interrupted" in output
    assert "not sent: interrupted before it was sent" in output
    sent = accepted_counts(emulator)
    assert 1 <= len(sent) < len(bodies)
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    # What was in flight was followed to its end within the grace period.
    assert unfinished(state_url) == []
    assert set(statuses(state_url)) == set(sent)
    with open_state(state_url) as store:
        assert sorted(store.resources(INVESTOR.name)) == sorted(sent)
        (run,) = [r for r in store.runs() if r.operation == "apply"]
        assert run.outcome == "interrupted"

    again = cli(tmp_path, "apply", "--auto-approve")

    assert again.returncode == 0, again.stdout + again.stderr
    assert_settled_exactly_once(emulator, state_url, specs, keys(bodies))


def test_ctrl_c_while_settling_an_earlier_run_sends_nothing_new(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    write_specs(specs, [body("INV-1015")])
    emulator.admin.fault("job", outcome="stuck", path="/v1/investors/INV-1015")
    assert run_runner(specs, state_url, emulator_env, "--job-timeout", "0.1").returncode == 1
    write_specs(specs, [body("INV-1015"), body("INV-1016")])
    resumed = subprocess.Popen(
        runner_args(specs, state_url, emulator_env, "--grace", "0.3"),
        stdout=subprocess.PIPE,
        text=True,
        env=environ(),
    )
    try:
        wait_for_line(resumed, "job_status INV-1015 In Progress")
        resumed.send_signal(signal.SIGINT)
        assert resumed.stdout is not None
        rest = resumed.stdout.read()
        assert resumed.wait(timeout=30) == 1, rest
    finally:
        if resumed.poll() is None:
            resumed.kill()
            resumed.wait()
        if resumed.stdout is not None:
            resumed.stdout.close()

    assert "sending INV-1016" not in rest, "Ctrl-C while settling must stop the apply"
    assert accepted_counts(emulator) == {"INV-1015": 1}
    assert unfinished(state_url) == [("INV-1015", ChangeStatus.UNKNOWN)]
    with open_state(state_url) as store:
        outcomes = [r.outcome for r in store.runs() if r.operation == "apply"]
    assert outcomes == ["incomplete", "interrupted"]
