"""Feeds parsed from real bytes: RSS and Atom entries, what is not a feed, unsafe summaries."""

from __future__ import annotations

import pytest
from pledgewatch.demo.server import load_corpus, render_feed
from pledgewatch.errors import FeedError
from pledgewatch.feeds import parse_feed

BASE = "http://127.0.0.1:8765"
CORPUS = load_corpus()


def test_rss_entries_with_guid_link_date_and_language() -> None:
    feed = parse_feed(render_feed("ru", CORPUS, BASE), "application/rss+xml")
    ids = [a["id"] for a in CORPUS["articles"] if a["feed"] == "ru"]
    assert [e.guid for e in feed.entries] == [f"demo:{i}" for i in ids]
    first = feed.entries[0]
    assert first.link.startswith(BASE + "/articles/")
    assert first.published is not None and first.published.tzinfo is not None
    assert first.language == "ru"


def test_atom_feed() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr"><title>Atom</title>
<entry><id>urn:x:1</id><title>Un titre</title><link href="https://x.org/a"/>
<updated>2025-03-01T10:00:00Z</updated><summary>R\xc3\xa9sum\xc3\xa9</summary></entry></feed>"""
    feed = parse_feed(atom)
    assert feed.title == "Atom"
    (entry,) = feed.entries
    assert (entry.guid, entry.link, entry.summary, entry.language) == (
        "urn:x:1",
        "https://x.org/a",
        "Résumé",
        "fr",
    )


@pytest.mark.parametrize("body", [b"", b"<html><body>not a feed</body></html>", b"\x00\xff\xfe"])
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(FeedError, match="not a feed"):
        parse_feed(body)
