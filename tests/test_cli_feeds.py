"""Feeds management, OPML, status and JSON logs (issue 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import EXIT_SOME_FAILED, cli
from pledgewatch.demo.server import DemoServer, Route

from tests.conftest import write_config

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>Reader export</title></head><body>
<outline text="World" title="World">
  <outline type="rss" text="Wire" title="Wire" xmlUrl="https://wire.example/rss"/>
  <outline type="rss" text="Monde" xmlUrl="https://monde.example/international/rss.xml"/>
</outline>
<outline type="rss" title="Top" xmlUrl="https://top.example/feed"/>
</body></opml>"""


def _run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Path:
    return write_config(tmp_path / "c.toml", database_url, [])


def _feeds(config: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    code, out, _ = _run(config, "feeds", "list", "--format", "json")
    assert code == 0
    return {f["url"]: f for f in json.loads(out)}


def test_add_pause_resume_remove(config: Path) -> None:
    assert (
        _run(
            config,
            "feeds",
            "add",
            "https://a.example/rss",
            "--name",
            "A",
            "--interval",
            "15",
            "--no-check",
        )[0]
        == 0
    )
    feed = _feeds(config)["https://a.example/rss"]
    assert (feed["name"], feed["interval_minutes"], feed["paused"]) == ("A", 15.0, False)
    code, out, _ = _run(config, "feeds", "add", "https://a.example/rss", "--no-check")  # issue 25
    assert code == 0 and out.startswith("already there: https://a.example/rss (nothing changed)")
    assert len(_feeds(config)) == 1
    assert _run(config, "feeds", "pause", "https://a.example/rss")[0] == 0
    assert _feeds(config)["https://a.example/rss"]["paused"] is True
    assert _run(config, "feeds", "resume", "https://a.example/rss")[0] == 0
    assert _feeds(config)["https://a.example/rss"]["paused"] is False
    assert _run(config, "feeds", "remove", "https://a.example/rss")[0] == 0
    assert _feeds(config) == {}
    code, _, err = _run(config, "feeds", "pause", "https://a.example/rss")
    assert code == 1 and "no feed with URL" in err
    code, _, err = _run(config, "feeds", "add", "ftp://a.example/rss")
    assert code == 2 and "http(s)" in err


def test_opml_import_and_export_round_trip(config: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.opml"
    source.write_bytes(OPML)
    code, out, _ = _run(config, "feeds", "import", str(source), "--no-check")
    assert code == 0 and "3 new feeds, 0 already there" in out
    code, out, _ = _run(config, "feeds", "import", str(source), "--no-check")  # issue 25
    assert code == 0 and "0 new feeds, 3 already there" in out and "added" not in out
    feeds = _feeds(config)
    assert feeds["https://wire.example/rss"]["name"] == "Wire"
    assert set(feeds) == {
        "https://wire.example/rss",
        "https://monde.example/international/rss.xml",
        "https://top.example/feed",
    }
    target = tmp_path / "out.opml"
    assert _run(config, "feeds", "export", str(target))[0] == 0
    other = write_config(tmp_path / "other.toml", f"sqlite:///{tmp_path / 'other.db'}", [])
    assert _run(other, "feeds", "import", str(target), "--no-check")[0] == 0
    assert _feeds(other).keys() == feeds.keys()
    code, out, _ = _run(config, "feeds", "export")
    assert code == 0 and out.startswith("<?xml") and "xmlUrl=" in out


def test_hostile_opml_is_refused(config: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.opml"
    bomb.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;">]><opml><body>&b;</body></opml>'
    )
    code, _, err = _run(config, "feeds", "import", str(bomb))
    assert code == 1 and "entity" in err
    broken = tmp_path / "broken.opml"
    broken.write_bytes(b"<opml><body><outline")
    code, _, err = _run(config, "feeds", "import", str(broken))
    assert code == 1 and "not valid OPML" in err


def test_status_reports_feeds_totals_and_workers(config: Path) -> None:
    _run(config, "feeds", "add", "https://a.example/rss", "--no-check")
    code, out, _ = _run(config, "status", "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert report["feeds"][0]["url"] == "https://a.example/rss"
    assert report["feeds"][0]["error_count"] == 0 and report["feeds"][0]["next_poll_at"] is None
    assert report["totals"] == {"articles": 0, "matches": 0, "feeds": 1}
    assert report["last_digest"] is None and report["workers"] == []
    code, out, _ = _run(config, "status")
    assert code == 0 and "1 feed, 0 articles, 0 matches." in out and "No daemon running" in out


def test_json_logs(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path / "c.toml", sqlite_url, ["http://127.0.0.1:9/none.xml"])
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--log-format", "json", "run", "--once"]
    )
    assert result.exit_code == EXIT_SOME_FAILED
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    failed = [e for e in lines if e["level"] == "warning" and "feed failed" in e["message"]]
    assert len(failed) == 1 and "connect_error" in failed[0]["message"]  # once, with its kind
    assert all(line.startswith("{") for line in result.stderr.splitlines())  # nothing else


def test_metrics_record_a_run() -> None:
    from pledgewatch import metrics
    from pledgewatch.pipeline import RunSummary
    from prometheus_client import generate_latest

    before = metrics.ARTICLES._value.get()
    summary = RunSummary(feeds_polled=3, articles_new=2, matches_new=1)
    summary.stage_seconds["fetch"] = 0.4
    metrics.record(summary)
    assert metrics.ARTICLES._value.get() == before + 2
    exposition = generate_latest().decode()
    assert 'pledgewatch_stage_seconds_count{stage="fetch"}' in exposition


SITE = Route(
    200,
    "text/html; charset=utf-8",
    b'<html><head><title>Site</title><link rel="alternate" type="application/rss+xml" '
    b'href="/feeds/en.xml"></head><body><p>News</p></body></html>',
)


def test_add_and_import_check_each_url_and_take_a_pages_feed(config: Path, tmp_path: Path) -> None:
    """Issue 25: the URL is fetched and parsed; a page's advertised feed is added instead."""
    with DemoServer(extra={"/site/": SITE, "/gone.xml": Route(404, "text/html", b"no")}) as site:
        code, out, _ = _run(config, "feeds", "add", f"{site.base}/site/")
        assert code == 0 and f"it advertises the feed {site.feed_url('en')}" in out
        assert set(_feeds(config)) == {site.feed_url("en")}
        code, _, err = _run(config, "feeds", "add", f"{site.base}/gone.xml")
        assert code == 1 and "HTTP 404" in err and err.count("\n") == 1
        assert set(_feeds(config)) == {site.feed_url("en")}
        opml = tmp_path / "mix.opml"
        outlines = "".join(
            f'<outline type="rss" text="{n}" xmlUrl="{site.base}{p}"/>'
            for n, p in (("en", "/feeds/en.xml"), ("fr", "/feeds/fr.xml"), ("gone", "/gone.xml"))
        )
        opml.write_text(f'<opml version="1.0"><body>{outlines}</body></opml>', encoding="utf-8")
        code, out, _ = _run(config, "feeds", "import", str(opml))
    assert code == 0
    assert "1 new feeds, 1 already there, 1 failed the check" in out
    assert f"added {site.feed_url('fr')}" in out and "not added: cannot read" in out
    assert set(_feeds(config)) == {site.feed_url("en"), site.feed_url("fr")}
