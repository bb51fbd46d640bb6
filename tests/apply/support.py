"""What the apply tests share: small spec sets, the emulator's view of them, exactly-once counts,
child processes (the crash runner and the real CLI) and recovering a lock a killed apply left."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from strategies import Body, spec_text

import statesync
from statesync.cli import main
from statesync.emulator.process import RunningEmulator
from statesync.errors import StateLockedError
from statesync.kinds import INVESTOR, Document
from statesync.plans.diff import leaves
from statesync.remote.config import Environment
from statesync.remote.mapping import investor_document
from statesync.specs import load_specs
from statesync.state import ChangeStatus, open_state

REPO = Path(statesync.__file__).resolve().parents[1]
RUNNER = Path(__file__).with_name("runner.py")
#: The real ``statesync`` command, run as its own process.
CLI = [sys.executable, "-c", "from statesync.cli import main; main(prog_name='statesync')"]

#: Investors the emulator's bundled book holds (adopted with a PATCH).
IN_BOOK = ("INV-1001", "INV-1002", "INV-1003", "INV-1004", "INV-1005", "INV-1006")


def body(key: str, n: int = 0) -> Body:
    """A valid investor spec with a sensitive field, an address and a managed-empty field."""
    return {
        "externalId": key,
        "active": True,
        "name": {"fullName": f"Apply Test {key} v{n}", "abbreviatedLine2": None},
        "primaryTaxId": f"900-{n % 100:02d}-{sum(map(ord, key)) % 10000:04d}",
        "address": [
            {
                "type": "Legal",
                "addressLine1": f"{n + 1} Test Street",
                "city": "Hartford",
                "stateCode": "CT",
                "postalCode": "06103",
                "countryIsoCode": "US",
            }
        ],
    }


def write_specs(root: Path, bodies: Iterable[Body]) -> Path:
    """Write ``bodies`` as one spec file under ``root`` (replacing it); returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "investors.yaml").write_text(spec_text(*bodies), encoding="utf-8")
    return root


def live_document(emulator: RunningEmulator, key: str) -> Document:
    """The canonical document the emulator holds for ``key`` (plain values, as SEI has them)."""
    _, document = investor_document(INVESTOR, emulator.admin.investor(key))
    return document


def mismatches(emulator: RunningEmulator, specs_dir: Path) -> dict[str, list[str]]:
    """Per investor, every managed field whose value in the emulator is not the spec's.

    A managed-empty field (``None`` in the spec) must be absent or empty in the emulator.
    """
    found: dict[str, list[str]] = {}
    for key, spec in load_specs(specs_dir).by_key(INVESTOR.name).items():
        live = dict(leaves(live_document(emulator, key)))
        wrong = ["/".join(p) for p, value in leaves(spec.document) if live.get(p) != value]
        if wrong:
            found[key] = wrong
    return found


def accepted_counts(emulator: RunningEmulator) -> Counter[str]:
    """How many PATCH/POST bodies SEI accepted (202) per externalId: the exactly-once count."""
    counts: Counter[str] = Counter()
    for entry in emulator.admin.received():
        if entry["statusCode"] == 202:
            counts[_key_of(entry)] += 1
    return counts


def _key_of(entry: dict[str, Any]) -> str:
    if entry["method"] == "PATCH":
        return str(entry["path"]).rsplit("/", 1)[-1]
    sent = entry["body"]
    document = sent[0] if isinstance(sent, list) else sent
    return str(document[INVESTOR.key_field])


def statuses(state_url: str) -> dict[str, list[str]]:
    """Every change apply recorded per investor, oldest first, as its latest status."""
    found: dict[str, list[str]] = {}
    with open_state(state_url) as store:
        for entry in store.history():
            found.setdefault(entry.external_id, []).append(entry.status)
    return found


def unfinished(state_url: str) -> list[tuple[str, ChangeStatus]]:
    with open_state(state_url) as store:
        return [(r.external_id, r.status) for r in store.unfinished_changes()]


def release_dead_lock(state_url: str) -> str | None:
    """If a killed apply left the lock behind, release it as a user would; returns its id.

    The refusal must say the holder is gone and name the ``force-unlock`` command.
    """
    with open_state(state_url) as store:
        try:
            with store.lock("probe"):
                return None
        except StateLockedError as exc:
            message = str(exc)
        assert "no longer running" in message, message
        match = re.search(r"statesync force-unlock (\S+)", message)
        assert match, message
        store.force_unlock(match.group(1))
        return match.group(1)


def environ() -> dict[str, str]:
    """The child's environment: ours without any state or credential settings of the developer."""
    dropped = {"STATESYNC_STATE", "STATESYNC_STATE_KEY", "STATESYNC_APP_KEY", "STATESYNC_ENV"}
    dropped |= {"STATESYNC_APP_SECRET", "NO_COLOR", "FORCE_COLOR"}
    kept = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**kept, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


def runner_args(specs: Path, state_url: str, env: Environment, *options: str) -> list[str]:
    """The command line of the crash runner against ``env`` (its fast timings included)."""
    return [
        sys.executable,
        str(RUNNER),
        str(specs),
        state_url,
        env.base_url,
        "--read-timeout",
        str(env.read_timeout),
        *options,
    ]


def run_runner(
    specs: Path, state_url: str, env: Environment, *options: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the crash runner to its end (or its own SIGKILL)."""
    return subprocess.run(
        runner_args(specs, state_url, env, *options),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environ(),
        check=False,
    )


def write_config(root: Path, env: Environment) -> None:
    """A ``statesync.toml`` aiming ``local`` at the test emulator, with the env's fast timings."""
    settings = {
        "base_url": f'"{env.base_url}"',
        "backoff_initial": env.backoff_initial,
        "backoff_max": env.backoff_max,
        "job_poll_initial": env.job_poll_initial,
        "job_poll_max": env.job_poll_max,
        "read_timeout": env.read_timeout,
    }
    lines = ["[environments.local]", *(f"{k} = {v}" for k, v in settings.items())]
    (root / "statesync.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def cli(
    cwd: Path, *args: str, stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the real ``statesync`` command in ``cwd``, stdin a pipe (so not a terminal)."""
    return subprocess.run(
        [*CLI, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environ(),
        check=False,
    )


def cli_process(cwd: Path, *args: str) -> subprocess.Popen[str]:
    """Start the real ``statesync`` command in ``cwd``, its output a pipe read line by line."""
    return subprocess.Popen(
        [*CLI, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environ(),
    )


def wait_for_line(process: subprocess.Popen[str], needle: str) -> list[str]:
    """Read the process's output until a line holds ``needle``; returns the lines read."""
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} never came; exit {process.wait()}:\n{''.join(lines)}")


def keys(bodies: Sequence[Body]) -> list[str]:
    return [str(b["externalId"]) for b in bodies]


def run(*args: str) -> Result:
    """``statesync ARGS`` in this process, in the working directory, stdin not a terminal."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)
