"""Statement baselines: a statement compared through few wordings is not handicapped."""

from __future__ import annotations

from dataclasses import replace

from monitor.config import DEFAULT_THRESHOLD
from monitor.demo.server import load_corpus
from monitor.encoders import load_encoder
from monitor.matching import ArticleText, Matcher, MatchOptions
from monitor.statements import Statement, load_seed
from seeds import DEFAULT_STATEMENTS

# What an analyst adds in a hurry: the wording and one translation, no coverage views, and no
# labelled example speaks of it.
NEW = Statement(
    id="power-of-siberia-2",
    speaker="(analyst)",
    text="Le gazoduc Force de Sibérie 2 vers la Chine sera construit.",
    translations={"en": "The Power of Siberia 2 gas pipeline to China will be built."},
)


def _matched(options: MatchOptions) -> dict[str, set[str]]:
    """Per demo article: the statements matched, the new one among the seed's twelve."""
    seed = load_seed(DEFAULT_STATEMENTS)
    seed = replace(seed, statements=(*seed.statements, NEW))
    matcher = Matcher(seed, load_encoder("use-multilingual-v3"), DEFAULT_THRESHOLD, options)
    articles = load_corpus()["articles"]
    results = matcher.score_articles(
        [ArticleText(a["title"], "\n".join(a["body"])) for a in articles]
    )
    return {
        a["id"]: {s.statement_id for s in scores if s.matched}
        for a, scores in zip(articles, results, strict=True)
    }


def test_a_statement_added_without_views_is_found_on_its_follow_up() -> None:
    """The Gazprom-CNPC memorandum on Power of Siberia 2 (Russian): the best of the new
    statement's two wordings sits lower than the best of another statement's thirteen, which
    without baselines kept it out of the article's focus."""
    levelled = _matched(MatchOptions())
    assert "power-of-siberia-2" in levelled["ru-gas"]
    assert "energy-supplier" in levelled["ru-gas"]  # the seed's own match stays
    assert "power-of-siberia-2" in levelled["en-power-of-siberia"]  # "talks ... have stalled"
    # No article that never names the pipeline. en-trade-record names the first line's gas
    # deliveries: the new statement sits at its focus edge (0.004 outside it until the dev
    # split's eighth round changed the examples, 0.001 inside since), so it is left out here.
    pipeline = ("Power of Siberia", "Сила Сибири", "Силы Сибири", "西伯利亚力量")
    texts = {a["id"]: a["title"] + " ".join(a["body"]) for a in load_corpus()["articles"]}
    unnamed = [i for i, text in texts.items() if not any(name in text for name in pipeline)]
    assert len(unnamed) >= 10
    assert not [i for i in unnamed if "power-of-siberia-2" in levelled[i]]
    plain = _matched(MatchOptions(statement_baseline=None))
    assert "power-of-siberia-2" not in plain["ru-gas"]
