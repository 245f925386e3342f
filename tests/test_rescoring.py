"""Re-scoring stored articles without fetching again (issue 3)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.storage.db import open_database
from pledgewatch.storage.matches import list_statements

NEW_STATEMENT = """
[[statements]]
id = "power-of-siberia-2"
speaker = "(analyst)"
text = "Le gazoduc Force de Sibérie 2 vers la Chine sera construit."
en = "The Power of Siberia 2 gas pipeline to China will be built."
views = ["Gazprom and CNPC signed a memorandum on building the Power of Siberia 2 pipeline."]
"""


def _invoke(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _matches(config: Path) -> set[tuple[str, str, float]]:
    out = _invoke(config, "matches", "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    return {(r["article_url"], r["statement_id"], r["score"]) for r in rows}


def test_rescore_reproduces_the_crawl_and_fetches_nothing(
    crawled: Path, demo_server: DemoServer
) -> None:
    before = _matches(crawled)
    requests = len(demo_server.requests)
    out = _invoke(crawled, "rescore", "--quiet")
    assert "0 encoded anew" in out  # passage vectors stored at crawl time were reused
    assert _matches(crawled) == before
    assert len(demo_server.requests) == requests


def test_a_new_statement_is_scored_over_stored_articles(
    crawled: Path, tmp_path: Path, database_url: str
) -> None:
    statements = tmp_path / "statements.toml"
    # A copy of the bundled file, elsewhere: its examples file is named by absolute path.
    bundled = DEFAULT_STATEMENTS.read_text(encoding="utf-8").replace(
        'examples = "', f'examples = "{DEFAULT_STATEMENTS.parent}/'
    )
    statements.write_text(bundled + NEW_STATEMENT)
    text = crawled.read_text(encoding="utf-8")
    config = tmp_path / "new.toml"
    config.write_text(
        text.replace("[fetch]", f'[matching]\nstatements = "{statements}"\n\n[fetch]')
    )
    before = _matches(config)
    out = _invoke(config, "rescore", "--statement", "power-of-siberia-2", "--quiet")
    assert "0 encoded anew" in out
    after = _matches(config)
    added = after - before
    assert added and {statement for _, statement, _ in added} == {"power-of-siberia-2"}
    assert any("ru-gas" in url for url, _, _ in added)  # the Gazprom-CNPC memorandum story
    assert before <= after  # the other statements' matches are untouched
    with open_database(database_url)() as session:
        assert "power-of-siberia-2" in {s.id for s in list_statements(session)}


def test_a_higher_threshold_removes_weak_matches(crawled: Path, tmp_path: Path) -> None:
    before = _matches(crawled)
    config = tmp_path / "strict.toml"
    config.write_text(
        crawled.read_text().replace("[fetch]", "[matching]\nthreshold = 0.9\n\n[fetch]")
    )
    _invoke(config, "rescore", "--quiet")
    after = _matches(config)
    assert after < before
    assert all(score >= 0.9 for _, _, score in after)


def test_unknown_statement_is_refused(crawled: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(crawled), "rescore", "--statement", "nope"])
    assert result.exit_code == 1
    assert "unknown statement id 'nope'" in result.stderr


def test_rescore_keeps_the_found_date_of_matches_that_stay(crawled: Path) -> None:
    """Regression (issue 4): re-scoring must not make old matches look new in the digest."""
    out = _invoke(crawled, "matches", "--format", "jsonl")
    before = {
        (r["article_url"], r["statement_id"]): r["found_at"]
        for r in map(json.loads, out.splitlines())
    }
    _invoke(crawled, "rescore", "--quiet")
    out = _invoke(crawled, "matches", "--format", "jsonl")
    after = {
        (r["article_url"], r["statement_id"]): r["found_at"]
        for r in map(json.loads, out.splitlines())
    }
    assert after == before
