"""Statements, the matches found for them, and analysts' verdicts on matches."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from pledgewatch.storage.models import (
    Article,
    Feedback,
    Match,
    Statement,
    utcnow,
)
from sqlalchemy import func, select
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
    seed: str = ""  # the seed whose statement it is


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


@dataclass(frozen=True)
class MatchFilter:
    """What `pledgewatch matches`, the digest and the timeline ask of the matches."""

    statement: str | None = None
    seed: str | None = None  # the seed's id (several statements files)
    since: datetime | None = None  # publication date (found date when unknown), inclusive
    until: datetime | None = None  # exclusive
    found_since: datetime | None = None  # when Pledgewatch found the match, inclusive
    found_until: datetime | None = None  # exclusive
    min_score: float | None = None
    source: str | None = None  # substring of the source name, any case
    language: str | None = None
    text: str | None = None  # substring of the title or the passage, any case
    full_text: str | None = None  # substring of the title, the passage or the article's text
    sort: str = "statement"  # statement (then score) | score | date
    limit: int | None = None
    offset: int = 0  # rows skipped first (the web's pages)


def list_matches(session: Session, where: MatchFilter | None = None) -> list[MatchRow]:
    """Matches joined with their articles, filtered and sorted."""
    where = where or MatchFilter()
    when = func.coalesce(Article.published, Match.found_at)
    # The row's columns only: an article's text is not read (the web lists thousands of rows).
    query = select(*_MATCH_ROW_COLUMNS).join(Article, Match.article_id == Article.id)
    conditions = [
        (where.statement, lambda v: Match.statement_id == v),
        (where.seed, lambda v: Match.seed == v),
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
        (
            where.full_text,
            lambda v: (
                func.lower(Article.title).contains(v.lower())
                | func.lower(Match.passage).contains(v.lower())
                | func.lower(Article.text).contains(v.lower())
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
    if where.offset:
        query = query.offset(where.offset)
    return [MatchRow(*row) for row in session.execute(query)]


# MatchRow's fields, in order.
_MATCH_ROW_COLUMNS = (
    Match.statement_id,
    Article.id,
    Article.url,
    Article.title,
    Article.source,
    Article.published,
    Article.date_origin,
    Article.language,
    Match.score,
    Match.passage,
    Match.position,
    Match.model,
    Match.found_at,
    Match.seed,
)


def match_row(m: Match, a: Article) -> MatchRow:
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
        seed=m.seed,
    )


def match_record(article_id: int, m: NewMatch) -> Match:
    return Match(
        article_id=article_id,
        statement_id=m.statement_id,
        score=m.score,
        passage=m.passage,
        position=m.position,
        model=m.model,
        # The statement's seed, as synced from its statements file (ids are unique across seeds).
        seed=select(Statement.seed).where(Statement.id == m.statement_id).scalar_subquery(),
    )


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


class FeedbackMark(NamedTuple):
    """Changes whenever a verdict is added, changed or cleared."""

    count: int
    last_id: int | None
    last_at: datetime | None


def feedback_mark(session: Session) -> FeedbackMark:
    count, last_id, last_at = session.execute(
        select(func.count(Feedback.id), func.max(Feedback.id), func.max(Feedback.created_at))
    ).one()
    return FeedbackMark(int(count), last_id, last_at)


def verdicts_on(session: Session, article_ids: Iterable[int]) -> dict[int, dict[str, bool]]:
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


class JudgedArticle(NamedTuple):
    id: int
    title: str | None
    text: str
    verdicts: dict[str, bool]  # statement id -> relevant


def judged_articles(session: Session) -> list[JudgedArticle]:
    """Every article with a verdict."""
    rows = session.execute(
        select(Article.id, Article.title, Article.text)
        .where(Article.id.in_(select(Feedback.article_id)))
        .order_by(Article.id)
    ).all()
    judged = verdicts_on(session, [r.id for r in rows])
    return [JudgedArticle(r.id, r.title, r.text, judged[r.id]) for r in rows]


class MatchChanges(NamedTuple):
    removed: int
    added: int


def replace_matches(
    session: Session,
    article_id: int,
    model: str,
    statement_ids: set[str] | None,
    matches: Sequence[NewMatch],
) -> MatchChanges:
    """Make an article's matches by one model (for some statements, or all) these; a match that
    stays keeps its found date, so re-scoring does not flood the next digest."""
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
            session.add(match_record(article_id, m))
            added += 1
        else:
            current.score, current.passage, current.position = m.score, m.passage, m.position
    return MatchChanges(removed=len(existing.keys() - kept.keys()), added=added)


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


@dataclass(frozen=True)
class CoverageRow:
    """Matching articles of one statement in one month and language (the web's charts)."""

    statement_id: str
    month: str  # YYYY-MM, of the publication date (the found date when unknown)
    language: str
    articles: int
    latest: datetime | None


def coverage_counts(
    session: Session,
    statement: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[CoverageRow]:
    """Matching articles per statement, month and language: one grouped query."""
    when = func.coalesce(Article.published, Match.found_at)
    if session.get_bind().dialect.name == "postgresql":
        month = func.to_char(func.timezone("UTC", when), "YYYY-MM")
    else:  # SQLite stores UTC text
        month = func.strftime("%Y-%m", when)
    language = func.coalesce(Article.language, "und")
    query = (
        select(
            Match.statement_id,
            month.label("month"),
            language.label("language"),
            func.count(func.distinct(Match.article_id)),
            func.max(when),
        )
        .join(Article, Match.article_id == Article.id)
        .group_by(Match.statement_id, month, language)
        .order_by(Match.statement_id, month, language)
    )
    if statement is not None:
        query = query.where(Match.statement_id == statement)
    if since is not None:
        query = query.where(when >= since)
    if until is not None:
        query = query.where(when < until)
    return [
        CoverageRow(s, m, lang, int(n), _aware(latest))
        for s, m, lang, n, latest in session.execute(query)
    ]


def _aware(value: datetime | str | None) -> datetime | None:
    """max() over a coalesce loses the column type on SQLite: read it back as UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def latest_matches(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> dict[str, MatchRow]:
    """Each statement's newest match (by publication date, else found date): one query."""
    when = func.coalesce(Article.published, Match.found_at)
    rank = (
        func.row_number()
        .over(partition_by=Match.statement_id, order_by=(when.desc(), Article.id.desc()))
        .label("rank")
    )
    ranked = select(Match.id, rank).join(Article, Match.article_id == Article.id)
    if since is not None:
        ranked = ranked.where(when >= since)
    if until is not None:
        ranked = ranked.where(when < until)
    newest = ranked.subquery()
    query = (
        select(*_MATCH_ROW_COLUMNS)
        .join(Article, Match.article_id == Article.id)
        .join(newest, newest.c.id == Match.id)
        .where(newest.c.rank == 1)
    )
    return {row.statement_id: row for row in (MatchRow(*r) for r in session.execute(query))}
