"""A poll of many feeds, recorded as one run: feeds and statements synced from the config,
each feed polled (monitor/ingest.py) in a thread of its own, the counts added up."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pledgewatch.fetch import Fetcher
from pledgewatch.ingest import Ingest
from pledgewatch.matching import Matcher
from pledgewatch.progress import Progress, no_progress
from pledgewatch.rescoring import Rescorer
from pledgewatch.scoring import Scorer
from pledgewatch.settings import Settings
from pledgewatch.storage.db import SYNC_KEY, Sessions, serialize
from pledgewatch.storage.feeds import FeedRef, sync_feeds
from pledgewatch.storage.matches import sync_statements
from pledgewatch.storage.runs import finish_run, start_run

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What one poll of every feed did."""

    feeds_polled: int = 0
    feeds_failed: int = 0
    feeds_unchanged: int = 0  # 304, or the same body as last time
    # Every new entry ends as exactly one of: a new article, a duplicate (a story stored under
    # another URL or GUID, or twice in this poll), an upgrade (its page replaced a stored copy's
    # feed text), failed (page failed, no feed text: retried next poll), skipped (with reason).
    duplicates: int = 0
    upgraded: int = 0
    entries_failed: int = 0
    entries_skipped: Counter[str] = field(default_factory=Counter)  # reason -> entries
    pages_failed: int = 0  # pages not fetched or extracted, whether the feed text stood in or not
    revised: int = 0  # stored articles whose text changed and was scored again
    passages_encoded: int = 0
    entries_seen: int = 0
    entries_gated: int = 0  # stored from the feed text: the gate judged the entry off topic
    articles_new: int = 0
    matches_new: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    matches_by_statement: Counter[str] = field(default_factory=Counter)
    # Seconds spent per stage (fetch and extract summed over the page workers).
    stage_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    retry_after: dict[int, float] = field(default_factory=dict)  # feed id -> seconds asked

    def absorb(self, other: RunSummary) -> None:
        """Add another summary's counts (one feed's, polled in another thread) to this one."""
        for name in (
            "feeds_polled",
            "feeds_failed",
            "feeds_unchanged",
            "duplicates",
            "upgraded",
            "entries_failed",
            "pages_failed",
            "revised",
            "passages_encoded",
            "entries_seen",
            "entries_gated",
            "articles_new",
            "matches_new",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors
        self.entries_skipped.update(other.entries_skipped)
        self.matches_by_statement.update(other.matches_by_statement)
        for stage, seconds in other.stage_seconds.items():
            self.stage_seconds[stage] += seconds
        self.retry_after.update(other.retry_after)

    @property
    def failed(self) -> bool:
        """Some feed or page failed (everything else was still processed)."""
        return bool(self.feeds_failed or self.pages_failed or self.entries_failed)

    @property
    def articles_per_second(self) -> float:
        return self.articles_new / self.seconds if self.seconds else 0.0


class Pipeline:
    """Polls feeds and stores new articles with their matches."""

    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        fetcher: Fetcher,
        matcher: Matcher,
        others: Sequence[Matcher] = (),
        progress: Progress = no_progress,
    ) -> None:
        """``others``: the matchers of further seeds, followed beside ``matcher``'s."""
        self.settings = settings
        self.progress = progress  # feeds done / total, per poll
        self.sessions = sessions
        self.scorer = Scorer(matcher, sessions, others)
        # Set by the daemon on SIGTERM: finish the article in hand, start nothing new.
        self.stopping = threading.Event()
        # One pool of page workers for the pipeline's life (threads are not started per feed).
        self._page_workers = ThreadPoolExecutor(
            max_workers=settings.fetch.concurrency, thread_name_prefix="page"
        )
        self.ingest = Ingest(
            settings, sessions, fetcher, self.scorer, self._page_workers, self.stopping
        )
        self.rescorer = Rescorer(sessions, self.scorer)

    @property
    def matcher(self) -> Matcher:
        return self.scorer.matcher

    def sync(self) -> list[FeedRef]:
        """Feeds from the config and statements from the seed into the database."""
        with self.sessions.begin() as session:
            serialize(session, SYNC_KEY)  # workers starting together sync in turn
            feeds = sync_feeds(
                session, [(f.url, f.name, f.interval_minutes) for f in self.settings.feeds]
            )
            for seed in (m.seed for m in self.scorer.all_matchers):
                sync_statements(
                    session,
                    seed.seed,
                    [(s.id, s.speaker, s.text, s.wordings()) for s in seed.statements],
                )
            return feeds

    def run_once(self) -> RunSummary:
        """Poll every configured feed once and process its new entries."""
        return self.poll_feeds(self.sync())

    def poll_feeds(self, feeds: list[FeedRef]) -> RunSummary:
        """Poll these feeds and store what is new; recorded as one run."""
        started = time.monotonic()
        self.scorer.refresh()
        summary = RunSummary()
        with self.sessions.begin() as session:
            run_id = start_run(session)
        with (
            ThreadPoolExecutor(max_workers=self.settings.fetch.feed_concurrency) as pool,
            self.progress("polling feeds", len(feeds), "feed") as step,
        ):
            for part in pool.map(self._poll_safely, feeds):
                summary.absorb(part)
                step(1)
        summary.seconds = time.monotonic() - started
        with self.sessions.begin() as session:
            finish_run(
                session,
                run_id,
                summary.errors,
                feeds_polled=summary.feeds_polled,
                feeds_failed=summary.feeds_failed,
                entries_seen=summary.entries_seen,
                articles_new=summary.articles_new,
                matches_new=summary.matches_new,
                duplicates=summary.duplicates,
                upgraded=summary.upgraded,
                pages_failed=summary.pages_failed,
                entries_failed=summary.entries_failed,
                entries_skipped=sum(summary.entries_skipped.values()),
            )
        return summary

    def _poll_safely(self, feed: FeedRef) -> RunSummary:
        """One feed's poll, in a worker thread; its summary is merged by the caller."""
        summary = RunSummary()
        if self.stopping.is_set():
            return summary
        try:
            self.ingest.refresh(feed, summary)
        except Exception as exc:  # noqa: BLE001 - one bad feed must never stop the others
            log.exception("feed crashed url=%s", feed.url)
            summary.feeds_failed += 1
            summary.errors.append(f"feed {feed.url}: internal_error: {type(exc).__name__}: {exc}")
            self.ingest.record_crash(feed, exc)
        return summary
