"""The bundled statements file and user statements files (issue 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.statements import load_seed
from seeds import DEFAULT_STATEMENTS, SEEDS_DIR

SHIPPED_IDS = {
    "ties-friendship-trust",
    "multipolar-order",
    "energy-supplier",
    "diversified-projects",
    "trade-growth-2024",
    "historical-memory",
    "higher-level-2025",
    "stability-resilience",
    "trade-momentum",
    "un-central-role",
    "agreements-2024",
    "united-front-west",
}


def test_bundled_statements_have_exactly_the_shipped_ids() -> None:
    seed = load_seed(DEFAULT_STATEMENTS)
    assert {s.id for s in seed.statements} == SHIPPED_IDS
    assert len(seed.statements) == len(SHIPPED_IDS)


def test_each_statement_has_speaker_french_wording_and_three_translations() -> None:
    article = (SEEDS_DIR / "putin-xi-2025-01-21.txt").read_text(encoding="utf-8")
    for s in load_seed(DEFAULT_STATEMENTS).statements:
        assert s.speaker
        assert set(s.translations) == {"en", "ru", "zh"}
        assert any("\u0400" <= ch <= "\u04ff" for ch in s.translations["ru"])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in s.translations["zh"])
        assert s.views, s.id
    # The seed article as the user gave it ships next to its statements.
    assert "Poutine" in article and "220 milliards" in article


def test_scope_requires_russia_and_china() -> None:
    seed = load_seed(DEFAULT_STATEMENTS)
    assert len(seed.scope) == 2
    assert "russie" in seed.scope[0] and "中国" in seed.scope[1]


def test_user_statements_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'seed = "mine"\n[[statements]]\nid = "a-pledge"\ntext = "We will plant trees."\n',
        encoding="utf-8",
    )
    seed = load_seed(path)
    assert [s.id for s in seed.statements] == ["a-pledge"]
    assert seed.scope == ()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'seed = "x"\n[[statements]]\nid = "a"\ntext = "t"\n'
            '[[statements]]\nid = "a"\ntext = "u"\n',
            "duplicate statement ids: a",
        ),
        ('seed = "x"\n[[statements]]\nid = "Bad Id"\ntext = "t"\n', "statements.0.id"),
        ('seed = "x"\n[[statements]]\nid = "a"\ntxt = "t"\n', "statements.0"),
    ],
)
def test_bad_statements_files(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_seed(path)
