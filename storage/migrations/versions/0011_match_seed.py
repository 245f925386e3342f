"""each match records the seed whose statement it is (several seeds in one database)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Every match stored before this migration came from the one seed there was: the shipped one.
SHIPPED_SEED = "putin-xi-2025-01-21"


def upgrade() -> None:
    with op.batch_alter_table("matches") as batch:
        batch.add_column(
            sa.Column("seed", sa.String(length=200), nullable=False, server_default=SHIPPED_SEED)
        )
        batch.create_index("ix_matches_seed", ["seed"])


def downgrade() -> None:
    with op.batch_alter_table("matches") as batch:
        batch.drop_index("ix_matches_seed")
        batch.drop_column("seed")
