"""The one exception tree of statesync.

    StatesyncError
    ├── SpecError              specs that do not load or validate (carries diagnostics)
    ├── StateError             the state database: opening, migrating, reading, writing
    │   ├── StateLockedError   another process holds the state lock
    │   └── StaleStateError    a saved plan no longer matches the state
    ├── PlanError              a plan that cannot be made, saved or read
    │   └── WireError          a patch that has no investor wire body, or a body that is no patch
    ├── ConfigError            statesync.toml, environments, credentials
    ├── RemoteError            the SEI API (or the emulator) answered with an error
    │   ├── AuthError          401/403, or no token could be had
    │   ├── NotFoundError      404
    │   ├── TransientError     retries exhausted on timeouts, 5xx, 429
    │   └── UncertainDeliveryError  a write's answer was lost after it may have landed
    └── ApplyError             an apply that could not run to its end

Library code raises these; only the CLI turns them into messages and exit codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from statesync.diagnostics import Diagnostic


class StatesyncError(Exception):
    """Root of every error statesync raises on purpose."""


class SpecError(StatesyncError):
    """Specs failed to load or validate; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


class StateError(StatesyncError):
    """The state database could not be opened, migrated, read or written."""


class StateLockedError(StateError):
    """Another process holds the state lock."""


class StaleStateError(StateError):
    """A saved plan was made against a state that has since moved on."""


class PlanError(StatesyncError):
    """A plan could not be made, saved or read."""


class WireError(PlanError):
    """A patch cannot be put in SEI's wire body, or a wire body is not a valid patch.

    ``field`` names the offending field (API name or JSON pointer) when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class ConfigError(StatesyncError):
    """statesync.toml, an environment or credentials are missing or wrong."""


@dataclass(frozen=True)
class FieldProblem:
    """One entry of an SEI error body's ``errors[]``: which field, where, and why."""

    field: str | None
    reason: str | None
    location: str | None = None

    def __str__(self) -> str:
        return f"{self.field or self.location or '?'}: {self.reason or 'invalid'}"


class RemoteError(StatesyncError):
    """The SEI API answered with an error that retrying will not fix.

    Carries what SEI's error body says (``code``, ``message``, ``errors[]``), the HTTP status
    and the ``requesttrackingid`` SEI support asks for, so the ledger and the CLI can show them.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        tracking_id: str | None = None,
        problems: Sequence[FieldProblem] = (),
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.code = code
        self.tracking_id = tracking_id
        self.problems = tuple(problems)
        details = "; ".join(str(p) for p in self.problems)
        super().__init__(f"{message} ({details})" if details else message)


class AuthError(RemoteError):
    """Authentication or authorisation failed (401/403, or no token)."""


class NotFoundError(RemoteError):
    """The API answered 404 for the resource asked for."""


class TransientError(RemoteError):
    """Retries were exhausted on timeouts, connection errors, 5xx or 429."""


class UncertainDeliveryError(RemoteError):
    """A PATCH or POST whose answer was lost after it may have reached SEI (a read timeout, a
    dropped connection): it is not retried blindly, since SEI has no idempotency key."""


class ApplyError(StatesyncError):
    """An apply could not run to its end."""
