"""Two seeds followed in one database, each within its own scope (issue 25)."""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pledgewatch.app import App
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer, load_corpus
from pledgewatch.errors import ConfigError
from pledgewatch.seeds import DEFAULT_STATEMENTS, SEEDS_DIR
from pledgewatch.settings import load_settings
from pledgewatch.statements import load_seeds
from pledgewatch.web import create_web_app, serve_in_thread
from pledgewatch.web.security import Login

from tests.conftest import write_config
from tests.test_statements_docs import CORPUS as LINDHAVEN

SHIPPED, EXAMPLE = "putin-xi-2025-01-21", "lindhaven-budget-2026"


def _matches(config: Path, *args: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(cli, ["--config", str(config), "matches", "--format", "csv", *args])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_two_seeds_in_one_database_each_in_its_own_scope(tmp_path: Path, sqlite_url: str) -> None:
    corpus = load_corpus()
    english = [a for a in corpus["articles"] if a["feed"] == "en"]
    corpus = {"feeds": corpus["feeds"], "articles": english + LINDHAVEN["articles"]}
    with DemoServer(corpus=corpus) as server:
        config = write_config(
            tmp_path / "c.toml",
            sqlite_url,
            [server.feed_url("en")],
            f'[matching]\nstatements = ["{DEFAULT_STATEMENTS}", "{SEEDS_DIR / "example.toml"}"]\n',
        )
        run = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
        assert run.exit_code == 0, run.output
    rows = _matches(config)
    assert {r["seed"] for r in rows} == {SHIPPED, EXAMPLE}
    lindhaven = _matches(config, "--seed", EXAMPLE)
    assert [r["statement_id"] for r in lindhaven] == ["tram-line-2028"]
    assert "tram to the university" in lindhaven[0]["title"]
    shipped = _matches(config, "--seed", SHIPPED)
    assert shipped and len(shipped) + 1 == len(rows)
    # Each seed's scope: no Lindhaven article matched a Putin-Xi statement, and the reverse.
    assert all("Lindhaven" not in r["title"] for r in shipped)
    table = CliRunner().invoke(cli, ["--config", str(config), "matches"])
    assert table.stdout.split()[:2] == ["id", "statement"] and " tram-line-2028 " in table.stdout
    listed = CliRunner().invoke(cli, ["--config", str(config), "statements", "--format", "json"])
    counts = {(r["seed"], r["id"]): r["matches"] for r in json.loads(listed.stdout)}
    assert len(counts) == 14 and counts[(EXAMPLE, "tram-line-2028")] == 1
    # A statement of the second seed is known to the commands that take one.
    timeline = CliRunner().invoke(
        cli, ["--config", str(config), "timeline", "--statement", "tram-line-2028"]
    )
    assert timeline.exit_code == 0, timeline.output
    # The web view shows both seeds, and the second seed's pledge page its article.
    base_url, stop = serve_in_thread(create_web_app(App(load_settings(config)), login=Login()))
    try:
        dashboard = httpx.get(base_url + "/", timeout=60).text
        seeds = load_seeds((DEFAULT_STATEMENTS, SEEDS_DIR / "example.toml"))
        assert all(html.escape(seed.title) in dashboard for seed in seeds)
        pledge = httpx.get(base_url + "/statements/tram-line-2028", timeout=60).text
        assert "tram to the university" in pledge
        api = httpx.get(base_url + "/api/matches", params={"seed": EXAMPLE}, timeout=60).json()
        assert [r["statement_id"] for r in api] == ["tram-line-2028"]
        # Its article page scores it against the second seed's statements (its own scope).
        page = httpx.get(f"{base_url}/articles/{api[0]['article_id']}", timeout=60).text
        tram = page[page.index('data-statement="tram-line-2028"') :]
        assert '<td class="status">matched</td>' in tram[: tram.index("</tr>")]
    finally:
        stop()


def test_statement_ids_must_be_unique_across_seeds(tmp_path: Path) -> None:
    copy = tmp_path / "copy.toml"
    text = (SEEDS_DIR / "example.toml").read_text(encoding="utf-8")
    copy.write_text(text.replace(EXAMPLE, "another-seed"), encoding="utf-8")
    with pytest.raises(ConfigError, match="statement id 'tram-line-2028' is also in"):
        load_seeds([SEEDS_DIR / "example.toml", copy])
    with pytest.raises(ConfigError, match="seed 'lindhaven-budget-2026' is also"):
        load_seeds([SEEDS_DIR / "example.toml", SEEDS_DIR / "example.toml"])


def test_matches_stored_before_seeds_were_recorded_belong_to_the_shipped_seed(
    database_url: str,
) -> None:
    from alembic import command
    from alembic.config import Config
    from pledgewatch.storage.db import MIGRATIONS
    from pledgewatch.storage.matches import MatchFilter, list_matches
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    engine = create_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010")  # the schema before matches recorded their seed
        connection.execute(
            text(
                "INSERT INTO articles (id, url, canonical_url, text, content_hash, text_origin, "
                "fetched_at) VALUES (1, 'http://127.0.0.1/a', 'http://127.0.0.1/a', 't', 'h', "
                "'page', '2025-02-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO statements (id, seed, speaker, text, wordings, updated_at) VALUES "
                "('energy-supplier', 'putin-xi-2025-01-21', 'V', 't', '[]', '2025-02-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO matches (article_id, statement_id, score, passage, position, model, "
                "found_at) VALUES (1, 'energy-supplier', 0.5, 'p', 0, 'm', '2025-02-01')"
            )
        )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with Session(engine) as session:
        rows = list_matches(session, MatchFilter(seed=SHIPPED))
    engine.dispose()
    assert [(r.statement_id, r.seed) for r in rows] == [("energy-supplier", SHIPPED)]
