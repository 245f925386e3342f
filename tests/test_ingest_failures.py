"""Failures that show (issue 22): every new entry is accounted for, each failure is reported once
with its kind (stdout/stderr, `runs`, `status`), and `run --once` exits non-zero when a feed or
page failed while still processing everything else."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from pledgewatch.cli import EXIT_SOME_FAILED, cli
from pledgewatch.demo.server import DemoServer, Route, load_corpus, render_page

from tests.conftest import write_config

WIRE = next(a for a in load_corpus()["articles"] if a["id"] == "en-trade-record")
OTHER = next(a for a in load_corpus()["articles"] if a["id"] == "en-xi-moscow")
SUMMARY = (
    "Russia remains China's largest supplier of pipeline gas and crude oil, Gazprom said, "
    "as deliveries through Power of Siberia reached a record."
)


def _run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def _feed(base: str) -> bytes:
    items = [
        # a page that works
        f"<item><guid>f-1</guid><title>Trade record</title><link>{base}/good.html</link>"
        "<description>Trade between the two countries grew.</description></item>",
        # a page that fails, with a summary to stand in
        f"<item><guid>f-2</guid><title>Gas to China</title><link>{base}/gone.html</link>"
        f"<description>{SUMMARY}</description></item>",
        # a page that fails, and nothing else to store: failed, retried next poll
        f"<item><guid>f-3</guid><title>Late</title><link>{base}/later.html</link></item>",
        # neither a link nor an id: nothing to fetch or to know it by
        "<item><title>Orphan</title><description>No link here.</description></item>",
    ]
    return (
        f'<rss version="2.0"><channel><title>Mixed</title>{"".join(items)}</channel></rss>'.encode()
    )


WEB_PAGE = (
    b"<!DOCTYPE html><html><head><title>Le Site</title>"
    b'<link rel="alternate" type="application/rss+xml" href="/rss/monde.xml">'
    b"</head><body><p>Bienvenue</p></body></html>"
)


def test_every_entry_is_accounted_for_and_failures_show_once(
    tmp_path: Path, database_url: str
) -> None:
    with DemoServer(corpus={}) as server:
        base = server.base
        server.routes["/mixed.xml"] = Route(200, "application/rss+xml", _feed(base))
        server.routes["/good.html"] = Route(200, "text/html", render_page(WIRE, base))
        server.routes["/site/"] = Route(200, "text/html; charset=utf-8", WEB_PAGE)
        server.routes["/plain/"] = Route(200, "text/html", b"<html><body>Hello</body></html>")
        feeds = [f"{base}/mixed.xml", f"{base}/site/", f"{base}/plain/"]
        config = write_config(tmp_path / "c.toml", database_url, feeds)
        code, out, err = _run(config, "run", "--once")

        assert code == EXIT_SOME_FAILED, (out, err)
        assert "polled 3 feeds (2 failed, 0 unchanged), 4 new entries, 2 new articles" in out
        assert "2 pages failed" in out
        assert "1 entries failed (page failed, no feed text): tried again next poll" in out
        assert "1 entries skipped: no link and no id" in out
        # An HTML page given as a feed names the feed it advertises, or says it is a web page.
        assert f"it advertises the feed {base}/rss/monde.xml" in err
        assert "plain/: not_a_feed (not a feed but a web page, which advertises no feed)" in err
        # Each failure once, with its kind.
        assert err.count("gone.html") == 1 and err.count("later.html") == 1
        assert "page " + base + "/gone.html: http_404" in err

        _, listed, _ = _run(config, "runs", "--format", "json")
        (run,) = json.loads(listed)
        assert run["entries_seen"] == 4
        outcomes = ("articles_new", "duplicates", "upgraded", "entries_failed", "entries_skipped")
        assert sum(run[k] for k in outcomes) == run["entries_seen"]
        assert (run["articles_new"], run["entries_failed"], run["pages_failed"]) == (2, 1, 2)
        assert len(run["errors"]) == 4
        _, table, _ = _run(config, "runs")
        assert "page http" not in table.splitlines()[0] and f"{base}/later.html" in table

        _, status, _ = _run(config, "status")
        assert "failures:" in status and "page http_404 x2" in status
        assert "feed not_a_feed x2" in status

        # The failed entry's page comes back: the next poll stores it (nothing was lost).
        server.routes["/later.html"] = Route(200, "text/html", render_page(OTHER, base))
        good_only = write_config(tmp_path / "good.toml", database_url, [f"{base}/mixed.xml"])
        code, out, err = _run(good_only, "run", "--once")
    assert (code, err) == (0, ""), (out, err)
    assert "2 new entries, 1 new articles" in out, out  # the orphan is counted each poll
    _, shown, _ = _run(good_only, "show", f"{base}/later.html", "--format", "json")
    assert json.loads(shown)["text_origin"] == "page"


def test_a_run_where_all_went_well_exits_zero(tmp_path: Path, database_url: str) -> None:
    with DemoServer(corpus={}) as server:
        feed = (
            f'<rss version="2.0"><channel><title>Good</title><item><guid>g-1</guid>'
            f"<title>Trade</title><link>{server.base}/good.html</link></item></channel></rss>"
        )
        server.routes["/good.xml"] = Route(200, "application/rss+xml", feed.encode())
        server.routes["/good.html"] = Route(200, "text/html", render_page(WIRE, server.base))
        config = write_config(tmp_path / "c.toml", database_url, [f"{server.base}/good.xml"])
        code, out, err = _run(config, "run", "--once")
    assert (code, err) == (0, ""), (out, err)


def test_an_unsupported_database_url_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[database]\nurl = "mysql://root@127.0.0.1/test"\n', encoding="utf-8")
    code, out, err = _run(config, "status")
    assert code == 1
    assert err.strip().count("\n") == 0, err
    assert "mysql is not supported" in err and "sqlite:///" in err and "postgresql://" in err
