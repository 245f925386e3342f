"""Shared fixtures: a loopback-only network, the demo server, SQLite and PostgreSQL databases."""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer, Route
from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get(
    "PLEDGEWATCH_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("PLEDGEWATCH_REQUIRE_POSTGRES") == "1"


class NonLoopbackConnect(AssertionError):
    """A test tried to open a connection off this machine."""


def _loopback_only(address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            ip = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            if host == "localhost":
                return
            raise NonLoopbackConnect(f"connect to unresolved host {host!r} refused") from None
        if not ip.is_loopback:
            raise NonLoopbackConnect(f"connect to non-loopback address {ip} refused")


@pytest.fixture(autouse=True, scope="session")
def user_cache_in_a_temporary_directory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Commands keep the examples' vectors in the user's cache directory: a temporary one here
    (shared by the session's tests and the daemons they start), never the real home."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(autouse=True, scope="session")
def loopback_only_network() -> Iterator[None]:
    """Any connect() to an address off 127.0.0.0/8 or ::1 fails loudly before a packet leaves,
    and so does a name lookup other than localhost (it would ask a DNS server)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _loopback_only(address)
        return real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _loopback_only(address)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if isinstance(host, bytes):
            host = host.decode()
        if host not in (None, "localhost"):
            try:
                ipaddress.ip_address(str(host).split("%")[0])
            except ValueError:
                raise NonLoopbackConnect(f"DNS lookup of {host!r} refused in tests") from None
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex
        socket.getaddrinfo = real_getaddrinfo


# --- HTTP --------------------------------------------------------------------------------

BROKEN_ROUTES = {
    "/feeds/broken.xml": Route(200, "application/rss+xml", b"<html><body>Oops, not a feed"),
    "/feeds/gone.xml": Route(404, "text/html", b"<h1>Not found</h1>"),
}


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    """The demo corpus served on 127.0.0.1, plus a few broken routes."""
    with DemoServer(extra=BROKEN_ROUTES) as server:
        yield server


@pytest.fixture
def crawled(tmp_path: Path, demo_server: DemoServer, database_url: str) -> Path:
    """The demo corpus crawled once into the test database; the config file pointing at it."""
    feeds = [demo_server.feed_url(lang) for lang in ("en", "fr", "ru", "zh")]
    config = write_config(tmp_path / "c.toml", database_url, feeds)
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 0, result.output
    return config


def write_config(path: Path, database_url: str, feed_urls: list[str], extra: str = "") -> Path:
    """A config file for tests: loopback feeds allowed."""
    feeds = "\n".join(f'[[feeds]]\nurl = "{u}"\n' for u in feed_urls)
    path.write_text(
        f'[database]\nurl = "{database_url}"\n\n[fetch]\nallow_private_addresses = true\n'
        "per_host_delay_seconds = 0\n"
        f"{extra}\n{feeds}",
        encoding="utf-8",
    )
    return path


# --- databases ---------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pledgewatch.db'}"


@contextmanager
def fresh_postgres_database(prefix: str = "pw_test") -> Iterator[str]:
    """A new PostgreSQL database's URL, dropped afterwards (skips, or fails where PostgreSQL is
    required, without a server)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any reason the server is not there
        admin.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL required but not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each storage test runs on SQLite and on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))
