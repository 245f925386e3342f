"""Prometheus metrics of the daemon. The only module that imports prometheus_client."""

from __future__ import annotations

from pledgewatch.pipeline import RunSummary
from prometheus_client import Counter, Histogram, start_http_server

FEEDS = Counter("pledgewatch_feeds_polled_total", "Feeds polled")
FEED_ERRORS = Counter("pledgewatch_feed_errors_total", "Feeds that failed")
ENTRIES = Counter("pledgewatch_entries_seen_total", "New feed entries seen")
ARTICLES = Counter("pledgewatch_articles_processed_total", "New articles stored")
MATCHES = Counter("pledgewatch_matches_total", "New matches stored")
STAGES = Histogram(
    "pledgewatch_stage_seconds",
    "Seconds per pipeline stage per poll",
    ["stage"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300),
)


def serve(port: int) -> None:
    """Expose /metrics on this port (all interfaces, as Prometheus scrapes from elsewhere)."""
    start_http_server(port)


def record(summary: RunSummary) -> None:
    FEEDS.inc(summary.feeds_polled)
    FEED_ERRORS.inc(summary.feeds_failed)
    ENTRIES.inc(summary.entries_seen)
    ARTICLES.inc(summary.articles_new)
    MATCHES.inc(summary.matches_new)
    for stage, seconds in summary.stage_seconds.items():
        STAGES.labels(stage=stage).observe(seconds)
