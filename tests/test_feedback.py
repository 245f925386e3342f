"""Analysts' verdicts: they decide an article's own match and become labelled examples."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import _pipeline, cli
from monitor.config import load_settings


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


def test_a_verdict_moves_the_scores_of_look_alike_articles(crawled: Path) -> None:
    """A rejected article becomes a negative example: after `rescore`, the other articles
    matched to that statement score no higher (some lower), and the verdict still holds."""
    rows = _matches(crawled)
    counts = Counter(str(m["statement_id"]) for m in rows)
    statement = counts.most_common(1)[0][0]
    assert counts[statement] >= 2
    before = {m["article_url"]: m["score"] for m in rows if m["statement_id"] == statement}
    url = next(iter(before))
    _invoke(crawled, "feedback", "mark", str(url), statement, "--no")
    _invoke(crawled, "rescore", "--quiet")
    after = {
        m["article_url"]: m["score"] for m in _matches(crawled) if m["statement_id"] == statement
    }
    assert url not in after
    others = [u for u in before if u != url]
    assert all(u not in after or after[u] <= before[u] for u in others)
    assert any(u not in after or after[u] < before[u] for u in others)


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
    settings = load_settings(crawled)
    rows = _matches(crawled)
    counts = Counter(str(m["statement_id"]) for m in rows)
    statement = counts.most_common(1)[0][0]
    before = {m["article_url"]: m["score"] for m in rows if m["statement_id"] == statement}
    url = next(iter(before))
    with _pipeline(settings) as running:
        _invoke(crawled, "feedback", "mark", str(url), statement, "--no")
        running.rescore()
    after = {
        m["article_url"]: m["score"] for m in _matches(crawled) if m["statement_id"] == statement
    }
    others = [u for u in before if u != url]
    assert any(u not in after or after[u] < before[u] for u in others)
