"""Serves the demo corpus (and any extra routes a test adds) over real HTTP on loopback."""

from __future__ import annotations

import threading
import time
import tomllib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

CORPUS = Path(__file__).resolve().parent / "corpus.toml"
LANGUAGES = {"en": "en", "fr": "fr", "ru": "ru", "zh": "zh-CN"}


@dataclass(frozen=True)
class Route:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds to wait before answering (a slow server)


def load_corpus(path: Path = CORPUS) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def article_path(article_id: str) -> str:
    return f"/articles/{article_id}.html"


def render_page(article: dict[str, Any], base: str) -> bytes:
    """An article page with the boilerplate real sites have around the text."""
    lang = LANGUAGES[article["feed"]]
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in article["body"])
    title = escape(article["title"])
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} | Demo News</title>
<link rel="canonical" href="{base}{article_path(article["id"])}">
<meta property="article:published_time" content="{article["published"]}">
<meta name="author" content="Demo Desk"></head>
<body><header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/economy">Economy</a>
<a href="/subscribe">Subscribe</a></nav></header>
<main><article><h1>{title}</h1>
{paragraphs}
</article>
<aside><h2>Most read</h2><ul><li><a href="/x">Celebrity chef opens a new restaurant</a></li>
<li><a href="/y">Ten tips for a better night's sleep</a></li></ul></aside></main>
<footer><p>© 2025 Demo News. All rights reserved. Cookie settings. Contact us.</p></footer>
</body></html>""".encode()


def render_feed(feed: str, corpus: dict[str, Any], base: str) -> bytes:
    """RSS 2.0 for one language feed: title, link, guid, date and the lead as summary."""
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = corpus["feeds"][feed]["title"]
    ET.SubElement(channel, "link").text = f"{base}/"
    ET.SubElement(channel, "description").text = "Pledgewatch offline demo feed"
    ET.SubElement(channel, "language").text = LANGUAGES[feed]
    for article in corpus["articles"]:
        if article["feed"] != feed:
            continue
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = article["title"]
        ET.SubElement(item, "link").text = f"{base}{article_path(article['id'])}?utm_source=rss"
        ET.SubElement(item, "guid", isPermaLink="false").text = f"demo:{article['id']}"
        published = datetime.fromisoformat(article["published"])
        ET.SubElement(item, "pubDate").text = format_datetime(published)
        ET.SubElement(item, "description").text = article["body"][0]
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


class DemoServer:
    """A threaded HTTP server on 127.0.0.1 serving the corpus plus ``extra`` routes."""

    def __init__(
        self,
        corpus: dict[str, Any] | None = None,
        port: int = 0,
        extra: dict[str, Route] | None = None,
    ) -> None:
        self.corpus = corpus if corpus is not None else load_corpus()
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, float]] = []  # (path, User-Agent, time.time())
        self.request_headers: list[dict[str, str]] = []  # every request's headers, in order
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0  # requests being answered at once
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?")[0]
                server.requests.append((path, self.headers.get("User-Agent", ""), time.time()))
                server.request_headers.append(dict(self.headers))
                with server.lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._answer(path)
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def _answer(self, path: str) -> None:
                route = server.routes.get(path) or Route(404, "text/plain", b"not found")
                if route.delay:
                    time.sleep(route.delay)
                validators = dict(route.headers)
                if (
                    validators.get("ETag")
                    and self.headers.get("If-None-Match") == validators["ETag"]
                ) or (
                    validators.get("Last-Modified")
                    and self.headers.get("If-Modified-Since") == validators["Last-Modified"]
                ):
                    route = Route(304, route.content_type, b"", route.headers)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                for name, value in route.headers:
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (timeouts, killed daemons in tests)

            def log_message(self, *args: object) -> None:
                pass  # the request list is the log

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        for feed in self.corpus.get("feeds", {}):
            self.routes[f"/feeds/{feed}.xml"] = Route(
                200, "application/rss+xml; charset=utf-8", render_feed(feed, self.corpus, self.base)
            )
        for article in self.corpus.get("articles", []):
            self.routes[article_path(article["id"])] = Route(
                200, "text/html; charset=utf-8", render_page(article, self.base)
            )
        self.routes.update(extra or {})
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def feed_url(self, feed: str) -> str:
        return f"{self.base}/feeds/{feed}.xml"

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
