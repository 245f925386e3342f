"""Articles with their sightings (which feed carried them), fingerprints and revisions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import NamedTuple

from pledgewatch.storage.matches import MatchRow, NewMatch, match_record, match_row
from pledgewatch.storage.models import (
    Article,
    Feed,
    Fingerprint,
    FingerprintBand,
    Match,
    Revision,
    Sighting,
    utcnow,
)
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


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


class RevisionRow(NamedTuple):
    content_hash: str
    replaced_at: datetime


def revisions(session: Session, article_id: int) -> list[RevisionRow]:
    """An article's earlier texts, oldest first."""
    rows = session.execute(
        select(Revision.content_hash, Revision.replaced_at)
        .where(Revision.article_id == article_id)
        .order_by(Revision.id)
    )
    return [RevisionRow(h, t) for h, t in rows]


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


class SightingRow(NamedTuple):
    guid: str
    article_id: int


def sighting_articles(session: Session) -> list[SightingRow]:
    """Every sighting: which entry ended up as which stored story."""
    rows = session.execute(select(Sighting.guid, Sighting.article_id))
    return [SightingRow(guid, article_id) for guid, article_id in rows]


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
    session.add_all(match_record(article.id, m) for m in matches)
    return article.id


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
        matches=[match_row(m, article) for m in matches],
    )


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
