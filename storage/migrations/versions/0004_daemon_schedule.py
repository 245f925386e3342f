"""the daemon's schedule, leases and workers

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy): SQLite keeps the views that read feeds valid.
    op.add_column("feeds", sa.Column("interval_minutes", sa.Float(), nullable=True))
    op.add_column(
        "feeds", sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("feeds", sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("feeds", sa.Column("lease_owner", sa.String(length=200), nullable=True))
    op.add_column("feeds", sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_feeds_next_poll_at"), "feeds", ["next_poll_at"], unique=False)
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("hostname", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers")),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_table("workers")
    op.drop_index(op.f("ix_feeds_next_poll_at"), table_name="feeds")
    for column in ("lease_expires_at", "lease_owner", "next_poll_at", "paused", "interval_minutes"):
        op.drop_column("feeds", column)
