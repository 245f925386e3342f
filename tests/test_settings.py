"""Configuration: validated at start, with errors naming the bad key (issue 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.config import DEFAULT_CONFIG, DEMO_CONFIG
from pledgewatch.errors import ConfigError
from pledgewatch.settings import DEFAULT_THRESHOLD, load_settings


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_bundled_configs_are_valid() -> None:
    default = load_settings(DEFAULT_CONFIG, env={})
    assert len(default.feeds) >= 12
    assert not default.fetch.allow_private_addresses
    assert default.matching.threshold == DEFAULT_THRESHOLD
    demo = load_settings(DEMO_CONFIG, env={})
    assert demo.fetch.allow_private_addresses
    assert all(f.url.startswith("http://127.0.0.1:") for f in demo.feeds)


def test_the_issue_example_is_accepted(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[database]\nurl = "sqlite:///x.db"\n[[feeds]]\nurl = "https://example.org/rss"\n'
        'name = "Example"\n[fetch]\nallow_private_addresses = false\n'
        '[matching]\nmodel = "use-multilingual-v3"\nthreshold = 0.3\n',
    )
    settings = load_settings(path, env={})
    assert settings.feeds[0].name == "Example"
    assert settings.matching.threshold == 0.3
    assert settings.database.url == "sqlite:///x.db"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ('[[feeds]]\nurll = "https://x.org/rss"\n', "feeds.0.urll: unknown key"),
        ("[fetch]\ntimeout = 3\n", "fetch.timeout: unknown key"),
        ('[matching]\nthreshold = "high"\n', "matching.threshold"),
        ('[[feeds]]\nurl = "ftp://x.org/rss"\n', "feeds.0.url"),
        ('[databse]\nurl = "sqlite://"\n', "databse: unknown key"),
    ],
)
def test_errors_name_the_bad_key(tmp_path: Path, body: str, named: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_write(tmp_path, body), env={})
    assert named in str(info.value)
    assert "c.toml" in str(info.value)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(_write(tmp_path, "[feeds\n"), env={})
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "absent.toml", env={})


def test_environment_overrides_the_database_url(tmp_path: Path) -> None:
    path = _write(tmp_path, '[database]\nurl = "sqlite:///file.db"\n')
    settings = load_settings(path, env={"PLEDGEWATCH_DATABASE_URL": "postgresql://u@h/db"})
    assert settings.database.url == "postgresql://u@h/db"


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = _write(tmp_path, "[schedule]\ninterval_minutes = 5\n")
    assert load_settings(None, env={"PLEDGEWATCH_CONFIG": str(path)}).schedule.interval_minutes == 5


def test_cli_reports_a_typo_in_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[feeds]]\nurl = "http://127.0.0.1:9/rss"\nnmae = "typo"\n')
    result = CliRunner().invoke(cli, ["--config", str(path), "run", "--once"])
    assert result.exit_code == 1
    assert "feeds.0.nmae: unknown key" in result.stderr
    assert "Traceback" not in result.output


def test_relative_paths_are_relative_to_the_config(tmp_path: Path) -> None:
    path = _write(tmp_path, '[matching]\nstatements = "mine.toml"\ncache_dir = "cache"\n')
    matching = load_settings(path, env={}).matching
    assert matching.statements == tmp_path / "mine.toml"
    assert matching.cache_dir == tmp_path / "cache"
    path = _write(tmp_path, '[matching]\ncache_dir = "~/pw-cache"\n')
    assert load_settings(path, env={}).matching.cache_dir == Path.home() / "pw-cache"
