"""The gate before fetching, and feeds polled concurrently (issue 7)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer
from pledgewatch.encoders import load_encoder
from pledgewatch.evaluation import DEV_SPLIT, TEST_SPLIT
from pledgewatch.labelled import load_labelled
from pledgewatch.matching import Matcher
from pledgewatch.passages import split_sentences
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.statements import load_seed
from pledgewatch.storage.db import open_database
from pledgewatch.storage.models import Article
from sqlalchemy import select

from tests.conftest import write_config

ON_TOPIC = {
    "id": "gate-on",
    "feed": "en",
    "published": "2025-06-01T08:00:00Z",
    "title": "Russia stays China's top crude supplier in May",
    "labels": ["energy-supplier"],
    "body": [
        "Russia remained the largest supplier of crude oil to China in May, customs data showed, "
        "shipping about 2.2 million barrels a day ahead of Saudi Arabia.",
        "Pipeline deliveries through Power of Siberia also ran at full capacity.",
    ],
}
OFF_TOPIC = {
    "id": "gate-off",
    "feed": "en",
    "published": "2025-06-01T09:00:00Z",
    "title": "Sprinter breaks national record at Diamond League meeting",
    "labels": [],
    "body": [
        "A 21-year-old sprinter broke the national 200 metres record on Friday night, crossing the "
        "line in 19.8 seconds in front of a full stadium.",
        "She said she would now aim for the world championships in September.",
    ],
}
SHORT_SUMMARY = {
    **OFF_TOPIC,
    "id": "gate-short",
    "title": "Sports round-up",
    "body": ["Results.", "A sprinter broke the national record; a striker scored twice."],
}


def _corpus(*articles: dict[str, object]) -> dict[str, object]:
    return {"feeds": {"en": {"title": "Gate test"}}, "articles": list(articles)}


def _fetched(server: DemoServer) -> set[str]:
    return {path.rsplit("/", 1)[1].split(".")[0] for path, _, _ in server.requests}


def _origins(url: str) -> dict[str, str]:
    with open_database(url)() as session:
        rows = session.execute(select(Article.canonical_url, Article.text_origin)).all()
    return {canonical.rsplit("/", 1)[1].split(".")[0]: origin for canonical, origin in rows}


def test_a_page_whose_entry_names_no_scope_term_is_not_fetched(
    tmp_path: Path, sqlite_url: str
) -> None:
    with DemoServer(_corpus(ON_TOPIC, OFF_TOPIC, SHORT_SUMMARY)) as server:
        config = write_config(tmp_path / "c.toml", sqlite_url, [server.feed_url("en")])
        result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
        assert result.exit_code == 0, result.output
        assert "1 pages not fetched" in result.stdout
        fetched = _fetched(server)
    # Fetched: the on-topic page, and the one whose summary is too short to rule it out.
    assert {"gate-on", "gate-short"} <= fetched and "gate-off" not in fetched
    # Nothing is lost: the gated entry is stored from its feed text.
    assert _origins(sqlite_url) == {"gate-on": "page", "gate-short": "page", "gate-off": "feed"}


def test_the_gate_can_be_switched_off(tmp_path: Path, sqlite_url: str) -> None:
    with DemoServer(_corpus(ON_TOPIC, OFF_TOPIC)) as server:
        config = write_config(
            tmp_path / "c.toml",
            sqlite_url,
            [server.feed_url("en")],
            "[matching]\ngate_entries = false\n",
        )
        result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
        assert result.exit_code == 0, result.output
        assert {"gate-on", "gate-off"} <= _fetched(server)
    assert set(_origins(sqlite_url).values()) == {"page"}


def test_feeds_polled_concurrently_store_every_article_once(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Four feeds at once on one SQLite file: the demo corpus, each story once."""
    with DemoServer() as server:
        feeds = [server.feed_url(lang) for lang in ("en", "fr", "ru", "zh")]
        config = write_config(tmp_path / "c.toml", sqlite_url, feeds, "feed_concurrency = 4\n")
        result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
        assert result.exit_code == 0, result.output
        assert "polled 4 feeds (0 failed" in result.stdout
        expected = len(server.corpus["articles"])
    with open_database(sqlite_url)() as session:
        urls = session.scalars(select(Article.canonical_url)).all()
    assert len(urls) == len(set(urls)) == expected


def test_the_gate_keeps_the_labelled_follow_ups_and_skips_unrelated_news() -> None:
    """On every labelled article of both splits (title + lead sentence as the feed entry)."""
    seed = load_seed(DEFAULT_STATEMENTS)
    matcher = Matcher(seed, load_encoder("use-multilingual-v3"), 0.15)
    ids = [s.id for s in seed.statements]
    articles = load_labelled(DEV_SPLIT, ids) + load_labelled(TEST_SPLIT, ids)
    entries = [f"{a.title}. {split_sentences(a.text)[0]}" for a in articles]
    fetched = dict(zip((a.id for a in articles), matcher.worth_fetching(entries), strict=True))
    positives = [a.id for a in articles if a.labels]
    unrelated = [a.id for a in articles if a.kind == "unrelated"]
    assert sum(fetched[i] for i in positives) >= 0.99 * len(positives)  # 298 of 301 today
    # Real unrelated news from China or Russia (a space launch, a film, a central bank) often
    # reads close enough to be fetched; the page must still name both countries to be scored.
    assert sum(not fetched[i] for i in unrelated) >= 0.7 * len(unrelated)  # 44 of 61 today


def test_an_entry_naming_only_a_shared_forum_is_judged_by_its_text() -> None:
    """A lead on the SCO's Tianjin declaration or a BRICS summit names neither country: the
    seed's related terms send it to the similarity check, which fetches the summit; a word that
    merely starts like a forum's short name is no trigger."""
    seed = load_seed(DEFAULT_STATEMENTS)
    encoder = load_encoder("use-multilingual-v3")
    entries = [
        "Shanghai Cooperation Organisation summit backs a multipolar world. Leaders adopted a "
        "declaration in Tianjin calling for a fairer world order and opposing hegemony.",
        "金砖国家领导人会晤发表宣言 呼吁改革全球治理. 金砖国家领导人第十七次会晤在里约热内卢举行，"
        "呼吁建设更加公正合理的多极化国际秩序。",
        "Scottish football club signs a new striker. The club said the forward had agreed a "
        "three-year contract after passing a medical.",
    ]
    assert Matcher(seed, encoder, 0.15).worth_fetching(entries) == [True, True, False]
    without = Matcher(replace(seed, related_terms=()), encoder, 0.15)
    assert without.worth_fetching(entries) == [False] * 3  # naming no country: never fetched
