"""Changes keep their target: the redacted document a resumed apply writes once they complete.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("target", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("target")
