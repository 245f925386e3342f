"""Analysts' verdicts: they decide an article's own match and become labelled examples."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from pledgewatch.app import App
from pledgewatch.cli import cli
from pledgewatch.settings import load_settings


def _invoke(config: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == code, result.output
    return result.stdout + result.stderr


def _matches(config: Path) -> list[dict[str, object]]:
    out = _invoke(config, "matches", "--format", "jsonl")
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_a_rejected_match_disappears_and_a_confirmed_one_appears(crawled: Path) -> None:
    first = _matches(crawled)[0]
    url, statement = str(first["article_url"]), str(first["statement_id"])
    out = _invoke(crawled, "feedback", "mark", url, statement, "--no")
    assert statement not in out.split("now matches:")[1]
    assert (url, statement) not in {
        (m["article_url"], m["statement_id"]) for m in _matches(crawled)
    }
    # The analyst says it does report on another statement: it is matched, with evidence.
    other = "un-central-role" if statement != "un-central-role" else "multipolar-order"
    _invoke(crawled, "feedback", "mark", url, other, "--yes")
    confirmed = [m for m in _matches(crawled) if m["article_url"] == url]
    assert other in {m["statement_id"] for m in confirmed}
    assert statement not in {m["statement_id"] for m in confirmed}
    assert all(m["passage"] for m in confirmed)
    listed = json.loads(_invoke(crawled, "feedback", "list", "--format", "json"))
    assert {(r["statement"], r["verdict"]) for r in listed} == {(statement, "no"), (other, "yes")}
    # Forgetting the verdicts gives the scores their say again.
    _invoke(crawled, "feedback", "clear", url)
    again = {(m["article_url"], m["statement_id"]) for m in _matches(crawled)}
    assert (url, statement) in again
    assert json.loads(_invoke(crawled, "feedback", "list", "--format", "json")) == []


def _matched_by_statement(config: Path) -> dict[str, dict[str, float]]:
    """Statement -> {article url: score} of its matches."""
    scores: dict[str, dict[str, float]] = {}
    for m in _matches(config):
        scores.setdefault(str(m["statement_id"]), {})[str(m["article_url"])] = float(m["score"])
    return scores


def _verdict_that_lowers_another(config: Path) -> tuple[str, str, dict[str, float]]:
    """A (statement, article) whose rejection lowers another article matched to the statement,
    found by trying each in turn (each verdict forgotten again); with the scores before it.

    Whether a verdict lowers another article depends on whether the rejected article is that
    article's closest rejected look-alike among all examples, so not every verdict does. On
    every try the verdict holds and no other article of the statement scores higher.
    """
    candidates = {s: urls for s, urls in _matched_by_statement(config).items() if len(urls) > 1}
    assert candidates
    for statement, before in candidates.items():
        for url in before:
            _invoke(config, "feedback", "mark", url, statement, "--no")
            _invoke(config, "rescore", "--quiet")
            after = _matched_by_statement(config).get(statement, {})
            _invoke(config, "feedback", "clear", url)
            _invoke(config, "rescore", "--quiet")
            assert url not in after
            others = [u for u in before if u != url]
            assert all(after.get(u, -1.0) <= before[u] for u in others)
            if any(after.get(u, -1.0) < before[u] for u in others):
                return statement, url, before
    raise AssertionError("no verdict lowered any other article's score")


def test_a_verdict_moves_the_scores_of_look_alike_articles(crawled: Path) -> None:
    """A rejected article becomes a negative example: after `rescore`, some other article
    matched to that statement scores lower, none higher, and the verdict holds."""
    statement, url, before = _verdict_that_lowers_another(crawled)
    _invoke(crawled, "feedback", "mark", url, statement, "--no")
    _invoke(crawled, "rescore", "--quiet")
    after = _matched_by_statement(crawled).get(statement, {})
    assert url not in after
    assert any(after.get(u, -1.0) < before[u] for u in before if u != url)


def test_unknown_article_or_statement_is_refused(crawled: Path) -> None:
    assert "no stored article" in _invoke(
        crawled, "feedback", "mark", "999999", "energy-supplier", "--yes", code=1
    )
    assert "unknown statement id" in _invoke(
        crawled, "feedback", "mark", "1", "nope", "--no", code=1
    )


def test_a_running_pipeline_takes_up_verdicts_given_meanwhile(crawled: Path) -> None:
    """As a daemon does: the pipeline is built once, an analyst marks an article from another
    command, and the pipeline's next pass compares articles with it (no restart)."""
    statement, url, before = _verdict_that_lowers_another(crawled)
    settings = load_settings(crawled)
    with App(settings).pipeline() as running:
        _invoke(crawled, "feedback", "mark", url, statement, "--no")
        running.rescorer.rescore()
    after = _matched_by_statement(crawled).get(statement, {})
    assert any(after.get(u, -1.0) < before[u] for u in before if u != url)
