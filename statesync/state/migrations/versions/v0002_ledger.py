"""Ledger: runs, changes and their status events, requests, jobs and every job status seen.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("operation", sa.String(100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", sa.String(50)),
        sa.Column("user", sa.String(100)),
        sa.Column("commit", sa.String(64)),
        sa.Column("specs_digest", sa.String(64)),
        sa.Column("serial_before", sa.Integer, nullable=False),
        sa.Column("serial_after", sa.Integer),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("patch", sa.JSON, nullable=False),
        sa.Column("detail", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_changes_run_id", "changes", ["run_id"])
    op.create_index("ix_changes_external_id", "changes", ["external_id"])
    op.create_table(
        "change_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_change_events_change_id", "change_events", ["change_id"])
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.id")),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(2000), nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("tracking_id", sa.String(200)),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_requests_run_id", "requests", ["run_id"])
    op.create_index("ix_requests_change_id", "requests", ["change_id"])
    op.create_table(
        "jobs",
        sa.Column("job_key", sa.String(200), primary_key=True),
        sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.id"), nullable=False),
        sa.Column("status", sa.String(50)),
        sa.Column("batch_id", sa.String(200)),
        sa.Column("message", sa.Text),
        sa.Column("validation_messages", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_jobs_change_id", "jobs", ["change_id"])
    op.create_table(
        "job_statuses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_key", sa.String(200), sa.ForeignKey("jobs.job_key"), nullable=False),
        sa.Column("status", sa.String(50), nullable=False),
        sa.Column("batch_id", sa.String(200)),
        sa.Column("message", sa.Text),
        sa.Column("validation_messages", sa.JSON),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_job_statuses_job_key", "job_statuses", ["job_key"])


def downgrade() -> None:
    for table in ("job_statuses", "jobs", "requests", "change_events", "changes", "runs"):
        op.drop_table(table)
