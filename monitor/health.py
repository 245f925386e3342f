"""A feed's health rules: when to poll a failing feed again, and when to stop polling it."""

from __future__ import annotations

import random
from datetime import timedelta

from pledgewatch.storage.db import Session
from pledgewatch.storage.feeds import pause_feed, record_feed_failure


def next_delay(
    interval_minutes: float,
    failures: int,
    retry_after: float | None,
    jitter: float,
    max_backoff_minutes: float,
) -> timedelta:
    """The wait before a feed's next poll: its interval with jitter, doubled for each failure
    in a row (up to max_backoff_minutes), and never sooner than the server's Retry-After."""
    minutes = min(
        interval_minutes * 2 ** min(failures, 16), max(max_backoff_minutes, interval_minutes)
    )
    minutes *= random.uniform(1 - jitter, 1 + jitter)  # noqa: S311 - spreading, not security
    seconds = max(minutes * 60, retry_after or 0.0)
    return timedelta(seconds=seconds)


def record_failure(session: Session, feed_id: int, error: str, pause_after: int | None) -> None:
    """Note a failed poll; after `pause_after` failures in a row the feed is paused (an
    operator resumes it with `feeds resume`), so a dead feed stops costing polls and log lines."""
    failures = record_feed_failure(session, feed_id, error)
    if pause_after and failures >= pause_after:
        pause_feed(session, feed_id, f"{error} (paused after {failures} failures in a row)")
