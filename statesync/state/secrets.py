"""The key that turns sensitive values into keyed digests, so the state never holds them.

A keyed digest (HMAC-SHA256) keeps equality decidable (the same value under the same key gives
the same digest, so a plan can compare a spec with the state) while the value cannot be
recovered or guessed from the state alone: tax ids and dates of birth are small spaces that a
plain hash would give away to a dictionary.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Any

from statesync.errors import StateError
from statesync.kinds import Document, ResourceKind, canonical_json

KEY_ENV = "STATESYNC_STATE_KEY"
PREFIX = "hmac-sha256:"
_DIGEST = re.compile(r"^hmac-sha256:[0-9a-f]{64}$")
_MIN_KEY_LENGTH = 16


def key_file_for(db_path: Path) -> Path:
    """Where the key of a file database lives: beside it, as ``<db>.key``."""
    return db_path.with_name(db_path.name + ".key")


def load_key(db_path: Path | None) -> bytes:
    """The key from ``STATESYNC_STATE_KEY``, else from the key file beside the database.

    The key file is created (mode 0600) on first use. A database with no file of its own
    (PostgreSQL, in-memory SQLite) has nowhere to keep one, so it needs the variable.
    """
    from_env = os.environ.get(KEY_ENV)
    if from_env:
        if len(from_env) < _MIN_KEY_LENGTH:
            raise StateError(f"{KEY_ENV} must be at least {_MIN_KEY_LENGTH} characters long")
        return from_env.encode()
    if db_path is None:
        raise StateError(
            f"set {KEY_ENV}: this state database has no directory to keep a key file in, "
            "and sensitive values are only ever stored as keyed digests"
        )
    path = key_file_for(db_path)
    if not path.exists():
        _create_key_file(path)
    try:
        key = path.read_text().strip()
    except OSError as exc:
        raise StateError(f"cannot read the state key file {path}: {exc.strerror}") from None
    if len(key) < _MIN_KEY_LENGTH:
        raise StateError(
            f"the state key file {path} holds no key of {_MIN_KEY_LENGTH} characters or more: "
            f"restore it from a backup, or set {KEY_ENV}"
        )
    return key.encode()


def _create_key_file(path: Path) -> None:
    """Write a new random key whole, then link it into place: a process that starts at the
    same moment finds either no key file or the complete one, never an empty file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first: its key is the key
    except OSError as exc:
        raise StateError(f"cannot create the state key file {path}: {exc}") from exc
    finally:
        temporary.unlink(missing_ok=True)


def key_check(key: bytes) -> str:
    """A value derived from the key, stored with the state to notice a different key later."""
    return hmac.new(key, b"statesync state key check", hashlib.sha256).hexdigest()


def keyed_digest(key: bytes, value: Any) -> str:
    """``hmac-sha256:<hex>`` of the value's canonical JSON."""
    mac = hmac.new(key, canonical_json(value).encode(), hashlib.sha256).hexdigest()
    return PREFIX + mac


def is_keyed_digest(value: Any) -> bool:
    """Whether a value already is a keyed digest (no tax id or date can look like one)."""
    return isinstance(value, str) and _DIGEST.match(value) is not None


def redact(key: bytes, kind: ResourceKind, document: Document) -> Document:
    """The document with every non-null sensitive value, at any depth, as its keyed digest.

    Values that already are digests are kept, so redacting twice changes nothing.
    """
    sensitive = kind.sensitive_fields

    def walk(node: Any, field: str | None) -> Any:
        if isinstance(node, dict):
            return {name: walk(value, name) for name, value in node.items()}
        if isinstance(node, list):
            return [walk(item, field) for item in node]
        if field in sensitive and node is not None and not is_keyed_digest(node):
            return keyed_digest(key, node)
        return node

    redacted: Document = walk(document, None)
    return redacted
