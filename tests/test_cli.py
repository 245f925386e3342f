"""The command line as a user meets it (issue 2)."""

from __future__ import annotations

import csv
import io
import json
import socket
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from pledgewatch import __version__
from pledgewatch.cli import cli

from tests.conftest import write_config

COMMANDS = [
    "run",
    "matches",
    "statements",
    "demo",
    "rescore",
    "eval",
    "digest",
    "timeline",
    "show",
    "feeds",
    "status",
]


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = _invoke("--version")
    assert code == 0 and __version__ in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = _invoke(command, "--help")
    assert code == 0
    assert "Example" in out and "pledgewatch" in out


def test_every_command_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"pledgewatch {command}" in readme, command


def test_statements_table_and_json(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path / "c.toml", database_url, [])
    result = CliRunner().invoke(cli, ["--config", str(config), "statements"], env={"COLUMNS": "80"})
    out = result.stdout
    assert result.exit_code == 0, result.output
    assert out.splitlines()[0].split() == ["id", "speaker", "matches", "original", "English"]
    assert "energy-supplier" in out and "Vladimir Putin" in out
    # Issue 25: the English wording beside the French original, every line within the width.
    first = next(i for i, line in enumerate(out.splitlines()) if "energy-supplier" in line)
    row = out.splitlines()[first]
    assert "La Russie" in row and "Russia remains" in row
    assert row.index("La Russie") < row.index("Russia remains")
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out, _ = _invoke("--config", str(config), "statements", "--format", "json")
    records = json.loads(out)
    assert len(records) == 12
    energy = next(r for r in records if r["id"] == "energy-supplier")
    assert energy["translations"]["zh"].startswith("俄罗斯")
    assert energy["matches"] == 0


def test_matches_formats_and_bad_date(tmp_path: Path, demo_server, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    config = write_config(tmp_path / "c.toml", sqlite_url, [demo_server.feed_url("zh")])
    assert _invoke("--config", str(config), "run", "--once")[0] == 0
    code, out, _ = _invoke("--config", str(config), "matches", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows
    assert {"statement_id", "article_url", "score", "passage", "model"} <= set(rows[0])
    assert all(r["language"] == "zh" for r in rows)
    code, out, _ = _invoke(
        "--config",
        str(config),
        "matches",
        "--since",
        "2025-05-09",
        "--until",
        "2025-05-09",
        "--format",
        "json",
    )
    dated = json.loads(out)
    assert dated and {r["published"][:10] for r in dated} == {"2025-05-09"}
    code, out, _ = _invoke("--config", str(config), "matches", "--min-score", "2")
    assert code == 0 and "(none)" in out
    code, _, err = _invoke("--config", str(config), "matches", "--since", "9 May")
    assert code == 2 and "since: '9 May' is not a day like 2025-05-09" in err


def test_matches_take_relative_days(tmp_path: Path, demo_server, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    """On the day after the newest match, `--since 1d` is that match's day; `--until 1w`
    ends six days before it."""
    config = write_config(tmp_path / "c.toml", sqlite_url, [demo_server.feed_url("en")])
    assert _invoke("--config", str(config), "run", "--once")[0] == 0
    days = {date.fromisoformat(r["published"][:10]) for r in _json(config, "matches")}
    newest = max(days)
    with time_machine.travel(datetime.combine(newest + timedelta(days=1), time(9), UTC)):
        recent = {r["published"][:10] for r in _json(config, "matches", "--since", "1d")}
        older = {r["published"][:10] for r in _json(config, "matches", "--until", "1w")}
    assert recent == {newest.isoformat()}
    assert older == {d.isoformat() for d in days if d <= newest - timedelta(days=6)} and older
    code, _, err = _invoke("--config", str(config), "matches", "--since", "3 days")
    assert code == 2 and "today, yesterday, 7d" in err


def _json(config: Path, *args: str) -> list[dict]:
    code, out, err = _invoke("--config", str(config), *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_run_without_feeds_is_a_clear_error(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path / "c.toml", sqlite_url, [])
    code, _, err = _invoke("--config", str(config), "run", "--once")
    assert code == 1 and "no [[feeds]] configured" in err


def test_demo_serves_polls_and_prints_top_matches(tmp_path: Path, sqlite_url: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    feeds = [f"http://127.0.0.1:{port}/feeds/{lang}.xml" for lang in ("en", "fr", "ru", "zh")]
    config = write_config(tmp_path / "demo.toml", sqlite_url, feeds)
    code, out, _ = _invoke("--config", str(config), "demo", "--top", "2")
    assert code == 0, out
    assert "polled 4 feeds (0 failed, 0 unchanged)" in out
    assert "Top matches per statement" in out
    assert "energy-supplier — top 2" in out
