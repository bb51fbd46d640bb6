"""Apply: send each change, follow every job to its end, and keep the ledger and state true."""

from statesync.apply.executor import ApplyOptions, Executor, Outcome
from statesync.apply.hooks import ApplyHooks

__all__ = ["ApplyHooks", "ApplyOptions", "Executor", "Outcome"]
