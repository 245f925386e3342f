"""Labelled examples (analyst feedback) scored beside the statements (issue 3)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from monitor.demo.server import load_corpus
from monitor.encoders import load_encoder
from monitor.errors import ConfigError
from monitor.evaluation import DEV_SPLIT, score_all
from monitor.labelled import LabelledArticle, load_labelled
from monitor.matching import ArticleText, Matcher, MatchOptions
from monitor.statements import load_seed
from seeds import DEFAULT_STATEMENTS

SEED = load_seed(DEFAULT_STATEMENTS)
IDS = [s.id for s in SEED.statements]
DEV = {a.id: a for a in load_labelled(DEV_SPLIT, IDS)}


def _score(article: LabelledArticle, examples: list[LabelledArticle], statement: str) -> float:
    matcher = Matcher(SEED, load_encoder("use-multilingual-v3"), 0.0, examples=examples)
    scores = matcher.score_articles([ArticleText(article.title, article.text)])[0]
    return next(s.score for s in scores if s.statement_id == statement)


def test_the_shipped_seed_carries_the_dev_split_as_examples() -> None:
    assert len(SEED.examples) == len(DEV) >= 100
    assert {e.id for e in SEED.examples} == set(DEV)


def test_an_analyst_rejection_lowers_a_look_alike_and_a_confirmation_raises_one() -> None:
    # A Russian export-to-Asia story with many signed deals: close to agreements-2024 by its words.
    story = DEV["dev-ru-11"]
    other_outlet = replace(
        story, id="copy", title="Путин: экспорт России разворачивается на Восток"
    )
    deals = DEV["dev-en-10"]  # a real follow-up of agreements-2024
    plain = _score(story, [deals], "agreements-2024")
    rejected = _score(story, [deals, replace(other_outlet, labels=frozenset())], "agreements-2024")
    confirmed = _score(
        story,
        [deals, DEV["dev-en-14"], replace(other_outlet, labels=frozenset({"agreements-2024"}))],
        "agreements-2024",
    )
    assert rejected < plain - 0.02
    assert confirmed > plain + 0.02


def test_evaluation_never_shows_an_article_its_own_story() -> None:
    """Scoring the dev split with the dev split as examples must not leak the labels.

    (Language centring and statement baselines are off here: they come from the examples'
    text, never their labels, and one story more or less shifts them a little.)"""
    article = DEV["dev-en-01"]  # group trade-2024-customs, with dev-en-02, -ru-01, -zh-01
    others = [a for a in DEV.values() if a.story != article.story]
    encoder = load_encoder("use-multilingual-v3")
    options = MatchOptions(center_languages=False, statement_baseline=None)
    with_all = score_all(Matcher(SEED, encoder, 0.0, options, list(DEV.values())), [article])
    without = score_all(Matcher(SEED, encoder, 0.0, options, others), [article])
    assert with_all == without


def test_examples_file_errors_name_the_file(tmp_path: Path) -> None:
    seed = tmp_path / "mine.toml"
    seed.write_text(
        'seed = "mine"\nexamples = "ex.toml"\n'
        '[[statements]]\nid = "trees"\ntext = "Plant trees."\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="ex.toml: no such labelled-articles file"):
        load_seed(seed)
    (tmp_path / "ex.toml").write_text(
        '[[articles]]\nid = "e1"\nlang = "en"\ntitle = "t"\nbody = ["b"]\n'
        'labels = ["bees"]\nkind = "positive"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"e1: unknown statement ids \['bees'\]"):
        load_seed(seed)


def test_an_analyst_verdict_moves_only_the_statement_it_judges() -> None:
    """A verdict on one statement is an example for that statement alone: the other
    statements' scores stay as they were, on the judged article and on others (language means
    and statement baselines come from the seed's own examples only)."""
    corpus = load_corpus()["articles"][:6]  # demo articles, none of them a seed example
    texts = [ArticleText(a["title"], "\n".join(a["body"])) for a in corpus]
    matcher = Matcher(SEED, load_encoder("use-multilingual-v3"), 0.0)
    before = matcher.score_articles(texts)
    judged = max(before[0], key=lambda s: s.score).statement_id  # the analyst says no to it
    verdict = LabelledArticle(
        id="article:1",
        lang="",
        title=texts[0].title or "",
        text=texts[0].text,
        labels=frozenset(),
        kind="feedback",
        rejected=frozenset({judged}),
    )
    after = matcher.with_examples([*SEED.examples, verdict]).score_articles(texts)
    for old, new in zip(before, after, strict=True):
        moved = {o.statement_id for o, n in zip(old, new, strict=True) if o.score != n.score}
        assert moved <= {judged}
    score = {s.statement_id: s.score for s in before[0]}[judged]
    assert {s.statement_id: s.score for s in after[0]}[judged] < score - 0.02
