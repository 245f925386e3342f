"""The only place that chains fetch -> parse -> extract -> score -> store."""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import numpy as np
from pledgewatch.dedupe import (
    SAME_STORY,
    SUMMARY_IN_PAGE,
    Fingerprint,
    contained,
    fingerprint,
    similarity,
)
from pledgewatch.errors import ExtractError, FeedError, FetchError, failure
from pledgewatch.extract import Extracted, extract_article, html_to_text, web_page_feeds
from pledgewatch.feeds import FeedEntry, parse_feed
from pledgewatch.fetch import Fetcher
from pledgewatch.labelled import LabelledArticle
from pledgewatch.language import decide
from pledgewatch.matching import ArticleText, Encoded, Matcher, StatementScore
from pledgewatch.passages import Passage, passages_hash, text_weight
from pledgewatch.settings import Settings
from pledgewatch.statements import require_statement
from pledgewatch.storage import queries
from pledgewatch.storage.db import SYNC_KEY, Session, Sessions
from pledgewatch.urls import canonical_url

log = logging.getLogger(__name__)
HTML_TYPES = {"text/html", "application/xhtml+xml", ""}
# A short sentence (a CJK character counts as three): below that (a title-only feed, a "read
# more" stub) an entry cannot rule a page out.
GATE_MIN_SUMMARY_CHARS = 40


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


@dataclass
class RescoreSummary:
    """What one re-scoring pass did."""

    articles: int = 0
    in_scope: int = 0
    encoded: int = 0  # articles whose passages had no stored vectors for this model
    removed: int = 0
    added: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Candidate:
    entry: FeedEntry
    url: str
    canonical: str
    article: Extracted | None
    error: str | None
    seconds: dict[str, float] = field(default_factory=dict)
    gated: bool = False  # not fetched: the gate judged the entry off topic
    # A stored copy of this story (same GUID) kept from its feed text because its page failed.
    replaces: int | None = None


@dataclass(frozen=True)
class _Story:
    """A text to encode and store: a new article, or the page of a stored copy that had only
    its feed text (upgrade_of)."""

    candidate: _Candidate
    text: ArticleText
    print_: Fingerprint | None
    upgrade_of: int | None = None

    @property
    def from_page(self) -> bool:
        return self.candidate.article is not None


class Pipeline:
    """Polls feeds and stores new articles with their matches."""

    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        fetcher: Fetcher,
        matcher: Matcher,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.fetcher = fetcher
        self.matcher = matcher
        # The matcher given holds the seed's examples; verdicts join in refresh_examples.
        self._feedback_mark: tuple[object, ...] = (0, None, None)
        # Set by the daemon on SIGTERM: finish the article in hand, start nothing new.
        self.stopping = threading.Event()
        # Feeds may be polled in several threads: they fetch and extract side by side, but
        # store one at a time (a story two feeds carry must meet the stored copy: one row), and
        # the encoder runs one batch at a time.
        self._store_lock = threading.Lock()
        self._encoder_lock = threading.Lock()
        # One pool of page workers for the pipeline's life (threads are not started per feed).
        self._page_workers = ThreadPoolExecutor(
            max_workers=settings.fetch.concurrency, thread_name_prefix="page"
        )

    def sync(self) -> list[tuple[int, str, str | None]]:
        """Feeds from the config and statements from the seed into the database."""
        seed = self.matcher.seed
        with self.sessions.begin() as session:
            queries.serialize(session, SYNC_KEY)  # workers starting together sync in turn
            feeds = queries.sync_feeds(
                session, [(f.url, f.name, f.interval_minutes) for f in self.settings.feeds]
            )
            queries.sync_statements(
                session,
                seed.seed,
                [(s.id, s.speaker, s.text, s.wordings()) for s in seed.statements],
            )
            return [(feed.id, feed.url, feed.name) for feed in feeds]

    def run_once(self) -> RunSummary:
        """Poll every configured feed once and process its new entries."""
        return self.poll_feeds(self.sync())

    def refresh_examples(self) -> None:
        """Verdicts analysts gave since the matcher was built (feedback mark, another worker)
        join its examples: a running daemon uses them from its next poll."""
        with self.sessions() as session:
            mark = queries.feedback_mark(session)
        if mark == self._feedback_mark:
            return
        examples = [*self.matcher.seed.examples, *feedback_examples(self.sessions)]
        self.matcher = self.matcher.with_examples(examples)
        self._feedback_mark = mark

    def poll_feeds(self, feeds: list[tuple[int, str, str | None]]) -> RunSummary:
        """Poll these feeds (id, url, name) and store what is new; recorded as one run."""
        started = time.monotonic()
        self.refresh_examples()
        summary = RunSummary()
        with self.sessions.begin() as session:
            run_id = queries.start_run(session)
        with ThreadPoolExecutor(max_workers=self.settings.fetch.feed_concurrency) as pool:
            for part in pool.map(self._poll_safely, feeds):
                summary.absorb(part)
        summary.seconds = time.monotonic() - started
        with self.sessions.begin() as session:
            queries.finish_run(
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

    def _poll_safely(self, feed: tuple[int, str, str | None]) -> RunSummary:
        """One feed's poll, in a worker thread; its summary is merged by the caller."""
        feed_id, url, name = feed
        summary = RunSummary()
        if self.stopping.is_set():
            return summary
        try:
            self._poll(feed_id, url, name, summary)
        except Exception as exc:  # noqa: BLE001 - one bad feed must never stop the others
            log.exception("feed crashed url=%s", url)
            summary.feeds_failed += 1
            summary.errors.append(f"feed {url}: internal_error: {type(exc).__name__}: {exc}")
            with self.sessions.begin() as session:
                queries.record_feed_result(session, feed_id, None, f"internal_error: {exc}")
        return summary

    def _poll(self, feed_id: int, url: str, name: str | None, summary: RunSummary) -> None:
        summary.feeds_polled += 1
        pause_after = self.settings.schedule.pause_after_failures
        # Dates without a zone, in the feed and on its pages, are in the feed's configured one
        # (feeds added with `feeds add` have none: UTC).
        zone = next((f.timezone for f in self.settings.feeds if f.url == url), "UTC")
        with self.sessions.begin() as session:
            known = queries.feed_validators(session, feed_id)
        conditional = {
            header: value
            for header, value in (
                ("If-None-Match", known.etag),
                ("If-Modified-Since", known.last_modified),
            )
            if value
        }
        try:
            with _timed(summary, "fetch"):
                response = self.fetcher.get(url, conditional)
            body_hash = hashlib.sha256(response.body).hexdigest()
            if response.status == 304 or body_hash == known.content_hash:
                # Nothing new; a server ignoring the validators is caught by the body's hash.
                summary.feeds_unchanged += 1
                with self.sessions.begin() as session:
                    queries.record_feed_result(session, feed_id, None, None)
                return
            with _timed(summary, "parse"):
                parsed = parse_feed(response.body, response.headers.get("content-type"), zone)
        except (FetchError, FeedError) as exc:
            if isinstance(exc, FeedError):
                exc = _explain_web_page(exc, response.body, url)
            summary.feeds_failed += 1
            summary.errors.append(f"feed {url}: {failure(exc)}")
            if isinstance(exc, FetchError) and exc.retry_after is not None:
                summary.retry_after[feed_id] = exc.retry_after
            # Debug: the run's summary reports each failure once (the CLI, the daemon's log).
            log.debug("feed failed url=%s error=%s", url, failure(exc))
            with self.sessions.begin() as session:
                queries.record_feed_result(session, feed_id, None, failure(exc), None, pause_after)
            return
        if parsed.problem:
            log.info("feed parsed despite problem url=%s problem=%s", url, parsed.problem)
        source = name or parsed.title or urlsplit(url).hostname
        with self.sessions.begin() as session:
            seen = queries.seen_guids(session, feed_id)
        entries = [e for e in parsed.entries if e.guid not in seen]
        changed = [
            e for e in parsed.entries if e.guid in seen and _newer(e.updated, seen[e.guid][1])
        ]
        if changed:
            with self._store_lock:
                known = {e.guid: seen[e.guid][0] for e in changed}
                self._revise(feed_id, changed, known, summary, zone)
        summary.entries_seen += len(entries) + parsed.skipped
        if parsed.skipped:
            summary.entries_skipped["no link and no id"] += parsed.skipped
        fresh = self._attach_known(feed_id, entries, summary)
        worth = self._worth_fetching([entry for entry, _ in fresh])
        to_fetch = [pair for pair, w in zip(fresh, worth, strict=True) if w]
        gated = [self._from_feed(*pair) for pair, w in zip(fresh, worth, strict=True) if not w]
        summary.entries_gated += len(gated)
        fetch = functools.partial(self._fetch_article, zone=zone)
        fetched = self._page_workers.map(fetch, *zip(*to_fetch, strict=True))
        candidates = list(fetched) + gated if to_fetch else gated
        for candidate in candidates:
            for stage, seconds in candidate.seconds.items():
                summary.stage_seconds[stage] += seconds
        with self._store_lock:
            complete = self._score_and_store(feed_id, source, candidates, summary)
        # The body counts as processed (validators saved) only when every entry was handled.
        validators = queries.Validators(
            response.headers.get("etag"), response.headers.get("last-modified"), body_hash
        )
        with self.sessions.begin() as session:
            queries.record_feed_result(
                session, feed_id, parsed.title, None, validators if complete else None
            )

    def _attach_known(
        self, feed_id: int, entries: list[FeedEntry], summary: RunSummary
    ) -> list[tuple[FeedEntry, int | None]]:
        """Entries whose article is stored already (same URL, or same GUID from another feed)
        only get a sighting, and their page is not fetched. Except when the stored copy has only
        its feed text because its page failed: then this copy's page is fetched to replace it.
        Each entry to process comes with the stored copy it may replace."""
        fresh: list[tuple[FeedEntry, int | None]] = []
        with self.sessions.begin() as session:
            for entry in entries:
                known = queries.find_article_id(session, canonical_url(entry.link or entry.guid))
                if known is None and _global_guid(entry.guid):
                    copy = queries.stored_copy_by_guid(session, entry.guid)
                    if copy is not None and copy.page_failed:
                        fresh.append((entry, copy.id))
                        continue
                    known = copy.id if copy is not None else None
                if known is None:
                    fresh.append((entry, None))
                else:
                    summary.duplicates += 1
                    queries.add_sighting(
                        session, feed_id, known, entry.guid, entry.link, entry.updated
                    )
        return fresh

    def _worth_fetching(self, entries: list[FeedEntry]) -> list[bool]:
        """The gate (Matcher.worth_fetching) on entries with a real summary; a title alone
        says too little to skip a page."""
        if not self.settings.matching.gate_entries:
            return [True] * len(entries)
        texts = [(e.title or "", html_to_text(e.content or e.summary)) for e in entries]
        judged = [i for i, (_, s) in enumerate(texts) if text_weight(s) >= GATE_MIN_SUMMARY_CHARS]
        with self._encoder_lock:
            verdicts = self.matcher.worth_fetching([". ".join(texts[i]) for i in judged])
        worth = [True] * len(entries)
        for i, verdict in zip(judged, verdicts, strict=True):
            worth[i] = verdict
        return worth

    @staticmethod
    def _from_feed(entry: FeedEntry, replaces: int | None = None) -> _Candidate:
        url = entry.link or entry.guid
        return _Candidate(entry, url, canonical_url(url), None, None, gated=True, replaces=replaces)

    def _fetch_article(
        self, entry: FeedEntry, replaces: int | None = None, zone: str = "UTC"
    ) -> _Candidate:
        url = entry.link or entry.guid
        started = time.monotonic()
        seconds: dict[str, float] = {}
        try:
            response = self.fetcher.get(url)
            seconds["fetch"] = time.monotonic() - started
            if response.content_type not in HTML_TYPES:
                raise ExtractError(f"not an HTML page ({response.content_type})", "not_html")
            content_type = response.headers.get("content-type")
            article = extract_article(response.body, response.url, content_type, zone)
            seconds["extract"] = time.monotonic() - started - seconds["fetch"]
            canonical = canonical_url(article.canonical_url or response.url)
            return _Candidate(entry, url, canonical, article, None, seconds, replaces=replaces)
        except (FetchError, ExtractError) as exc:
            log.debug("page failed url=%s error=%s", url, failure(exc))
            seconds.setdefault("fetch", time.monotonic() - started)
            fallback = canonical_url(url)
            return _Candidate(entry, url, fallback, None, failure(exc), seconds, replaces=replaces)

    def _score_and_store(
        self, feed_id: int, source: str | None, candidates: list[_Candidate], summary: RunSummary
    ) -> bool:
        """Store each usable candidate; False when an entry was left for the next poll (stopped
        before it, or its page failed with no feed text to stand in)."""
        usable = []
        complete = True
        for candidate in candidates:
            text = self._text(candidate)
            if candidate.error is not None:
                summary.pages_failed += 1
                summary.errors.append(f"page {candidate.url}: {candidate.error}")
            if text.text.strip():
                usable.append((candidate, text))
            elif candidate.replaces is not None:  # a stored copy stands: note this one saw it
                with self.sessions.begin() as session:
                    self._sighting(session, feed_id, candidate.replaces, candidate)
                summary.duplicates += 1
            else:
                summary.entries_failed += 1  # nothing to store: the next poll tries again
                complete = False
        stories, echoes = self._new_stories(feed_id, usable, summary)
        with _timed(summary, "encode"):
            encoded = self._encode([self.matcher.passages(s.text) for s in stories])
        summary.passages_encoded += sum(len(e.passages) for e in encoded)
        stored: dict[int, int] = {}  # story index -> article id
        for i, (story, article_encoded) in enumerate(zip(stories, encoded, strict=True)):
            if self.stopping.is_set():  # the rest stay unseen: the next poll takes them
                left = len(stories) - i + sum(1 for _, twin in echoes if twin >= i)
                summary.entries_skipped["stopping"] += left
                return False
            # One transaction per article: it is stored whole with its matches, or not at all.
            with _timed(summary, "store"), self.sessions.begin() as session:
                stored[i] = self._store(session, feed_id, source, story, article_encoded, summary)
        with self.sessions.begin() as session:
            for candidate, twin in echoes:
                self._sighting(session, feed_id, stored[twin], candidate)
        summary.duplicates += len(echoes)
        return complete

    def _store(
        self,
        session: Session,
        feed_id: int,
        source: str | None,
        story: _Story,
        encoded: Encoded,
        summary: RunSummary,
    ) -> int:
        """Store one story (a new article, or the page that upgrades a stored copy) with its
        matches, fingerprint and vectors; its article id."""
        candidate, fields = story.candidate, self._fields(story.candidate, story.text, source)
        model = self.matcher.model_id
        article_id = story.upgrade_of
        if article_id is not None:
            if queries.find_article_id(session, candidate.canonical) not in (None, article_id):
                del fields["url"], fields["canonical_url"]  # that URL is another article's
            if fields["date_origin"] == "first_seen":
                del fields["published"], fields["date_origin"]  # the stored copy was seen first
            queries.upgrade_article(session, article_id, **fields)
            verdicts = queries.verdicts(session, [article_id]).get(article_id)
            with _timed(summary, "match"):
                matches = self._matches(encoded, article_id, verdicts)
            _, added = queries.replace_matches(session, article_id, model, None, matches)
            summary.upgraded += 1
            summary.matches_new += added
        else:
            article_id = queries.find_article_id(session, candidate.canonical)
            if article_id is not None:  # the same URL twice in this poll
                summary.duplicates += 1
                self._sighting(session, feed_id, article_id, candidate)
                return article_id
            with _timed(summary, "match"):
                matches = self._matches(encoded)
            article_id = queries.add_article_once(session, matches, **fields)
            if article_id is None:  # another worker stored the same article a moment ago
                summary.duplicates += 1
                article_id = queries.find_article_id(session, candidate.canonical)
                assert article_id is not None
                self._sighting(session, feed_id, article_id, candidate)
                return article_id
            summary.articles_new += 1
            summary.matches_new += len(matches)
        summary.matches_by_statement.update(m.statement_id for m in matches)
        if story.print_ is not None:
            queries.save_fingerprint(
                session, article_id, story.print_.signature, story.print_.bands
            )
        if encoded.passages:
            queries.save_vectors(session, article_id, model, _pack(encoded))
        self._sighting(session, feed_id, article_id, candidate)
        return article_id

    @staticmethod
    def _sighting(session: Session, feed_id: int, article_id: int, candidate: _Candidate) -> None:
        entry = candidate.entry
        queries.add_sighting(session, feed_id, article_id, entry.guid, candidate.url, entry.updated)

    def _revise(
        self,
        feed_id: int,
        entries: list[FeedEntry],
        article_ids: dict[str, int],
        summary: RunSummary,
        zone: str = "UTC",
    ) -> None:
        """Entries the feed says were updated: fetch again; a changed text becomes the article's
        text (the old one kept as a revision) and is scored again."""
        candidates = [self._fetch_article(entry, zone=zone) for entry in entries]
        model = self.matcher.model_id
        for candidate in candidates:
            text = self._text(candidate)
            if not text.text.strip():
                continue
            with self.sessions.begin() as session:
                article_id = article_ids[candidate.entry.guid]
                fields = self._fields(candidate, text, None)
                revised = queries.revise_article(
                    session,
                    article_id,
                    feed_id,
                    candidate.entry.guid,
                    candidate.entry.updated,
                    title=fields["title"],
                    text=fields["text"],
                    content_hash=fields["content_hash"],
                )
                if not revised:
                    continue
                (encoded,) = self._encode([self.matcher.passages(text)])
                verdicts = queries.verdicts(session, [article_id]).get(article_id)
                matches = self._matches(encoded, article_id, verdicts)
                queries.replace_matches(session, article_id, model, None, matches)
                if encoded.passages:
                    queries.save_vectors(session, article_id, model, _pack(encoded))
                summary.revised += 1

    def _new_stories(
        self, feed_id: int, usable: list[tuple[_Candidate, ArticleText]], summary: RunSummary
    ) -> tuple[list[_Story], list[tuple[_Candidate, int]]]:
        """What each text is: a new story; the page of a story stored from its feed text alone
        (an upgrade); or a copy of a stored story (noted as a sighting now) or of a story earlier
        in this batch (an echo: (candidate, that story's index), noted once it is stored).
        Nothing is encoded for copies. A feed text is never merged on its own: a templated
        summary says too little, and a gated one is not scored anyway."""
        stories: list[_Story] = []
        echoes: list[tuple[_Candidate, int]] = []
        with _timed(summary, "dedupe"), self.sessions.begin() as session:
            failed_copies = queries.has_failed_copies(session)  # else no summary is compared
            for candidate, text in usable:
                replaces = candidate.replaces
                if replaces is None and _global_guid(candidate.entry.guid):
                    # Its GUID's copy may have been stored since it was looked up (another feed
                    # polled side by side).
                    copy = queries.stored_copy_by_guid(session, candidate.entry.guid)
                    if copy is not None and (candidate.article is None or not copy.from_feed):
                        self._sighting(session, feed_id, copy.id, candidate)
                        summary.duplicates += 1
                        continue
                    replaces = copy.id if copy is not None else None
                if candidate.article is None:
                    if replaces is not None:
                        self._sighting(session, feed_id, replaces, candidate)
                        summary.duplicates += 1
                    else:
                        print_ = None if candidate.gated else fingerprint(text.text)
                        stories.append(_Story(candidate, text, print_))
                    continue
                print_ = fingerprint(text.text)
                twin = next(
                    (
                        i
                        for i, story in enumerate(stories)
                        if story.from_page
                        and story.print_ is not None
                        and _same(story.print_.signature, print_)
                    ),
                    None,
                )
                if twin is not None:
                    echoes.append((candidate, twin))
                    continue
                upgrade_of = replaces
                if upgrade_of is None:
                    known, from_feed = self._stored_twin(
                        session, candidate, text, print_, failed_copies
                    )
                    if known is not None and not from_feed:
                        self._sighting(session, feed_id, known, candidate)
                        summary.duplicates += 1
                        continue
                    upgrade_of = known
                stories.append(_Story(candidate, text, print_, upgrade_of))
        return stories, echoes

    @staticmethod
    def _stored_twin(
        session: Session,
        candidate: _Candidate,
        text: ArticleText,
        print_: Fingerprint,
        failed_copies: bool,
    ) -> tuple[int | None, bool]:
        """The stored copy of a fetched page's story, and whether that copy has only its feed
        text: a stored text near this page's, or (where some copy's page failed) a stored feed
        text near this entry's summary that the page contains."""
        signatures = queries.fingerprint_candidates(session, print_.bands)
        same = [i for i, sig in signatures.items() if _same(sig, print_)]
        if same:
            copies = queries.stored_copies(session, same)
            page_copies = [i for i in same if not copies[i].from_feed]
            return (page_copies[0], False) if page_copies else (same[0], True)
        entry_text = html_to_text(candidate.entry.content or candidate.entry.summary)
        if not failed_copies or text_weight(entry_text) < GATE_MIN_SUMMARY_CHARS:
            return None, False
        summary_print = fingerprint(entry_text)
        signatures = queries.fingerprint_candidates(session, summary_print.bands)
        near = [i for i, sig in signatures.items() if _same(sig, summary_print)]
        for copy in queries.stored_copies(session, near).values():
            if copy.from_feed and contained(copy.text, text.text) >= SUMMARY_IN_PAGE:
                return copy.id, True
        return None, False

    def rescore(
        self,
        statement: str | None = None,
        on_batch: Callable[[int], None] | None = None,
        articles: list[int] | None = None,
    ) -> RescoreSummary:
        """Recompute matches over stored articles (all, or these ids) without fetching anything,
        reusing stored passage vectors."""
        started = time.monotonic()
        if statement is not None:
            require_statement(self.matcher.seed, statement)
        self.sync()
        self.refresh_examples()
        only = {statement} if statement else None
        model = self.matcher.model_id
        summary = RescoreSummary()
        with self.sessions() as reader:
            for batch in queries.article_batches(reader, only=articles):
                self._rescore_batch(batch, model, only, summary)
                if on_batch:
                    on_batch(len(batch))
        summary.seconds = time.monotonic() - started
        return summary

    def _rescore_batch(
        self,
        batch: list[tuple[int, str | None, str]],
        model: str,
        only: set[str] | None,
        summary: RescoreSummary,
    ) -> None:
        ids = [article_id for article_id, _, _ in batch]
        with self.sessions.begin() as session:
            stored = queries.load_vectors(session, ids, model)
            encoded, fresh = self._stored_or_encoded(batch, stored)
            judged = queries.verdicts(session, ids)
            for i, article_id in enumerate(ids):
                summary.articles += 1
                matches: list[queries.NewMatch] = []
                vectors = encoded[i]
                if vectors is not None:
                    summary.in_scope += 1
                    if i in fresh:
                        queries.save_vectors(session, article_id, model, _pack(vectors))
                        summary.encoded += 1
                    matches = self._matches(vectors, article_id, judged.get(article_id))
                removed, added = queries.replace_matches(session, article_id, model, only, matches)
                summary.removed += removed
                summary.added += added

    def explain(self, article_id: int) -> tuple[list[StatementScore], dict[str, bool]]:
        """Every statement's score for one stored article (empty when out of scope) and the
        analysts' verdicts on it: why it matched what it matched, and how far the rest stood.
        From its stored passage vectors where they fit; nothing is fetched or stored."""
        self.refresh_examples()
        with self.sessions() as session:
            batch = next(queries.article_batches(session, only=[article_id]), [])
            if not batch:
                return [], {}
            stored = queries.load_vectors(session, [article_id], self.matcher.model_id)
            (vectors,), _ = self._stored_or_encoded(batch, stored)
            verdicts = queries.verdicts(session, [article_id]).get(article_id, {})
        if vectors is None:
            return [], verdicts
        return self.matcher.score_encoded(vectors, feedback_story(article_id)), verdicts

    def _stored_or_encoded(
        self,
        batch: list[tuple[int, str | None, str]],
        stored: dict[int, queries.StoredVectors],
    ) -> tuple[list[Encoded | None], set[int]]:
        """Per (id, title, text): its encoded passages (None out of scope) — the stored vectors
        while they fit its passages, else encoded now; and the indices encoded now."""
        passages = [self.matcher.passages(ArticleText(title, text)) for _, title, text in batch]
        missing = [
            i
            for i, ps in enumerate(passages)
            if ps and passages_hash(ps) != getattr(stored.get(batch[i][0]), "passages_hash", "")
        ]
        fresh = dict(zip(missing, self._encode([passages[i] for i in missing]), strict=True))
        encoded = [
            fresh[i] if i in fresh else _unpack(ps, stored[batch[i][0]]) if ps else None
            for i, ps in enumerate(passages)
        ]
        return encoded, set(fresh)

    def _encode(self, passages: list[list[Passage]]) -> list[Encoded]:
        """Vectors (one list of passages per article) at the precision they are stored in, so
        that re-scoring from storage reproduces the scores found at crawl time (every encoding
        goes through here)."""
        with self._encoder_lock:
            encoded = self.matcher.encode(passages)
        return [_stored_precision(e) for e in encoded]

    def _matches(
        self,
        encoded: Encoded,
        article_id: int | None = None,
        verdicts: dict[str, bool] | None = None,
    ) -> list[queries.NewMatch]:
        """The statements an encoded article matches, as rows to store. An analyst's verdict on
        the article decides over its score, and its own example is not used to score it."""
        model = self.matcher.model_id
        story = feedback_story(article_id) if article_id is not None else None
        verdicts = verdicts or {}
        return [
            queries.NewMatch(s.statement_id, s.score, s.passage, s.position, model)
            for s in self.matcher.score_encoded(encoded, story)
            if verdicts.get(s.statement_id, s.matched)
        ]

    @staticmethod
    def _text(candidate: _Candidate) -> ArticleText:
        if candidate.article is not None:
            return ArticleText(
                candidate.article.title or candidate.entry.title, candidate.article.text
            )
        fallback = html_to_text(candidate.entry.content or candidate.entry.summary)
        return ArticleText(candidate.entry.title, fallback)

    @staticmethod
    def _fields(candidate: _Candidate, text: ArticleText, source: str | None) -> dict[str, object]:
        article, entry = candidate.article, candidate.entry
        # What the text shows where it says enough, else the page's <html lang>, else the
        # entry's or feed's declaration (a byline-only entry is in its feed's language).
        declared = (article.declared_language if article else None) or entry.language
        language = decide(f"{text.title or ''}\n{text.text}", declared)
        # The feed's date first (a page may state its last update), then the page's; with
        # neither, the time Pledgewatch first saw the entry, and the article says so.
        published, date_origin = entry.published, "feed"
        if published is None and article is not None and article.published is not None:
            published, date_origin = article.published, "page"
        if published is None:
            published, date_origin = datetime.now(UTC), "first_seen"
        return {
            "url": candidate.url,
            "canonical_url": candidate.canonical,
            "title": text.title,
            "source": source,
            "author": (article.author if article else None) or entry.author,
            "published": published,
            "date_origin": date_origin,
            "language": language,
            "text": text.text,
            "content_hash": hashlib.sha256(text.text.encode()).hexdigest(),
            "text_origin": "page" if article else "feed",
            "extract_error": candidate.error,
        }


def _same(signature: bytes, print_: Fingerprint) -> bool:
    return similarity(signature, print_.signature) >= SAME_STORY


def _explain_web_page(exc: FeedError, body: bytes, url: str) -> FeedError:
    """A web page given as a feed: say so, and name the feed it advertises."""
    feeds = web_page_feeds(body, url)
    if feeds is None:
        return exc
    if not feeds:
        return FeedError("not a feed but a web page, which advertises no feed")
    return FeedError(f"not a feed but a web page; it advertises the feed {feeds[0]}: use that")


def feedback_story(article_id: int) -> str:
    """The story key of a stored article used as a labelled example (analyst feedback)."""
    return f"article:{article_id}"


def feedback_examples(sessions: Sessions) -> list[LabelledArticle]:
    """The stored articles analysts gave a verdict on, as labelled examples for the matcher."""
    with sessions() as session:
        judged = queries.judged_articles(session)
    return [
        LabelledArticle(
            id=feedback_story(article_id),
            lang="",
            title=title or "",
            text=text,
            labels=frozenset(s for s, relevant in verdicts.items() if relevant),
            kind="feedback",
            rejected=frozenset(s for s, relevant in verdicts.items() if not relevant),
        )
        for article_id, title, text, verdicts in judged
    ]


@contextmanager
def _timed(summary: RunSummary, stage: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        summary.stage_seconds[stage] += time.monotonic() - started


def _newer(stamp: datetime | None, known: datetime | None) -> bool:
    """The feed dates the entry later than when we last saw it (undated entries never are)."""
    return stamp is not None and (known is None or stamp > known)


def _global_guid(guid: str) -> bool:
    """GUIDs that name one article worldwide (URLs, URNs, tag: URIs); not a site's '12345'."""
    return len(guid) >= 12 and (":" in guid or "/" in guid)


# Passage vectors are kept as float16; scoring always uses that precision, so that re-scoring
# from storage reproduces the scores found at crawl time.


def _stored_precision(encoded: Encoded) -> Encoded:
    return Encoded(encoded.passages, encoded.vectors.astype(np.float16).astype(np.float32))


def _pack(encoded: Encoded) -> queries.StoredVectors:
    rows, dim = encoded.vectors.shape
    data = encoded.vectors.astype(np.float16).tobytes()
    return queries.StoredVectors(passages_hash(encoded.passages), rows, dim, data)


def _unpack(passages: list[Passage], stored: queries.StoredVectors) -> Encoded:
    vectors = np.frombuffer(stored.data, dtype=np.float16).reshape(stored.rows, stored.dim)
    return Encoded(passages, vectors.astype(np.float32))
