"""where each article's publication date came from: feed, page or first_seen

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Articles stored before stay NULL: whether their date was the feed's or the page's is not
    # known any more.
    op.add_column("articles", sa.Column("date_origin", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("date_origin")
