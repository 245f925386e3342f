"""Progress on every long wait, quiet off a terminal or with --quiet (issue 25, item 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer
from pledgewatch.encoders import UseEncoder
from pledgewatch.matching import Matcher
from pledgewatch.progress import Step
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.statements import load_seed

from tests.conftest import write_config


def _run_once(config: Path, *options: str) -> str:
    result = CliRunner().invoke(cli, [*options, "--config", str(config), "run", "--once"])
    assert result.exit_code == 0, result.output
    return result.stderr


def test_polling_shows_feeds_done_out_of_total_unless_quiet(
    tmp_path: Path, demo_server: DemoServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds = [demo_server.feed_url(lang) for lang in ("en", "fr", "ru", "zh")]
    config = write_config(tmp_path / "c.toml", sqlite_url, feeds)
    assert "polling feeds" not in _run_once(config)  # stderr is not a terminal: no bar
    monkeypatch.setenv("PLEDGEWATCH_PROGRESS", "1")
    shown = _run_once(config)
    assert "polling feeds" in shown and "4/4" in shown
    assert "encoding the statements of putin-xi-2025-01-21" in shown
    assert "polling feeds" not in _run_once(config, "--quiet")


def test_rescore_and_eval_show_progress_unless_quiet(
    crawled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLEDGEWATCH_PROGRESS", "1")
    result = CliRunner().invoke(cli, ["--config", str(crawled), "rescore"])
    assert result.exit_code == 0 and "rescoring stored articles" in result.stderr
    result = CliRunner().invoke(cli, ["--quiet", "--config", str(crawled), "rescore"])
    assert result.exit_code == 0 and "rescoring" not in result.stderr
    result = CliRunner().invoke(
        cli, ["--config", str(crawled), "eval", "--split", "dev", "--no-encoder-quality"]
    )
    assert result.exit_code == 0 and "eval dev" in result.stderr


def test_the_first_encoding_of_the_examples_reports_each_passage() -> None:
    seed = load_seed(DEFAULT_STATEMENTS)
    steps: list[tuple[str, int, int]] = []

    @contextmanager
    def recorded(description: str, total: int, unit: str) -> Iterator[Step]:
        steps.append((description, total, 0))
        yield lambda done: steps.append((description, total, done))

    # A fresh encoder remembers no example: the matcher encodes them (no cache directory).
    Matcher(seed, UseEncoder(), 0.3, examples=seed.examples[:3], progress=recorded)
    description, total, _ = next(s for s in steps if "examples" in s[0])
    assert description == "first run: encoding the labelled examples, once"
    examples = [done for name, _, done in steps if name == description]
    assert total > 0 and sum(examples) == total
