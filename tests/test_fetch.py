"""The HTTP client and its address guard, against real servers on 127.0.0.1 (issue 2)."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import zlib
from collections.abc import Iterator

import httpx
import pytest
from pledgewatch.demo.server import DemoServer, Route
from pledgewatch.errors import AddressRefused, FetchError
from pledgewatch.fetch import Fetcher, address_problem, check_url
from pledgewatch.settings import FetchSettings

from tests.conftest import NonLoopbackConnect

BOMB = gzip.compress(b"\0" * 50_000_000)
ROUTES = {
    "/loop": Route(302, "text/plain", b"", (("Location", "/loop"),)),
    "/hop": Route(301, "text/plain", b"", (("Location", "/page"),)),
    "/page": Route(200, "text/html", b"<p>hello</p>"),
    "/to-metadata": Route(302, "text/plain", b"", (("Location", "http://169.254.169.254/"),)),
    "/big": Route(200, "text/html", b"x" * 300_000),
    "/bomb": Route(200, "text/html", BOMB, (("Content-Encoding", "gzip"),)),
    "/teapot": Route(418, "text/plain", b"short and stout"),
    "/gz": Route(
        200, "text/html", gzip.compress(b"<p>zipped</p>" * 1000), (("Content-Encoding", "gzip"),)
    ),
    "/deflate": Route(
        200,
        "text/html",
        zlib.compress(b"<p>deflated</p>" * 1000),
        (("Content-Encoding", "deflate"),),
    ),
    "/br": Route(200, "text/html", b"\x0b\x02\x80", (("Content-Encoding", "br"),)),
    "/busy": Route(503, "text/plain", b"later"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(corpus={}, extra=ROUTES) as s:
        yield s


def _fetcher(**overrides: object) -> Fetcher:
    return Fetcher(
        FetchSettings(**{"allow_private_addresses": True, "per_host_delay_seconds": 0, **overrides})
    )


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
    ],
)
def test_guard_refuses_non_public_addresses(address: str, problem: str) -> None:
    assert problem in (address_problem(address) or "")


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "8.8.8.8"])
def test_guard_accepts_public_addresses(address: str) -> None:
    assert address_problem(address) is None


def test_guard_decision_is_made_before_any_connection(server: DemoServer) -> None:
    with Fetcher(FetchSettings()) as fetcher, pytest.raises(AddressRefused, match="loopback"):
        fetcher.get(server.base + "/page")
    with pytest.raises(AddressRefused, match="cloud metadata"):
        check_url("http://169.254.169.254/latest/meta-data/", allow_private=False)
    with pytest.raises(FetchError, match="bad_scheme"):
        check_url("file:///etc/passwd", allow_private=True)


def test_guard_checks_every_redirect_hop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A public first hop that redirects to cloud metadata or loopback is refused at the hop.

    No public server can run here: the first hop's name resolves (fake resolver) to a public
    documentation address and an httpx MockTransport answers for it; the redirect target is
    then checked by the real guard, and nothing is ever connected to."""

    def resolve(host: str, *args: object, **kwargs: object) -> list[tuple]:  # type: ignore[type-arg]
        address = "93.184.216.34" if host == "news.example" else host  # literals: themselves
        ipaddress.ip_address(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 80))]

    monkeypatch.setattr("pledgewatch.fetch.socket.getaddrinfo", resolve)
    for target in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8080/admin"):
        transport = httpx.MockTransport(
            lambda request, target=target: httpx.Response(
                302, headers={"Location": target}, stream=httpx.ByteStream(b"")
            )
        )
        fetcher = Fetcher(FetchSettings(), transport=transport)
        with fetcher, pytest.raises(AddressRefused) as info:
            fetcher.get("http://news.example/feed.xml")
        assert info.value.url == target


def test_tests_cannot_reach_off_machine() -> None:
    """The socket-layer guard of conftest: a bug cannot send a packet off this machine."""
    with pytest.raises(NonLoopbackConnect):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    with pytest.raises(NonLoopbackConnect):
        socket.getaddrinfo("example.com", 80)


def test_redirects_followed_and_capped(server: DemoServer) -> None:
    with _fetcher() as fetcher:
        response = fetcher.get(server.base + "/hop")
        assert response.url.endswith("/page") and response.body == b"<p>hello</p>"
        with pytest.raises(FetchError) as info:
            fetcher.get(server.base + "/loop")
        assert info.value.kind == "too_many_redirects"


def test_size_cap_holds_for_plain_and_compressed_bodies(server: DemoServer) -> None:
    import tracemalloc

    with _fetcher(max_bytes=100_000) as fetcher:
        for path in ("/big", "/bomb"):
            tracemalloc.start()
            with pytest.raises(FetchError) as info:
                fetcher.get(server.base + path)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert info.value.kind == "too_large"
            assert peak < 5_000_000  # the 50 MB the gzip bomb inflates to never materialises


def test_http_errors_have_stable_kinds(server: DemoServer) -> None:
    with _fetcher() as fetcher:
        kinds = []
        for path in ("/missing", "/busy", "/teapot"):
            with pytest.raises(FetchError) as info:
                fetcher.get(server.base + path)
            kinds.append(info.value.kind)
    assert kinds == ["http_404", "http_5xx", "http_418"]


def test_connection_refused_is_a_connect_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        with _fetcher() as fetcher, pytest.raises(FetchError) as info:
            fetcher.get(f"http://127.0.0.1:{port}/")
    assert info.value.kind == "connect_error"


def test_user_agent_names_pledgewatch(server: DemoServer) -> None:
    with _fetcher() as fetcher:
        fetcher.get(server.base + "/page")
    assert server.requests[-1][0] == "/page"
    assert server.requests[-1][1].startswith("Pledgewatch/")


def test_compressed_bodies_are_inflated(server: DemoServer) -> None:
    with _fetcher() as fetcher:
        assert fetcher.get(server.base + "/gz").body == b"<p>zipped</p>" * 1000
        assert fetcher.get(server.base + "/deflate").body == b"<p>deflated</p>" * 1000
        with pytest.raises(FetchError) as info:
            fetcher.get(server.base + "/br")
    assert info.value.kind == "bad_encoding"
    assert server.request_headers[-1]["Accept-Encoding"] == "gzip, deflate"
