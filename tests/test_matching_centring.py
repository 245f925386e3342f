"""Language centring: each language's mean vector is taken out before texts are compared."""

from __future__ import annotations

import statistics

from pledgewatch.encoders import load_encoder
from pledgewatch.evaluation import DEV_SPLIT
from pledgewatch.labelled import load_labelled
from pledgewatch.language import closest_language, detect_language
from pledgewatch.matching import ArticleText, Matcher, MatchOptions
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.statements import load_seed

SEED = load_seed(DEFAULT_STATEMENTS)
IDS = [s.id for s in SEED.statements]


def test_closest_language_names_short_chinese_and_keeps_to_known_languages() -> None:
    short = "中俄双方签署了一系列合作文件和协议。"
    assert detect_language(short) is None  # too short for detect_language
    assert closest_language(short, {"en", "fr", "ru", "zh"}) == "zh"
    german = "Die Handelsbeziehungen zwischen Russland und China wachsen weiter."
    assert closest_language(german, {"en", "fr"}) in {"en", "fr"}
    assert closest_language("", {"en"}) is None
    assert closest_language("Trade grew strongly last year.", set()) is None


def _gaps(matcher: Matcher, lang: str) -> list[float]:
    """Per labelled article of ``lang``: its best true statement's score minus its best false."""
    dev = [a for a in load_labelled(DEV_SPLIT, IDS) if a.lang == lang and a.labels]
    results = matcher.score_articles(
        [ArticleText(a.title, a.text) for a in dev], [a.story for a in dev]
    )
    gaps = []
    for article, scores in zip(dev, results, strict=True):
        if not scores:
            continue  # out of the seed's scope: never scored
        by_id = {s.statement_id: s.score for s in scores}
        true = max(by_id[i] for i in article.labels)
        gaps.append(true - max(v for i, v in by_id.items() if i not in article.labels))
    return gaps


def test_centring_widens_the_gap_between_true_and_false_statements_in_french() -> None:
    """French articles sat close to the French wording of every statement (scores squeezed)."""
    encoder = load_encoder("use-multilingual-v3")
    plain = Matcher(SEED, encoder, 0.16, MatchOptions(center_languages=False))
    centred = Matcher(SEED, encoder, 0.16)
    assert statistics.median(_gaps(centred, "fr")) > statistics.median(_gaps(plain, "fr"))


def test_without_examples_nothing_is_centred_and_the_gate_never_is() -> None:
    encoder = load_encoder("use-multilingual-v3")
    article = ArticleText(
        "Poutine et Xi saluent des échanges records",
        "Le commerce entre la Russie et la Chine a atteint un record en 2024, selon les douanes.",
    )
    bare = Matcher(SEED, encoder, 0.16, examples=[])
    plain = Matcher(SEED, encoder, 0.16, MatchOptions(center_languages=False), examples=[])
    assert bare.score_articles([article]) == plain.score_articles([article])
    centred = Matcher(SEED, encoder, 0.16)
    entries = ["Russia's Lavrov meets Indian counterpart on oil trade", "Poutine reçoit Modi"]
    assert centred.worth_fetching(entries) == plain.worth_fetching(entries)
    assert centred.score_articles([article]) != plain.score_articles([article])
