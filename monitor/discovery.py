"""A feed from a site's URL: the URL itself when it is a feed, else the feed its page advertises
(<link rel="alternate" type="application/rss+xml">)."""

from __future__ import annotations

import feedparser
from pledgewatch.errors import ConfigError, FetchError, PledgewatchError
from pledgewatch.extract import web_page_feeds
from pledgewatch.fetch import Fetcher
from pledgewatch.settings import check_feed_url


class NoFeedFound(PledgewatchError):
    """The URL is no feed and its page advertises none."""


def discover_feed(fetcher: Fetcher, url: str) -> str:
    """The feed URL for ``url``; NoFeedFound with a message a user can act on otherwise."""
    try:
        check_feed_url(url)
        response = fetcher.get(url)
    except (ConfigError, FetchError) as exc:
        raise NoFeedFound(f"cannot read {url}: {exc}") from None
    if response.status != 200:
        raise NoFeedFound(f"cannot read {url}: HTTP {response.status}")
    advertised = web_page_feeds(response.body, response.url)
    if advertised is None:  # not an HTML page: is it a feed?
        if feedparser.parse(response.body).get("version"):
            return response.url
        raise NoFeedFound(f"no feed found at {url}: it is neither a feed nor an HTML page")
    if not advertised:
        raise NoFeedFound(
            f"no feed found at {url}: the page advertises none "
            '(no <link rel="alternate" type="application/rss+xml"> or Atom link)'
        )
    return advertised[0]
