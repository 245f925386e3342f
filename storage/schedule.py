"""The daemon's shared state: feed leases and due times, workers, one-off job leases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pledgewatch.storage.models import Feed, Lease, Worker, utcnow
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class DueFeed:
    id: int
    url: str
    name: str | None
    interval_minutes: float | None


@dataclass(frozen=True)
class FeedStatus:
    id: int
    url: str
    name: str | None
    paused: bool
    interval_minutes: float | None
    last_success_at: datetime | None
    last_error: str | None
    error_count: int
    next_poll_at: datetime | None
    lease_owner: str | None


def claim_due_feeds(
    session: Session, owner: str, now: datetime, lease_seconds: float, limit: int
) -> list[DueFeed]:
    """Lease up to `limit` due, unpaused, unleased (or expired) feeds to this worker.

    FOR UPDATE SKIP LOCKED: on PostgreSQL two workers never claim the same feed; SQLite runs one
    daemon per file (see db.daemon_lock), so the clause is not needed there.
    """
    rows = session.scalars(
        select(Feed)
        .where(Feed.paused.is_(False))
        .where(or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now))
        .where(or_(Feed.lease_expires_at.is_(None), Feed.lease_expires_at < now))
        .order_by(Feed.next_poll_at.is_not(None), Feed.next_poll_at, Feed.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    until = now + timedelta(seconds=lease_seconds)
    for feed in rows:
        feed.lease_owner, feed.lease_expires_at = owner, until
    return [DueFeed(f.id, f.url, f.name, f.interval_minutes) for f in rows]


def finish_poll(session: Session, feed_id: int, owner: str, next_poll_at: datetime) -> None:
    """Set the next due time and drop the lease, if this worker still holds it."""
    session.execute(
        update(Feed)
        .where(Feed.id == feed_id, Feed.lease_owner == owner)
        .values(next_poll_at=next_poll_at, lease_owner=None, lease_expires_at=None)
    )


def error_counts(session: Session, feed_ids: list[int]) -> dict[int, int]:
    """Failures in a row per feed."""
    rows = session.execute(select(Feed.id, Feed.error_count).where(Feed.id.in_(feed_ids)))
    return {feed_id: count or 0 for feed_id, count in rows}


def release_leases(session: Session, owner: str | None) -> None:
    """A stopping worker gives its feeds back at once (they stay due); owner None: all leases."""
    query = update(Feed).values(lease_owner=None, lease_expires_at=None)
    if owner is not None:
        query = query.where(Feed.lease_owner == owner)
    session.execute(query)


def renew_leases(session: Session, owner: str, until: datetime) -> None:
    session.execute(update(Feed).where(Feed.lease_owner == owner).values(lease_expires_at=until))


def feed_status(session: Session) -> list[FeedStatus]:
    return [
        FeedStatus(
            f.id,
            f.url,
            f.name,
            bool(f.paused),
            f.interval_minutes,
            f.last_success_at,
            f.last_error,
            f.error_count or 0,
            f.next_poll_at,
            f.lease_owner,
        )
        for f in session.scalars(select(Feed).order_by(Feed.id))
    ]


def set_feed(
    session: Session,
    url: str,
    *,
    name: str | None = None,
    interval_minutes: float | None = None,
    paused: bool | None = None,
    create: bool = False,
) -> bool:
    """Change (or with create, add) a feed; False when there is no such feed."""
    feed = session.scalar(select(Feed).where(Feed.url == url))
    if feed is None:
        if not create:
            return False
        feed = Feed(url=url, error_count=0, paused=False)
        session.add(feed)
    if name is not None:
        feed.name = name
    if interval_minutes is not None:
        feed.interval_minutes = interval_minutes
    if paused is not None:
        feed.paused = paused
        if not paused:
            feed.next_poll_at = None  # resumed feeds are due at once
    session.flush()
    return True


def remove_feed(session: Session, url: str) -> bool:
    result = session.execute(delete(Feed).where(Feed.url == url))
    return bool(getattr(result, "rowcount", 0))


# --- workers ------------------------------------------------------------------------------


def register_worker(session: Session, worker_id: str, hostname: str, pid: int) -> None:
    session.add(Worker(id=worker_id, hostname=hostname, pid=pid))


def heartbeat(session: Session, worker_id: str) -> None:
    session.execute(update(Worker).where(Worker.id == worker_id).values(heartbeat_at=utcnow()))


def stop_worker(session: Session, worker_id: str) -> None:
    session.execute(update(Worker).where(Worker.id == worker_id).values(stopped_at=utcnow()))


@dataclass(frozen=True)
class WorkerRow:
    id: str
    hostname: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime


def live_workers(session: Session, since: datetime) -> list[WorkerRow]:
    rows = session.scalars(
        select(Worker)
        .where(Worker.stopped_at.is_(None), Worker.heartbeat_at >= since)
        .order_by(Worker.started_at)
    )
    return [WorkerRow(w.id, w.hostname, w.pid, w.started_at, w.heartbeat_at) for w in rows]


# --- one-off jobs -------------------------------------------------------------------------


def claim_lease(session: Session, name: str, owner: str, now: datetime, seconds: float) -> bool:
    """Take a named lease if it is free or expired; True when this owner holds it now."""
    until = now + timedelta(seconds=seconds)
    lease = session.get(Lease, name, with_for_update=True)
    if lease is None:
        try:
            with session.begin_nested():
                session.add(Lease(name=name, owner=owner, expires_at=until))
        except IntegrityError:  # another worker inserted it first
            return False
        return True
    if lease.owner != owner and lease.expires_at >= now:
        return False
    lease.owner, lease.expires_at = owner, until
    return True


def release_lease(session: Session, name: str, owner: str) -> None:
    session.execute(delete(Lease).where(Lease.name == name, Lease.owner == owner))
