"""Test helpers for the client against an emulator: environments that retry in milliseconds."""

from __future__ import annotations

from dataclasses import replace

from statesync.remote.config import Environment


def fast_environment(env: Environment) -> Environment:
    """``env`` with backoffs and job polls shrunk so retry paths run in milliseconds."""
    return replace(
        env,
        backoff_initial=0.001,
        backoff_max=0.01,
        job_poll_initial=0.001,
        job_poll_max=0.01,
        read_timeout=5.0,
    )
