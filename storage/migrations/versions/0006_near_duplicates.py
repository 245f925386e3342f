"""near-duplicate fingerprints, and the URL each feed gave

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sightings", sa.Column("url", sa.String(length=2048), nullable=True))
    op.create_table(
        "fingerprints",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_fingerprints_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_fingerprints")),
    )
    op.create_table(
        "fingerprint_bands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=40), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_fingerprint_bands_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fingerprint_bands")),
    )
    op.create_index(op.f("ix_fingerprint_bands_band"), "fingerprint_bands", ["band"])
    op.create_index(op.f("ix_fingerprint_bands_article_id"), "fingerprint_bands", ["article_id"])


def downgrade() -> None:
    op.drop_table("fingerprint_bands")
    op.drop_table("fingerprints")
    op.drop_column("sightings", "url")
