"""docs/statements.md against the statements file model, and its minimal example (issue 25)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer
from pledgewatch.seeds import SEEDS_DIR
from pledgewatch.statements import (
    _DecisionModel,
    _ScopeModel,
    _SeedModel,
    _StatementModel,
    load_seed,
)
from pydantic import BaseModel

from tests.conftest import write_config

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "statements.md"
EXAMPLE = SEEDS_DIR / "example.toml"
MODELS: list[type[BaseModel]] = [_SeedModel, _ScopeModel, _StatementModel, _DecisionModel]

# An invented follow-up story on the example's tram pledge, and one on the same city that is not.
CORPUS = {
    "feeds": {"en": {"title": "Lindhaven Courier"}},
    "articles": [
        {
            "id": "tram",
            "feed": "en",
            "published": "2026-05-04T09:00:00+00:00",
            "title": "Lindhaven tram to the university on track for 2028",
            "body": [
                "Lindhaven's mayor Ana Ortiz said on Monday that the tram line linking the "
                "harbour with the university will carry its first passengers in 2028.",
                "Track laying starts in May along the harbour road, the city said.",
            ],
        },
        {
            "id": "football",
            "feed": "en",
            "published": "2026-05-04T10:00:00+00:00",
            "title": "Lindhaven FC win the derby",
            "body": [
                "Lindhaven FC beat their neighbours 3-1 on Saturday in front of a full stadium.",
                "The coach praised his young strikers after the match.",
            ],
        },
    ],
}


def documented_keys() -> set[str]:
    """Every `key` written in backticks in the reference page."""
    return set(re.findall(r"`\[*([a-z_]+)\]*`", DOC.read_text(encoding="utf-8")))


def test_every_key_the_loader_accepts_is_documented() -> None:
    fields = {name for model in MODELS for name in model.model_fields}
    missing = fields - documented_keys()
    assert not missing, f"docs/statements.md does not name: {sorted(missing)}"


def test_the_documented_example_is_the_shipped_file_and_loads() -> None:
    block = re.search(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None
    assert block.group(1) == EXAMPLE.read_text(encoding="utf-8")
    seed = load_seed(EXAMPLE)
    assert [s.id for s in seed.statements] == ["tram-line-2028", "rents-frozen"]
    assert set(seed.statements[0].translations) == {"fr", "ru", "zh"}


def test_readme_links_the_reference() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/statements.md" in readme
    assert len(readme.splitlines()) <= 200


def test_a_poll_with_the_example_seed_matches_the_article_on_its_pledge(
    tmp_path: Path, sqlite_url: str
) -> None:
    with DemoServer(corpus=CORPUS) as server:
        config = write_config(
            tmp_path / "c.toml",
            sqlite_url,
            [server.feed_url("en")],
            f'[matching]\nstatements = "{EXAMPLE}"\n',
        )
        runner = CliRunner()
        run = runner.invoke(cli, ["--config", str(config), "run", "--once"])
        assert run.exit_code == 0, run.output
        found = runner.invoke(cli, ["--config", str(config), "matches", "--format", "csv"])
    assert found.exit_code == 0, found.output
    rows = found.output.strip().splitlines()[1:]
    assert len(rows) == 1, found.output
    assert rows[0].startswith("tram-line-2028,") and "tram to the university" in rows[0]
