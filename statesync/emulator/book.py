"""The emulator's data: investors (kept as canonical documents) and SMA trade tickets.

A book file is JSON: ``{"investors": [<investor as the API shows it>…], "tradeTickets": […]}``.
Investors are kept in canonical form (addresses keyed by type) so patches apply by path, and
shown in API form (addresses as a list) by :meth:`Book.shown`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from statesync.errors import ConfigError, RemoteError
from statesync.files import write_private
from statesync.kinds import INVESTOR
from statesync.kinds.base import Document
from statesync.remote.mapping import CHANGE_DATE_FORMAT, investor_document
from statesync.remote.models import TradeTicket


def stamp(moment: datetime) -> str:
    """SEI's date-time form: ``yyyy-MM-ddTHH:mm:ss.SSS``."""
    return moment.strftime(CHANGE_DATE_FORMAT)[:-3]


@dataclass
class Record:
    """One investor held by the emulator."""

    external_id: str
    internal_id: str
    document: Document
    change_date: datetime


class Book:
    """Investors by externalId and trade tickets, loadable from and savable to a file."""

    def __init__(self) -> None:
        self.investors: dict[str, Record] = {}
        self.tickets: list[dict[str, Any]] = []

    def load(self, raw: Any, new_id: Any, now: datetime, *, replace: bool = True) -> None:
        """Take a book's content (see module doc); ``new_id`` makes ids the file lacks."""
        if not isinstance(raw, dict):
            raise ConfigError("a book is a JSON object with 'investors' and 'tradeTickets'")
        if replace:
            self.investors.clear()
            self.tickets.clear()
        for item in raw.get("investors", []):
            if not isinstance(item, dict):
                raise ConfigError("each investor in a book must be an object")
            try:
                key, document = investor_document(INVESTOR, item)
            except RemoteError as exc:
                raise ConfigError(str(exc)) from exc
            changed = item.get("changeDate")
            try:
                when = (
                    datetime.strptime(changed, CHANGE_DATE_FORMAT).replace(tzinfo=UTC)
                    if isinstance(changed, str)
                    else now
                )
            except ValueError as exc:
                raise ConfigError(f"investor {key}: changeDate {changed!r}: {exc}") from exc
            self.investors[key] = Record(key, str(item.get("id") or new_id()), document, when)
        for ticket in raw.get("tradeTickets", []):
            try:
                TradeTicket.model_validate(ticket)
            except ValidationError as exc:
                raise ConfigError(f"a trade ticket in the book is not valid: {exc}") from exc
            self.tickets.append(dict(ticket))

    def shown(self, record: Record) -> dict[str, Any]:
        """An investor as the API's GET shows it."""
        return {
            "id": record.internal_id,
            INVESTOR.key_field: record.external_id,
            **INVESTOR.to_listed(copy.deepcopy(record.document)),
            "changeDate": stamp(record.change_date),
        }

    def dump(self) -> dict[str, Any]:
        """The whole book, in the file format."""
        return {
            "investors": [self.shown(self.investors[key]) for key in sorted(self.investors)],
            "tradeTickets": copy.deepcopy(self.tickets),
        }

    def save(self, path: Path) -> None:
        """Write the book atomically and owner-only: it holds tax ids and dates of birth."""
        write_private(path, json.dumps(self.dump(), indent=2, ensure_ascii=False) + "\n")


def read_book(path: Path) -> Any:
    """A book file's JSON content."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the book {path}: {exc}") from exc
