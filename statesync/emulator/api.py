"""SEI's endpoints as the seeds and public documents describe them.

Each handler passes the gate (latency, rate limit, faults), then authentication, then checks
the request's shape (400 naming the problem) before it accepts work (202 + job key).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from statesync.emulator.book import stamp
from statesync.emulator.core import Emulator, Received, SeiError, bad_request, investor_not_found
from statesync.emulator.jobs import Job
from statesync.errors import WireError
from statesync.kinds import INVESTOR
from statesync.remote.mapping import CHANGE_DATE_FORMAT
from statesync.remote.models import TradeInstruction
from statesync.remote.wire import from_wire, leaf_ops

router = APIRouter()

JSON_PATCH = "application/json-patch+json"


def emulator_of(request: Request) -> Emulator:
    emulator = request.app.state.emulator
    assert isinstance(emulator, Emulator)
    return emulator


async def _enter(request: Request, *, authenticated: bool = True) -> Emulator:
    emulator = emulator_of(request)
    # The whole request arrives before SEI decides anything: a hang that goes on to process
    # it (the client timed out meanwhile) still has the body to process.
    await request.body()
    await emulator.gate(request.method, request.url.path)
    if authenticated:
        emulator.authenticate(request.headers.get("Authorization"), request.headers.get("AppKey"))
    emulator.settle()
    return emulator


@router.post("/v2/oauthtoken")
async def oauth_token(request: Request) -> JSONResponse:
    emulator = await _enter(request, authenticated=False)
    content_type = request.headers.get("Content-Type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        raise bad_request(
            "Content-Type must be application/x-www-form-urlencoded", "Content-Type", "header"
        )
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    if form.get("grant_type") != ["client_credentials"]:
        raise bad_request("grant_type must be client_credentials", "grant_type")
    return JSONResponse(emulator.issue_token(request.headers.get("Authorization")))


@router.get("/v1/investors")
async def list_investors(request: Request) -> JSONResponse:
    emulator = await _enter(request)
    query = request.query_params
    records = sorted(emulator.book.investors.values(), key=lambda r: r.external_id)
    if "externalId" in query:
        records = [r for r in records if r.external_id == query["externalId"]]
    if "alternateId" in query:
        records = [r for r in records if r.document.get("alternateId") == query["alternateId"]]
    if "active" in query:
        if query["active"] not in ("true", "false"):
            raise bad_request("active must be true or false", "active", "query")
        wanted = query["active"] == "true"
        records = [r for r in records if r.document.get("active") is wanted]
    if "changeStartDate" in query:
        start = _change_date(query["changeStartDate"], "changeStartDate")
        records = [r for r in records if r.change_date >= start]
    if "changeEndDate" in query:
        end = _change_date(query["changeEndDate"], "changeEndDate")
        records = [r for r in records if r.change_date <= end]
    shown = [emulator.book.shown(r) for r in records]
    return JSONResponse(_page(emulator, request, shown))


async def _receive_write(request: Request, content_type: str) -> tuple[Emulator, Any, Received]:
    """The prologue of every write: authenticate, check the content type, log what arrived."""
    emulator = await _enter(request)
    _require_content_type(request, content_type)
    body = await _json_body(request)
    entry = emulator.receive(
        request.method, request.url.path, _content_type(request), body, _tracking(request)
    )
    return emulator, body, entry


@router.post("/v1/investors")
async def create_investor(request: Request) -> JSONResponse:
    emulator, body, entry = await _receive_write(request, "application/json")
    document = body[0] if isinstance(body, list) and len(body) == 1 else body
    try:
        external_id, ops = from_wire(INVESTOR, [document])
    except WireError as exc:
        entry.status_code = 400
        raise bad_request(str(exc), exc.field) from exc
    if external_id in emulator.book.investors:
        entry.status_code = 400
        raise bad_request(f"an investor with externalId {external_id!r} exists", "externalId")
    return _accept(emulator, request, entry, "create", external_id, ops)


@router.patch("/v1/investors/{external_id}")
async def patch_investor(external_id: str, request: Request) -> JSONResponse:
    emulator, body, entry = await _receive_write(request, JSON_PATCH)
    try:
        if isinstance(body, list) and body and all(isinstance(o, dict) and "op" in o for o in body):
            ops = leaf_ops(INVESTOR, body)
        else:
            named, ops = from_wire(INVESTOR, body)
            if named != external_id:
                raise WireError(
                    f"the body's externalId {named!r} is not the path's {external_id!r}",
                    field="externalId",
                )
    except (WireError, KeyError, TypeError) as exc:
        entry.status_code = 400
        field = exc.field if isinstance(exc, WireError) else None
        raise bad_request(
            str(exc) if isinstance(exc, WireError) else "malformed patch", field
        ) from exc
    if external_id not in emulator.book.investors:
        entry.status_code = 404
        raise investor_not_found(external_id)
    return _accept(emulator, request, entry, "patch", external_id, ops)


@router.get("/v1/jobs/{app_name}/status/{key:path}")
async def job_status(app_name: str, key: str, request: Request) -> JSONResponse:
    emulator = await _enter(request)
    if app_name != "insight":
        raise bad_request("appName must be insight", "appName", "path")
    job = emulator.jobs.by_key.get(key)
    if job is None:
        raise SeiError(404, "resource.not.found", "No job with this key")
    return JSONResponse(job.shown())


@router.get("/v1/order/tradetickets")
async def list_trade_tickets(request: Request) -> JSONResponse:
    emulator = await _enter(request)
    tickets = list(emulator.book.tickets)
    query = request.query_params
    if "id" in query:
        if not query["id"].isdigit():
            raise bad_request("id must be an integer", "id", "query")
        tickets = [t for t in tickets if t.get("tradeTicketId") == int(query["id"])]
    if "status" in query:
        tickets = [t for t in tickets if t.get("status") == query["status"]]
    return JSONResponse(_page(emulator, request, tickets))


@router.post("/v1/order/tradetickets")
async def post_trade_instruction(request: Request) -> JSONResponse:
    emulator, body, entry = await _receive_write(request, "application/json")
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        entry.status_code = 400
        raise bad_request('the body must be {"data": {…one trade instruction…}}', "data")
    try:
        instruction = TradeInstruction.model_validate(body["data"])
    except ValidationError as exc:
        entry.status_code = 400
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "location": "body", "reason": e["msg"]}
            for e in exc.errors()
        ]
        raise SeiError(
            400, "request.validation.failure", "The trade instruction is not valid", errors=errors
        ) from exc
    entry.status_code = 200
    data = instruction.model_dump(by_alias=True, exclude_none=True)
    return JSONResponse(
        {"data": {**data, "status": "Received", "receivedDate": stamp(emulator.wall())}}
    )


def _accept(
    emulator: Emulator,
    request: Request,
    entry: Any,
    action: str,
    external_id: str,
    ops: list[dict[str, Any]],
) -> JSONResponse:
    fault = emulator.faults.take_job_fault(request.method, request.url.path)
    job = Job(
        key=emulator.job_key(),
        action="create" if action == "create" else "patch",
        external_id=external_id,
        ops=ops,
        due=emulator.now() + emulator.behaviour.job_delay_ms / 1000,
        batch_id=emulator.new_id(),
        tracking_id=_tracking(request),
        record_id=emulator.new_id(),
        forced=fault.outcome if fault else None,
        forced_message=fault.message if fault else "",
    )
    emulator.jobs.submit(job)
    entry.status_code = 202
    entry.job_key = job.key
    return JSONResponse({"data": {"jobStatusQueryKey": job.key}}, status_code=202)


def _page(emulator: Emulator, request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of ``items`` with SEI's cursor paging: opaque base64 offsets, at most 50."""
    query = request.query_params
    try:
        limit = int(query.get("limit", emulator.config.page_limit))
    except ValueError:
        raise bad_request("limit must be an integer", "limit", "query") from None
    if not 1 <= limit <= emulator.config.page_limit:
        raise bad_request(f"limit must be 1 to {emulator.config.page_limit}", "limit", "query")
    start = 0
    for name, shift in (("after", 0), ("before", -limit)):
        if name in query:
            start = max(0, _offset(query[name], name) + shift)
    end = min(start + limit, len(items))
    after = _cursor(end) if end < len(items) else None
    before = _cursor(start) if start > 0 else None
    base = str(request.url.remove_query_params(["after", "before"]))
    sep = "&" if "?" in base else "?"
    return {
        "data": items[start:end],
        "paging": {
            "totalCount": len(items),
            "limit": limit,
            "cursors": {"before": before, "after": after},
            "previous": f"{base}{sep}before={before}" if before else None,
            "next": f"{base}{sep}after={after}" if after else None,
        },
    }


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode("ascii")


def _offset(cursor: str, name: str) -> int:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))["o"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeEncodeError):
        raise bad_request(f"{name} is not a cursor this API issued", name, "query") from None
    if not isinstance(value, int) or value < 0:
        raise bad_request(f"{name} is not a cursor this API issued", name, "query")
    return value


def _change_date(value: str, name: str) -> datetime:
    try:
        return datetime.strptime(value, CHANGE_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise bad_request(f"{name} must be yyyy-MM-ddTHH:mm:ss.SSS", name, "query") from None


def _content_type(request: Request) -> str:
    return request.headers.get("Content-Type", "")


def _require_content_type(request: Request, wanted: str) -> None:
    if _content_type(request).split(";")[0].strip().lower() != wanted:
        raise bad_request(f"Content-Type must be {wanted}", "Content-Type", "header")


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise bad_request("the body is not JSON", "body") from None


def _tracking(request: Request) -> str:
    value = request.state.tracking_id
    assert isinstance(value, str)
    return value
