"""An article whose text changes at the same URL is scored again and its revision kept (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer, Route, load_corpus, render_page
from pledgewatch.storage.articles import revisions
from pledgewatch.storage.db import open_database
from pledgewatch.storage.models import Article
from sqlalchemy import select

from tests.conftest import write_config

STORY = next(a for a in load_corpus()["articles"] if a["id"] == "fr-echanges-recul")
UPDATE = (
    "Mise à jour : à l'occasion des 80 ans de la victoire, Moscou et Pékin ont promis de "
    "combattre ensemble toute résurgence du nazisme et du militarisme."
)


def _feed(base: str, updated: str) -> bytes:
    item = (
        f"<item><guid>fr:1</guid><title>{STORY['title']}</title>"
        f"<link>{base}/story.html</link><pubDate>Mon, 09 Jun 2025 09:15:00 GMT</pubDate>"
        f"<atom:updated>{updated}</atom:updated></item>"
    )
    return (
        f'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>Monde</title>{item}</channel></rss>"
    ).encode()


def _run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_changed_text_is_rescored_and_revision_kept(tmp_path: Path, database_url: str) -> None:
    with DemoServer(corpus={}) as server:
        server.routes["/story.html"] = Route(200, "text/html", render_page(STORY, server.base))
        server.routes["/feed.xml"] = Route(
            200, "application/rss+xml", _feed(server.base, "2025-06-09T09:15:00Z")
        )
        config = write_config(tmp_path / "c.toml", database_url, [server.base + "/feed.xml"])
        _run(config, "run", "--once")
        before = {
            json.loads(line)["statement_id"]
            for line in _run(config, "matches", "--format", "jsonl").splitlines()
        }
        # Same URL, same GUID: the page gains a paragraph and the feed dates the entry later.
        edited = {**STORY, "body": [UPDATE, *STORY["body"]]}
        server.routes["/story.html"] = Route(200, "text/html", render_page(edited, server.base))
        server.routes["/feed.xml"] = Route(
            200, "application/rss+xml", _feed(server.base, "2025-06-10T08:00:00Z")
        )
        out = _run(config, "run", "--once")
        assert "1 articles changed and were scored again" in out
        after = {
            json.loads(line)["statement_id"]
            for line in _run(config, "matches", "--format", "jsonl").splitlines()
        }
        out = _run(config, "run", "--once")  # nothing new the third time
        assert "articles changed" not in out and "1 unchanged" in out
    assert "trade-momentum" in before and "historical-memory" not in before
    assert "historical-memory" in after
    with open_database(database_url)() as session:
        article = session.scalars(select(Article)).one()
        assert UPDATE in article.text
        history = revisions(session, article.id)
    assert len(history) == 1
