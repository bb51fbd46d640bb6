"""How an emulator behaves: whom it lets in, where its book lives, and how slow or faulty it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from statesync.remote.config import LOCAL_APP_KEY, LOCAL_APP_SECRET

#: The book of investors an emulator starts from when no ``--data`` file is given.
BUNDLED_BOOK = Path(__file__).parent / "data" / "book.json"


@dataclass
class Behaviour:
    """What may change while the emulator runs (through the admin surface)."""

    latency_ms: int = 0
    job_delay_ms: int = 250
    #: Share of API requests answered with a transient 500, drawn from the seeded RNG.
    fail_rate: float = 0.0
    #: API requests per second accepted before answering 429; ``None`` for no limit.
    rate_limit: float | None = None


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything ``statesync emulator serve`` takes, minus where to listen."""

    app_key: str = LOCAL_APP_KEY
    app_secret: str = LOCAL_APP_SECRET
    #: Loaded at start and saved on shutdown (and on ``POST /_emulator/save``).
    data: Path | None = None
    behaviour: Behaviour = field(default_factory=Behaviour)
    #: Seeds the RNG behind ids, job keys, tracking ids and ``fail_rate``; ``None``: random.
    seed: int | None = None
    token_lifetime: float = 60 * 60.0
    token_idle: float = 30 * 60.0
    #: Seconds a 429 asks the client to wait.
    retry_after: float = 1.0
    page_limit: int = 50
