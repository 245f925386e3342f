"""Article text and metadata extracted from real pages."""

from __future__ import annotations

import pytest
from pledgewatch.demo.server import load_corpus, render_page
from pledgewatch.errors import ExtractError
from pledgewatch.extract import extract_article, html_to_text
from pledgewatch.feeds import parse_feed
from pledgewatch.language import decide
from pledgewatch.urls import canonical_url

BASE = "http://127.0.0.1:8765"
CORPUS = load_corpus()


def _article(article_id: str) -> dict:
    return next(a for a in CORPUS["articles"] if a["id"] == article_id)


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
