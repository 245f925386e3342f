"""Feed bytes -> feed entries. The only module that imports feedparser."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import feedparser
from pledgewatch.dates import parse_date
from pledgewatch.encoding import feed_as_utf8
from pledgewatch.errors import FeedError


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed; summary and content are HTML as the feed gave them, the language
    tag as declared (the entry's xml:lang, else the feed's <language>), dates in UTC."""

    guid: str
    link: str
    title: str
    summary: str
    content: str
    published: datetime | None
    language: str | None
    author: str | None
    updated: datetime | None = None  # when the publisher says the entry last changed


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    language: str | None
    entries: tuple[FeedEntry, ...]
    problem: str | None  # feedparser's complaint about ill-formed bytes it still parsed
    skipped: int = 0  # items with neither a link nor an id: nothing to fetch or to know them by


def parse_raw(body: bytes, content_type: str | None = None) -> Any:
    """feedparser's own result for these bytes, as Pledgewatch asks for it."""
    headers = {"content-type": content_type} if content_type else {}
    # sanitize_html: script-laden summaries are cleaned before anything stores them.
    return feedparser.parse(body, response_headers=headers, sanitize_html=True)


def parse_feed(body: bytes, content_type: str | None = None, timezone: str = "UTC") -> ParsedFeed:
    """Parse RSS/Atom bytes, tolerating what feedparser tolerates; FeedError if nothing usable.

    Dates that name no zone are read in ``timezone`` (the feed's configured IANA zone)."""
    # A declared encoding is read as browsers read it (gb2312 as GBK, issue 22); feedparser
    # gets UTF-8 and keeps its own detection for feeds that declare nothing.
    parsed = parse_raw(*feed_as_utf8(body, content_type))
    problem = str(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    feed = parsed.get("feed", {})
    if not parsed.entries and not feed.get("title"):
        raise FeedError(f"not a feed: {problem or 'no entries and no title'}")
    language = _language(feed.get("language"))
    entries = tuple(
        entry for raw in parsed.entries if (entry := _entry(raw, language, timezone)) is not None
    )
    skipped = len(parsed.entries) - len(entries)
    return ParsedFeed(feed.get("title", ""), language, entries, problem, skipped)


def _entry(raw: Any, feed_language: str | None, timezone: str) -> FeedEntry | None:
    link = raw.get("link") or ""
    guid = raw.get("id") or link
    if not guid:
        return None
    content = " ".join(c.get("value", "") for c in raw.get("content", []))
    # The strings as the feed gave them, not feedparser's *_parsed: those take a time without
    # a zone for UTC and know English names only (issue 22). dict.get: feedparser's own get
    # falls back from one date to the other (with a warning).
    updated = parse_date(dict.get(raw, "updated"), timezone)
    published = parse_date(dict.get(raw, "published"), timezone) or updated
    detail = raw.get("title_detail") or {}
    return FeedEntry(
        guid=guid,
        link=link,
        title=raw.get("title", ""),
        summary=raw.get("summary", ""),
        content=content,
        published=published,
        language=_language(detail.get("language")) or feed_language,
        author=raw.get("author"),
        updated=updated,
    )


def _language(tag: str | None) -> str | None:
    """A declared language tag as given ('fr-FR'); monitor.language reads it."""
    return tag.strip() or None if tag else None
