"""digests sent, and SQL views for analysts

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# One flat row per match: what an analyst wants in Datasette, a spreadsheet or psql.
MATCH_REPORT = """
CREATE VIEW match_report AS
SELECT m.id AS match_id, m.statement_id, s.speaker, s.text AS statement_text,
       m.score, m.passage, m.position, m.model, m.found_at,
       a.id AS article_id, a.url AS article_url, a.title, a.source, a.language,
       a.published, a.text_origin
FROM matches m
JOIN articles a ON a.id = m.article_id
JOIN statements s ON s.id = m.statement_id
"""
# Which feeds carried which article ("also published by").
ARTICLE_SOURCES = """
CREATE VIEW article_sources AS
SELECT a.id AS article_id, a.url AS article_url, a.title, f.id AS feed_id,
       COALESCE(f.name, f.title, f.url) AS feed, f.url AS feed_url, si.guid, si.seen_at
FROM sightings si
JOIN articles a ON a.id = si.article_id
JOIN feeds f ON f.id = si.feed_id
"""


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.Text(), nullable=True),
        sa.Column("send_error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_digests")),
    )
    op.execute(MATCH_REPORT)
    op.execute(ARTICLE_SOURCES)


def downgrade() -> None:
    op.execute("DROP VIEW article_sources")
    op.execute("DROP VIEW match_report")
    op.drop_table("digests")
