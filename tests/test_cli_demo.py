"""After the demo, the next commands work as printed (issue 25, items 1 and 2)."""

from __future__ import annotations

import json
import re
import shlex
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import cli

from tests.conftest import write_config


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def _next_commands(out: str) -> list[list[str]]:
    """The commands the demo prints after "Next:", as argument lists (program name dropped)."""
    lines = out.split("\nNext:\n", 1)[1].splitlines()
    return [shlex.split(line.split("#")[0])[1:] for line in lines if line.startswith("  ")]


def test_the_commands_the_demo_prints_next_read_its_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLEDGEWATCH_CONFIG", raising=False)
    monkeypatch.delenv("PLEDGEWATCH_DATABASE_URL", raising=False)
    code, out, err = _invoke("demo", "--top", "1")
    assert code == 0, err
    assert "wrote ./pledgewatch.toml" in out
    assert (tmp_path / "data" / "demo.db").is_file()
    commands = _next_commands(out)
    assert [c[0] for c in commands] == ["matches", "show", "status", "serve"]
    code, listed, _ = _invoke(*commands[0])  # found through ./pledgewatch.toml, no --config
    assert code == 0 and len(listed.splitlines()) == 2 + 10  # header, rule, --limit 10 rows
    code, shown, _ = _invoke(*commands[1])
    assert code == 0 and "scores (score / the statement's bar)" in shown
    code, as_json, _ = _invoke("matches", "--format", "json")
    assert len(json.loads(as_json)) == int(re.search(r"(\d+) new matches", out).group(1))  # type: ignore[union-attr]
    # A second demo keeps a pledgewatch.toml that is not its own, and says how to reach it.
    mine = "# my own\n[database]\nurl = 'sqlite:///mine.db'\n"
    (tmp_path / "pledgewatch.toml").write_text(mine, encoding="utf-8")
    code, out, err = _invoke("demo", "--top", "1")
    assert code == 0, err
    assert "./pledgewatch.toml exists and is not the demo's: left as it is" in out
    assert (tmp_path / "pledgewatch.toml").read_text(encoding="utf-8") == mine
    show = _next_commands(out)[1]
    assert show[0] == "--config" and show[2] == "show"
    assert _invoke(*show)[0] == 0


def test_a_busy_demo_port_is_named_in_one_line(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path / "demo.toml", sqlite_url, ["http://127.0.0.1:1/feeds/en.xml"])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = _invoke("--config", str(config), "demo", "--port", str(port))
    assert code == 1
    assert err.count("\n") == 1 and f"127.0.0.1:{port}" in err and "--port" in err


def test_a_reading_command_does_not_create_an_empty_database(tmp_path: Path) -> None:
    database = tmp_path / "nothing-yet.db"
    config = write_config(tmp_path / "c.toml", f"sqlite:///{database}", [])
    for command in (["matches"], ["status"], ["show", "1"], ["feeds", "list"], ["digest"]):
        code, _, err = _invoke("--config", str(config), *command)
        assert code == 1, command
        assert f"no database at {database} yet" in err and "pledgewatch demo" in err
    assert not database.exists()


def test_help_says_where_the_configuration_is_found() -> None:
    code, out, _ = _invoke("--help")
    assert code == 0 and "./pledgewatch.toml" in " ".join(out.split())


def test_digest_help_says_the_day_is_when_matches_were_found() -> None:
    code, out, _ = _invoke("digest", "--help")
    assert code == 0 and "matches FOUND that day" in " ".join(out.split())
