"""Before/after table of every matching decision, judged on real coverage it was not tuned on.

Every row is 4-fold cross-validation on the real dev split, grouped by story (an event's
copies, translations and follow-ups stay in one fold): a fold's matcher compares articles with
the other folds' articles as labelled examples, and its decision (bars on the score, or the
logistic decision) is fitted on them. Each row gives micro P/R/F1, the share of hard negatives
matched, the share of positive articles with a statement found, recall per language and per
number of labels, and a 95% paired bootstrap interval (stories resampled) of its F1 gain over
the reference decision. The test split is never scored here (eval/README.md: rounds).
Usage: python bench/ablation.py [--decision NAME] [--off STEP ...] [--variants TEXT ...]
       [--split FILE] [--statements FILE]
"""

from __future__ import annotations

import argparse
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from pledgewatch.encoders import Encoder, load_encoder
from pledgewatch.evaluation import DEV_SPLIT, Counts, best_cut, fit_and_cut, resampled_sums
from pledgewatch.labelled import LabelledArticle, load_labelled
from pledgewatch.matching import ArticleText, Encoded, Matcher, MatchOptions
from pledgewatch.passages import make_passages
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.statements import Seed, load_seed

LANGUAGES = ("en", "fr", "ru", "zh")
FOLDS = 4


@dataclass
class Scored:
    """One article's signals (statements x SIGNALS; None out of scope) and its labels."""

    article: LabelledArticle
    signals: np.ndarray | None


def encode_all(encoder: Encoder, articles: list[LabelledArticle], windows: bool) -> list[Encoded]:
    """Every article's passages (scope not applied) encoded once, reused by every variant."""
    passages = [make_passages(a.title, a.text, windows) for a in articles]
    vectors = encoder.encode([p.text for ps in passages for p in ps])
    bounds = np.cumsum([0, *(len(ps) for ps in passages)])
    return [
        Encoded(ps, vectors[a:b]) for ps, a, b in zip(passages, bounds, bounds[1:], strict=False)
    ]


def score(
    matcher: Matcher, articles: list[LabelledArticle], encoded: list[Encoded]
) -> list[Scored]:
    """Signals of each article, without the examples of its own story."""
    out = []
    for article, enc in zip(articles, encoded, strict=True):
        inside = matcher.in_scope(ArticleText(article.title, article.text))
        out.append(Scored(article, matcher.signals(enc, article.story) if inside else None))
    return out


# --- decisions: fitted on scored training articles, applied to held-out ones ---------------

Decision = Callable[[list[Scored], list[str]], Callable[[Scored], set[str]]]


def thresholds(per_statement: bool, focus: float | None) -> Decision:
    """A bar on the score (global, or per statement halfway to the global one) and optionally
    the focus margin: the rules the matcher shipped with."""

    def fit(train: list[Scored], ids: list[str]) -> Callable[[Scored], set[str]]:
        def value(s: Scored, k: int) -> float:
            if s.signals is None:
                return -np.inf
            in_focus = focus is None or s.signals[k, 1] >= -focus
            return float(s.signals[k, 0]) if in_focus else -np.inf

        pairs = [
            (value(s, k), sid in s.article.labels, sid) for s in train for k, sid in enumerate(ids)
        ]
        global_t = best_cut([(v, y) for v, y, _ in pairs])
        bars = dict.fromkeys(ids, global_t)
        if per_statement:
            for sid in ids:
                mine = [(v, y) for v, y, owner in pairs if owner == sid]
                if sum(y for _, y in mine) >= 2:
                    bars[sid] = (best_cut(mine) + global_t) / 2

        def decide(s: Scored) -> set[str]:
            return {sid for k, sid in enumerate(ids) if value(s, k) >= bars[sid]}

        return decide

    return fit


def learned() -> Decision:
    """The shipped decision: monitor/decision.py's model fitted on the training articles'
    in-scope pairs, cut where their F1 is best (as `pledgewatch eval --calibrate` does)."""

    def fit(train: list[Scored], ids: list[str]) -> Callable[[Scored], set[str]]:
        inside = [s for s in train if s.signals is not None]
        x = np.vstack([s.signals for s in inside])
        y = np.array([sid in s.article.labels for s in inside for sid in ids])
        missed = sum(len(s.article.labels) for s in train if s.signals is None)
        model, cut = fit_and_cut(x, y, missed)

        def decide(s: Scored) -> set[str]:
            if s.signals is None:
                return set()
            probability = model.probability(s.signals)
            return {sid for sid, q in zip(ids, probability, strict=True) if q >= cut}

        return decide

    return fit


# --- variants -------------------------------------------------------------------------------

DEFAULT = MatchOptions()
# The shipped decision is "learned" (a logistic model over score and gap); the others are the
# rules it replaced: a bar per statement with the focus margin (statements more than 0.1 below
# the article's best never match), the same without the margin, one bar for all.
DECISIONS: dict[str, Decision] = {
    "learned": learned(),
    "rules (focus 0.1, a bar per statement)": thresholds(per_statement=True, focus=0.1),
    "a bar per statement": thresholds(per_statement=True, focus=None),
    "one bar": thresholds(per_statement=False, focus=None),
}
NAIVE = MatchOptions(
    views=False,
    windows=False,
    scope=False,
    contrast=False,
    top_passages=1,
    examples=False,
    center_languages=False,
)
# Each matching step switched off alone (fields of MatchOptions), under the decision given by
# --decision, on top of the steps --off removed already. Steps removed in issue 21 (near
# misses, lead emphasis, statement baselines, the focus margin, per-statement offsets) are no
# longer options: their rows are in eval/README.md, reproducible at commit 6fbfd6d.
TOGGLES: dict[str, dict[str, object]] = {
    "without views": {"views": False},
    "without windows (sentences only)": {"windows": False},
    "without scope": {"scope": False},
    "without contrast": {"contrast": False},
    "top passage only": {"top_passages": 1},
    "top 3 passages": {"top_passages": 3},
    "without examples": {"examples": False},
    "examples weight 0.5": {"examples_weight": 0.5},
    "without language centring": {"center_languages": False},
}


def variants(decision: str, base: MatchOptions) -> dict[str, tuple[MatchOptions, Decision]]:
    """The rows: the decisions on the base steps, the naive way, then each step off."""
    rows = {f"decision: {name}": (base, fit) for name, fit in DECISIONS.items()}
    rows["naive: best sentence cosine, one bar"] = (NAIVE, DECISIONS["one bar"])
    for name, change in TOGGLES.items():
        rows[f"{decision}, {name}"] = (replace(base, **change), DECISIONS[decision])
    return rows


def cross_validate(
    seed: Seed,
    encoder: Encoder,
    options: MatchOptions,
    decision: Decision,
    dev: list[LabelledArticle],
    encoded: list[Encoded],
) -> list[tuple[LabelledArticle, Counts]]:
    """Grouped CV, counts per article."""
    ids = [s.id for s in seed.statements]
    folds = [zlib.crc32(a.story.encode()) % FOLDS for a in dev]
    counted = []
    for fold in range(FOLDS):
        train_i = [i for i, f in enumerate(folds) if f != fold]
        held_i = [i for i, f in enumerate(folds) if f == fold]
        train = [dev[i] for i in train_i]
        matcher = Matcher(seed, encoder, 0.0, options, examples=train)
        decide = decision(score(matcher, train, [encoded[i] for i in train_i]), ids)
        for s in score(matcher, [dev[i] for i in held_i], [encoded[i] for i in held_i]):
            found = decide(s)
            labels = s.article.labels
            counted.append(
                (s.article, Counts(len(found & labels), len(found - labels), len(labels - found)))
            )
    return counted


def by(
    counted: list[tuple[LabelledArticle, Counts]], key: Callable[[LabelledArticle], str]
) -> dict[str, Counts]:
    sums: dict[str, Counts] = {}
    for article, counts in counted:
        sums[key(article)] = sums.get(key(article), Counts()) + counts
    return sums


def label_count(article: LabelledArticle) -> str:
    n = len(article.labels)
    return "0" if not n else "1" if n == 1 else "2" if n == 2 else "3+"


def gain_interval(
    variant: dict[str, Counts], default: dict[str, Counts], rounds: int = 2000
) -> tuple[float, float]:
    """95% paired bootstrap interval (stories resampled) of a variant's F1 minus the default's."""
    stories = sorted(default)
    table = np.array(
        [[c.tp, c.fp, c.fn] for s in stories for c in (variant[s], default[s])]
    ).reshape(len(stories), 2, 3)
    sums = resampled_sums(table, rounds)
    f1 = 2 * sums[..., 0] / np.maximum(2 * sums[..., 0] + sums[..., 1] + sums[..., 2], 1)
    gain = f1[:, 0] - f1[:, 1]
    return float(np.percentile(gain, 2.5)), float(np.percentile(gain, 97.5))


def summary(counted: list[tuple[LabelledArticle, Counts]]) -> str:
    total = sum((c for _, c in counted), Counts())
    hard = [c for a, c in counted if a.kind == "hard-negative"]
    hn = sum(1 for c in hard if c.fp) / len(hard) if hard else 0.0
    positives = [c for a, c in counted if a.labels]
    found = sum(1 for c in positives if c.tp) / len(positives) if positives else 0.0
    langs = by(counted, lambda a: a.lang)
    counts = by(counted, label_count)
    recall_lang = "/".join(f"{langs[x].recall:.2f}" if x in langs else "-" for x in LANGUAGES)
    recall_n = "/".join(f"{counts[x].recall:.2f}" if x in counts else "-" for x in ("1", "2", "3+"))
    return (
        f"P {total.precision:.3f} R {total.recall:.3f} F1 {total.f1:.3f} | HN {hn:.2f} "
        f"found {found:.2f} | R en/fr/ru/zh {recall_lang} | R 1/2/3+ {recall_n}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=Path, default=DEFAULT_STATEMENTS)
    parser.add_argument("--split", type=Path, default=DEV_SPLIT, help="the labelled articles")
    parser.add_argument("--decision", choices=sorted(DECISIONS), default="learned")
    parser.add_argument("--variants", nargs="*", help="substrings of the row names to run")
    parser.add_argument(
        "--off", nargs="*", default=[], choices=sorted(TOGGLES), help="steps removed"
    )
    args = parser.parse_args()
    seed = load_seed(args.statements)
    encoder = load_encoder("use-multilingual-v3")
    ids = [s.id for s in seed.statements]
    dev = load_labelled(args.split, ids)
    print(f"{args.split.name}: {len(dev)} articles, {sum(len(a.labels) for a in dev)} pairs")
    encoded = {w: encode_all(encoder, dev, w) for w in (True, False)}
    base = DEFAULT
    for name in args.off:
        base = replace(base, **TOGGLES[name])
    rows = variants(args.decision, base)
    reference = f"decision: {args.decision}"
    chosen = [n for n in rows if not args.variants or any(v in n for v in args.variants)]
    base = None
    for name in dict.fromkeys([reference, *chosen]):
        options, decision = rows[name]
        counted = cross_validate(seed, encoder, options, decision, dev, encoded[options.windows])
        stories = by(counted, lambda a: a.story)
        base = base or stories
        low, high = gain_interval(stories, base)
        print(f"{name:52s} {summary(counted)} | vs {args.decision} {low:+.3f}..{high:+.3f}")


if __name__ == "__main__":
    main()
