"""The parsing stages on real bytes: feeds, pages, passages (issue 2)."""

from __future__ import annotations

import pytest
from pledgewatch.demo.server import load_corpus, render_feed, render_page
from pledgewatch.errors import ExtractError, FeedError
from pledgewatch.extract import extract_article, html_to_text
from pledgewatch.feeds import parse_feed
from pledgewatch.language import decide
from pledgewatch.passages import make_passages, split_sentences
from pledgewatch.urls import canonical_url

BASE = "http://127.0.0.1:8765"
CORPUS = load_corpus()


def _article(article_id: str) -> dict:
    return next(a for a in CORPUS["articles"] if a["id"] == article_id)


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


def test_script_in_feed_summary_is_removed() -> None:
    rss = b"""<rss version="2.0"><channel><title>t</title><item><guid>g</guid>
<title>x</title><description>&lt;p&gt;ok&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description>
</item></channel></rss>"""
    (entry,) = parse_feed(rss).entries
    assert "script" not in entry.summary and "ok" in entry.summary


@pytest.mark.parametrize("article_id", ["en-xi-moscow", "fr-tourisme", "ru-gas", "zh-victory"])
def test_page_text_without_boilerplate(article_id: str) -> None:
    article = _article(article_id)
    url = f"{BASE}/articles/{article_id}.html"
    extracted = extract_article(render_page(article, BASE), url + "?utm_source=rss")
    for paragraph in article["body"]:
        assert paragraph in extracted.text
    for boilerplate in ("Cookie settings", "Most read", "Subscribe", "Celebrity chef"):
        assert boilerplate not in extracted.text
    assert extracted.title == article["title"]
    assert decide(extracted.text, extracted.declared_language) == article["feed"]
    assert extracted.published is not None
    assert canonical_url(extracted.canonical_url or "") == url


def test_page_without_article_text() -> None:
    with pytest.raises(ExtractError, match="no article text"):
        extract_article(b"<html><body><nav>Home</nav></body></html>", "http://x.org/")


def test_html_fragment_to_text() -> None:
    assert html_to_text("<p>One.</p><p>Two &amp; three.</p>") == "One.\nTwo & three."


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Russia and China met. They signed deals! Was it really new? Analysts said no.", 4),
        ("M. Poutine a parlé. Xi Jinping a répondu : « Oui. » La suite est connue.", 3),
        ("Путин провел переговоры. Си Цзиньпин ответил. Стороны подписали документы.", 3),
        ("习近平出席庆典。双方签署协议！合作将深化。", 3),
    ],
)
def test_sentences_in_four_languages(text: str, count: int) -> None:
    assert len(split_sentences(text)) == count


def test_passages_are_sentences_pairs_and_title_lead() -> None:
    passages = make_passages(
        "Title here", "First sentence is here. Second one is here.\nThird para."
    )
    texts = [p.text for p in passages]
    assert "First sentence is here." in texts
    assert "First sentence is here. Second one is here." in texts
    assert "Title here. First sentence is here." in texts
    assert {p.position for p in passages} == {-1, 0, 1, 2}


def test_canonical_url_strips_tracking() -> None:
    assert (
        canonical_url("https://Example.org:443/a/?utm_source=rss&id=7&fbclid=x#top")
        == "https://example.org/a/?id=7"
    )
