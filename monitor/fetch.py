"""The HTTP client for feeds and pages: timeouts, size cap, redirects, address guard.

The only module that imports httpx.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx
from pledgewatch import __version__
from pledgewatch.errors import AddressRefused, FetchError
from pledgewatch.settings import FetchSettings

REDIRECT_CODES = {301, 302, 303, 307, 308}
# What a page must be to be read as an article ("": a server that names no type).
HTML_TYPES = {"text/html", "application/xhtml+xml", ""}
# Cloud metadata services answer on these; they are link-local or private anyway, named for clarity.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
}


@dataclass(frozen=True)
class Response:
    """A fetched body with the URL it finally came from."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def is_html(self) -> bool:
        return self.content_type in HTML_TYPES


@dataclass(frozen=True)
class FeedFetch:
    """A feed fetched with the validators of the last poll, and those to send next time."""

    not_modified: bool  # 304, or the same body as last time (a server ignoring validators)
    body: bytes
    content_type: str | None  # the Content-Type header (its charset decides the decoding)
    etag: str | None
    last_modified: str | None
    content_hash: str


def address_problem(address: str) -> str | None:
    """Why the guard refuses this IP address, or None when it is a public unicast address."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return "cloud metadata address"
    for label, flag in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return f"{label} address {ip}"
    return None


def check_url(url: str, allow_private: bool) -> None:
    """Refuse non-http(s) URLs, and hosts resolving to non-public addresses unless allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("bad_scheme", url, f"scheme {parts.scheme!r} is not http or https")
    if not parts.hostname:
        raise FetchError("bad_url", url, "no host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError("dns_error", url, str(exc)) from exc
    for info in infos:
        problem = address_problem(str(info[4][0]))
        if problem:
            raise AddressRefused(url, f"{parts.hostname} resolves to a {problem}")


class Fetcher:
    """A shared HTTP client; thread-safe, so pages can be fetched concurrently."""

    def __init__(self, settings: FetchSettings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        timeout = httpx.Timeout(
            settings.read_timeout, connect=settings.connect_timeout, pool=settings.read_timeout
        )
        limits = httpx.Limits(max_connections=settings.concurrency * 2)
        self._client = httpx.Client(
            timeout=timeout,
            limits=limits,
            follow_redirects=False,  # followed by hand so the guard sees every hop
            headers={
                "User-Agent": settings.user_agent.format(version=__version__),
                "Accept-Encoding": "gzip, deflate",  # what _Inflater undoes with bounded memory
            },
            transport=transport,
            trust_env=False,
        )
        self._hosts_lock = threading.Lock()
        self._gates: dict[str, threading.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _polite(self, url: str) -> Iterator[None]:
        """At most per_host_concurrency requests in flight to a host, starts spaced by
        per_host_delay_seconds: a good citizen toward publishers."""
        host = (urlsplit(url).hostname or "").lower()
        with self._hosts_lock:
            gate = self._gates.setdefault(
                host, threading.Semaphore(self.settings.per_host_concurrency)
            )
        with gate:
            with self._hosts_lock:
                start = max(time.monotonic(), self._next_start.get(host, 0.0))
                self._next_start[host] = start + self.settings.per_host_delay_seconds
            time.sleep(max(0.0, start - time.monotonic()))
            yield

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET with redirects followed by hand; raise FetchError with a stable kind."""
        budget = self.settings.connect_timeout + self.settings.read_timeout * 2
        current = url
        for _ in range(self.settings.max_redirects + 1):
            check_url(current, self.settings.allow_private_addresses)
            with self._polite(current):  # waiting for the host's turn is not the server's time
                response = self._get_once(current, headers or {}, time.monotonic() + budget)
            if response.status in REDIRECT_CODES and "location" in response.headers:
                current = urljoin(current, response.headers["location"])
                continue
            return response
        raise FetchError("too_many_redirects", url, f"more than {self.settings.max_redirects}")

    def get_feed(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        content_hash: str | None = None,
    ) -> FeedFetch:
        """A conditional GET of a feed (If-None-Match, If-Modified-Since); the body's hash
        catches a server that ignores them."""
        conditional = {"If-None-Match": etag, "If-Modified-Since": last_modified}
        response = self.get(url, {k: v for k, v in conditional.items() if v})
        body_hash = hashlib.sha256(response.body).hexdigest()
        return FeedFetch(
            not_modified=response.status == 304 or body_hash == content_hash,
            body=response.body,
            content_type=response.headers.get("content-type"),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            content_hash=body_hash,
        )

    def _get_once(self, url: str, headers: dict[str, str], deadline: float) -> Response:
        cap = self.settings.max_bytes
        try:
            with self._client.stream("GET", url, headers=headers) as r:
                self._check_peer(url, r)
                declared = r.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise FetchError("too_large", url, f"declared {declared} bytes > {cap}")
                inflate = _Inflater(url, r.headers.get("content-encoding", ""), cap)
                chunks, size = [], 0
                # Raw bytes, inflated here a bounded piece at a time: a gzip bomb stops at the
                # cap without ever being decompressed whole.
                for raw in r.iter_raw():
                    for chunk in inflate(raw):
                        size += len(chunk)
                        if size > cap:
                            raise FetchError("too_large", url, f"more than {cap} bytes")
                        chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise FetchError("timeout", url, "overall deadline passed")
                headers = {k: v for k, v in r.headers.items() if k != "content-encoding"}
                result = Response(str(r.url), r.status_code, headers, b"".join(chunks))
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", url, type(exc).__name__) from exc
        except httpx.ConnectError as exc:
            kind = (
                "tls_error" if "SSL" in str(exc) or "certificate" in str(exc) else "connect_error"
            )
            raise FetchError(kind, url, str(exc)) from exc
        except httpx.DecodingError as exc:
            raise FetchError("bad_encoding", url, str(exc)) from exc
        except httpx.HTTPError as exc:
            raise FetchError("http_error", url, str(exc)) from exc
        if result.status in REDIRECT_CODES or result.status == 304 or result.status < 300:
            return result
        raise FetchError(
            _status_kind(result.status),
            url,
            f"HTTP {result.status}",
            retry_after=_retry_after(result.headers.get("retry-after")),
        )

    def _check_peer(self, url: str, response: httpx.Response) -> None:
        """Check the address actually connected to, which DNS may have changed since check_url."""
        if self.settings.allow_private_addresses:
            return
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if peer:
            problem = address_problem(str(peer[0]))
            if problem:
                raise AddressRefused(url, f"connected to a {problem}")


class _Inflater:
    """Content-Encoding gzip/deflate undone in pieces of at most 64 KiB of output."""

    PIECE = 65536

    def __init__(self, url: str, encoding: str, cap: int) -> None:
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self._zlib = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, detected
        else:
            raise FetchError("bad_encoding", url, f"unsupported Content-Encoding {encoding!r}")
        self._url = url

    def __call__(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            yield data
            return
        try:
            while data:
                piece = self._zlib.decompress(data, self.PIECE)
                if piece:
                    yield piece
                data = self._zlib.unconsumed_tail
        except zlib.error as exc:
            raise FetchError("bad_encoding", self._url, str(exc)) from exc


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _status_kind(status: int) -> str:
    if status in (404, 410, 429):
        return f"http_{status}"
    if status >= 500:
        return "http_5xx"
    return f"http_{status}"
