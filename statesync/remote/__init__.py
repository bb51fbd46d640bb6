"""The SEI API client: environments, token, retries, the investor wire body, typed responses."""

from __future__ import annotations

from statesync.remote.client import Accepted, InvestorRecord, Posted, RequestRecord, SeiClient
from statesync.remote.config import Credentials, Environment, load_environments, select_environment
from statesync.remote.models import JobStatus, TradeInstruction, TradeTicket
from statesync.remote.wire import from_wire, to_wire

__all__ = [
    "Accepted",
    "Credentials",
    "Environment",
    "InvestorRecord",
    "JobStatus",
    "Posted",
    "RequestRecord",
    "SeiClient",
    "TradeInstruction",
    "TradeTicket",
    "from_wire",
    "load_environments",
    "select_environment",
    "to_wire",
]
