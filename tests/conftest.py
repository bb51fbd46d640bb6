"""Fixtures shared across the suite.

``emulator`` is a real ``statesync emulator`` process on a free loopback port, started once per
session (``emulator_process``) and reset before each test that uses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from statesync.emulator.process import RunningEmulator, run_emulator
from statesync.emulator.testing import fast_environment
from statesync.remote.config import BUILTIN_ENVIRONMENTS, Environment


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[RunningEmulator]:
    """One emulator process for the session: seeded, jobs settling at once."""
    with run_emulator("--seed", "6", "--job-delay-ms", "0") as running:
        yield running


@pytest.fixture
def emulator(emulator_process: RunningEmulator) -> RunningEmulator:
    """The session's emulator, back to its starting book with no faults or history."""
    emulator_process.admin.reset()
    return emulator_process


@pytest.fixture
def emulator_env(emulator: RunningEmulator) -> Environment:
    """The ``local`` environment aimed at the test emulator, retrying in milliseconds."""
    return fast_environment(replace(BUILTIN_ENVIRONMENTS["local"], base_url=emulator.base_url))
