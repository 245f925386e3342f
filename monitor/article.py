"""The one record an entry becomes on its way through a poll: each stage fills its part."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from pledgewatch.dedupe import Fingerprint
from pledgewatch.extract import Extracted, html_to_text
from pledgewatch.feeds import FeedEntry
from pledgewatch.language import decide
from pledgewatch.matching import ArticleText
from pledgewatch.storage.articles import NewArticle
from pledgewatch.urls import canonical_url


@dataclass
class Article:
    """A new feed entry. Selection sets `replaces`; the gate `gated`; the page stage `page`,
    `error` and `canonical`; dedupe `print_` and `upgrade_of`."""

    entry: FeedEntry
    # A stored copy of this story (same GUID) kept from its feed text because its page failed.
    replaces: int | None = None
    gated: bool = False  # not fetched: the gate judged the entry off topic
    page: Extracted | None = None
    error: str | None = None  # why the page failed ("kind (detail)")
    canonical: str = ""
    seconds: dict[str, float] = field(default_factory=dict)  # fetch and extract time
    print_: Fingerprint | None = None
    # The stored copy (kept from its feed text) that this article's page replaces.
    upgrade_of: int | None = None

    def __post_init__(self) -> None:
        self.canonical = self.canonical or canonical_url(self.url)

    @property
    def url(self) -> str:
        return self.entry.link or self.entry.guid

    @property
    def from_page(self) -> bool:
        return self.page is not None

    @cached_property
    def feed_text(self) -> str:
        return html_to_text(self.entry.content or self.entry.summary)

    @cached_property
    def text(self) -> ArticleText:
        """The page's text, else the feed's (which may be empty: nothing to store)."""
        if self.page is not None:
            return ArticleText(self.page.title or self.entry.title, self.page.text)
        return ArticleText(self.entry.title, self.feed_text)

    def record(self, source: str | None) -> NewArticle:
        """The row to store."""
        page, entry, text = self.page, self.entry, self.text
        # What the text shows where it says enough, else the page's <html lang>, else the
        # entry's or feed's declaration (a byline-only entry is in its feed's language).
        declared = (page.declared_language if page else None) or entry.language
        # The feed's date first (a page may state its last update), then the page's; with
        # neither, the time Pledgewatch first saw the entry, and the article says so.
        published, date_origin = entry.published, "feed"
        if published is None and page is not None and page.published is not None:
            published, date_origin = page.published, "page"
        if published is None:
            published, date_origin = datetime.now(UTC), "first_seen"
        return NewArticle(
            url=self.url,
            canonical_url=self.canonical,
            title=text.title,
            source=source,
            author=(page.author if page else None) or entry.author,
            published=published,
            date_origin=date_origin,
            language=decide(f"{text.title or ''}\n{text.text}", declared),
            text=text.text,
            content_hash=hashlib.sha256(text.text.encode()).hexdigest(),
            text_origin="page" if page else "feed",
            extract_error=self.error,
        )
