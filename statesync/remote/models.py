"""The bodies SEI's API sends and receives, as the public documents and seeds describe them.

Shared by the client (to read responses) and the emulator (to write them), so the two cannot
drift apart. Response models ignore fields they do not know: SEI may add some at any time.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

COMPLETED = "Completed"
FAILED = "Failed"
IN_PROGRESS = "In Progress"


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class TokenResponse(BaseModel):
    """``POST /v2/oauthtoken``'s answer."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class ErrorItem(_Body):
    field: str | None = None
    location: str | None = None
    reason: str | None = None


class ErrorBody(_Body):
    """SEI's error body, the same for every endpoint."""

    code: str | None = None
    message: str | None = None
    tracking_id: str | None = None
    transient: bool = False
    errors: list[ErrorItem] = Field(default_factory=list)


class Cursors(_Body):
    before: str | None = None
    after: str | None = None


class Paging(_Body):
    """Cursor paging: opaque base64 cursors, at most 50 records a page."""

    total_count: int
    limit: int
    cursors: Cursors = Field(default_factory=Cursors)
    previous: str | None = None
    next: str | None = None


class Page(_Body):
    data: list[dict[str, Any]]
    paging: Paging


class JobKey(_Body):
    job_status_query_key: str


class AcceptedBody(_Body):
    """The 202 body of an investor PATCH or POST."""

    data: JobKey


class JobStatus(_Body):
    """``GET /v1/jobs/insight/status/{key}``: ``In Progress`` until ``Completed`` or ``Failed``.

    Any other status is taken as still running (SEI may add some): logged, never fatal.
    """

    status: str
    batch_id: str | None = None
    message: str | None = None
    validation_messages: list[str] = Field(default_factory=list, alias="validationMessage")

    @property
    def succeeded(self) -> bool:
        return self.status == COMPLETED

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    @property
    def done(self) -> bool:
        return self.succeeded or self.failed


class TradeTicket(_Body):
    """One SMA trade ticket as ``GET /v1/order/tradetickets`` lists it."""

    batch_id: str | None = None
    trade_ticket_id: int
    master_order_id: int | None = None
    order_id: int | None = None
    omnibus: str | None = None
    side: str | None = None
    ticker: str | None = None
    cusip: str | None = None
    quantity: float | None = None
    order_generation_price: float | None = None
    rebalance_price: float | None = None
    status: Literal["Original", "Refresh"] | None = None
    create_date: str | None = None
    change_date: str | None = None


class TradeInstruction(BaseModel):
    """One trade instruction, POSTed one record at a time inside ``{"data": …}``."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", strict=True
    )

    batch_id: str = Field(min_length=1)
    batch_size: int = Field(ge=1)
    trade_ticket_id: int = Field(ge=0, le=99_999_999)
    master_order_id: int | None = Field(default=None, ge=0, le=99_999_999)
    strategy_code: str | None = None
    side: Literal["Buy", "Sell"]
    ticker: str | None = None
    cusip: str | None = Field(default=None, pattern=r"^[0-9A-Z]{9}$")
    security_name: str | None = None
    target: int | None = None
    order_generation_price: float | None = None
    minimum_cash: float | None = None
    affects_model: bool | None = None
    comments: str | None = Field(default=None, max_length=255)
