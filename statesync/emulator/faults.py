"""Faults scripted through the admin surface: errors, hangs and jobs that fail or never end.

A fault applies to the next ``count`` API requests (or jobs) that match its method and path
prefix; faults are consumed in the order they were scripted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Fault(BaseModel):
    """One scripted fault.

    - ``status``: answer ``status`` (500, 503, 429…) with SEI's error body, and ``Retry-After``
      when ``retry_after`` is set.
    - ``hang``: wait ``seconds`` before answering (past the client's timeout); then answer 504,
      or, with ``process``, go on and handle the request as if nothing happened.
    - ``job``: the next accepted job ends ``Failed`` with ``message`` (``outcome="fail"``) or
      stays ``In Progress`` for ever (``outcome="stuck"``).
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    kind: Literal["status", "hang", "job"]
    count: int = Field(default=1, ge=1)
    method: str | None = None
    path: str = "/v1/"
    status: int = Field(default=500, ge=400, le=599)
    retry_after: float | None = Field(default=None, ge=0)
    seconds: float = Field(default=0.0, ge=0)
    process: bool = False
    outcome: Literal["fail", "stuck"] = "fail"
    message: str = "Scripted failure"

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and path.startswith(self.path)


class Faults:
    """The script: faults waiting for their requests or jobs."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(self, faults: list[Fault]) -> None:
        self.pending.extend(faults)

    def clear(self) -> None:
        self.pending.clear()

    def take_request_fault(self, method: str, path: str) -> Fault | None:
        """The first request fault matching this request, spending one of its uses."""
        return self._take(lambda f: f.kind != "job" and f.matches(method, path))

    def take_job_fault(self, method: str, path: str) -> Fault | None:
        """The first job fault matching the request that submits a job."""
        return self._take(lambda f: f.kind == "job" and f.matches(method, path))

    def _take(self, wanted: Callable[[Fault], bool]) -> Fault | None:
        for fault in self.pending:
            if wanted(fault):
                fault.count -= 1
                if fault.count == 0:
                    self.pending.remove(fault)
                return fault
        return None
