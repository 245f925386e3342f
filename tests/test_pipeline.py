"""End to end: the CLI polls feeds served on 127.0.0.1 with the real bundled model (issue 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import EXIT_SOME_FAILED, cli
from pledgewatch.demo.server import DemoServer
from pledgewatch.storage.db import open_database
from pledgewatch.storage.runs import count_rows

from tests.conftest import write_config

LANGS = ["en", "fr", "ru", "zh"]


def _run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _matches_by_url(config: Path) -> dict[str, set[str]]:
    code, out, _ = _run(config, "matches", "--format", "jsonl")
    assert code == 0
    found: dict[str, set[str]] = {}
    for line in out.splitlines():
        row = json.loads(line)
        found.setdefault(row["article_url"].split("?")[0], set()).add(row["statement_id"])
    return found


@pytest.fixture
def demo_config(tmp_path: Path, demo_server: DemoServer, database_url: str) -> Path:
    feeds = [demo_server.feed_url(lang) for lang in LANGS]
    return write_config(tmp_path / "pledgewatch.toml", database_url, feeds)


def test_run_once_finds_the_labelled_statements_in_four_languages(
    demo_config: Path, demo_server: DemoServer
) -> None:
    code, out, _ = _run(demo_config, "run", "--once")
    assert code == 0
    articles = demo_server.corpus["articles"]
    assert f"{len(articles)} new articles" in out

    found = _matches_by_url(demo_config)
    hits = {lang: 0 for lang in LANGS}
    labelled = [a for a in articles if a["labels"]]
    right = wrong = 0
    for article in articles:
        matched = found.get(f"{demo_server.base}/articles/{article['id']}.html", set())
        right += len(matched & set(article["labels"]))
        wrong += len(matched - set(article["labels"]))
        if matched & set(article["labels"]):
            hits[article["feed"]] += 1
    # Known articles are found for a statement they report on, in each of the four languages;
    # the matching quality itself is measured on eval/ (pledgewatch eval), not here.
    assert all(hits[lang] >= 2 for lang in LANGS), hits
    assert sum(hits.values()) >= 0.8 * len(labelled), hits
    # The demo's labels are single-statement ones written before the real-coverage set; the
    # decision fitted on real coverage also matches second statements they leave out.
    assert right / (right + wrong) >= 0.6, (right, wrong)
    # Stories outside the seed's scope (sport, budgets, US tariffs) never match anything.
    for article_id in ("en-football", "en-us-tariffs", "fr-budget", "ru-hockey", "zh-chunyun"):
        assert f"{demo_server.base}/articles/{article_id}.html" not in found


def test_jsonl_rows_carry_the_evidence(demo_config: Path) -> None:
    assert _run(demo_config, "run", "--once")[0] == 0
    code, out, _ = _run(
        demo_config, "matches", "--statement", "energy-supplier", "--format", "jsonl"
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows
    for row in rows:
        assert row["statement_id"] == "energy-supplier"
        for key in (
            "article_url",
            "title",
            "source",
            "published",
            "language",
            "score",
            "passage",
            "model",
        ):
            assert row[key] not in (None, ""), key
        assert row["model"].startswith("use-multilingual-v3@")
    ru = [r for r in rows if r["language"] == "ru"]
    assert ru and "Сил" in ru[0]["passage"]  # the Power of Siberia story's own sentence


def test_second_run_adds_nothing(demo_config: Path, database_url: str) -> None:
    assert _run(demo_config, "run", "--once")[0] == 0
    sessions = open_database(database_url)
    with sessions() as session:
        before = count_rows(session)
    code, out, _ = _run(demo_config, "run", "--once")
    assert code == 0
    assert "0 new articles, 0 new matches" in out
    with sessions() as session:
        after = count_rows(session)
    assert after == {**before, "runs": before["runs"] + 1}


def test_article_carried_by_two_feeds_is_stored_once(
    tmp_path: Path, demo_server: DemoServer, sqlite_url: str
) -> None:
    # The same articles reached through a second feed URL (a query string): same canonical URLs.
    feeds = [demo_server.feed_url("en"), demo_server.feed_url("en") + "?edition=intl"]
    config = write_config(tmp_path / "c.toml", sqlite_url, feeds)
    assert _run(config, "run", "--once")[0] == 0
    with open_database(sqlite_url)() as session:
        counts = count_rows(session)
    english = [a for a in demo_server.corpus["articles"] if a["feed"] == "en"]
    assert counts["articles"] == len(english)
    assert counts["sightings"] == 2 * len(english)


def test_broken_feed_and_missing_feed_are_reported_and_others_processed(
    tmp_path: Path, demo_server: DemoServer, sqlite_url: str
) -> None:
    feeds = [
        demo_server.base + "/feeds/broken.xml",
        demo_server.base + "/feeds/gone.xml",
        demo_server.feed_url("fr"),
    ]
    config = write_config(tmp_path / "c.toml", sqlite_url, feeds)
    code, out, err = _run(config, "run", "--once")
    assert code == EXIT_SOME_FAILED  # the others were processed, and cron can tell
    assert "polled 3 feeds (2 failed, 0 unchanged)" in out
    assert "broken.xml: not_a_feed (not a feed but a web page" in err
    assert "http_404" in err and "gone.xml" in err
    french = [a for a in demo_server.corpus["articles"] if a["feed"] == "fr"]
    assert f"{len(french)} new articles" in out


MIXED_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Mixed</title>
<item><guid>m1</guid><title>Gas to China</title><link>{base}/missing.html</link>
<description>Russia remains China's largest supplier of pipeline gas and crude oil, Gazprom said,
as deliveries through Power of Siberia reached a record.</description></item>
<item><guid>m2</guid><title>Report</title><link>{base}/report.pdf</link>
<description>Moscow and Beijing call for a multipolar world order free of hegemony, the
foreign ministers of Russia and China said in a joint statement.</description></item>
</channel></rss>"""


def test_unfetchable_pages_fall_back_to_the_feed_text(tmp_path: Path, sqlite_url: str) -> None:
    from pledgewatch.demo.server import Route

    with DemoServer(corpus={}) as server:
        server.routes["/feeds/mixed.xml"] = Route(
            200, "application/rss+xml", MIXED_FEED.format(base=server.base).encode()
        )
        server.routes["/report.pdf"] = Route(200, "application/pdf", b"%PDF-1.4 binary")
        config = write_config(tmp_path / "c.toml", sqlite_url, [server.base + "/feeds/mixed.xml"])
        code, out, _ = _run(config, "run", "--once")
    assert code == EXIT_SOME_FAILED and "2 new articles" in out and "2 pages failed" in out
    from pledgewatch.storage.models import Article

    with open_database(sqlite_url)() as session:
        articles = {a.title: a for a in session.query(Article)}
    assert articles["Gas to China"].text_origin == "feed"
    assert "http_404" in (articles["Gas to China"].extract_error or "")
    assert "not an HTML page (application/pdf)" in (articles["Report"].extract_error or "")
    assert articles["Report"].language == "en"
    found = _matches_by_url(config)
    assert "energy-supplier" in found[f"{server.base}/missing.html"]
    assert "multipolar-order" in found[f"{server.base}/report.pdf"]


SYNDICATED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Partner {n}</title>
<item><guid isPermaLink="false">urn:wire:2025:gas-china-001</guid><title>Gas to China</title>
<link>{base}/partner{n}/gas-story.html</link>
<description>Russia remains China's largest supplier of pipeline gas and crude oil.</description>
</item></channel></rss>"""


def test_same_guid_from_two_sites_is_one_article(tmp_path: Path, sqlite_url: str) -> None:
    """A wire story syndicated under one GUID at two different URLs is stored once (issue 2)."""
    from pledgewatch.demo.server import Route

    with DemoServer(corpus={}) as server:
        for n in (1, 2):
            body = SYNDICATED.format(n=n, base=server.base).encode()
            server.routes[f"/feeds/partner{n}.xml"] = Route(200, "application/rss+xml", body)
        feeds = [server.base + "/feeds/partner1.xml", server.base + "/feeds/partner2.xml"]
        config = write_config(tmp_path / "c.toml", sqlite_url, feeds)
        code, out, _ = _run(config, "run", "--once")
    assert code == EXIT_SOME_FAILED and "1 new articles" in out  # both pages are missing
    with open_database(sqlite_url)() as session:
        counts = count_rows(session)
    assert (counts["articles"], counts["sightings"]) == (1, 2)
