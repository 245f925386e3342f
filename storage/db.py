"""Engine and session setup, and migrations to the newest schema."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from pledgewatch.errors import StorageError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATE_KEY, SYNC_KEY = 7_242_170, 7_242_171  # PostgreSQL advisory lock ids
# What callers outside storage/ hold: a factory of sessions (``with sessions.begin() as s``),
# and the session it opens, passed to the query functions of each storage module.
Sessions = sessionmaker[Session]
SUPPORTED_BACKENDS = ("sqlite", "postgresql", "postgres")
SUPPORTED_URLS = "sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE"


def make_engine(url: str) -> Engine:
    """An engine for SQLite (WAL, foreign keys) or PostgreSQL (psycopg 3)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"bad database url {url!r}: {exc}") from None
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise StorageError(
            f"database url {parsed.render_as_string(hide_password=True)!r}: "
            f"{parsed.get_backend_name()} is not supported; use {SUPPORTED_URLS}"
        )
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the worker
    # With WAL, NORMAL syncs at checkpoints, not at every commit: a power cut can lose the last
    # transactions but never corrupts the file (one transaction per article made fsync dominate).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # SQLite's own lower() folds ASCII only: "ГАЗПРОМ" would not find "Газпром" in text filters.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates every table on a new database)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Workers starting together on a new database migrate one after another.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_KEY})
            elif connection.dialect.name == "sqlite":
                # pysqlite runs DDL outside any transaction: a migration cut short (a kill, a
                # signal during start-up) left tables without their version row, and every
                # later start failed on "table ... already exists". All or nothing instead.
                connection.exec_driver_sql("BEGIN")  # deferred: no write lock when up to date
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise StorageError(f"cannot open database: {exc.orig}") from None


@contextmanager
def daemon_lock(url: str) -> Iterator[bool]:
    """On SQLite, one daemon per database file: a second one fails with a clear message.

    Yields True when this daemon is alone on the database (SQLite), False on PostgreSQL, which
    takes any number of daemons sharing the work through row leases."""
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        yield False
        return
    path = Path(parsed.database).expanduser().with_suffix(".daemon.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StorageError(
                f"another pledgewatch daemon is running on {parsed.database} (lock {path}); "
                "run one daemon per SQLite file, or use PostgreSQL for several workers"
            ) from None
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def missing_database_file(url: str) -> Path | None:
    """The SQLite file of ``url`` when it does not exist yet (opening it would create it)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # open_database names the problem
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database).expanduser()
    return None if path.exists() else path


def absolute_database_url(url: str) -> str:
    """``url`` with a relative SQLite path made absolute (it is relative to the working
    directory), so that the URL means the same file from any directory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return url
    path = Path(parsed.database).expanduser()
    return (
        url
        if path.is_absolute()
        else parsed.set(database=str(path.resolve())).render_as_string(hide_password=False)
    )


def open_database(url: str) -> Sessions:
    """Engine, migrations and a session factory: what every command needs."""
    engine = make_engine(url)
    migrate(engine)
    return sessionmaker(engine, expire_on_commit=False)


def serialize(session: Session, key: int) -> None:
    """On PostgreSQL, hold a transaction-wide advisory lock: concurrent callers take turns."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
