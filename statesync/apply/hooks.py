"""How apply reports progress: hooks with no-op defaults, so the engine never prints."""

from __future__ import annotations

from statesync.plans import Change


class ApplyHooks:
    """Override what you need; every hook is called on the event loop and must return quickly."""

    def started(self, total: int) -> None:
        """``total`` changes are about to be sent (settled ones from earlier runs not counted)."""

    def sending(self, change: Change) -> None:
        """The intent is in the ledger; the request is about to go out."""

    def sent(self, change: Change, job_key: str) -> None:
        """SEI accepted the change (202) and returned the job to follow."""

    def job_status(self, change: Change, status: str) -> None:
        """A job reported a status different from the last one seen."""

    def completed(self, change: Change) -> None:
        """The job completed and the state now holds the change."""

    def failed(self, change: Change, messages: list[str]) -> None:
        """SEI refused the change or its job failed; the state is unchanged."""

    def unknown(self, change: Change, reason: str) -> None:
        """The outcome is not known yet (job still running, or delivery uncertain)."""

    def skipped(self, change: Change, reason: str) -> None:
        """The change was not sent (interrupted, or an earlier send of it is still pending)."""

    def settled(self, key: str, outcome: str) -> None:
        """An unfinished change from an earlier run was followed to ``outcome``."""

    def finished(self) -> None:
        """Nothing more will be reported."""
