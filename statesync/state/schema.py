"""The state database's tables, as the code reads and writes them (migrations create them)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite hands naive ones back otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True)


metadata = sa.MetaData()

#: One row: the lineage fixed at creation, the serial every resource write bumps, and a check
#: value derived from the secrets key, so a different key is refused rather than silently
#: turning every sensitive field into a change.
meta = sa.Table(
    "meta",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("lineage", sa.String(36), nullable=False),
    sa.Column("serial", sa.Integer, nullable=False),
    sa.Column("key_check", sa.String(100)),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

resources = sa.Table(
    "resources",
    metadata,
    sa.Column("kind", sa.String(100), primary_key=True),
    sa.Column("external_id", sa.String(100), primary_key=True),
    sa.Column("document", _json(), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(36)),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

#: Who holds the lock: the lock itself on SQLite; beside the advisory lock on PostgreSQL.
locks = sa.Table(
    "locks",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("lock_id", sa.String(36), nullable=False),
    sa.Column("operation", sa.String(100), nullable=False),
    sa.Column("user", sa.String(100), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("since", UtcDateTime, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("operation", sa.String(100), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("ended_at", UtcDateTime),
    sa.Column("outcome", sa.String(50)),
    sa.Column("user", sa.String(100)),
    sa.Column("commit", sa.String(64)),
    sa.Column("specs_digest", sa.String(64)),
    sa.Column("serial_before", sa.Integer, nullable=False),
    sa.Column("serial_after", sa.Integer),
)

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("external_id", sa.String(100), nullable=False, index=True),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("patch", _json(), nullable=False),
    sa.Column("detail", _json()),
    sa.Column("target", _json()),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

#: Append-only: a change's status is its latest event.
change_events = sa.Table(
    "change_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.id"), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)

requests = sa.Table(
    "requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.id"), index=True),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("path", sa.String(2000), nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("tracking_id", sa.String(200)),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("at", UtcDateTime, nullable=False),
)

#: The one table rewritten in place: ``status`` and friends hold the latest status seen.
jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("job_key", sa.String(200), primary_key=True),
    sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.id"), nullable=False, index=True),
    sa.Column("status", sa.String(50)),
    sa.Column("batch_id", sa.String(200)),
    sa.Column("message", sa.Text),
    sa.Column("validation_messages", _json()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

job_statuses = sa.Table(
    "job_statuses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_key", sa.String(200), sa.ForeignKey("jobs.job_key"), nullable=False, index=True),
    sa.Column("status", sa.String(50), nullable=False),
    sa.Column("batch_id", sa.String(200)),
    sa.Column("message", sa.Text),
    sa.Column("validation_messages", _json()),
    sa.Column("at", UtcDateTime, nullable=False),
)
