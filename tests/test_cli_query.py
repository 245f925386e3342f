"""The analyst's queries on SQLite and PostgreSQL: filters, timeline, show, SQL views (issue 4)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer
from pledgewatch.storage.db import make_engine
from sqlalchemy import text

from tests.conftest import write_config


def _run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def _json(config: Path, *args: str) -> list[dict]:  # type: ignore[type-arg]
    code, out, err = _run(config, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.fixture
def crawled(tmp_path: Path, demo_server: DemoServer, database_url: str) -> Path:
    feeds = [demo_server.feed_url(lang) for lang in ("en", "fr", "ru", "zh")]
    config = write_config(tmp_path / "c.toml", database_url, feeds)
    assert _run(config, "run", "--once")[0] == 0
    return config


def test_match_filters_and_sorting(crawled: Path) -> None:
    everything = _json(crawled, "matches")
    assert len(everything) >= 10
    french = _json(crawled, "matches", "--source", "monde")
    assert french and {r["language"] for r in french} == {"fr"}
    assert {r["language"] for r in _json(crawled, "matches", "--language", "ru")} == {"ru"}
    gazprom = _json(crawled, "matches", "--text", "ГАЗПРОМ")  # case folded in Cyrillic too
    assert gazprom and all("газпром" in (r["title"] + r["passage"]).lower() for r in gazprom)
    by_date = _json(crawled, "matches", "--sort", "date", "--limit", "4")
    dates = [r["published"] for r in by_date]
    assert len(dates) == 4 and dates == sorted(dates, reverse=True)
    by_score = [r["score"] for r in _json(crawled, "matches", "--sort", "score")]
    assert by_score == sorted(by_score, reverse=True)


def test_timeline_table_json_and_chart(crawled: Path, tmp_path: Path) -> None:
    months = _json(crawled, "timeline", "--by", "month")
    assert [m["month"] for m in months] == sorted(m["month"] for m in months)
    total_articles = len({r["article_url"] for r in _json(crawled, "matches")})
    assert sum(m["articles"] for m in months) == total_articles
    energy = _json(crawled, "timeline", "--statement", "energy-supplier", "--by", "day")
    assert set(energy[0]) == {"day", "energy-supplier", "articles"}
    weeks = _json(crawled, "timeline", "--by", "week")
    assert all(w["week"][4:6] == "-W" for w in weeks)
    png, svg = tmp_path / "t.png", tmp_path / "t.svg"
    assert _run(crawled, "timeline", "--chart", str(png))[0] == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _run(crawled, "timeline", "--chart", str(svg))[0] == 0
    assert "<svg" in svg.read_text()
    code, _, err = _run(crawled, "timeline", "--chart", str(tmp_path / "t.gif"))
    assert code == 1 and ".png or .svg" in err


def test_show_by_id_and_url(crawled: Path, demo_server: DemoServer) -> None:
    url = f"{demo_server.base}/articles/ru-gas.html?utm_source=rss"
    code, out, _ = _run(crawled, "show", url)
    assert code == 0
    assert "«Газпром» и CNPC" in out and "energy-supplier" in out and "carried by:" in out
    code, out, _ = _run(crawled, "show", url, "--format", "json")
    record = json.loads(out)
    assert record["language"] == "ru" and record["matches"][0]["passage"]
    code, out, _ = _run(crawled, "show", str(record["id"]))
    assert code == 0 and url in out
    code, _, err = _run(crawled, "show", "https://nowhere.example/x")
    assert code == 1 and "no stored article" in err


def _show_scores(config: Path, ref: str) -> dict:  # type: ignore[type-arg]
    code, out, err = _run(config, "show", ref, "--scores", "--format", "json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_show_scores_explains_each_statement_against_its_bar(
    crawled: Path, demo_server: DemoServer, tmp_path: Path
) -> None:
    """Why an article matched what it matched: every statement's score and bar, from the
    stored vectors; the matched ones are exactly the stored matches."""
    url = f"{demo_server.base}/articles/ru-gas.html?utm_source=rss"
    record = _show_scores(crawled, url)
    scores = {s["statement_id"]: s for s in record["scores"]}
    assert len(scores) == 12
    matched = {i for i, s in scores.items() if s["matched"]}
    assert matched == {m["statement_id"] for m in record["matches"]} != set()
    for s in scores.values():
        assert s["matched"] == (s["score"] >= s["threshold"])
    code, out, _ = _run(crawled, "show", url, "--scores")
    assert "scores (score / the statement's bar" in out
    statuses = ("matched", "below its bar")
    assert sum(line.endswith(statuses) for line in out.splitlines()) == 12
    assert "predate" not in out
    # Settings changed since the crawl are pointed out; an analyst's verdict shows as such.
    strict = tmp_path / "strict.toml"
    strict.write_text(
        crawled.read_text().replace("[fetch]", "[matching]\nthreshold = 1.0\n\n[fetch]")
    )
    out = _run(strict, "show", url, "--scores")[1]
    assert not any(line.endswith(" matched") for line in out.splitlines())
    assert "`pledgewatch rescore` updates them" in out
    rejected = sorted(matched)[0]
    assert _run(crawled, "feedback", "mark", url, rejected, "--no")[0] == 0
    assert f"{rejected:24s} analyst: no" in _run(crawled, "show", url, "--scores")[1]


def test_show_scores_of_an_article_out_of_scope(crawled: Path) -> None:
    articles = [_json(crawled, "show", str(i)) for i in range(1, 20)]
    unscored = [a for a in articles if not _show_scores(crawled, str(a["id"]))["scores"]]
    assert unscored and all(not a["matches"] for a in unscored)
    code, out, _ = _run(crawled, "show", str(unscored[0]["id"]), "--scores")
    assert code == 0 and "out of the seed's scope" in out


def test_sql_views_answer_analyst_questions(crawled: Path, database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        per_statement = connection.execute(
            text("SELECT statement_id, count(*) FROM match_report GROUP BY statement_id")
        ).all()
        sources = (
            connection.execute(text("SELECT DISTINCT feed FROM article_sources ORDER BY feed"))
            .scalars()
            .all()
        )
        columns = connection.execute(text("SELECT * FROM match_report LIMIT 1")).keys()
    engine.dispose()
    total = len(_json(crawled, "matches"))
    assert sum(n for _, n in per_statement) == total
    assert len(sources) == 4
    assert {"statement_id", "statement_text", "score", "passage", "title", "article_url"} <= set(
        columns
    )


def test_the_readme_sql_examples_run(crawled: Path, database_url: str) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("```sql") + len("```sql")
    block = readme[start : readme.index("```", start)]
    statements = [s.strip() for s in block.split(";") if s.strip()]
    assert len(statements) == 3
    engine = make_engine(database_url)
    with engine.connect() as connection:
        results = [connection.execute(text(s)).all() for s in statements]
    engine.dispose()
    assert results[0] and results[2]  # statements revisited; feeds carrying matches


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_matches_table_fits_80_columns_aligns_chinese_and_shows_usable_ids(
    crawled: Path,
) -> None:
    """Issue 25: the table fits COLUMNS=80, CJK titles line up, its id works with `show`."""
    result = CliRunner(env={"COLUMNS": "80"}).invoke(
        cli, ["--config", str(crawled), "matches", "--language", "zh"]
    )
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and len(lines) > 2
    assert all(_display_width(line) <= 80 for line in lines)
    header = lines[0]
    assert header.split()[:2] == ["id", "statement"]
    title_at = _display_width(header[: header.index("title")])
    for row in lines[2:]:
        cut = next(i for i in range(len(row)) if _display_width(row[:i]) >= title_at)
        assert _display_width(row[:cut]) == title_at and row[cut - 1] == " "  # aligned
    article_id = lines[2].split()[0]
    shown = CliRunner().invoke(cli, ["--config", str(crawled), "show", article_id])
    assert shown.exit_code == 0 and "zh" in shown.stdout


def test_status_reads_as_sentences_and_json_stays_exact(crawled: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(crawled), "status"])
    assert result.exit_code == 0
    assert "False" not in result.stdout and "True" not in result.stdout
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", result.stdout)  # no microseconds
    assert "sent not sent" not in result.stdout
    assert "4 feeds, " in result.stdout and "no errors" in result.stdout
    as_json = CliRunner().invoke(cli, ["--config", str(crawled), "status", "--format", "json"])
    report = json.loads(as_json.stdout)
    assert report["feeds"][0]["paused"] is False
    assert re.search(r"T\d\d:\d\d:\d\d", report["feeds"][0]["last_success_at"])  # to the second
