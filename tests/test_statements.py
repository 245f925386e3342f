"""The bundled statements file and user statements files (issue 2)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pledgewatch.encoders import load_encoder
from pledgewatch.errors import ConfigError
from pledgewatch.matching import ArticleText, Matcher
from pledgewatch.seeds import DEFAULT_STATEMENTS, SEEDS_DIR
from pledgewatch.statements import load_seed

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


def test_a_statement_without_views_is_warned_about_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'seed = "mine"\n[[statements]]\nid = "bare"\ntext = "We will plant trees."\n'
        '[[statements]]\nid = "viewed"\ntext = "We will build dams."\n'
        'views = ["The government began work on the first of the promised dams."]\n',
        encoding="utf-8",
    )
    load_seed(path)
    load_seed(path)  # the CLI reads it again: no second warning
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "statement bare has no views" in warnings[0] and str(path) in warnings[0]


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
        (
            'seed = "x"\n[[statements]]\nid = "a"\ntext = "t"\nthreshold_offset = 0.9\n',
            "statements.0.threshold_offset",
        ),
    ],
)
def test_bad_statements_files(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_seed(path)


def test_a_threshold_offset_moves_one_statement_with_the_global_threshold() -> None:
    """An analyst's offset makes one statement stricter; [matching] threshold stays the knob."""
    bundled = load_seed(DEFAULT_STATEMENTS)
    seed = replace(
        bundled,
        statements=tuple(
            replace(s, threshold_offset=0.1) if s.id == "energy-supplier" else s
            for s in bundled.statements
        ),
    )
    article = ArticleText(
        "Russia stays China's top crude supplier",
        "Russia remained China's largest source of crude oil last year, Chinese customs data "
        "showed, shipping more than 100 million tonnes by pipeline and tanker.",
    )
    encoder = load_encoder("use-multilingual-v3")
    score = next(
        s.score
        for s in Matcher(seed, encoder, 0.0).score_articles([article])[0]
        if s.statement_id == "energy-supplier"
    )

    def matched(threshold: float) -> bool:
        scores = Matcher(seed, encoder, threshold).score_articles([article])[0]
        return next(s.matched for s in scores if s.statement_id == "energy-supplier")

    assert matched(score - 0.1 - 0.005)  # global + offset just below the score
    assert not matched(score - 0.1 + 0.005)  # just above: the offset counts
