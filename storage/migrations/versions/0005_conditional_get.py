"""feed validators for conditional GET

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feeds", sa.Column("etag", sa.String(length=500), nullable=True))
    op.add_column("feeds", sa.Column("last_modified", sa.String(length=100), nullable=True))
    op.add_column("feeds", sa.Column("content_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for column in ("content_hash", "last_modified", "etag"):
        op.drop_column("feeds", column)
