"""One feed's poll, top to bottom: fetch the feed, parse it, select the new entries, gate them,
fetch and extract their pages, sort out duplicates, match and store. Each entry travels as one
Article record that the stages fill."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pledgewatch import duplicates, health
from pledgewatch.article import Article
from pledgewatch.errors import ExtractError, FeedError, FetchError, failure
from pledgewatch.extract import extract_article, web_page_feeds
from pledgewatch.feeds import FeedEntry, ParsedFeed, parse_feed
from pledgewatch.fetch import Fetcher
from pledgewatch.matching import Encoded
from pledgewatch.passages import text_weight
from pledgewatch.scoring import Scorer, pack
from pledgewatch.settings import Settings
from pledgewatch.storage.articles import (
    add_article_once,
    add_sighting,
    find_article_id,
    revise_article,
    save_fingerprint,
    upgrade_article,
)
from pledgewatch.storage.db import Session, Sessions
from pledgewatch.storage.feeds import (
    FeedRef,
    Validators,
    feed_validators,
    record_feed_success,
    seen_guids,
)
from pledgewatch.storage.matches import replace_matches, verdicts_on
from pledgewatch.storage.vectors import save_vectors
from pledgewatch.urls import canonical_url

if TYPE_CHECKING:
    from pledgewatch.pipeline import RunSummary

log = logging.getLogger(__name__)


class Ingest:
    """Polls one feed at a time; several threads may share it (they fetch and extract side by
    side, and store one at a time, so a story two feeds carry meets the stored copy)."""

    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        fetcher: Fetcher,
        scorer: Scorer,
        page_workers: Executor,
        stopping: threading.Event,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.fetcher = fetcher
        self.scorer = scorer
        self.page_workers = page_workers
        self.stopping = stopping  # finish the article in hand, start nothing new
        self._store_lock = threading.Lock()

    def refresh(self, feed: FeedRef, summary: RunSummary) -> None:
        summary.feeds_polled += 1
        zone = self._zone(feed.url)
        parsed, validators = self._fetch_and_parse(feed, zone, summary)
        if parsed is None:
            return
        source = feed.name or parsed.title or urlsplit(feed.url).hostname
        with self.sessions() as session:
            seen = seen_guids(session, feed.id)
        new = [e for e in parsed.entries if e.guid not in seen]
        changed = [
            e for e in parsed.entries if e.guid in seen and _newer(e.updated, seen[e.guid][1])
        ]
        if changed:
            with self._store_lock:
                self._revise(
                    feed, changed, {e.guid: seen[e.guid][0] for e in changed}, zone, summary
                )
        summary.entries_seen += len(new) + parsed.skipped
        if parsed.skipped:
            summary.entries_skipped["no link and no id"] += parsed.skipped
        articles = self._not_stored_yet(feed, new, summary)
        self._gate(articles)
        summary.entries_gated += sum(a.gated for a in articles)
        to_fetch = [a for a in articles if not a.gated]
        list(self.page_workers.map(lambda a: self._fetch_page(a, zone), to_fetch))
        for article in to_fetch:
            for stage, seconds in article.seconds.items():
                summary.stage_seconds[stage] += seconds
        with self._store_lock:
            complete = self._store_all(feed, source, articles, summary)
        # The body counts as processed (validators saved) only when every entry was handled.
        with self.sessions.begin() as session:
            record_feed_success(session, feed.id, parsed.title, validators if complete else None)

    def record_crash(self, feed: FeedRef, exc: Exception) -> None:
        with self.sessions.begin() as session:
            health.record_failure(session, feed.id, f"internal_error: {exc}", None)

    def _zone(self, url: str) -> str:
        """Dates without a zone, in the feed and on its pages, are in the feed's configured one
        (feeds added with `feeds add` have none: UTC)."""
        return next((f.timezone for f in self.settings.feeds if f.url == url), "UTC")

    def _fetch_and_parse(
        self, feed: FeedRef, zone: str, summary: RunSummary
    ) -> tuple[ParsedFeed | None, Validators | None]:
        """The feed's entries and the validators to save; (None, None) when it is unchanged
        or failed (recorded)."""
        with self.sessions() as session:
            known = feed_validators(session, feed.id)
        fetched = None
        try:
            with timed(summary, "fetch"):
                fetched = self.fetcher.get_feed(
                    feed.url, known.etag, known.last_modified, known.content_hash
                )
            if fetched.not_modified:
                summary.feeds_unchanged += 1
                with self.sessions.begin() as session:
                    record_feed_success(session, feed.id, None, None)
                return None, None
            with timed(summary, "parse"):
                parsed = parse_feed(fetched.body, fetched.content_type, zone)
        except (FetchError, FeedError) as exc:
            if isinstance(exc, FeedError) and fetched is not None:
                exc = _explain_web_page(exc, fetched.body, feed.url)
            summary.feeds_failed += 1
            summary.errors.append(f"feed {feed.url}: {failure(exc)}")
            if isinstance(exc, FetchError) and exc.retry_after is not None:
                summary.retry_after[feed.id] = exc.retry_after
            # Debug: the run's summary reports each failure once (the CLI, the daemon's log).
            log.debug("feed failed url=%s error=%s", feed.url, failure(exc))
            pause_after = self.settings.schedule.pause_after_failures
            with self.sessions.begin() as session:
                health.record_failure(session, feed.id, failure(exc), pause_after)
            return None, None
        if parsed.problem:
            log.info("feed parsed despite problem url=%s problem=%s", feed.url, parsed.problem)
        validators = Validators(fetched.etag, fetched.last_modified, fetched.content_hash)
        return parsed, validators

    def _not_stored_yet(
        self, feed: FeedRef, entries: list[FeedEntry], summary: RunSummary
    ) -> list[Article]:
        """Entries whose article is stored already (same URL, or same GUID from another feed)
        only get a sighting, and their page is not fetched; except where the stored copy has
        only its feed text: then this copy's page is fetched to replace it."""
        articles = []
        with self.sessions.begin() as session:
            for entry in entries:
                article = Article(entry)
                known, refetch = duplicates.known_before_fetching(session, article)
                if known is None or refetch:
                    article.replaces = known
                    articles.append(article)
                else:
                    summary.duplicates += 1
                    add_sighting(session, feed.id, known, entry.guid, entry.link, entry.updated)
        return articles

    def _gate(self, articles: list[Article]) -> None:
        """Mark the entries whose summary says they are off topic (Matcher.worth_fetching):
        their page is not fetched. A title alone says too little to skip a page."""
        if not self.settings.matching.gate_entries:
            return
        judged = [a for a in articles if text_weight(a.feed_text) >= duplicates.MIN_SUMMARY_CHARS]
        verdicts = self.scorer.worth_fetching(
            [f"{a.entry.title or ''}. {a.feed_text}" for a in judged]
        )
        for article, worth in zip(judged, verdicts, strict=True):
            article.gated = not worth

    def _fetch_page(self, article: Article, zone: str) -> None:
        """The page's text and metadata, or why it failed (the feed text may stand in)."""
        started = time.monotonic()
        try:
            response = self.fetcher.get(article.url)
            article.seconds["fetch"] = time.monotonic() - started
            if not response.is_html:
                raise ExtractError(f"not an HTML page ({response.content_type})", "not_html")
            content_type = response.headers.get("content-type")
            page = extract_article(response.body, response.url, content_type, zone)
            article.seconds["extract"] = time.monotonic() - started - article.seconds["fetch"]
            article.page = page
            article.canonical = canonical_url(page.canonical_url or response.url)
        except (FetchError, ExtractError) as exc:
            log.debug("page failed url=%s error=%s", article.url, failure(exc))
            article.seconds.setdefault("fetch", time.monotonic() - started)
            article.error = failure(exc)

    def _store_all(
        self, feed: FeedRef, source: str | None, articles: list[Article], summary: RunSummary
    ) -> bool:
        """Store each usable article; False when an entry was left for the next poll (stopped
        before it, or its page failed with no feed text to stand in)."""
        for article in articles:
            if article.error is not None:
                summary.pages_failed += 1
                summary.errors.append(f"page {article.url}: {article.error}")
        # No text and no stored copy to stand in: nothing to store, the next poll tries again.
        usable = [a for a in articles if a.text.text.strip() or a.replaces is not None]
        summary.entries_failed += len(articles) - len(usable)
        complete = len(usable) == len(articles)
        with timed(summary, "dedupe"), self.sessions.begin() as session:
            batch = duplicates.sort_batch(session, usable)
            for article, stored_id in batch.copies:
                _sighting(session, feed.id, stored_id, article)
        summary.duplicates += len(batch.copies)
        with timed(summary, "encode"):
            encoded = self.scorer.encode([self.scorer.passages(a.text) for a in batch.stories])
        summary.passages_encoded += sum(len(e.passages) for e in encoded)
        stored: dict[int, int] = {}  # story index -> article id
        for i, (story, vectors) in enumerate(zip(batch.stories, encoded, strict=True)):
            if self.stopping.is_set():  # the rest stay unseen: the next poll takes them
                left = len(batch.stories) - i + sum(1 for _, twin in batch.echoes if twin >= i)
                summary.entries_skipped["stopping"] += left
                return False
            # One transaction per article: it is stored whole with its matches, or not at all.
            with timed(summary, "store"), self.sessions.begin() as session:
                stored[i] = self._store(session, feed.id, source, story, vectors, summary)
        with self.sessions.begin() as session:
            for article, twin in batch.echoes:
                _sighting(session, feed.id, stored[twin], article)
        summary.duplicates += len(batch.echoes)
        return complete

    def _store(
        self,
        session: Session,
        feed_id: int,
        source: str | None,
        article: Article,
        encoded: Encoded,
        summary: RunSummary,
    ) -> int:
        """Store one story (a new article, or the page that upgrades a stored copy) with its
        matches, fingerprint and vectors; its article id."""
        record, model = article.record(source), self.scorer.model
        article_id = article.upgrade_of
        if article_id is not None:
            owner = find_article_id(session, article.canonical)
            upgrade_article(
                session,
                article_id,
                record,
                keep_url=owner not in (None, article_id),  # that URL is another article's
                keep_date=record.date_origin == "first_seen",  # the stored copy was seen first
            )
            verdicts = verdicts_on(session, [article_id]).get(article_id)
            with timed(summary, "match"):
                matches = self.scorer.matches(encoded, article_id, verdicts)
            _, added = replace_matches(session, article_id, model, None, matches)
            summary.upgraded += 1
            summary.matches_new += added
        else:
            with timed(summary, "match"):
                matches = self.scorer.matches(encoded)
            # None: the same URL twice in this poll, or another worker stored it a moment ago.
            article_id = add_article_once(session, record, matches)
            if article_id is None:
                summary.duplicates += 1
                article_id = find_article_id(session, article.canonical)
                assert article_id is not None
                _sighting(session, feed_id, article_id, article)
                return article_id
            summary.articles_new += 1
            summary.matches_new += len(matches)
        summary.matches_by_statement.update(m.statement_id for m in matches)
        if article.print_ is not None:
            save_fingerprint(session, article_id, article.print_.signature, article.print_.bands)
        if encoded.passages:
            save_vectors(session, article_id, model, pack(encoded))
        _sighting(session, feed_id, article_id, article)
        return article_id

    def _revise(
        self,
        feed: FeedRef,
        entries: list[FeedEntry],
        article_ids: dict[str, int],
        zone: str,
        summary: RunSummary,
    ) -> None:
        """Entries the feed says were updated: fetch again; a changed text becomes the article's
        text (the old one kept as a revision) and is scored again."""
        model = self.scorer.model
        for entry in entries:
            article = Article(entry)
            self._fetch_page(article, zone)
            if not article.text.text.strip():
                continue
            article_id = article_ids[entry.guid]
            with self.sessions.begin() as session:
                record = article.record(None)
                if not revise_article(
                    session, article_id, feed.id, entry.guid, entry.updated, record
                ):
                    continue
                (encoded,) = self.scorer.encode([self.scorer.passages(article.text)])
                verdicts = verdicts_on(session, [article_id]).get(article_id)
                matches = self.scorer.matches(encoded, article_id, verdicts)
                replace_matches(session, article_id, model, None, matches)
                if encoded.passages:
                    save_vectors(session, article_id, model, pack(encoded))
                summary.revised += 1


def _sighting(session: Session, feed_id: int, article_id: int, article: Article) -> None:
    entry = article.entry
    add_sighting(session, feed_id, article_id, entry.guid, article.url, entry.updated)


def _explain_web_page(exc: FeedError, body: bytes, url: str) -> FeedError:
    """A web page given as a feed: say so, and name the feed it advertises."""
    feeds = web_page_feeds(body, url)
    if feeds is None:
        return exc
    if not feeds:
        return FeedError("not a feed but a web page, which advertises no feed")
    return FeedError(f"not a feed but a web page; it advertises the feed {feeds[0]}: use that")


@contextmanager
def timed(summary: RunSummary, stage: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        summary.stage_seconds[stage] += time.monotonic() - started


def _newer(stamp: datetime | None, known: datetime | None) -> bool:
    """The feed dates the entry later than when we last saw it (undated entries never are)."""
    return stamp is not None and (known is None or stamp > known)
