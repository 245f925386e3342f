"""Conditional GET, Retry-After, backoff and pausing failing feeds (issue 6, first part)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from pledgewatch.cli import EXIT_SOME_FAILED, cli
from pledgewatch.demo.server import DemoServer, Route, render_feed
from pledgewatch.health import next_delay

from tests.conftest import write_config


def _run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def _pages_fetched(server: DemoServer) -> int:
    return sum(1 for path, _, _ in server.requests if path.startswith("/articles/"))


def test_304_and_validators(tmp_path: Path, sqlite_url: str) -> None:
    with DemoServer() as server:
        body = render_feed("fr", server.corpus, server.base)
        server.routes["/feeds/v.xml"] = Route(
            200,
            "application/rss+xml",
            body,
            (("ETag", '"v1"'), ("Last-Modified", "Tue, 01 Apr 2025 10:00:00 GMT")),
        )
        config = write_config(tmp_path / "c.toml", sqlite_url, [server.base + "/feeds/v.xml"])
        assert "0 unchanged" in _run(config, "run", "--once")[1]
        pages = _pages_fetched(server)
        code, out, _ = _run(config, "run", "--once")
        assert code == 0 and "1 unchanged" in out and "0 new entries" in out
        sent = server.request_headers[-1]
        assert sent["If-None-Match"] == '"v1"'
        assert sent["If-Modified-Since"] == "Tue, 01 Apr 2025 10:00:00 GMT"
        assert _pages_fetched(server) == pages


def test_a_server_ignoring_validators_causes_no_reprocessing(
    tmp_path: Path, sqlite_url: str
) -> None:
    with DemoServer() as server:
        config = write_config(tmp_path / "c.toml", sqlite_url, [server.feed_url("ru")])
        _run(config, "run", "--once")
        pages, requests = _pages_fetched(server), len(server.requests)
        code, out, _ = _run(config, "run", "--once")
        assert code == 0 and "1 unchanged" in out
        assert len(server.requests) == requests + 1 and _pages_fetched(server) == pages
        # A changed body is processed and its new hash saved.
        russian = [a for a in server.corpus["articles"] if a["feed"] == "ru"]
        corpus = {**server.corpus, "articles": russian[1:]}
        server.routes["/feeds/ru.xml"] = Route(
            200, "application/rss+xml", render_feed("ru", corpus, server.base)
        )
        code, out, _ = _run(config, "run", "--once")
        assert code == 0 and "0 unchanged" in out


def test_429_retry_after_is_honoured() -> None:
    assert next_delay(0.01, 1, 120.0, 0.1, 60) >= timedelta(seconds=120)


def test_backoff_doubles_per_failure_up_to_the_cap() -> None:
    plain = next_delay(10, 0, None, 0.0, 1440)
    assert plain == timedelta(minutes=10)
    assert next_delay(10, 3, None, 0.0, 1440) == timedelta(minutes=80)
    assert next_delay(10, 30, None, 0.0, 1440) == timedelta(minutes=1440)
    spread = {next_delay(10, 0, None, 0.1, 1440) for _ in range(20)}
    assert len(spread) > 1 and all(
        timedelta(minutes=9) <= d <= timedelta(minutes=11) for d in spread
    )


def test_429_is_recorded_with_its_kind_and_its_wait(tmp_path: Path, sqlite_url: str) -> None:
    from pledgewatch.encoders import load_encoder
    from pledgewatch.fetch import Fetcher
    from pledgewatch.matching import Matcher
    from pledgewatch.pipeline import Pipeline
    from pledgewatch.seeds import DEFAULT_STATEMENTS
    from pledgewatch.settings import load_settings
    from pledgewatch.statements import load_seed
    from pledgewatch.storage.db import open_database

    with DemoServer(corpus={}) as server:
        server.routes["/busy.xml"] = Route(
            429, "text/plain", b"slow down", (("Retry-After", "120"),)
        )
        config = write_config(tmp_path / "c.toml", sqlite_url, [server.base + "/busy.xml"])
        code, _, err = _run(config, "run", "--once")
        assert code == EXIT_SOME_FAILED and "http_429" in err
        settings = load_settings(config)
        matcher = Matcher(load_seed(DEFAULT_STATEMENTS), load_encoder("use-multilingual-v3"), 0.2)
        with Fetcher(settings.fetch) as fetcher:
            summary = Pipeline(settings, open_database(sqlite_url), fetcher, matcher).run_once()
    # The daemon schedules the feed's next poll from this (see next_delay).
    assert list(summary.retry_after.values()) == [120.0]


def test_a_feed_failing_again_and_again_is_paused_and_resumable(
    tmp_path: Path, sqlite_url: str
) -> None:
    with DemoServer(corpus={}) as server:
        url = server.base + "/gone.xml"
        config = write_config(
            tmp_path / "c.toml", sqlite_url, [url], extra="[schedule]\npause_after_failures = 2\n"
        )
        for _ in range(2):
            _run(config, "run", "--once")
        status = json.loads(_run(config, "status", "--format", "json")[1])
        (feed,) = status["feeds"]
        assert feed["paused"] is True and "paused after 2 failures" in feed["last_error"]
        assert _run(config, "feeds", "resume", url)[0] == 0
        (feed,) = json.loads(_run(config, "status", "--format", "json")[1])["feeds"]
        assert feed["paused"] is False


def test_per_host_concurrency_and_spacing() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from pledgewatch.fetch import Fetcher
    from pledgewatch.settings import FetchSettings

    routes = {f"/p{i}": Route(200, "text/html", b"<p>x</p>", delay=0.3) for i in range(6)}
    settings = FetchSettings(
        allow_private_addresses=True, per_host_concurrency=2, per_host_delay_seconds=0.2
    )
    with DemoServer(corpus={}, extra=routes) as server, Fetcher(settings) as fetcher:
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda i: fetcher.get(f"{server.base}/p{i}"), range(6)))
        starts = sorted(t for _, _, t in server.requests)
    assert server.max_in_flight == 2  # six workers, never more than two on one host
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.2 - 0.02
