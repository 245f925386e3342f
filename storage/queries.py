"""Query functions: the only way the rest of Pledgewatch reads or writes the database."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.models import (
    Article,
    Feed,
    Match,
    PassageVectors,
    Run,
    Sighting,
    Statement,
    utcnow,
)


@dataclass(frozen=True)
class MatchRow:
    """A stored match joined with its article: what the CLI and digests show."""

    statement_id: str
    article_id: int
    article_url: str
    title: str | None
    source: str | None
    published: datetime | None
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
class NewMatch:
    statement_id: str
    score: float
    passage: str
    position: int
    model: str


# --- feeds -------------------------------------------------------------------------------


def sync_feeds(session: Session, feeds: Iterable[tuple[str, str | None]]) -> list[Feed]:
    """Make sure each (url, name) is a feed row; return them in the given order."""
    rows = []
    for url, name in feeds:
        feed = session.scalar(select(Feed).where(Feed.url == url))
        if feed is None:
            feed = Feed(url=url, name=name, error_count=0)
            session.add(feed)
        elif name and feed.name != name:
            feed.name = name
        rows.append(feed)
    session.flush()
    return rows


def record_feed_result(
    session: Session, feed_id: int, title: str | None, error: str | None
) -> None:
    """A failure is recorded on the feed; the error counter resets after a success."""
    feed = session.get_one(Feed, feed_id)
    now = utcnow()
    feed.last_polled_at = now
    if error is None:
        feed.last_success_at = now
        feed.last_error = None
        feed.error_count = 0
        if title:
            feed.title = title[:500]
    else:
        feed.last_error = error
        feed.error_count = (feed.error_count or 0) + 1


def seen_guids(session: Session, feed_id: int) -> set[str]:
    return set(session.scalars(select(Sighting.guid).where(Sighting.feed_id == feed_id)))


# --- articles and matches ----------------------------------------------------------------


def find_article_id(session: Session, canonical_url: str) -> int | None:
    return session.scalar(select(Article.id).where(Article.canonical_url == canonical_url))


def find_article_by_guid(session: Session, guid: str) -> int | None:
    """The article some feed already carried under this GUID."""
    return session.scalar(select(Sighting.article_id).where(Sighting.guid == guid).limit(1))


def add_sighting(session: Session, feed_id: int, article_id: int, guid: str) -> None:
    """Record that a feed carries an article (idempotent)."""
    exists = session.scalar(
        select(Sighting.id).where(Sighting.feed_id == feed_id, Sighting.guid == guid)
    )
    if exists is None:
        session.add(Sighting(feed_id=feed_id, article_id=article_id, guid=guid))


def add_article(session: Session, matches: Sequence[NewMatch], **fields: object) -> int:
    """Insert an article with its matches; returns the article id."""
    article = Article(**fields)
    session.add(article)
    session.flush()
    for m in matches:
        session.add(
            Match(
                article_id=article.id,
                statement_id=m.statement_id,
                score=m.score,
                passage=m.passage,
                position=m.position,
                model=m.model,
            )
        )
    return article.id


def list_matches(
    session: Session,
    statement: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_score: float | None = None,
    limit: int | None = None,
) -> list[MatchRow]:
    """Matches, best first; since/until filter on publication date (found date when unknown)."""
    when = func.coalesce(Article.published, Match.found_at)
    query = select(Match, Article).join(Article, Match.article_id == Article.id)
    if statement:
        query = query.where(Match.statement_id == statement)
    if since:
        query = query.where(when >= since)
    if until:
        query = query.where(when < until)
    if min_score is not None:
        query = query.where(Match.score >= min_score)
    query = query.order_by(Match.statement_id, Match.score.desc(), Article.id)
    if limit:
        query = query.limit(limit)
    return [
        MatchRow(
            statement_id=m.statement_id,
            article_id=a.id,
            article_url=a.url,
            title=a.title,
            source=a.source,
            published=a.published,
            language=a.language,
            score=m.score,
            passage=m.passage,
            position=m.position,
            model=m.model,
            found_at=m.found_at,
        )
        for m, a in session.execute(query)
    ]


def article_batches(
    session: Session, batch_size: int = 200
) -> Iterator[list[tuple[int, str | None, str]]]:
    """All stored articles as (id, title, text), in id order, a batch at a time."""
    last = 0
    while True:
        rows = session.execute(
            select(Article.id, Article.title, Article.text)
            .where(Article.id > last)
            .order_by(Article.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        yield [(r.id, r.title, r.text) for r in rows]
        last = rows[-1].id


def replace_matches(
    session: Session,
    article_id: int,
    model: str,
    statement_ids: set[str] | None,
    matches: Sequence[NewMatch],
) -> tuple[int, int]:
    """Swap an article's matches by one model (for some statements, or all); (removed, added)."""
    condition = (Match.article_id == article_id) & (Match.model == model)
    if statement_ids is not None:
        condition &= Match.statement_id.in_(statement_ids)
    result = session.execute(delete(Match).where(condition))
    removed = getattr(result, "rowcount", 0) or 0  # a CursorResult for DELETE
    kept = [m for m in matches if statement_ids is None or m.statement_id in statement_ids]
    session.add_all(
        Match(
            article_id=article_id,
            statement_id=m.statement_id,
            score=m.score,
            passage=m.passage,
            position=m.position,
            model=m.model,
        )
        for m in kept
    )
    return removed, len(kept)


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
    for statement_id, speaker, text, wordings in statements:
        row = session.get(Statement, statement_id)
        encoded = json.dumps(wordings, ensure_ascii=False)
        if row is None:
            session.add(
                Statement(id=statement_id, seed=seed, speaker=speaker, text=text, wordings=encoded)
            )
        elif (row.seed, row.speaker, row.text, row.wordings) != (seed, speaker, text, encoded):
            row.seed, row.speaker, row.text, row.wordings = seed, speaker, text, encoded
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


# --- runs --------------------------------------------------------------------------------


def start_run(session: Session) -> int:
    run = Run(feeds_polled=0, feeds_failed=0, entries_seen=0, articles_new=0, matches_new=0)
    session.add(run)
    session.flush()
    return run.id


def finish_run(session: Session, run_id: int, errors: Sequence[str], **counts: int) -> None:
    run = session.get_one(Run, run_id)
    for key, value in counts.items():
        setattr(run, key, value)
    run.errors = "\n".join(errors) or None
    run.finished_at = utcnow()


def count_rows(session: Session) -> dict[str, int]:
    """Rows per table: for summaries and for tests that check nothing was duplicated."""
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Feed, Article, Sighting, Statement, Match, PassageVectors, Run)
    }
