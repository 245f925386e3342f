"""Storage contract, run on SQLite and on PostgreSQL (issue 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pledgewatch.storage.articles import (
    NewArticle,
    add_article,
    add_article_once,
    add_sighting,
    find_article_id,
)
from pledgewatch.storage.db import make_engine, migrate, open_database
from pledgewatch.storage.feeds import seen_guids, sync_feeds
from pledgewatch.storage.matches import (
    MatchFilter,
    NewMatch,
    list_matches,
    list_statements,
    sync_statements,
)
from pledgewatch.storage.models import Article, Base
from pledgewatch.storage.runs import count_rows, finish_run, start_run
from sqlalchemy import event, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError


def _article(url: str, **extra: object) -> NewArticle:
    fields: dict[str, object] = {
        "url": url + "?utm_source=rss",
        "canonical_url": url,
        "title": "Title",
        "source": "Wire",
        "published": datetime(2025, 5, 8, 17, 10, tzinfo=UTC),
        "language": "en",
        "text": "Body text.",
        "content_hash": "0" * 64,
        "text_origin": "page",
    }
    fields.update(extra)
    return NewArticle(**fields)  # type: ignore[arg-type]


def _statements(session) -> None:  # type: ignore[no-untyped-def]
    sync_statements(
        session,
        "seed",
        [("energy-supplier", "Putin", "text", ["w1"]), ("un-central-role", "Xi", "t2", ["w2"])],
    )


def test_migrations_create_exactly_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        tables = set(inspect(connection).get_table_names())
    assert diff == []
    assert {"feeds", "articles", "sightings", "statements", "matches", "runs"} <= tables
    engine.dispose()


class _CutShort(Exception):
    pass


def test_a_migration_cut_short_leaves_the_database_as_it_was(database_url: str) -> None:
    """A daemon stopped while it creates the schema (a SIGTERM during start-up): the next
    start must migrate, not fail on tables left behind without their version."""
    engine = make_engine(database_url)

    def stop_midway(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("CREATE TABLE MATCHES"):
            raise _CutShort

    event.listen(engine, "before_cursor_execute", stop_midway)
    with pytest.raises(_CutShort):
        migrate(engine)
    event.remove(engine, "before_cursor_execute", stop_midway)
    with engine.connect() as connection:
        assert not {"feeds", "articles", "alembic_version"} & set(
            inspect(connection).get_table_names()
        )  # rolled back whole (feeds and articles come before matches)
    engine.dispose()
    with open_database(database_url)() as session:  # the next start
        assert session.scalars(select(Article)).all() == []


def test_sqlite_uses_wal(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    engine.dispose()


def test_syncs_are_idempotent(database_url: str) -> None:
    sessions = open_database(database_url)
    for _ in range(2):
        with sessions.begin() as session:
            sync_feeds(
                session, [("https://a.org/rss", "A", None), ("https://b.org/rss", None, 5.0)]
            )
            _statements(session)
    with sessions() as session:
        counts = count_rows(session)
        assert (counts["feeds"], counts["statements"]) == (2, 2)
        assert [s.id for s in list_statements(session)] == [
            "energy-supplier",
            "un-central-role",
        ]


def test_article_with_matches_and_filters(database_url: str) -> None:
    sessions = open_database(database_url)
    with sessions.begin() as session:
        _statements(session)
        (feed,) = sync_feeds(session, [("https://a.org/rss", "A", None)])
        matches = [
            NewMatch("energy-supplier", 0.41, "Russia is the top supplier.", 2, "m@1"),
            NewMatch("un-central-role", 0.27, "The UN at the centre.", 0, "m@1"),
        ]
        article_id = add_article(session, _article("https://a.org/x"), matches)
        add_sighting(session, feed.id, article_id, "guid-1")
        add_sighting(session, feed.id, article_id, "guid-1")  # idempotent
    with sessions() as session:
        assert find_article_id(session, "https://a.org/x") == article_id
        assert set(seen_guids(session, feed.id)) == {"guid-1"}
        rows = list_matches(session)
        assert [r.statement_id for r in rows] == ["energy-supplier", "un-central-role"]
        row = rows[0]
        assert (row.article_url, row.score, row.position, row.model) == (
            "https://a.org/x?utm_source=rss",
            0.41,
            2,
            "m@1",
        )
        assert row.published == datetime(2025, 5, 8, 17, 10, tzinfo=UTC)
        assert row.found_at.tzinfo is not None

        def ids(**where: object) -> list[str]:
            rows = list_matches(session, MatchFilter(**where))  # type: ignore[arg-type]
            return [r.statement_id for r in rows]

        assert ids(statement="un-central-role") == ["un-central-role"]
        assert ids(min_score=0.3) == ["energy-supplier"]
        day = datetime(2025, 5, 8, tzinfo=UTC)
        assert len(ids(since=day, until=day + timedelta(days=1))) == 2
        assert ids(since=day + timedelta(days=1)) == []
        assert len(ids(limit=1)) == 1
        assert len(ids(source="wir", language="en")) == 2
        assert ids(language="fr") == [] and ids(source="other") == []
        assert ids(text="TOP SUPPLIER") == ["energy-supplier"]
        assert ids(text="title") == ["energy-supplier", "un-central-role"]  # matches the title
        assert ids(sort="score") == ["energy-supplier", "un-central-role"]
        now = datetime.now(UTC)
        assert len(ids(found_since=now - timedelta(hours=1), found_until=now + timedelta(1))) == 2
        counts = {s.id: s.matches for s in list_statements(session)}
        assert counts == {"energy-supplier": 1, "un-central-role": 1}


def test_times_are_stored_as_utc(database_url: str) -> None:
    sessions = open_database(database_url)
    paris = timezone(timedelta(hours=2))
    with sessions.begin() as session:
        add_article(
            session,
            _article("https://a.org/t", published=datetime(2025, 5, 8, 19, tzinfo=paris)),
        )
    with sessions() as session:
        row = session.scalars(select(Article)).one()
        assert row.published == datetime(2025, 5, 8, 17, tzinfo=UTC)
    with sessions.begin() as session, pytest.raises(StatementError, match="naive"):
        add_article(session, _article("https://a.org/n", published=datetime(2025, 1, 1)))


def test_duplicates_are_refused_by_the_schema(database_url: str) -> None:
    sessions = open_database(database_url)
    with sessions.begin() as session:
        add_article(session, _article("https://a.org/d"))
    with pytest.raises(IntegrityError), sessions.begin() as session:
        add_article(session, _article("https://a.org/d"))
    with sessions() as session:
        assert count_rows(session)["articles"] == 1


def test_runs_are_recorded(database_url: str) -> None:
    sessions = open_database(database_url)
    with sessions.begin() as session:
        run_id = start_run(session)
        finish_run(session, run_id, ["feed x: timeout"], feeds_polled=3, articles_new=2)
    with sessions() as session:
        assert count_rows(session)["runs"] == 1


def test_add_article_once_yields_to_a_concurrent_insert(database_url: str) -> None:
    """Regression (issue 5): two workers storing the same article: one row, no crash."""
    sessions = open_database(database_url)
    with sessions.begin() as first, sessions.begin() as second:
        assert find_article_id(second, "https://a.org/race") is None
        first_id = add_article_once(first, _article("https://a.org/race"))
        assert first_id is not None
        first.commit()
        assert add_article_once(second, _article("https://a.org/race")) is None
        assert find_article_id(second, "https://a.org/race") == first_id
    with sessions() as session:
        assert count_rows(session)["articles"] == 1
