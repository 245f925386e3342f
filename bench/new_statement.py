"""How well a statement added later is found: no labelled examples speak of it, and maybe no views.

For each of the seed's statements in turn, the matcher's examples (the dev split) lose every
verdict on it — as for a statement an analyst adds with `pledgewatch rescore --statement` — and
its threshold is the global one. The dev split is then scored for it, each article compared with
the other stories' examples only: once with its coverage views, once with its wording and
translations only. --split test scores the test split instead, which counts as one of its
scoring rounds (eval/README.md).
Usage: python bench/new_statement.py [--split dev|test]
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from pledgewatch.encoders import load_encoder
from pledgewatch.evaluation import DEV_SPLIT, TEST_SPLIT, Counts, evaluate, score_all
from pledgewatch.labelled import LabelledArticle, load_labelled
from pledgewatch.matching import Matcher
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.settings import DEFAULT_THRESHOLD
from pledgewatch.statements import load_seed


def without_verdicts_on(
    examples: list[LabelledArticle], statement_ids: list[str], statement_id: str
) -> list[LabelledArticle]:
    """The examples as if nobody had judged them against this statement; their verdicts on
    the others stay as they were."""
    others = [s for s in statement_ids if s != statement_id]
    return [
        replace(
            e,
            labels=e.labels - {statement_id},
            rejected=frozenset(s for s in others if e.rejects(s)),
        )
        for e in examples
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    args = parser.parse_args()
    seed = load_seed(DEFAULT_STATEMENTS)
    encoder = load_encoder("use-multilingual-v3")
    ids = [s.id for s in seed.statements]
    dev = load_labelled(DEV_SPLIT, ids)
    test = dev if args.split == "dev" else load_labelled(TEST_SPLIT, ids)
    default = Matcher(seed, encoder, DEFAULT_THRESHOLD, examples=dev)
    default_scores = score_all(default, test)
    columns = {
        "seed's examples": Counts(),
        "new, with views": Counts(),
        "new, wording only": Counts(),
    }
    print(f"{args.split} split: {len(test)} articles; global threshold {DEFAULT_THRESHOLD}")
    print(f"{'statement':24s} " + " | ".join(f"{name:>26s}" for name in columns))
    for statement in seed.statements:
        sid = statement.id
        examples = without_verdicts_on(dev, ids, sid)
        bare = replace(statement, views=())
        bare_seed = replace(
            seed, statements=tuple(bare if s.id == sid else s for s in seed.statements)
        )
        runs = [
            (default_scores, statement.threshold_at(DEFAULT_THRESHOLD)),
            (score_all(Matcher(seed, encoder, 0.0, examples=examples), test), DEFAULT_THRESHOLD),
            (
                score_all(Matcher(bare_seed, encoder, 0.0, examples=examples), test),
                DEFAULT_THRESHOLD,
            ),
        ]
        cells = []
        for name, (scores, threshold) in zip(columns, runs, strict=True):
            counts = evaluate(test, scores, {sid: threshold}).micro
            columns[name] += counts
            cells.append(f"R {counts.tp:2d}/{counts.tp + counts.fn:<2d} fp {counts.fp:<2d}")
        print(f"{sid:24s} " + " | ".join(f"{cell:>26s}" for cell in cells), flush=True)
    for name, c in columns.items():
        print(f"{name:28s} P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}")


if __name__ == "__main__":
    main()
