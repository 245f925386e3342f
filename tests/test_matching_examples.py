"""Labelled examples (analyst feedback) scored beside the statements (issue 3)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pledgewatch.demo.server import load_corpus
from pledgewatch.encoders import load_encoder
from pledgewatch.errors import ConfigError
from pledgewatch.evaluation import DEV_SPLIT, score_all
from pledgewatch.labelled import LabelledArticle, load_labelled
from pledgewatch.matching import ArticleText, Matcher, MatchOptions
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.statements import load_seed

SEED = load_seed(DEFAULT_STATEMENTS)
IDS = [s.id for s in SEED.statements]
DEV = {a.id: a for a in load_labelled(DEV_SPLIT, IDS)}


def _score(article: LabelledArticle, examples: list[LabelledArticle], statement: str) -> float:
    """The statement's score signal for the article (what the examples move; the decision
    then weighs it)."""
    matcher = Matcher(SEED, load_encoder("use-multilingual-v3"), 0.0, examples=examples)
    encoded = matcher.encode_passages([ArticleText(article.title, article.text)])[0]
    return float(matcher.signals(encoded)[IDS.index(statement), 0])


def test_the_shipped_seed_carries_the_dev_split_as_examples() -> None:
    assert len(SEED.examples) == len(DEV) >= 100
    assert {e.id for e in SEED.examples} == set(DEV)


def test_an_analyst_rejection_lowers_a_look_alike_and_a_confirmation_raises_one() -> None:
    # EU sanctions on Russian energy giants and their Chinese buyers: close to energy-supplier
    # by its words, a hard negative by the labelling rules.
    story = DEV["en-b-028"]
    other_outlet = replace(story, id="copy", title="EU sanctions hit Russian oil and its buyers")
    # China's Russian crude imports, a real follow-up, and an unrelated story
    known = [DEV["en-a-025"], DEV["en-a-049"]]
    plain = _score(story, known, "energy-supplier")
    rejected = _score(story, [*known, replace(other_outlet, labels=frozenset())], "energy-supplier")
    confirmed = _score(
        story,
        [*known, replace(other_outlet, labels=frozenset({"energy-supplier"}))],
        "energy-supplier",
    )
    assert rejected < plain - 0.02
    assert confirmed > plain + 0.02


def test_evaluation_never_shows_an_article_its_own_story() -> None:
    """Scoring the dev split with the dev split as examples must not leak the labels.

    (Language centring is off here: it comes from the examples' text, never their labels, and
    one story more or less shifts it a little.)"""
    article = DEV["en-b-007"]  # story 2026-01-trade-2025-customs, told by several outlets
    others = [a for a in DEV.values() if a.story != article.story]
    assert len(others) < len(DEV) - 1
    encoder = load_encoder("use-multilingual-v3")
    options = MatchOptions(center_languages=False)
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
    come from the seed's own examples only). The decision may still move another statement of
    the judged article through its gap to the article's best statement."""
    matcher = Matcher(SEED, load_encoder("use-multilingual-v3"), 0.0)
    corpus = load_corpus()["articles"]  # demo articles, none of them a seed example
    texts = [ArticleText(a["title"], "\n".join(a["body"])) for a in corpus]
    texts = [t for t in texts if matcher.in_scope(t)][:6]
    encoded = matcher.encode_passages(texts)
    before = [matcher.signals(e)[:, 0] for e in encoded]
    judged = IDS[int(before[0].argmax())]  # the analyst says no to the article's best
    verdict = LabelledArticle(
        id="article:1",
        lang="",
        title=texts[0].title or "",
        text=texts[0].text,
        labels=frozenset(),
        kind="feedback",
        rejected=frozenset({judged}),
    )
    judging = matcher.with_examples([*SEED.examples, verdict])
    after = [judging.signals(e)[:, 0] for e in encoded]
    for old, new in zip(before, after, strict=True):
        moved = {sid for sid, o, n in zip(IDS, old, new, strict=True) if o != n}
        assert moved <= {judged}
    index = IDS.index(judged)
    assert after[0][index] < before[0][index] - 0.02
