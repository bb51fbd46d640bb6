"""The SEI client: one async class over httpx that the apply engine and the CLI use.

Every HTTP attempt, retries and token requests included, is reported to ``on_request`` as a
:class:`RequestRecord` (the apply engine writes them to the ledger), so no ``requesttrackingid``
is ever lost. Retries follow the issue's rules: connection errors, timeouts, 5xx, 429 and
errors marked transient, with exponential backoff, jitter and ``Retry-After``; 400/401/403/404
are raised at once (a 401 first renews the token, once).
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from statesync.errors import (
    AuthError,
    NotFoundError,
    RemoteError,
    TransientError,
    UncertainDeliveryError,
)
from statesync.kinds import INVESTOR
from statesync.kinds.base import Document, ResourceKind
from statesync.remote.auth import TOKEN_PATH, TokenCache, basic_authorization
from statesync.remote.config import Credentials, Environment
from statesync.remote.mapping import (
    CHANGE_DATE_FORMAT,
    error_for,
    investor_document,
    is_transient,
)
from statesync.remote.models import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    AcceptedBody,
    JobStatus,
    Page,
    TokenResponse,
    TradeInstruction,
    TradeTicket,
)
from statesync.remote.wire import to_wire

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

INVESTORS_PATH = "/v1/investors"
JOB_STATUS_PATH = "/v1/jobs/insight/status/"
TRADE_TICKETS_PATH = "/v1/order/tradetickets"
PAGE_LIMIT = 50
JSON_PATCH = "application/json-patch+json"
GATEWAY_TIMEOUT = 504
#: Transport errors raised before a request could reach the server.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP attempt: what was asked, what came back, how long it took."""

    method: str
    path: str
    status_code: int | None
    tracking_id: str | None
    attempt: int
    latency_ms: float
    error: str | None


@dataclass(frozen=True)
class Accepted:
    """SEI took a PATCH or POST (202): follow ``job_key`` to learn how it ended."""

    job_key: str
    tracking_id: str | None


@dataclass(frozen=True)
class InvestorRecord:
    """One investor as listed: its key, canonical document and SEI's change date."""

    external_id: str
    document: Document
    change_date: str | None


@dataclass(frozen=True)
class Posted:
    """A trade instruction SEI took, with what it answered."""

    data: dict[str, Any]
    tracking_id: str | None


class SeiClient:
    """Async client for SEI's Investors, Jobs and Trade Order APIs.

    Use as ``async with SeiClient(env, credentials) as client``. Pass ``http`` to supply the
    transport (tests hand in an ``httpx.AsyncClient`` over the emulator's ASGI app); the client
    then leaves its lifetime to the caller.
    """

    def __init__(
        self,
        env: Environment,
        credentials: Credentials,
        *,
        http: httpx.AsyncClient | None = None,
        on_request: Callable[[RequestRecord], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.env = env
        self._credentials = credentials
        self._http = http
        self._owns_http = http is None
        self._on_request = on_request
        self._clock = clock
        self._rng = rng or random.Random()
        self._slots = asyncio.Semaphore(env.parallelism)
        self._pace_lock = asyncio.Lock()
        self._next_send = 0.0
        self._tokens = TokenCache(
            self._fetch_token, renew_margin=env.token_renew_margin, clock=clock
        )

    async def __aenter__(self) -> SeiClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(self.env.read_timeout, connect=self.env.connect_timeout),
                verify=_tls_context(self.env),
                limits=httpx.Limits(max_connections=self.env.parallelism),
            )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    # Investors ----------------------------------------------------------------------------

    async def get_investor(self, external_id: str, kind: ResourceKind = INVESTOR) -> Document:
        """The canonical document SEI holds for ``external_id``; NotFoundError if none."""
        async for record in self.list_investors(external_id=external_id, kind=kind):
            if record.external_id == external_id:
                return record.document
        raise NotFoundError(f"SEI has no investor with externalId {external_id!r}", status_code=404)

    async def list_investors(
        self,
        *,
        external_id: str | None = None,
        alternate_id: str | None = None,
        active: bool | None = None,
        change_start: datetime | None = None,
        change_end: datetime | None = None,
        kind: ResourceKind = INVESTOR,
    ) -> AsyncIterator[InvestorRecord]:
        """Every investor matching the filters, following the cursors through all pages."""
        params: dict[str, str] = {}
        if external_id is not None:
            params["externalId"] = external_id
        if alternate_id is not None:
            params["alternateId"] = alternate_id
        if active is not None:
            params["active"] = "true" if active else "false"
        if change_start is not None:
            params["changeStartDate"] = _sei_time(change_start)
        if change_end is not None:
            params["changeEndDate"] = _sei_time(change_end)
        async for item in self._pages(INVESTORS_PATH, params):
            key, document = investor_document(kind, item)
            change_date = item.get("changeDate")
            yield InvestorRecord(
                key, document, change_date if isinstance(change_date, str) else None
            )

    async def create_investor(
        self, external_id: str, document: Document, kind: ResourceKind = INVESTOR
    ) -> Accepted:
        """POST a new investor: its key plus every non-empty field of ``document``."""
        body = {kind.key_field: external_id, **_without_nulls(kind.to_listed(document))}
        response = await self._send("POST", INVESTORS_PATH, json=body, idempotent=False)
        return self._accepted(response)

    async def patch_investor(
        self, kind: ResourceKind, external_id: str, ops: list[dict[str, Any]]
    ) -> Accepted:
        """PATCH one investor with a plan's canonical RFC 6902 ``ops``, in the env's wire form."""
        body: Any = ops if self.env.wire == "rfc6902" else to_wire(kind, external_id, ops)
        response = await self._send(
            "PATCH",
            f"{INVESTORS_PATH}/{quote(external_id, safe='')}",
            json=body,
            headers={"Content-Type": JSON_PATCH},
            idempotent=False,
        )
        return self._accepted(response)

    # Jobs ---------------------------------------------------------------------------------

    async def job_status(self, key: str) -> JobStatus:
        """Where job ``key`` stands now; an unknown status is logged and read as still running."""
        response = await self._send("GET", JOB_STATUS_PATH + quote(key, safe=""))
        status = _parse(JobStatus, response)
        if status.status not in (COMPLETED, FAILED, IN_PROGRESS):
            log.warning(
                "job %s reports unknown status %r: taken as still running", key, status.status
            )
        return status

    async def wait_for_job(self, key: str, *, max_wait: float | None = None) -> JobStatus:
        """Poll job ``key`` with SEI's recommended backoff until it ends or ``max_wait`` passes.

        Returns the last status seen, which is still running only when ``max_wait`` ran out.
        """
        deadline = None if max_wait is None else self._clock() + max_wait
        delay = self.env.job_poll_initial
        while True:
            status = await self.job_status(key)
            if status.done or (deadline is not None and self._clock() >= deadline):
                return status
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.env.job_poll_max)

    # Trade orders -------------------------------------------------------------------------

    async def list_trade_tickets(
        self, *, ticket_id: int | None = None, status: str | None = None, limit: int | None = None
    ) -> list[TradeTicket]:
        """Every SMA trade ticket matching the filters, all pages."""
        params: dict[str, str] = {}
        if ticket_id is not None:
            params["id"] = str(ticket_id)
        if status is not None:
            params["status"] = status
        tickets: list[TradeTicket] = []
        async for item in self._pages(TRADE_TICKETS_PATH, params, limit or PAGE_LIMIT):
            try:
                tickets.append(TradeTicket.model_validate(item))
            except ValidationError as exc:
                raise RemoteError(f"SEI sent a trade ticket statesync cannot read: {exc}") from exc
        return tickets

    async def post_trade_instruction(self, instruction: TradeInstruction) -> Posted:
        """POST one trade instruction (SEI takes them one record at a time)."""
        body = {"data": instruction.model_dump(by_alias=True, exclude_none=True)}
        response = await self._send(
            "POST", self.env.trade_instruction_path, json=body, idempotent=False
        )
        data = _json(response)
        payload = data.get("data") if isinstance(data, dict) else None
        return Posted(
            payload if isinstance(payload, dict) else {},
            response.headers.get("requesttrackingid"),
        )

    # Plumbing -----------------------------------------------------------------------------

    async def _pages(
        self, path: str, params: Mapping[str, str], limit: int = PAGE_LIMIT
    ) -> AsyncIterator[dict[str, Any]]:
        cursor: str | None = None
        while True:
            query = {**params, "limit": str(limit)}
            if cursor is not None:
                query["after"] = cursor
            page = _parse(Page, await self._send("GET", path, params=query))
            for item in page.data:
                yield item
            cursor = page.paging.cursors.after if page.paging.next else None
            if cursor is None:
                return

    def _accepted(self, response: httpx.Response) -> Accepted:
        body = _parse(AcceptedBody, response)
        return Accepted(body.data.job_status_query_key, response.headers.get("requesttrackingid"))

    async def _fetch_token(self) -> tuple[str, float]:
        response = await self._send(
            "POST",
            TOKEN_PATH,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": basic_authorization(self._credentials)},
            authenticated=False,
        )
        token = _parse(TokenResponse, response)
        return token.access_token, float(token.expires_in)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        idempotent: bool = True,
    ) -> httpx.Response:
        """One logical request: retried as the rules say, every attempt reported.

        A write (``idempotent=False``) is retried only when it provably never took effect: no
        connection was made, or SEI answered that it did not process it (429, 5xx other than
        a gateway timeout). A lost answer raises UncertainDeliveryError instead, since SEI has
        no idempotency key and a blind retry could apply a change twice.
        """
        assert self._http is not None, "use SeiClient as an async context manager"
        renewed = False
        attempt = 0
        last: RemoteError | None = None
        while True:
            attempt += 1
            retry_after: float | None = None
            request_headers = {"AppKey": self._credentials.app_key, **(headers or {})}
            token = await self._tokens.get() if authenticated else None
            if token is not None:
                request_headers["Authorization"] = f"Bearer {token}"
            await self._pace()
            started = time.perf_counter()
            async with self._slots:
                try:
                    response = await self._http.request(
                        method,
                        self.env.base_url + path,
                        params=params,
                        json=json,
                        data=data,
                        headers=request_headers,
                    )
                except httpx.TransportError as exc:
                    response = None
                    text = f"{method} {path}: {type(exc).__name__}: {exc}"
                    if not idempotent and not isinstance(exc, _NEVER_SENT):
                        latency = (time.perf_counter() - started) * 1000
                        self._report(method, path, None, None, attempt, latency, text)
                        raise UncertainDeliveryError(
                            f"{text}: the request may have reached SEI"
                        ) from exc
                    last = TransientError(text)
                    last.__cause__ = exc
            latency = (time.perf_counter() - started) * 1000
            if response is None:
                assert last is not None
                self._report(method, path, None, None, attempt, latency, str(last))
            else:
                tracking = response.headers.get("requesttrackingid")
                if response.is_success:
                    self._report(
                        method, path, response.status_code, tracking, attempt, latency, None
                    )
                    return response
                body = _json(response)
                error = error_for(response.status_code, body, tracking)
                self._report(
                    method, path, response.status_code, tracking, attempt, latency, str(error)
                )
                if response.status_code == 401 and token is not None and not renewed:
                    # The token may have expired early or gone idle: renew it once, at no cost
                    # to the retry budget.
                    self._tokens.invalidate(token)
                    renewed = True
                    continue
                if not idempotent and response.status_code == GATEWAY_TIMEOUT:
                    raise UncertainDeliveryError(
                        f"{method} {path}: {error}: SEI may still have processed it",
                        status_code=response.status_code,
                        tracking_id=tracking,
                    )
                if not is_transient(response.status_code, body):
                    if response.status_code == 401 and not authenticated:
                        raise AuthError(
                            f"SEI refused the application credentials: {error.message}",
                            status_code=401,
                            code=error.code,
                            tracking_id=error.tracking_id,
                        )
                    raise error
                last = error
                retry_after = _retry_after(response.headers.get("Retry-After"))
            if attempt >= self.env.max_attempts + renewed:
                raise TransientError(
                    f"{method} {path}: gave up after {attempt} attempts; last: {last}",
                    status_code=last.status_code,
                    code=last.code,
                    tracking_id=last.tracking_id,
                    problems=last.problems,
                ) from last
            await asyncio.sleep(self._backoff(attempt, retry_after))

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter (half to all of it), never shorter than Retry-After."""
        ceiling = min(self.env.backoff_max, self.env.backoff_initial * 2.0 ** (attempt - 1))
        delay = ceiling * (0.5 + self._rng.random() / 2)
        return max(delay, retry_after or 0.0)

    async def _pace(self) -> None:
        """Keep to the environment's rate limit by spacing request starts evenly."""
        if not self.env.rate_limit:
            return
        async with self._pace_lock:
            now = self._clock()
            wait = self._next_send - now
            self._next_send = max(now, self._next_send) + 1 / self.env.rate_limit
        if wait > 0:
            await asyncio.sleep(wait)

    def _report(
        self,
        method: str,
        path: str,
        status: int | None,
        tracking: str | None,
        attempt: int,
        latency: float,
        error: str | None,
    ) -> None:
        log.debug(
            "%s %s -> %s (attempt %d, %.0f ms, requesttrackingid %s)",
            method,
            path,
            status,
            attempt,
            latency,
            tracking,
        )
        if self._on_request is not None:
            self._on_request(
                RequestRecord(method, path, status, tracking, attempt, round(latency, 3), error)
            )


def _tls_context(env: Environment) -> ssl.SSLContext:
    """Server verification from the CA bundle (or the system's), plus the client certificate."""
    context = ssl.create_default_context(cafile=str(env.ca_bundle) if env.ca_bundle else None)
    if env.client_cert is not None and env.client_key is not None:
        context.load_cert_chain(str(env.client_cert), str(env.client_key))
    return context


def _sei_time(moment: datetime) -> str:
    """``yyyy-MM-ddTHH:mm:ss.SSS`` in UTC (naive datetimes are taken as UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(CHANGE_DATE_FORMAT)[:-3]


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds; HTTP dates are rare from an API gateway and read as absent."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _parse(model: type[M], response: httpx.Response) -> M:
    try:
        return model.model_validate(_json(response))
    except ValidationError as exc:
        raise RemoteError(
            f"SEI's answer to {response.request.method} {response.request.url.path} is not "
            f"the {model.__name__} statesync expects: {exc.error_count()} problem(s)",
            status_code=response.status_code,
            tracking_id=response.headers.get("requesttrackingid"),
        ) from exc


def _without_nulls(value: Any) -> Any:
    """A POST body has nothing to clear: drop ``None`` fields at every level."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
