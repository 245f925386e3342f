"""Scope and evidence come from the article itself (issue 21): teasers, related-story lists,
captions, navigation and comments never bring a page into the seed's scope nor supply its
evidence, and Chinese scope terms are words, not characters found inside other words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer, Route
from pledgewatch.extract import extract_article
from pledgewatch.scope import Terms
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.statements import load_seed

from tests.conftest import write_config

PAGES = Path(__file__).parent / "data" / "pages"
# page -> what its teasers, captions or menus say that the article does not
OUT_OF_SCOPE = {
    "chip-deficit-teasers.html": "Putin and Xi sign dozens of deals",
    "chip-deficit-inline.html": "Putin and Xi sign dozens of deals",
    "tariffs-caption-readmore.html": "Putin and Xi vow to deepen partnership",
    "sanctions-ru-inline-links.html": "Путин и Си Цзиньпин заявили",
    "ethiopia-zh.html": "埃塞俄比亚",  # names 俄 and 华 only inside other words
}


@pytest.mark.parametrize("page", sorted(OUT_OF_SCOPE))
def test_boilerplate_is_not_part_of_the_article(page: str) -> None:
    text = extract_article((PAGES / page).read_bytes(), f"http://127.0.0.1/{page}").text
    if page != "ethiopia-zh.html":
        assert OUT_OF_SCOPE[page] not in text
    for teaser_word in ("Most read", "Читайте также", "Фото:", "Pictured", "READ MORE"):
        assert teaser_word not in text


def test_chinese_terms_are_words_not_characters() -> None:
    seed = load_seed(DEFAULT_STATEMENTS)
    russia, china = (Terms(group) for group in seed.scope)
    for text in ("埃塞俄比亚总理访问华盛顿", "华为在俄亥俄州和俄勒冈州设厂", "华尔街股市上涨"):
        assert not russia.search(text) and not china.search(text), text
    for text in (
        "中俄关系处于历史最好时期",
        "俄总统普京访华",
        "王毅同拉夫罗夫通电话",
        "在华俄罗斯企业",
    ):
        assert russia.search(text) and china.search(text), text


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Mixed pages</title>
{items}
</channel></rss>"""
ITEM = "<item><title>{title}</title><link>{base}/{page}</link><guid>{page}</guid></item>"


def test_pages_are_judged_on_their_article_only(tmp_path: Path, sqlite_url: str) -> None:
    """Through the real pipeline (every page fetched): the teaser pages are stored out of
    scope with no match; the trade page matches on its own sentences, and neither its
    « Lire aussi » teaser on friendship and trust nor its caption is evidence."""
    pages = [*OUT_OF_SCOPE, "trade-with-teaser.html"]
    with DemoServer(corpus={}) as server:
        items = "".join(ITEM.format(title=p, base=server.base, page=p) for p in pages)
        server.routes["/feed.xml"] = Route(
            200, "application/rss+xml", FEED.format(items=items).encode()
        )
        for page in pages:
            server.routes[f"/{page}"] = Route(
                200, "text/html; charset=utf-8", (PAGES / page).read_bytes()
            )
        config = write_config(
            tmp_path / "c.toml",
            sqlite_url,
            [server.base + "/feed.xml"],
            extra="[matching]\ngate_entries = false\n",
        )
        run = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
        assert run.exit_code == 0, run.output
        # The two chip-deficit layouts carry one article: stored once (issue 22), and `show`
        # finds it by either URL.
        assert f"{len(pages) - 1} new articles" in run.output
        assert "1 entries were stories already stored" in run.output
        shown = {}
        for page in pages:
            result = CliRunner().invoke(
                cli,
                [
                    "--config",
                    str(config),
                    "show",
                    f"{server.base}/{page}",
                    "--scores",
                    "--format",
                    "json",
                ],
            )
            assert result.exit_code == 0, result.output
            shown[page] = json.loads(result.stdout)
    for page in OUT_OF_SCOPE:
        assert shown[page]["matches"] == [] and shown[page]["scores"] == [], page
    trade = shown["trade-with-teaser.html"]
    matched = {m["statement_id"] for m in trade["matches"]}
    assert "trade-momentum" in matched
    assert "ties-friendship-trust" not in matched
    for score in trade["scores"]:
        assert "Lire aussi" not in score["passage"]
        assert "confiance mutuelle" not in score["passage"]
        assert "Photo d'archives" not in score["passage"]
