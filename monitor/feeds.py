"""Feed bytes -> feed entries. The only module that imports feedparser."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from monitor.errors import FeedError


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed; summary and content are HTML as the feed gave them."""

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


def parse_raw(body: bytes, content_type: str | None = None) -> Any:
    """feedparser's own result for these bytes, as Pledgewatch asks for it."""
    headers = {"content-type": content_type} if content_type else {}
    # sanitize_html: script-laden summaries are cleaned before anything stores them.
    return feedparser.parse(body, response_headers=headers, sanitize_html=True)


def parse_feed(body: bytes, content_type: str | None = None) -> ParsedFeed:
    """Parse RSS/Atom bytes, tolerating what feedparser tolerates; FeedError if nothing usable."""
    parsed = parse_raw(body, content_type)
    problem = str(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    feed = parsed.get("feed", {})
    if not parsed.entries and not feed.get("title"):
        raise FeedError(f"not a feed: {problem or 'no entries and no title'}")
    language = _language(feed.get("language"))
    entries = tuple(entry for raw in parsed.entries if (entry := _entry(raw, language)) is not None)
    return ParsedFeed(feed.get("title", ""), language, entries, problem)


def _entry(raw: Any, feed_language: str | None) -> FeedEntry | None:
    link = raw.get("link") or ""
    guid = raw.get("id") or link
    if not guid:
        return None
    content = " ".join(c.get("value", "") for c in raw.get("content", []))
    published = _time(raw.get("published_parsed") or raw.get("updated_parsed"))
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
        # dict.get: feedparser would fall back to the published date (with a warning).
        updated=_time(dict.get(raw, "updated_parsed")),
    )


def _time(stamp: Any) -> datetime | None:
    return datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None


def _language(code: str | None) -> str | None:
    """'fr-FR' -> 'fr'."""
    return code.split("-")[0].split("_")[0].lower() or None if code else None
