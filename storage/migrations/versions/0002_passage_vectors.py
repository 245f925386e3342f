"""passage vectors for re-scoring without re-encoding

Revision ID: 0002
Revises: 0001
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
        "passage_vectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=300), nullable=False),
        sa.Column("passages_hash", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vectors", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_passage_vectors_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passage_vectors")),
        sa.UniqueConstraint("article_id", "model", name=op.f("uq_passage_vectors_article_id")),
    )
    with op.batch_alter_table("passage_vectors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_passage_vectors_article_id"), ["article_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("passage_vectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passage_vectors_article_id"))
    op.drop_table("passage_vectors")
