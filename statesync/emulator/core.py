"""The emulator's state and gatekeeping: tokens, clock, RNG, faults, rate limit, what arrived.

Routes (``api.py`` for SEI's endpoints, ``admin.py`` for the test surface) are thin; what SEI
would decide (who is let in, which request fails, when a job ends) is decided here.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import random
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from statesync.emulator.book import Book, read_book
from statesync.emulator.config import BUNDLED_BOOK, EmulatorConfig
from statesync.emulator.faults import Faults
from statesync.emulator.jobs import Jobs


class SeiError(Exception):
    """An answer in SEI's error shape; the app's handler renders it."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        errors: Sequence[Mapping[str, str | None]] = (),
        transient: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.errors = [dict(e) for e in errors]
        self.transient = transient
        self.headers = headers or {}


def investor_not_found(external_id: str) -> SeiError:
    """SEI's 404 for an externalId it does not hold."""
    return SeiError(404, "resource.not.found", f"Investor {external_id!r} not found")


def bad_request(message: str, field: str | None = None, location: str = "body") -> SeiError:
    """A 400 naming the problem, and the field when there is one."""
    errors = [{"field": field, "location": location, "reason": message}] if field else []
    return SeiError(400, "request.validation.failure", message, errors=errors)


@dataclass
class IssuedToken:
    app_key: str
    issued: float
    last_used: float
    revoked: bool = False


@dataclass
class Received:
    """A PATCH or POST body that reached an endpoint: what the apply tests count."""

    seq: int
    time: str
    method: str
    path: str
    content_type: str
    body: Any
    tracking_id: str
    status_code: int = 0
    job_key: str | None = None

    def shown(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "contentType": self.content_type,
            "body": self.body,
            "trackingId": self.tracking_id,
            "statusCode": self.status_code,
            "jobKey": self.job_key,
        }


class Emulator:
    """One emulated SEI: its book, jobs, tokens and fault script."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.behaviour = replace(config.behaviour)
        self.apps = {config.app_key: config.app_secret}
        self.rng = random.Random(config.seed if config.seed is not None else secrets.randbits(64))
        self.book = Book()
        self.jobs = Jobs()
        self.faults = Faults()
        self.tokens: dict[str, IssuedToken] = {}
        self.received: list[Received] = []
        self.clock_offset = 0.0
        self._window_start = 0.0
        self._window_count = 0
        self.reset()

    # Time, ids, the book --------------------------------------------------------------------

    def now(self) -> float:
        """Monotonic seconds, shifted by the admin clock, for token and job timing."""
        return time.monotonic() + self.clock_offset

    @staticmethod
    def wall() -> datetime:
        return datetime.now(UTC)

    def tracking_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def job_key(self) -> str:
        """Opaque base64, like the keys in SEI's samples."""
        return base64.b64encode(self.rng.randbytes(18)).decode("ascii")

    def new_id(self) -> str:
        return str(self.rng.randrange(10**8, 10**9))

    def reset(self) -> None:
        """Back to the book loaded at start, with no jobs, faults or received bodies."""
        self.behaviour = replace(self.config.behaviour)
        path = self.config.data if self.config.data and self.config.data.exists() else BUNDLED_BOOK
        self.book.load(read_book(path), self.new_id, self.wall())
        self.jobs = Jobs()
        self.faults.clear()
        self.received.clear()

    def settle(self) -> None:
        self.jobs.settle(self.book, self.now(), self.wall())

    # Gatekeeping ----------------------------------------------------------------------------

    async def gate(self, method: str, path: str) -> None:
        """What happens before an API request is handled: latency, rate limit, faults."""
        if self.behaviour.latency_ms:
            await asyncio.sleep(self.behaviour.latency_ms / 1000)
        self._check_rate()
        fault = self.faults.take_request_fault(method, path)
        if fault is not None and fault.kind == "hang":
            await asyncio.sleep(fault.seconds)
            if not fault.process:
                raise SeiError(504, "gateway.timeout", "Upstream timed out", transient=True)
        elif fault is not None:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = _seconds(fault.retry_after)
            raise SeiError(
                fault.status, "scripted.fault", fault.message, transient=True, headers=headers
            )
        if path.startswith("/v1/") and self.rng.random() < self.behaviour.fail_rate:
            raise SeiError(500, "internal.server.error", "Internal Server Error", transient=True)

    def _check_rate(self) -> None:
        limit = self.behaviour.rate_limit
        if not limit:
            return
        now = self.now()
        if now - self._window_start >= 1.0:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        if self._window_count > limit:
            raise SeiError(
                429,
                "gateway.rate.limit.exceeded",
                "Too many requests",
                transient=True,
                headers={"Retry-After": _seconds(self.config.retry_after)},
            )

    # Tokens -----------------------------------------------------------------------------------

    def issue_token(self, authorization: str | None) -> dict[str, Any]:
        """``POST /v2/oauthtoken``: check ``AppKey:AppSecret`` and hand out a bearer token."""
        if not authorization:
            raise _unauthorized("Authorization header with the app credentials is missing")
        encoded = authorization.removeprefix("Basic ").strip()
        try:
            key, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise _unauthorized("Authorization is not base64 of AppKey:AppSecret") from None
        if self.apps.get(key) != secret or not secret:
            raise _unauthorized("Invalid client credentials")
        token = secrets.token_urlsafe(32)
        now = self.now()
        self.tokens[token] = IssuedToken(key, issued=now, last_used=now)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(self.config.token_lifetime),
        }

    def authenticate(self, authorization: str | None, app_key: str | None) -> None:
        """401 for a missing, unknown or expired token; 403 for an AppKey not the token's."""
        if not authorization or not authorization.startswith("Bearer "):
            raise _unauthorized("Access Token missing")
        issued = self.tokens.get(authorization.removeprefix("Bearer ").strip())
        if issued is None:
            raise _unauthorized("Invalid Access Token")
        now = self.now()
        if (
            issued.revoked
            or now - issued.issued >= self.config.token_lifetime
            or now - issued.last_used >= self.config.token_idle
        ):
            raise _unauthorized("Access Token expired")
        if app_key != issued.app_key:
            raise SeiError(
                403, "gateway.authorization.failure", "AppKey does not match the access token"
            )
        issued.last_used = now

    def expire_tokens(self) -> int:
        for token in self.tokens.values():
            token.revoked = True
        return len(self.tokens)

    # What arrived -----------------------------------------------------------------------------

    def receive(
        self, method: str, path: str, content_type: str, body: Any, tracking_id: str
    ) -> Received:
        entry = Received(
            seq=len(self.received) + 1,
            time=self.wall().isoformat(timespec="milliseconds"),
            method=method,
            path=path,
            content_type=content_type,
            body=body,
            tracking_id=tracking_id,
        )
        self.received.append(entry)
        return entry


def _unauthorized(message: str) -> SeiError:
    return SeiError(401, "gateway.authentication.failure", message)


def _seconds(value: float) -> str:
    """A Retry-After value: whole seconds when whole, as HTTP writes them."""
    return str(int(value)) if float(value).is_integer() else str(value)
