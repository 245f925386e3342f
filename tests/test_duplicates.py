"""A wire story syndicated by ten outlets under ten URLs is one story with ten sources (issue 6)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import EXIT_SOME_FAILED, cli
from pledgewatch.dedupe import SAME_STORY, fingerprint, similarity
from pledgewatch.demo.server import DemoServer, Route, load_corpus, render_page

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


def _outlet_feed(server: DemoServer, n: int, item: str) -> str:
    """Outlet n's one-item RSS feed, served; its URL."""
    feed = f'<rss version="2.0"><channel><title>Outlet {n}</title>{item}</channel></rss>'
    server.routes[f"/outlet{n}/rss.xml"] = Route(200, "application/rss+xml", feed.encode())
    return f"{server.base}/outlet{n}/rss.xml"


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
        feeds.append(_outlet_feed(server, n, item))
    return feeds


@pytest.mark.parametrize("feeds_at_once", [1, 4])
def test_ten_outlets_one_story_ten_sources(
    tmp_path: Path, database_url: str, feeds_at_once: int
) -> None:
    with DemoServer(corpus={}) as server:
        feeds = _ten_outlets(server)
        extra = f"feed_concurrency = {feeds_at_once}\n"
        config = write_config(tmp_path / "c.toml", database_url, feeds, extra)
        code, out, err = _run(config, "run", "--once")
    assert code == 0, err
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


# --- issue 22: dedupe never loses the best copy, and merges within one poll as across polls ---

LEAD = (
    "Russia remains China's largest supplier of energy, the two presidents said on Tuesday, "
    "as gas deliveries through the Power of Siberia pipeline reached a record."
)


def _templated_feeds(server: DemoServer, first_page: Route) -> list[str]:
    """Ten outlets run one wire story: near-identical title and summary, each its own URL and
    GUID. The first outlet's page fails; the others serve the wire text."""
    feeds = []
    for n in range(10):
        path = f"/wire{n}/energy.html"
        copy = {**WIRE, "id": f"wire{n}", "title": f"Energy ties deepen | Outlet {n}"}
        copy["body"] = [LEAD, *WIRE["body"][1:]]
        page = render_page(copy, server.base)
        server.routes[path] = first_page if n == 0 else Route(200, "text/html", page)
        item = (
            f"<item><guid>wire{n}:{n * 31}</guid><title>Energy ties deepen | Outlet {n}</title>"
            f"<link>{server.base}{path}</link><description>{LEAD}</description></item>"
        )
        feeds.append(_outlet_feed(server, n, item))
    return feeds


def _gzip_bomb() -> Route:
    import gzip

    return Route(
        200, "text/html", gzip.compress(b"\0" * 20_000_000), (("Content-Encoding", "gzip"),)
    )


def test_a_copy_stored_from_feed_text_is_upgraded_by_a_copy_whose_page_works(
    tmp_path: Path, database_url: str
) -> None:
    with DemoServer(corpus={}) as server:
        feeds = _templated_feeds(server, _gzip_bomb())
        extra = "max_bytes = 1000000\nfeed_concurrency = 1\n"  # the failing copy first
        config = write_config(tmp_path / "c.toml", database_url, feeds, extra)
        code, out, err = _run(config, "run", "--once")
    assert code == EXIT_SOME_FAILED and "1 new articles" in out, out
    assert "1 entries gave their page to a stored copy" in out
    assert "too_large" in err  # the bomb stopped at the size cap, and says so
    _, listed, _ = _run(config, "matches", "--format", "json")
    rows = json.loads(listed)
    assert len({r["article_url"] for r in rows}) == 1, rows  # one story, stored once
    assert {"trade-growth-2024"} <= {r["statement_id"] for r in rows}
    _, shown, _ = _run(config, "show", rows[0]["article_url"], "--format", "json")
    detail = json.loads(shown)
    assert detail["text_origin"] == "page"  # the working copy's page text replaced the feed text
    assert len(detail["carried_by"]) == 10


def test_a_wire_copy_whose_stored_twin_has_page_text_is_not_fetched(
    tmp_path: Path, database_url: str
) -> None:
    with DemoServer(corpus={}) as server:
        for n in (1, 2):
            path = f"/partner{n}/gas.html"
            page = render_page({**WIRE, "id": f"partner{n}"}, server.base)
            server.routes[path] = Route(200, "text/html", page)
            item = (
                "<item><guid>urn:wire:2025:gas-001</guid><title>Gas</title>"
                f"<link>{server.base}{path}</link></item>"
            )
            feed = f'<rss version="2.0"><channel><title>P{n}</title>{item}</channel></rss>'
            server.routes[f"/partner{n}.xml"] = Route(200, "application/rss+xml", feed.encode())
        feeds = [f"{server.base}/partner{n}.xml" for n in (1, 2)]
        config = write_config(tmp_path / "c.toml", database_url, feeds, "feed_concurrency = 1\n")
        assert _run(config, "run", "--once")[0] == 0
        fetched = [path for path, _, _ in server.requests]
    assert "/partner1/gas.html" in fetched and "/partner2/gas.html" not in fetched


@pytest.mark.parametrize("one_feed", [False, True], ids=["two-feeds", "one-feed"])
def test_one_article_under_two_urls_in_one_poll_is_stored_once(
    tmp_path: Path, database_url: str, one_feed: bool
) -> None:
    """The same text under two URLs, through two feeds polled side by side or twice in one
    feed, is one article with two sightings, as it is across polls (issue 22)."""
    with DemoServer(corpus={}) as server:
        page = render_page(WIRE, server.base).replace(b'<link rel="canonical"', b"<link rel=x")
        items = []
        for n in (1, 2):
            server.routes[f"/site{n}/story.html"] = Route(200, "text/html", page)
            items.append(
                f"<item><guid>site{n}-1</guid><title>{WIRE['title']}</title>"
                f"<link>{server.base}/site{n}/story.html</link></item>"
            )
        groups = [items] if one_feed else [[item] for item in items]
        feeds = []
        for n, group in enumerate(groups, 1):
            feed = (
                f'<rss version="2.0"><channel><title>S{n}</title>{"".join(group)}</channel></rss>'
            )
            server.routes[f"/site{n}.xml"] = Route(200, "application/rss+xml", feed.encode())
            feeds.append(f"{server.base}/site{n}.xml")
        config = write_config(tmp_path / "c.toml", database_url, feeds, "feed_concurrency = 2\n")
        code, out, _ = _run(config, "run", "--once")
    assert code == 0 and "1 new articles" in out, out
    assert "1 entries were stories already stored" in out
