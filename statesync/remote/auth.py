"""The OAuth token: fetched with client credentials, cached, renewed before it expires.

A client-credentials token cannot be refreshed, so "renew" means asking for a new one: shortly
before its 60 minutes are up, before its 30 idle minutes are up, and once when SEI answers 401.
The token lives only in memory and is never logged; its repr hides it.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from statesync.remote.config import Credentials

TOKEN_PATH = "/v2/oauthtoken"
#: SEI drops a token after 30 minutes without use, whatever ``expires_in`` says.
IDLE_LIFETIME = 30 * 60.0


@dataclass
class Token:
    value: str = field(repr=False)
    expires_at: float
    last_used: float

    def usable(self, now: float, margin: float) -> bool:
        return now < self.expires_at - margin and now - self.last_used < IDLE_LIFETIME - margin


def basic_authorization(credentials: Credentials) -> str:
    """The token request's ``Authorization`` header: base64 of ``AppKey:AppSecret``."""
    pair = f"{credentials.app_key}:{credentials.app_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class TokenCache:
    """Hands out a valid bearer token, fetching a new one only when needed (one fetch at a time).

    ``fetch`` performs the token request and returns ``(access_token, expires_in)``; the client
    supplies it so the request goes through its retries and request records. Callers that were
    waiting while a fetch failed get its error rather than each running every retry again.
    """

    def __init__(
        self,
        fetch: Callable[[], Awaitable[tuple[str, float]]],
        *,
        renew_margin: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._renew_margin = renew_margin
        self._clock = clock
        self._token: Token | None = None
        self._lock = asyncio.Lock()
        self._failures = 0
        self._failure: BaseException | None = None

    async def get(self) -> str:
        """A token that SEI will accept for a while yet."""
        failures = self._failures
        async with self._lock:
            if self._failures != failures and self._failure is not None:
                raise self._failure
            now = self._clock()
            if self._token is None or not self._token.usable(now, self._renew_margin):
                try:
                    value, expires_in = await self._fetch()
                except Exception as exc:
                    self._failures += 1
                    self._failure = exc
                    raise
                now = self._clock()
                self._token = Token(value, expires_at=now + expires_in, last_used=now)
            self._token.last_used = now
            return self._token.value

    def invalidate(self, value: str) -> None:
        """Forget ``value`` after SEI refused it, unless a newer token already replaced it."""
        if self._token is not None and self._token.value == value:
            self._token = None
