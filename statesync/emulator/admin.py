"""The test and rehearsal surface, under ``/_emulator`` (a prefix SEI does not have).

Reset and load the book, read what was received, script faults, change a record behind the
client's back, age tokens, move the clock and tune latency, job delay, fail and rate limits.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError

from statesync.emulator.api import emulator_of
from statesync.emulator.book import Record
from statesync.emulator.core import Emulator, bad_request, investor_not_found
from statesync.emulator.faults import Fault
from statesync.emulator.jobs import apply_ops
from statesync.errors import ConfigError, WireError
from statesync.kinds import INVESTOR
from statesync.remote.mapping import investor_document
from statesync.remote.wire import from_wire

PREFIX = "/_emulator"
router = APIRouter(prefix=PREFIX)

_FAULTS = TypeAdapter(list[Fault])


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    emulator = emulator_of(request)
    return {"ok": True, "investors": len(emulator.book.investors)}


@router.post("/reset")
async def reset(request: Request) -> dict[str, Any]:
    """Back to the starting book and behaviour; no jobs, faults or received bodies."""
    emulator = emulator_of(request)
    emulator.reset()
    return {"investors": len(emulator.book.investors)}


@router.post("/load")
async def load(request: Request) -> dict[str, Any]:
    """Replace the book with the body (``?merge=true`` to add to it instead)."""
    emulator = emulator_of(request)
    try:
        emulator.book.load(
            await request.json(),
            emulator.new_id,
            emulator.wall(),
            replace=request.query_params.get("merge") != "true",
        )
    except (ConfigError, ValueError) as exc:
        raise bad_request(str(exc)) from exc
    return {"investors": len(emulator.book.investors)}


@router.post("/save")
async def save(request: Request) -> dict[str, Any]:
    """Write the book to the ``--data`` file now."""
    emulator = emulator_of(request)
    if emulator.config.data is None:
        raise bad_request("the emulator was started without --data")
    emulator.settle()
    emulator.book.save(emulator.config.data)
    return {"saved": str(emulator.config.data)}


@router.get("/investors")
async def dump(request: Request) -> dict[str, Any]:
    emulator = emulator_of(request)
    emulator.settle()
    return emulator.book.dump()


@router.get("/investors/{external_id}")
async def show(external_id: str, request: Request) -> dict[str, Any]:
    emulator = emulator_of(request)
    record = _record(emulator, external_id)
    return emulator.book.shown(record)


@router.put("/investors/{external_id}")
async def put(external_id: str, request: Request) -> dict[str, Any]:
    """Set a whole record behind the client's back (as the API shows it, without id)."""
    emulator = emulator_of(request)
    body = await request.json()
    if not isinstance(body, dict):
        raise bad_request("the body must be an investor object")
    _, document = investor_document(INVESTOR, {**body, INVESTOR.key_field: external_id})
    old = emulator.book.investors.get(external_id)
    emulator.book.investors[external_id] = Record(
        external_id, old.internal_id if old else emulator.new_id(), document, emulator.wall()
    )
    return emulator.book.shown(emulator.book.investors[external_id])


@router.patch("/investors/{external_id}")
async def touch(external_id: str, request: Request) -> dict[str, Any]:
    """Change some fields behind the client's back: a partial investor, ``??NULL??`` clears."""
    emulator = emulator_of(request)
    record = _record(emulator, external_id)
    body = await request.json()
    if not isinstance(body, dict):
        raise bad_request("the body must be a partial investor object")
    try:
        _, ops = from_wire(INVESTOR, [{**body, INVESTOR.key_field: external_id}])
    except WireError as exc:
        raise bad_request(str(exc), exc.field) from exc
    record.document = apply_ops(record.document, ops)
    record.change_date = emulator.wall()
    return emulator.book.shown(record)


@router.delete("/investors/{external_id}")
async def delete(external_id: str, request: Request) -> dict[str, Any]:
    emulator = emulator_of(request)
    if emulator.book.investors.pop(external_id, None) is None:
        raise investor_not_found(external_id)
    return {"deleted": external_id}


@router.get("/received")
async def received(request: Request) -> list[dict[str, Any]]:
    """Every PATCH/POST body that reached an endpoint, oldest first, with time and outcome."""
    return [entry.shown() for entry in emulator_of(request).received]


@router.get("/jobs")
async def jobs(request: Request) -> list[dict[str, Any]]:
    emulator = emulator_of(request)
    emulator.settle()
    return [
        {"key": j.key, "action": j.action, "externalId": j.external_id, **j.shown()}
        for j in emulator.jobs.by_key.values()
    ]


@router.post("/faults")
async def add_faults(request: Request) -> list[dict[str, Any]]:
    """Script one fault (an object) or several (an array); see ``Fault`` for the fields."""
    emulator = emulator_of(request)
    body = await request.json()
    try:
        faults = _FAULTS.validate_python(body if isinstance(body, list) else [body])
    except ValidationError as exc:
        raise bad_request(f"not a fault: {exc}") from exc
    emulator.faults.add(faults)
    return [f.model_dump(by_alias=True) for f in emulator.faults.pending]


@router.get("/faults")
async def list_faults(request: Request) -> list[dict[str, Any]]:
    return [f.model_dump(by_alias=True) for f in emulator_of(request).faults.pending]


@router.delete("/faults")
async def clear_faults(request: Request) -> dict[str, Any]:
    emulator_of(request).faults.clear()
    return {"cleared": True}


@router.post("/tokens/expire")
async def expire_tokens(request: Request) -> dict[str, Any]:
    """Make every issued token answer 401 "Access Token expired" from now on."""
    return {"expired": emulator_of(request).expire_tokens()}


@router.post("/clock")
async def clock(request: Request) -> dict[str, Any]:
    """Move the emulator's clock forward by ``{"advance": seconds}`` (tokens age, jobs fall due)."""
    emulator = emulator_of(request)
    body = await request.json()
    advance = body.get("advance") if isinstance(body, dict) else None
    if not isinstance(advance, int | float) or advance < 0:
        raise bad_request('the body must be {"advance": <seconds, >= 0>}', "advance")
    emulator.clock_offset += advance
    return {"offset": emulator.clock_offset}


@router.get("/behaviour")
async def get_behaviour(request: Request) -> dict[str, Any]:
    return asdict(emulator_of(request).behaviour)


@router.patch("/behaviour")
async def set_behaviour(request: Request) -> JSONResponse:
    """Change latency_ms, job_delay_ms, fail_rate or rate_limit while running."""
    emulator = emulator_of(request)
    body = await request.json()
    current = asdict(emulator.behaviour)
    if not isinstance(body, dict) or set(body) - set(current):
        raise bad_request(f"the body may set only {', '.join(sorted(current))}")
    for name, value in body.items():
        setattr(emulator.behaviour, name, value)
    return JSONResponse(asdict(emulator.behaviour))


def _record(emulator: Emulator, external_id: str) -> Record:
    """The record as it stands once due jobs have run; SEI's 404 when there is none."""
    emulator.settle()
    record = emulator.book.investors.get(external_id)
    if record is None:
        raise investor_not_found(external_id)
    return record
