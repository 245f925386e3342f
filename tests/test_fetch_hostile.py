"""Hostile feeds and pages end as a named error or a best-effort parse, with memory bounded
(issue 6). Real bytes over real HTTP on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest
from pledgewatch.demo.server import DemoServer, Route
from pledgewatch.errors import ExtractError, FeedError, FetchError
from pledgewatch.extract import extract_article
from pledgewatch.feeds import parse_feed
from pledgewatch.fetch import Fetcher
from pledgewatch.settings import FetchSettings

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><guid>1</guid><title>&lol9;</title></item></channel></rss>"""
NESTED = b"<html><body>" + b"<div>" * 100_000 + b"text" + b"</div>" * 100_000 + b"</body></html>"
SCRIPTED = (
    b"<html><head><script>alert(1)</script></head><body><article><h1>Gas</h1><p>"
    + b"Russia remains China's main supplier of gas and oil, officials said. " * 5
    + b"</p><script>document.write('<p>injected</p>')</script></article></body></html>"
)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    routes = {
        "/laughs.xml": Route(200, "application/rss+xml", BILLION_LAUGHS),
        "/empty.xml": Route(200, "application/rss+xml", b""),
        "/nested.html": Route(200, "text/html", NESTED),
        "/scripted.html": Route(200, "text/html", SCRIPTED),
        "/huge.html": Route(200, "text/html", b"<p>" + b"x" * 50_000_000 + b"</p>"),
    }
    with DemoServer(corpus={}, extra=routes) as s:
        yield s


def _fetcher(**settings: object) -> Fetcher:
    return Fetcher(
        FetchSettings(**{"allow_private_addresses": True, "per_host_delay_seconds": 0, **settings})
    )


def test_billion_laughs_is_bounded(server: DemoServer) -> None:
    tracemalloc.start()
    with _fetcher() as fetcher:
        body = fetcher.get(server.base + "/laughs.xml").body
    started = time.monotonic()
    try:
        feed = parse_feed(body)
        titles = [e.title for e in feed.entries]
        assert all(len(t) < 100_000 for t in titles + [feed.title])  # never expanded
    except FeedError:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 50_000_000


def test_empty_body_is_a_named_error(server: DemoServer) -> None:
    with _fetcher() as fetcher, pytest.raises(FeedError, match="not a feed"):
        parse_feed(fetcher.get(server.base + "/empty.xml").body)


def test_50_mb_page_is_cut_with_memory_bounded(server: DemoServer) -> None:
    tracemalloc.start()
    with _fetcher(max_bytes=5_000_000) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(server.base + "/huge.html")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert info.value.kind == "too_large"
    assert peak < 30_000_000


def test_deeply_nested_and_script_laden_pages(server: DemoServer) -> None:
    with _fetcher() as fetcher:
        nested = fetcher.get(server.base + "/nested.html").body
        scripted = fetcher.get(server.base + "/scripted.html").body
    started = time.monotonic()
    try:
        extract_article(nested, server.base + "/nested.html")
    except ExtractError:
        pass
    assert time.monotonic() - started < 20
    article = extract_article(scripted, server.base + "/scripted.html")
    assert "main supplier of gas" in article.text
    assert "alert" not in article.text and "injected" not in article.text


@pytest.fixture
def trickle() -> Iterator[int]:
    """A server that answers headers, then one byte every 0.2 s, forever."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")
        while not stop.is_set():
            try:
                connection.sendall(b"x")
            except OSError:
                break
            time.sleep(0.2)
        connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()


def test_an_endless_slow_response_hits_the_deadline(trickle: int) -> None:
    started = time.monotonic()
    with _fetcher(connect_timeout=1, read_timeout=1) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"http://127.0.0.1:{trickle}/slow")
    assert info.value.kind == "timeout"
    assert time.monotonic() - started < 6
