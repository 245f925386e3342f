"""A wire story syndicated by ten outlets under ten URLs is one story with ten sources (issue 6)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.dedupe import SAME_STORY, fingerprint, similarity
from monitor.demo.server import DemoServer, Route, load_corpus, render_page
from tests.conftest import write_config

WIRE = next(a for a in load_corpus()["articles"] if a["id"] == "en-trade-record")


def _outlet_copy(n: int) -> dict:  # type: ignore[type-arg]
    """The wire copy as outlet n runs it: its own headline, dateline and sign-off."""
    body = [
        f"OUTLET {n} / WIRE — " + WIRE["body"][0],
        *WIRE["body"][1:],
        f"Reporting by the wire service; editing by Outlet {n} staff.",
    ]
    return {
        **WIRE,
        "id": f"outlet{n}-story",
        "title": f"{WIRE['title']} | Outlet {n}",
        "body": body,
    }


def _run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def _ten_outlets(server: DemoServer) -> list[str]:
    feeds = []
    for n in range(10):
        copy = _outlet_copy(n)
        path = f"/outlet{n}/2025/01/13/china-russia-trade.html"
        server.routes[path] = Route(200, "text/html", render_page(copy, server.base))
        item = (
            f"<item><guid>outlet{n}:{n * 7919}</guid><title>{copy['title']}</title>"
            f"<link>{server.base}{path}</link></item>"
        )
        feed = f'<rss version="2.0"><channel><title>Outlet {n}</title>{item}</channel></rss>'
        server.routes[f"/outlet{n}/rss.xml"] = Route(200, "application/rss+xml", feed.encode())
        feeds.append(f"{server.base}/outlet{n}/rss.xml")
    return feeds


@pytest.mark.parametrize("feeds_at_once", [1, 4])
def test_ten_outlets_one_story_ten_sources(
    tmp_path: Path, database_url: str, feeds_at_once: int
) -> None:
    with DemoServer(corpus={}) as server:
        feeds = _ten_outlets(server)
        extra = f"feed_concurrency = {feeds_at_once}\n"
        config = write_config(tmp_path / "c.toml", database_url, feeds, extra)
        code, out, _ = _run(config, "run", "--once")
    assert code == 0
    assert "1 new articles" in out and "9 entries were stories already stored" in out
    if feeds_at_once > 1:
        return  # which outlet's copy is stored first is then a matter of timing
    code, out, _ = _run(config, "show", "1", "--format", "json")
    detail = json.loads(out)
    assert detail["carried_by"] == [f"Outlet {n}" for n in range(10)]
    digest_day = datetime.now(UTC).date().isoformat()
    code, _, _ = _run(config, "digest", "--date", digest_day, "--out", str(tmp_path / "d"))
    assert code == 0
    text = (tmp_path / "d" / f"digest-{digest_day}.txt").read_text()
    assert "also published by Outlet 1, Outlet 2" in text and "Outlet 9" in text


def test_different_stories_are_not_merged() -> None:
    corpus = load_corpus()["articles"]
    prints = [fingerprint("\n".join(a["body"])) for a in corpus]
    for i, a in enumerate(prints):
        for b in prints[i + 1 :]:
            assert similarity(a.signature, b.signature) < SAME_STORY
    same = fingerprint("\n".join(_outlet_copy(3)["body"]))
    assert similarity(prints[0].signature, same.signature) >= SAME_STORY
