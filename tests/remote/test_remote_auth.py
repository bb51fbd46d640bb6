"""Token caching and renewal timing, and the public surface, without a server."""

from __future__ import annotations

import asyncio

import statesync.remote
from statesync.remote.auth import IDLE_LIFETIME, TokenCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _cache(clock: Clock, issued: list[str]) -> TokenCache:
    async def fetch() -> tuple[str, float]:
        issued.append(f"token-{len(issued) + 1}")
        return issued[-1], 3600.0

    return TokenCache(fetch, renew_margin=60.0, clock=clock)


def test_a_token_is_reused_until_shortly_before_it_expires() -> None:
    clock, issued = Clock(), []
    cache = _cache(clock, issued)

    async def scenario() -> list[str]:
        seen = [await cache.get()]
        for _ in range(6):
            clock.now += 500  # used every 500 s: never idle, ages to 3000 s
            seen.append(await cache.get())
        clock.now += 550  # 3550 s old: inside the 60 s renewal margin
        seen.append(await cache.get())
        return seen

    assert asyncio.run(scenario()) == ["token-1"] * 7 + ["token-2"]


def test_an_idle_token_is_renewed_and_a_refused_one_forgotten() -> None:
    clock, issued = Clock(), []
    cache = _cache(clock, issued)

    async def scenario() -> list[str]:
        first = await cache.get()
        clock.now += IDLE_LIFETIME - 30
        second = await cache.get()
        cache.invalidate("some older token")
        third = await cache.get()
        cache.invalidate(third)
        return [first, second, third, await cache.get()]

    assert asyncio.run(scenario()) == ["token-1", "token-2", "token-2", "token-3"]


def test_concurrent_callers_share_one_fetch() -> None:
    clock, issued = Clock(), []
    cache = _cache(clock, issued)

    async def scenario() -> set[str]:
        return set(await asyncio.gather(*(cache.get() for _ in range(10))))

    assert asyncio.run(scenario()) == {"token-1"}


def test_public_surface() -> None:
    assert set(statesync.remote.__all__) == {
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
    }


def test_callers_waiting_on_a_failed_fetch_get_its_error_without_fetching_again() -> None:
    clock, attempts = Clock(), []

    async def fetch() -> tuple[str, float]:
        attempts.append(len(attempts))
        await asyncio.sleep(0.01)
        raise ConnectionError("SEI is down")

    cache = TokenCache(fetch, renew_margin=60.0, clock=clock)

    async def scenario() -> list[BaseException | str]:
        waiting = await asyncio.gather(*(cache.get() for _ in range(8)), return_exceptions=True)
        return [*waiting, *await asyncio.gather(cache.get(), return_exceptions=True)]

    outcomes = asyncio.run(scenario())

    assert all(isinstance(o, ConnectionError) for o in outcomes)
    # One fetch for the eight that asked together; a caller coming later tries again.
    assert attempts == [0, 1]
