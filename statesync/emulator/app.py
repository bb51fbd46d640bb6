"""The emulator as an ASGI app: SEI's endpoints, the admin surface, SEI's error body everywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from statesync.emulator import admin, api
from statesync.emulator.config import EmulatorConfig
from statesync.emulator.core import Emulator, SeiError


def create_app(config: EmulatorConfig | None = None) -> FastAPI:
    """A fresh emulator; its state lives in ``app.state.emulator``.

    When the config names a data file, the book is saved there on shutdown.
    """
    emulator = Emulator(config or EmulatorConfig())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if emulator.config.data is not None:
            emulator.settle()
            emulator.book.save(emulator.config.data)

    app = FastAPI(title="statesync SEI emulator", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.emulator = emulator
    app.include_router(api.router)
    app.include_router(admin.router)

    @app.middleware("http")
    async def tracking(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # Every answer carries a requesttrackingid, as SEI's gateway's do.
        request.state.tracking_id = emulator.tracking_id()
        response = await call_next(request)
        response.headers["requesttrackingid"] = request.state.tracking_id
        return response

    @app.exception_handler(SeiError)
    async def sei_error(request: Request, exc: SeiError) -> JSONResponse:
        return _error(request, exc)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = "resource.not.found" if exc.status_code == 404 else "request.failure"
        return _error(request, SeiError(exc.status_code, code, str(exc.detail)))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(request, SeiError(400, "request.validation.failure", str(exc)))

    return app


def _error(request: Request, exc: SeiError) -> JSONResponse:
    tracking_id = getattr(request.state, "tracking_id", None)
    return JSONResponse(
        {
            "code": exc.code,
            "message": exc.message,
            "trackingId": tracking_id,
            "transient": exc.transient,
            "errors": exc.errors,
        },
        status_code=exc.status_code,
        headers=exc.headers,
    )
