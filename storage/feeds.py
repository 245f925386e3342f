"""Feeds: the configured and added feeds, what a poll found, and their validators."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from pledgewatch.storage.models import (
    Feed,
    Sighting,
    utcnow,
)
from sqlalchemy import select
from sqlalchemy.orm import Session


class FeedRef(NamedTuple):
    """A feed to poll."""

    id: int
    url: str
    name: str | None


def sync_feeds(
    session: Session, feeds: Iterable[tuple[str, str | None, float | None]]
) -> list[FeedRef]:
    """Make sure each (url, name, interval) is a feed row; return them in the given order.

    Adds and updates, never removes: feeds added with `pledgewatch feeds add` stay."""
    rows = []
    for url, name, interval in feeds:
        feed = session.scalar(select(Feed).where(Feed.url == url))
        if feed is None:
            feed = Feed(url=url, name=name, error_count=0, paused=False)
            session.add(feed)
        if name and feed.name != name:
            feed.name = name
        if interval and feed.interval_minutes != interval:
            feed.interval_minutes = interval
        rows.append(feed)
    session.flush()
    return [FeedRef(feed.id, feed.url, feed.name) for feed in rows]


@dataclass(frozen=True)
class Validators:
    etag: str | None
    last_modified: str | None
    content_hash: str | None


def feed_validators(session: Session, feed_id: int) -> Validators:
    feed = session.get_one(Feed, feed_id)
    return Validators(feed.etag, feed.last_modified, feed.content_hash)


def record_feed_success(
    session: Session, feed_id: int, title: str | None, validators: Validators | None
) -> None:
    """A poll that worked: the failure count resets. New validators are saved only for a body
    whose every entry was processed."""
    feed = session.get_one(Feed, feed_id)
    feed.last_polled_at = feed.last_success_at = utcnow()
    feed.last_error = None
    feed.error_count = 0
    if title:
        feed.title = title[:500]
    if validators is not None:
        feed.etag, feed.last_modified = validators.etag, validators.last_modified
        feed.content_hash = validators.content_hash


def record_feed_failure(session: Session, feed_id: int, error: str) -> int:
    """A poll that failed; the feed's failures in a row."""
    feed = session.get_one(Feed, feed_id)
    feed.last_polled_at = utcnow()
    feed.error_count = (feed.error_count or 0) + 1
    feed.last_error = error
    return feed.error_count


def pause_feed(session: Session, feed_id: int, reason: str) -> None:
    """Stop polling a feed until `feeds resume`; the reason becomes its last error."""
    feed = session.get_one(Feed, feed_id)
    if not feed.paused:
        feed.paused = True
        feed.last_error = reason


class SeenEntry(NamedTuple):
    article_id: int
    updated: datetime | None  # the entry's updated stamp when last seen


def seen_guids(session: Session, feed_id: int) -> dict[str, SeenEntry]:
    """GUID -> what became of it, for a feed's entries seen before."""
    rows = session.execute(
        select(Sighting.guid, Sighting.article_id, Sighting.entry_updated).where(
            Sighting.feed_id == feed_id
        )
    )
    return {guid: SeenEntry(article_id, updated) for guid, article_id, updated in rows}
