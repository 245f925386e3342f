"""Before/after table of every matching decision, judged on articles it was not tuned on.

For each variant: 4-fold grouped cross-validation on the dev split (thresholds calibrated on three
folds, applied to the fourth) with a 95% paired bootstrap interval of its F1 gain over the
default, then thresholds calibrated on the whole dev split and applied to the test split.
Prints micro P/R/F1, average precision, hard-negative match rate and recall per language (test),
and recall per language in the cross-validation on dev.
Usage: python bench/ablation.py [--statements FILE]
"""

from __future__ import annotations

import argparse
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from monitor.encoders import Encoder, load_encoder
from monitor.evaluation import (
    DEV_SPLIT,
    TEST_SPLIT,
    Counts,
    article_counts,
    calibrate,
    evaluate,
    resampled_sums,
    score_all,
)
from monitor.labelled import LabelledArticle, load_labelled
from monitor.matching import Matcher, MatchOptions
from monitor.statements import Seed, load_seed
from seeds import DEFAULT_STATEMENTS

LANGUAGES = ("en", "fr", "ru", "zh")
NAIVE = MatchOptions(
    views=False,
    windows=False,
    scope=False,
    contrast=False,
    near_misses=False,
    top_passages=1,
    focus_margin=None,
    position_penalty=0.0,
    examples_weight=0.0,
    center_languages=False,
    statement_baseline=None,
)
CURRENT = MatchOptions(
    position_penalty=0.0, examples_weight=0.0, center_languages=False, statement_baseline=None
)
LEAD = replace(CURRENT, position_penalty=MatchOptions().position_penalty)
EXAMPLES = replace(LEAD, examples_weight=MatchOptions().examples_weight)
CENTRED = replace(EXAMPLES, center_languages=True)
# (name, options, per-statement thresholds): the last step and the variants below it use
# per-statement thresholds (global + calibrated offsets), as the shipped seed does.
STEPS = [
    ("naive: sentences, wording + translations, best cosine", NAIVE, False),
    ("+ coverage views", replace(NAIVE, views=True), False),
    ("+ passage windows (pairs, title+lead)", replace(NAIVE, views=True, windows=True), False),
    (
        "+ scope filter (Russia and China)",
        replace(NAIVE, views=True, windows=True, scope=True),
        False,
    ),
    (
        "+ contrast (minus the passage's mean)",
        replace(NAIVE, views=True, windows=True, scope=True, contrast=True),
        False,
    ),
    ("+ near-miss penalty", replace(CURRENT, top_passages=1, focus_margin=None), False),
    ("+ top-2 passages", replace(CURRENT, focus_margin=None), False),
    (f"+ focus margin {CURRENT.focus_margin:g}", CURRENT, False),
    (f"+ lead emphasis {LEAD.position_penalty:g}", LEAD, False),
    (f"+ labelled examples (dev split) {EXAMPLES.examples_weight:g}", EXAMPLES, False),
    ("+ language centring", CENTRED, False),
    (f"+ statement baselines (q {MatchOptions().statement_baseline:g})", MatchOptions(), False),
    ("+ per-statement threshold offsets (default)", MatchOptions(), True),
    ("default, examples weight 0 (centring only)", MatchOptions(examples_weight=0.0), True),
    ("default, examples weight 0.1 (before round 5)", MatchOptions(examples_weight=0.1), True),
    ("default, examples weight 0.4", MatchOptions(examples_weight=0.4), True),
    ("default without views", MatchOptions(views=False), True),
    ("default without scope", MatchOptions(scope=False), True),
    ("default without near misses", MatchOptions(near_misses=False), True),
    ("default without statement baselines", MatchOptions(statement_baseline=None), True),
]


def cross_validate(
    seed: Seed,
    encoder: Encoder,
    options: MatchOptions,
    dev: list[LabelledArticle],
    per_statement: bool,
) -> list[tuple[LabelledArticle, Counts]]:
    """Grouped 4-fold CV, counts per article: near-duplicates and cross-language pairs stay in
    one fold; the examples a fold's matcher compares with are the other folds' articles only."""
    ids = [s.id for s in seed.statements]
    counted = []
    folds = [zlib.crc32(a.story.encode()) % 4 for a in dev]
    for fold in range(4):
        train = [a for a, f in zip(dev, folds, strict=True) if f != fold]
        held = [a for a, f in zip(dev, folds, strict=True) if f == fold]
        matcher = Matcher(seed, encoder, 0.0, options, examples=train)
        global_t, per = calibrate(train, score_all(matcher, train), ids)
        thresholds = per if per_statement else dict.fromkeys(ids, global_t)
        for article, scores in zip(held, score_all(matcher, held), strict=True):
            counted.append((article, article_counts(article, scores, thresholds)))
    return counted


def by(counted: list[tuple[LabelledArticle, Counts]], key: str) -> dict[str, Counts]:
    """Counts summed per value of an article attribute ("story", "lang")."""
    sums: dict[str, Counts] = {}
    for article, counts in counted:
        sums[getattr(article, key)] = sums.get(getattr(article, key), Counts()) + counts
    return sums


def gain_interval(
    variant: dict[str, Counts], default: dict[str, Counts], rounds: int = 2000
) -> tuple[float, float]:
    """95% paired bootstrap interval (stories resampled) of a variant's CV F1 minus the
    default's: a gain whose interval holds 0 is not told apart from noise."""
    stories = sorted(default)
    table = np.array(
        [[c.tp, c.fp, c.fn] for s in stories for c in (variant[s], default[s])]
    ).reshape(len(stories), 2, 3)
    sums = resampled_sums(table, rounds)  # rounds x (variant, default) x (tp, fp, fn)
    f1 = 2 * sums[..., 0] / np.maximum(2 * sums[..., 0] + sums[..., 1] + sums[..., 2], 1)
    gain = f1[:, 0] - f1[:, 1]
    return float(np.percentile(gain, 2.5)), float(np.percentile(gain, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=Path, default=DEFAULT_STATEMENTS)
    args = parser.parse_args()
    seed = load_seed(args.statements)
    encoder = load_encoder("use-multilingual-v3")
    ids = [s.id for s in seed.statements]
    dev = load_labelled(DEV_SPLIT, ids)
    test = load_labelled(TEST_SPLIT, ids)
    print(f"dev {len(dev)} articles, test {len(test)} articles, {len(ids)} statements")
    header = (
        f"{'variant':56s} {'thr':>4s} {'devCV':>6s} {'gain vs default':>15s} | "
        f"{'P':>5s} {'R':>5s} {'F1':>5s} "
        f"{'AP':>5s} {'HN':>4s} | recall en/fr/ru/zh | dev CV recall en/fr/ru/zh"
    )
    print(header)
    default_cv = by(cross_validate(seed, encoder, MatchOptions(), dev, True), "story")
    for name, options, per_statement in STEPS:
        matcher = Matcher(seed, encoder, 0.0, options, examples=dev)
        dev_scores, test_scores = score_all(matcher, dev), score_all(matcher, test)
        counted = cross_validate(seed, encoder, options, dev, per_statement)
        cv_stories = by(counted, "story")
        cv = sum(cv_stories.values(), Counts())
        cv_recall = by(counted, "lang")
        low, high = gain_interval(cv_stories, default_cv)
        global_t, per = calibrate(dev, dev_scores, ids)
        thresholds = per if per_statement else dict.fromkeys(ids, global_t)
        r = evaluate(test, test_scores, thresholds)
        recall = "/".join(f"{r.per_language[lang].recall:.2f}" for lang in LANGUAGES)
        recall_cv = "/".join(f"{cv_recall[lang].recall:.2f}" for lang in LANGUAGES)
        kind = "stmt" if per_statement else f"{global_t:.2f}"
        print(
            f"{name:56s} {kind:>4s} {cv.f1:6.3f} {low:+7.3f}..{high:+.3f} | "
            f"{r.micro.precision:5.3f} {r.micro.recall:5.3f} "
            f"{r.micro.f1:5.3f} {r.average_precision:5.3f} {r.hard_negative_rate:4.2f} | {recall}"
            f" | {recall_cv}"
        )


if __name__ == "__main__":
    main()
