"""Query functions: the only way the rest of Pledgewatch reads or writes the database."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import NamedTuple

from pledgewatch.storage.models import (
    Article,
    Digest,
    Feed,
    Feedback,
    Fingerprint,
    FingerprintBand,
    Match,
    PassageVectors,
    Revision,
    Run,
    Sighting,
    Statement,
    utcnow,
)
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class MatchRow:
    """A stored match joined with its article: what the CLI and digests show."""

    statement_id: str
    article_id: int
    article_url: str
    title: str | None
    source: str | None
    published: datetime | None
    date_origin: str | None  # feed | page | first_seen (no date given); None: not recorded
    language: str | None
    score: float
    passage: str
    position: int
    model: str
    found_at: datetime


@dataclass(frozen=True)
class StatementRow:
    id: str
    seed: str
    speaker: str
    text: str
    matches: int


@dataclass(frozen=True)
class NewArticle:
    """An article to store (or the new text and metadata of a stored one)."""

    url: str
    canonical_url: str
    text: str
    content_hash: str
    text_origin: str  # page | feed
    title: str | None = None
    source: str | None = None
    author: str | None = None
    published: datetime | None = None
    date_origin: str | None = None  # feed | page | first_seen
    language: str | None = None
    extract_error: str | None = None


@dataclass(frozen=True)
class NewMatch:
    statement_id: str
    score: float
    passage: str
    position: int
    model: str


def serialize(session: Session, key: int) -> None:
    """On PostgreSQL, hold a transaction-wide advisory lock: concurrent callers take turns."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


# --- feeds -------------------------------------------------------------------------------


def sync_feeds(
    session: Session, feeds: Iterable[tuple[str, str | None, float | None]]
) -> list[Feed]:
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
    return rows


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


def seen_guids(session: Session, feed_id: int) -> dict[str, tuple[int, datetime | None]]:
    """GUID -> (article id, the entry's updated stamp when last seen) for a feed."""
    rows = session.execute(
        select(Sighting.guid, Sighting.article_id, Sighting.entry_updated).where(
            Sighting.feed_id == feed_id
        )
    )
    return {guid: (article_id, updated) for guid, article_id, updated in rows}


def revise_article(
    session: Session,
    article_id: int,
    feed_id: int,
    guid: str,
    entry_updated: datetime | None,
    new: NewArticle,
) -> bool:
    """Keep the article's current text as a revision and take the new title and text; False
    (and only the stamp noted) when the text did not change."""
    article = session.get_one(Article, article_id)
    sighting = session.scalars(
        select(Sighting).where(Sighting.feed_id == feed_id, Sighting.guid == guid)
    ).first()
    if sighting is not None:
        sighting.entry_updated = entry_updated
    if new.content_hash == article.content_hash:
        return False
    _replace_text(
        session, article, {"title": new.title, "text": new.text, "content_hash": new.content_hash}
    )
    return True


def upgrade_article(
    session: Session, article_id: int, new: NewArticle, *, keep_url: bool, keep_date: bool
) -> None:
    """A stored copy kept from its feed text takes another copy's page (URL unless keep_url,
    text, metadata, date unless keep_date); the feed text is kept as a revision."""
    fields = asdict(new)
    if keep_url:
        del fields["url"], fields["canonical_url"]
    if keep_date:
        del fields["published"], fields["date_origin"]
    _replace_text(session, session.get_one(Article, article_id), fields)
    session.execute(delete(Fingerprint).where(Fingerprint.article_id == article_id))
    session.execute(delete(FingerprintBand).where(FingerprintBand.article_id == article_id))


def _replace_text(session: Session, article: Article, fields: dict[str, object]) -> None:
    session.add(
        Revision(
            article_id=article.id,
            title=article.title,
            text=article.text,
            content_hash=article.content_hash,
            fetched_at=article.fetched_at,
        )
    )
    for key, value in fields.items():
        setattr(article, key, value)
    article.fetched_at = utcnow()


def revisions(session: Session, article_id: int) -> list[tuple[str, datetime]]:
    """(content hash, replaced at) of an article's earlier texts, oldest first."""
    rows = session.execute(
        select(Revision.content_hash, Revision.replaced_at)
        .where(Revision.article_id == article_id)
        .order_by(Revision.id)
    )
    return [(h, t) for h, t in rows]


# --- articles and matches ----------------------------------------------------------------


def find_article_id(session: Session, canonical_url: str) -> int | None:
    return session.scalar(select(Article.id).where(Article.canonical_url == canonical_url))


@dataclass(frozen=True)
class StoredCopy:
    """What dedupe needs to know of a stored article."""

    id: int
    text: str
    from_feed: bool  # its text is the feed's: a copy with a page may take its place
    page_failed: bool  # from the feed because its page could not be fetched or extracted


def stored_copies(session: Session, article_ids: Iterable[int]) -> dict[int, StoredCopy]:
    rows = session.execute(
        select(Article.id, Article.text, Article.text_origin, Article.extract_error).where(
            Article.id.in_(list(article_ids))
        )
    )
    return {
        i: StoredCopy(i, text, origin == "feed", origin == "feed" and error is not None)
        for i, text, origin, error in rows
    }


def has_failed_copies(session: Session) -> bool:
    """Some article is stored from its feed text because its page failed."""
    failed = (Article.text_origin == "feed") & Article.extract_error.is_not(None)
    return session.scalar(select(Article.id).where(failed).limit(1)) is not None


def stored_copy_by_guid(session: Session, guid: str) -> StoredCopy | None:
    """The article some feed already carried under this GUID, as dedupe needs it."""
    article_id = find_article_by_guid(session, guid)
    return None if article_id is None else stored_copies(session, [article_id]).get(article_id)


def find_article_by_guid(session: Session, guid: str) -> int | None:
    """The article some feed already carried under this GUID."""
    return session.scalar(select(Sighting.article_id).where(Sighting.guid == guid).limit(1))


def add_sighting(
    session: Session,
    feed_id: int,
    article_id: int,
    guid: str,
    url: str | None = None,
    entry_updated: datetime | None = None,
) -> None:
    """Record that a feed carries an article, at this URL (idempotent)."""
    exists = session.scalar(
        select(Sighting.id).where(Sighting.feed_id == feed_id, Sighting.guid == guid)
    )
    if exists is None:
        session.add(
            Sighting(
                feed_id=feed_id,
                article_id=article_id,
                guid=guid,
                url=url,
                entry_updated=entry_updated,
            )
        )


def save_fingerprint(
    session: Session, article_id: int, signature: bytes, bands: Iterable[str]
) -> None:
    session.add(Fingerprint(article_id=article_id, signature=signature))
    session.add_all(FingerprintBand(band=band, article_id=article_id) for band in bands)


def fingerprint_candidates(session: Session, bands: Sequence[str]) -> dict[int, bytes]:
    """Signatures of the stored articles sharing at least one band."""
    ids = select(FingerprintBand.article_id).where(FingerprintBand.band.in_(bands)).distinct()
    rows = session.execute(
        select(Fingerprint.article_id, Fingerprint.signature).where(Fingerprint.article_id.in_(ids))
    )
    return {article_id: signature for article_id, signature in rows}


def sighting_articles(session: Session) -> list[tuple[str, int]]:
    """(GUID, article id) of every sighting: which entry ended up as which stored story."""
    return [
        (guid, article_id)
        for guid, article_id in session.execute(select(Sighting.guid, Sighting.article_id))
    ]


def article_sources(session: Session, article_ids: Iterable[int]) -> dict[int, list[str]]:
    """The feeds (names, else titles, else URLs) that carried each article, first seen first."""
    ids = list(article_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Sighting.article_id, func.coalesce(Feed.name, Feed.title, Feed.url))
        .join(Feed, Feed.id == Sighting.feed_id)
        .where(Sighting.article_id.in_(ids))
        .order_by(Sighting.article_id, Sighting.id)
    )
    sources: dict[int, list[str]] = {}
    for article_id, feed in rows:
        if feed not in sources.setdefault(article_id, []):
            sources[article_id].append(feed)
    return sources


def add_article_once(
    session: Session, new: NewArticle, matches: Sequence[NewMatch] = ()
) -> int | None:
    """add_article, or None when another worker stored the same canonical URL meanwhile."""
    try:
        with session.begin_nested():
            return add_article(session, new, matches)
    except IntegrityError:
        return None


def add_article(session: Session, new: NewArticle, matches: Sequence[NewMatch] = ()) -> int:
    """Insert an article with its matches; returns the article id."""
    article = Article(**asdict(new))
    session.add(article)
    session.flush()
    session.add_all(_new_match(article.id, m) for m in matches)
    return article.id


@dataclass(frozen=True)
class MatchFilter:
    """What `pledgewatch matches`, the digest and the timeline ask of the matches."""

    statement: str | None = None
    since: datetime | None = None  # publication date (found date when unknown), inclusive
    until: datetime | None = None  # exclusive
    found_since: datetime | None = None  # when Pledgewatch found the match, inclusive
    found_until: datetime | None = None  # exclusive
    min_score: float | None = None
    source: str | None = None  # substring of the source name, any case
    language: str | None = None
    text: str | None = None  # substring of the title or the passage, any case
    sort: str = "statement"  # statement (then score) | score | date
    limit: int | None = None


def list_matches(session: Session, where: MatchFilter | None = None) -> list[MatchRow]:
    """Matches joined with their articles, filtered and sorted."""
    where = where or MatchFilter()
    when = func.coalesce(Article.published, Match.found_at)
    query = select(Match, Article).join(Article, Match.article_id == Article.id)
    conditions = [
        (where.statement, lambda v: Match.statement_id == v),
        (where.since, lambda v: when >= v),
        (where.until, lambda v: when < v),
        (where.found_since, lambda v: Match.found_at >= v),
        (where.found_until, lambda v: Match.found_at < v),
        (where.min_score, lambda v: Match.score >= v),
        (where.source, lambda v: func.lower(Article.source).contains(v.lower())),
        (where.language, lambda v: Article.language == v),
        (
            where.text,
            lambda v: (
                func.lower(Article.title).contains(v.lower())
                | func.lower(Match.passage).contains(v.lower())
            ),
        ),
    ]
    for value, condition in conditions:
        if value is not None:
            query = query.where(condition(value))
    order = {
        "statement": (Match.statement_id, Match.score.desc(), Article.id),
        "score": (Match.score.desc(), Article.id, Match.statement_id),
        "date": (when.desc(), Article.id, Match.statement_id),
    }[where.sort]
    query = query.order_by(*order)
    if where.limit:
        query = query.limit(where.limit)
    return [_match_row(m, a) for m, a in session.execute(query)]


def _match_row(m: Match, a: Article) -> MatchRow:
    return MatchRow(
        statement_id=m.statement_id,
        article_id=a.id,
        article_url=a.url,
        title=a.title,
        source=a.source,
        published=a.published,
        date_origin=a.date_origin,
        language=a.language,
        score=m.score,
        passage=m.passage,
        position=m.position,
        model=m.model,
        found_at=m.found_at,
    )


def _new_match(article_id: int, m: NewMatch) -> Match:
    return Match(
        article_id=article_id,
        statement_id=m.statement_id,
        score=m.score,
        passage=m.passage,
        position=m.position,
        model=m.model,
    )


@dataclass(frozen=True)
class ArticleDetail:
    id: int
    url: str
    canonical_url: str
    title: str | None
    source: str | None
    author: str | None
    published: datetime | None
    date_origin: str | None  # feed | page | first_seen (no date given); None: not recorded
    language: str | None
    text_origin: str
    extract_error: str | None
    fetched_at: datetime
    carried_by: list[str]  # feed names (or URLs) that carried the article
    matches: list[MatchRow]


def find_article(session: Session, ref: str) -> Article | None:
    """An article by id, URL or canonical URL, or the URL a feed linked a copy of it at."""
    condition = (Article.url == ref) | (Article.canonical_url == ref)
    if ref.isdigit():
        condition |= Article.id == int(ref)
    found = session.scalars(select(Article).where(condition).limit(1)).first()
    if found is None:
        copy = select(Sighting.article_id).where(Sighting.url == ref).limit(1).scalar_subquery()
        found = session.scalars(select(Article).where(Article.id == copy)).first()
    return found


def article_detail(session: Session, ref: str) -> ArticleDetail | None:
    """An article by id, URL or canonical URL, with its matches and the feeds that carried it."""
    article = find_article(session, ref)
    if article is None:
        return None
    feeds = article_sources(session, [article.id]).get(article.id, [])
    matches = session.scalars(
        select(Match).where(Match.article_id == article.id).order_by(Match.score.desc())
    )
    return ArticleDetail(
        id=article.id,
        url=article.url,
        canonical_url=article.canonical_url,
        title=article.title,
        source=article.source,
        author=article.author,
        published=article.published,
        date_origin=article.date_origin,
        language=article.language,
        text_origin=article.text_origin,
        extract_error=article.extract_error,
        fetched_at=article.fetched_at,
        carried_by=list(dict.fromkeys(feeds)),
        matches=[_match_row(m, article) for m in matches],
    )


# --- analysts' feedback ----------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackRow:
    article_id: int
    title: str | None
    url: str
    statement_id: str
    relevant: bool
    created_at: datetime


def set_feedback(session: Session, article_id: int, statement_id: str, relevant: bool) -> None:
    """Record (or change) the verdict on one (article, statement) pair."""
    row = session.scalars(
        select(Feedback).where(
            (Feedback.article_id == article_id) & (Feedback.statement_id == statement_id)
        )
    ).first()
    if row is None:
        session.add(Feedback(article_id=article_id, statement_id=statement_id, relevant=relevant))
    else:
        row.relevant, row.created_at = relevant, utcnow()


def clear_feedback(session: Session, article_id: int, statement_id: str | None = None) -> int:
    """Forget the verdicts on an article (or on one of its statements); how many were there."""
    condition = Feedback.article_id == article_id
    if statement_id is not None:
        condition &= Feedback.statement_id == statement_id
    rows = list(session.scalars(select(Feedback).where(condition)))
    for row in rows:
        session.delete(row)
    return len(rows)


def list_feedback(session: Session) -> list[FeedbackRow]:
    rows = session.execute(
        select(Feedback, Article.title, Article.url)
        .join(Article, Feedback.article_id == Article.id)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
    ).all()
    return [
        FeedbackRow(f.article_id, title, url, f.statement_id, f.relevant, f.created_at)
        for f, title, url in rows
    ]


def feedback_mark(session: Session) -> tuple[int, int | None, datetime | None]:
    """Changes whenever a verdict is added, changed or cleared: (count, last id, last time)."""
    count, last_id, last_at = session.execute(
        select(func.count(Feedback.id), func.max(Feedback.id), func.max(Feedback.created_at))
    ).one()
    return int(count), last_id, last_at


def verdicts(session: Session, article_ids: Iterable[int]) -> dict[int, dict[str, bool]]:
    """article id -> statement id -> relevant, for the articles that have any."""
    ids = list(article_ids)
    found: dict[int, dict[str, bool]] = {}
    if ids:
        rows = session.execute(
            select(Feedback.article_id, Feedback.statement_id, Feedback.relevant).where(
                Feedback.article_id.in_(ids)
            )
        )
        for article_id, statement_id, relevant in rows:
            found.setdefault(article_id, {})[statement_id] = relevant
    return found


def judged_articles(session: Session) -> list[tuple[int, str | None, str, dict[str, bool]]]:
    """Every article with a verdict: (id, title, text, statement id -> relevant)."""
    rows = session.execute(
        select(Article.id, Article.title, Article.text)
        .where(Article.id.in_(select(Feedback.article_id)))
        .order_by(Article.id)
    ).all()
    judged = verdicts(session, [r.id for r in rows])
    return [(r.id, r.title, r.text, judged[r.id]) for r in rows]


def article_texts(session: Session, article_ids: Iterable[int]) -> dict[int, str]:
    ids = list(article_ids)
    if not ids:
        return {}
    return dict(session.execute(select(Article.id, Article.text).where(Article.id.in_(ids))).all())


class ArticleTextRow(NamedTuple):
    id: int
    title: str | None
    text: str


def article_batches(
    session: Session, batch_size: int = 200, only: Sequence[int] | None = None
) -> Iterator[list[ArticleTextRow]]:
    """All stored articles (or these ids), in id order, a batch at a time."""
    last = 0
    while True:
        query = select(Article.id, Article.title, Article.text).where(Article.id > last)
        if only is not None:
            query = query.where(Article.id.in_(only))
        rows = session.execute(query.order_by(Article.id).limit(batch_size)).all()
        if not rows:
            return
        yield [ArticleTextRow(r.id, r.title, r.text) for r in rows]
        last = rows[-1].id


def replace_matches(
    session: Session,
    article_id: int,
    model: str,
    statement_ids: set[str] | None,
    matches: Sequence[NewMatch],
) -> tuple[int, int]:
    """Make an article's matches by one model (for some statements, or all) these; a match that
    stays keeps its found date, so re-scoring does not flood the next digest. (removed, added)."""
    condition = (Match.article_id == article_id) & (Match.model == model)
    if statement_ids is not None:
        condition &= Match.statement_id.in_(statement_ids)
    existing = {m.statement_id: m for m in session.scalars(select(Match).where(condition))}
    kept = {
        m.statement_id: m
        for m in matches
        if statement_ids is None or m.statement_id in statement_ids
    }
    for statement_id, gone in existing.items():
        if statement_id not in kept:
            session.delete(gone)
    added = 0
    for statement_id, m in kept.items():
        current = existing.get(statement_id)
        if current is None:
            session.add(_new_match(article_id, m))
            added += 1
        else:
            current.score, current.passage, current.position = m.score, m.passage, m.position
    return len(existing.keys() - kept.keys()), added


# --- passage vectors ---------------------------------------------------------------------


@dataclass(frozen=True)
class StoredVectors:
    passages_hash: str
    rows: int
    dim: int
    data: bytes  # float16, row-major


def save_vectors(session: Session, article_id: int, model: str, vectors: StoredVectors) -> None:
    """Keep one set of vectors per article and model (the newest)."""
    session.execute(
        delete(PassageVectors).where(
            PassageVectors.article_id == article_id, PassageVectors.model == model
        )
    )
    session.add(
        PassageVectors(
            article_id=article_id,
            model=model,
            passages_hash=vectors.passages_hash,
            rows=vectors.rows,
            dim=vectors.dim,
            vectors=vectors.data,
        )
    )


def load_vectors(
    session: Session, article_ids: Sequence[int], model: str
) -> dict[int, StoredVectors]:
    rows = session.scalars(
        select(PassageVectors).where(
            PassageVectors.article_id.in_(article_ids), PassageVectors.model == model
        )
    )
    return {r.article_id: StoredVectors(r.passages_hash, r.rows, r.dim, r.vectors) for r in rows}


# --- statements --------------------------------------------------------------------------


def sync_statements(
    session: Session, seed: str, statements: Iterable[tuple[str, str, str, list[str]]]
) -> None:
    """Upsert (id, speaker, text, wordings) rows of a seed."""
    for statement_id, speaker, wording, wordings in statements:
        row = session.get(Statement, statement_id)
        encoded = json.dumps(wordings, ensure_ascii=False)
        if row is None:
            session.add(
                Statement(
                    id=statement_id, seed=seed, speaker=speaker, text=wording, wordings=encoded
                )
            )
        elif (row.seed, row.speaker, row.text, row.wordings) != (seed, speaker, wording, encoded):
            row.seed, row.speaker, row.text, row.wordings = seed, speaker, wording, encoded
            row.updated_at = utcnow()
    session.flush()


def list_statements(session: Session) -> list[StatementRow]:
    counts = (
        select(Match.statement_id, func.count(Match.id).label("n"))
        .group_by(Match.statement_id)
        .subquery()
    )
    query = (
        select(Statement, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.statement_id == Statement.id)
        .order_by(Statement.seed, Statement.id)
    )
    return [StatementRow(s.id, s.seed, s.speaker, s.text, n) for s, n in session.execute(query)]


# --- digests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRow:
    day: str
    matches: int
    sent_at: datetime | None
    recipients: str | None
    send_error: str | None
    attempts: int


def record_digest(session: Session, day: str, matches: int) -> DigestRow:
    """Note that a day's digest was generated; returns its state (sent or not)."""
    row = session.get(Digest, day)
    if row is None:
        row = Digest(day=day, matches=matches, attempts=0)
        session.add(row)
    row.matches = matches
    row.generated_at = utcnow()
    session.flush()
    return _digest_row(row)


def record_send(session: Session, day: str, recipients: str | None, error: str | None) -> None:
    """A send attempt: success stamps sent_at and clears the error; failure keeps it for retry."""
    row = session.get_one(Digest, day)
    row.attempts = (row.attempts or 0) + 1
    if error is None:
        row.sent_at, row.recipients, row.send_error = utcnow(), recipients, None
    else:
        row.send_error = error


def unsent_days(session: Session, since: str, before: str) -> list[str]:
    """Days in [since, before) whose digest failed to send and was not sent since."""
    return list(
        session.scalars(
            select(Digest.day)
            .where(Digest.day >= since, Digest.day < before)
            .where(Digest.sent_at.is_(None), Digest.send_error.is_not(None))
            .order_by(Digest.day)
        )
    )


def last_digest(session: Session) -> DigestRow | None:
    row = session.scalars(select(Digest).order_by(Digest.day.desc()).limit(1)).first()
    return _digest_row(row) if row else None


def get_digest(session: Session, day: str) -> DigestRow | None:
    row = session.get(Digest, day)
    return _digest_row(row) if row else None


def _digest_row(row: Digest) -> DigestRow:
    return DigestRow(
        row.day, row.matches, row.sent_at, row.recipients, row.send_error, row.attempts or 0
    )


# --- runs --------------------------------------------------------------------------------


def start_run(session: Session) -> int:
    run = Run()
    session.add(run)
    session.flush()
    return run.id


def finish_run(session: Session, run_id: int, errors: Sequence[str], **counts: int) -> None:
    run = session.get_one(Run, run_id)
    for key, value in counts.items():
        setattr(run, key, value)
    run.errors = "\n".join(errors) or None
    run.finished_at = utcnow()


@dataclass(frozen=True)
class RunRow:
    id: int
    started_at: datetime
    finished_at: datetime | None
    feeds_polled: int
    feeds_failed: int
    entries_seen: int
    articles_new: int
    duplicates: int
    upgraded: int
    entries_failed: int
    entries_skipped: int
    pages_failed: int
    matches_new: int
    errors: list[str]


def list_runs(session: Session, limit: int = 20) -> list[RunRow]:
    """The newest runs first, each with what became of its entries and its errors."""
    runs = session.scalars(select(Run).order_by(Run.id.desc()).limit(limit))
    return [
        RunRow(
            r.id,
            r.started_at,
            r.finished_at,
            r.feeds_polled,
            r.feeds_failed,
            r.entries_seen,
            r.articles_new,
            r.duplicates,
            r.upgraded,
            r.entries_failed,
            r.entries_skipped,
            r.pages_failed,
            r.matches_new,
            (r.errors or "").splitlines(),
        )
        for r in runs
    ]


def count_rows(session: Session) -> dict[str, int]:
    """Rows per table: for summaries and for tests that check nothing was duplicated."""
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Feed, Article, Sighting, Statement, Match, PassageVectors, Digest, Run)
    }
