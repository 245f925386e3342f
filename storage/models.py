"""Typed SQLAlchemy models: feeds, articles, statements, matches, runs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, also on SQLite, which stores no zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    interval_minutes: Mapped[float | None] = mapped_column(Float)  # None: the configured default
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # The daemon's schedule lives here, not in memory: a restart or another worker picks it up.
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Conditional GET: validators and the hash of the last body that was processed in full.
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str | None] = mapped_column(String(64))


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(300))
    author: Mapped[str | None] = mapped_column(String(500))
    published: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Where ``published`` came from: "feed" | "page" | "first_seen" (neither gave a date: the
    # time Pledgewatch first saw the entry). None: stored before this was recorded.
    date_origin: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16), index=True)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # "page": extracted from the article page; "feed": the feed's own content (page failed).
    text_origin: Mapped[str] = mapped_column(String(16))
    extract_error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sightings: Mapped[list[Sighting]] = relationship(back_populates="article")
    matches: Mapped[list[Match]] = relationship(back_populates="article")


class Sighting(Base):
    """One feed carrying one article: the article is stored once, each feed's GUID here."""

    __tablename__ = "sightings"
    __table_args__ = (UniqueConstraint("feed_id", "guid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    guid: Mapped[str] = mapped_column(String(2048))
    url: Mapped[str | None] = mapped_column(String(2048))  # where this feed links the story
    entry_updated: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the feed's <updated>
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="sightings")
    feed: Mapped[Feed] = relationship()


class Revision(Base):
    """An earlier text of an article that changed at the same URL."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this text was fetched
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Fingerprint(Base):
    """An article's MinHash signature, to recognise the same story under another URL."""

    __tablename__ = "fingerprints"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class FingerprintBand(Base):
    """One band of a signature: articles sharing a band are near-duplicate candidates."""

    __tablename__ = "fingerprint_bands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    band: Mapped[str] = mapped_column(String(40), index=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )


class Statement(Base):
    __tablename__ = "statements"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    seed: Mapped[str] = mapped_column(String(200))
    speaker: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # JSON list of the wordings the matcher used (text, translations, views).
    wordings: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Match(Base):
    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("article_id", "statement_id", "model"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    statement_id: Mapped[str] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    passage: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)  # first sentence of the passage; -1: title
    model: Mapped[str] = mapped_column(String(300))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The seed whose statement this is (several seeds can share a database); rows stored before
    # seeds were recorded belong to the shipped one (migration 0011).
    seed: Mapped[str] = mapped_column(String(200), index=True, server_default="putin-xi-2025-01-21")

    article: Mapped[Article] = relationship(back_populates="matches")
    statement: Mapped[Statement] = relationship()


class Feedback(Base):
    """An analyst's verdict: does this article report on this statement? Verdicts override the
    article's own match and make it a labelled example for scoring the others."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("article_id", "statement_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    statement_id: Mapped[str] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    relevant: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PassageVectors(Base):
    """An in-scope article's passage vectors for one model: re-scoring needs no re-encoding."""

    __tablename__ = "passage_vectors"
    __table_args__ = (UniqueConstraint("article_id", "model"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str] = mapped_column(String(300))
    passages_hash: Mapped[str] = mapped_column(String(64))  # of the passage texts, in order
    rows: Mapped[int] = mapped_column(Integer)
    dim: Mapped[int] = mapped_column(Integer)
    vectors: Mapped[bytes] = mapped_column(LargeBinary)  # float16, row-major
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Digest(Base):
    """One day's digest: when its files were written and whether (and to whom) it was mailed."""

    __tablename__ = "digests"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, local timezone
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    matches: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[str | None] = mapped_column(Text)  # comma-separated, as sent
    send_error: Mapped[str | None] = mapped_column(Text)  # the last failure, until a send succeeds
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class Worker(Base):
    """A running daemon; its heartbeat says it is alive."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid:random
    hostname: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Lease(Base):
    """A cluster-wide claim on a one-off job (e.g. one day's digest), with an expiry."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feeds_polled: Mapped[int] = mapped_column(Integer, default=0)
    feeds_failed: Mapped[int] = mapped_column(Integer, default=0)
    entries_seen: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    matches_new: Mapped[int] = mapped_column(Integer, default=0)
    # Every new entry ends as one of: a new article, a duplicate of a stored one, an upgrade of a
    # stored feed-text copy, failed (page failed and no feed text: retried next poll), skipped.
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    upgraded: Mapped[int] = mapped_column(Integer, default=0)
    pages_failed: Mapped[int] = mapped_column(Integer, default=0)  # stored or not
    entries_failed: Mapped[int] = mapped_column(Integer, default=0)
    entries_skipped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[str | None] = mapped_column(Text)  # one "feed|page URL: kind: detail" per line
