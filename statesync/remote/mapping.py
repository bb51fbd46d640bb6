"""Where SEI's response shapes meet statesync's: the one module to change if SEI's differ.

SEI does not publish the body of an investor GET. The emulator returns the PATCH model's field
names and groups (addresses as a list keyed by ``type``); :func:`investor_document` turns that
into the canonical document. Error bodies become the exception tree here too.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from statesync.errors import AuthError, FieldProblem, NotFoundError, RemoteError, TransientError
from statesync.kinds.base import Document, ResourceKind
from statesync.remote.models import ErrorBody

#: GET query parameter names of the investor filters.
INVESTOR_FILTERS = {
    "external_id": "externalId",
    "alternate_id": "alternateId",
    "active": "active",
    "change_start": "changeStartDate",
    "change_end": "changeEndDate",
}
#: The format SEI wants for ``changeStartDate``/``changeEndDate``: ``yyyy-MM-ddTHH:mm:ss.SSS``.
CHANGE_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def investor_document(kind: ResourceKind, body: dict[str, Any]) -> tuple[str, Document]:
    """The key and canonical document of one investor as a GET returns it.

    Only the model's fields are kept (SEI's internal id and change date are not managed), and
    keyed lists become maps keyed by their key field, as plans and state expect.
    """
    known = {(info.alias or attr) for attr, info in kind.model.model_fields.items()}
    key = body.get(kind.key_field)
    if not isinstance(key, str):
        raise RemoteError(f"an investor in SEI's answer has no {kind.key_field}")
    document: Document = {}
    for name, value in body.items():
        if name == kind.key_field or name not in known:
            continue
        if name in kind.keyed_lists and isinstance(value, list):
            entry_key = kind.keyed_lists[name]
            value = {
                entry[entry_key]: {k: v for k, v in entry.items() if k != entry_key}
                for entry in value
            }
        document[name] = value
    return key, document


def error_for(status_code: int, body: Any, tracking_id: str | None) -> RemoteError:
    """The exception for an error answer, carrying SEI's code, message and ``errors[]``."""
    try:
        error = ErrorBody.model_validate(body if isinstance(body, dict) else {})
    except ValidationError:
        error = ErrorBody()
    message = error.message or f"HTTP {status_code}"
    cls: type[RemoteError] = RemoteError
    if status_code in (401, 403):
        cls = AuthError
    elif status_code == 404:
        cls = NotFoundError
    elif status_code == 429 or status_code >= 500 or error.transient:
        cls = TransientError
    return cls(
        f"SEI answered {status_code}: {message}",
        status_code=status_code,
        code=error.code,
        tracking_id=error.tracking_id or tracking_id,
        problems=[FieldProblem(e.field, e.reason, e.location) for e in error.errors],
    )


def is_transient(status_code: int, body: Any) -> bool:
    """Worth retrying: 5xx, 429, or an error SEI marks ``transient`` (never 400/401/403/404)."""
    if status_code == 429 or status_code >= 500:
        return True
    if status_code in (400, 401, 403, 404):
        return False
    return isinstance(body, dict) and body.get("transient") is True
