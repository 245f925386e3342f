"""Where each language's labelled pairs are missed: out of focus, just below the threshold, or far.

Describes the default matcher on a labelled split (it changes nothing): per language, the
labelled pairs, those found, and the misses split into articles out of the seed's scope,
statements outside the article's focus (no threshold reaches them: mostly an article's second
statement), misses within --near of
their threshold (and how many of those were the article's top statement), and the rest; with
the median margin of the found pairs over their threshold. Read beside the average precision per
language that `pledgewatch eval` prints: a language ranked as well as the others whose pairs sit
closer to the threshold is missed by calibration, not by ranking.
Usage: python bench/misses.py [--split test|dev] [--near 0.075]
"""

from __future__ import annotations

import argparse
import statistics

from monitor.cli import _matcher, _seed
from monitor.config import load_settings
from monitor.evaluation import (
    DEV_SPLIT,
    OUT_OF_FOCUS_DROP,
    OUT_OF_SCOPE,
    TEST_SPLIT,
    score_all,
)
from monitor.labelled import load_labelled

# Margins below this are statements outside the focus: score_all drops them by OUT_OF_FOCUS_DROP,
# and no in-focus score sits half of that below its threshold.
FOCUS_DROP = -OUT_OF_FOCUS_DROP / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["test", "dev"], default="test")
    parser.add_argument("--near", type=float, default=0.075)
    args = parser.parse_args()
    settings = load_settings()
    matching, seed = settings.matching, _seed(settings)
    matcher = _matcher(settings, seed)  # as `pledgewatch eval` builds it
    ids = [s.id for s in seed.statements]
    thresholds = seed.thresholds_at(matching.threshold)  # as `pledgewatch eval` sets them
    articles = load_labelled(TEST_SPLIT if args.split == "test" else DEV_SPLIT, ids)
    margins: dict[str, list[tuple[float, bool]]] = {}
    for article, scores in zip(articles, score_all(matcher, articles), strict=True):
        top = max(ids, key=lambda sid: scores[sid] - thresholds[sid])
        for sid in article.labels:
            margin = scores[sid] - thresholds[sid]
            margins.setdefault(article.lang, []).append((margin, sid == top))
    print(f"{args.split}: {len(articles)} articles, threshold {matching.threshold} with offsets")
    print("lang  pairs  found  missed: out of scope / out of focus / within near (top) / further")
    for lang, rows in sorted(margins.items()):
        found = [m for m, _ in rows if m >= 0]
        scope = sum(m == OUT_OF_SCOPE for m, _ in rows)
        focus = sum(OUT_OF_SCOPE < m < FOCUS_DROP for m, _ in rows)
        near = [(m, top) for m, top in rows if -args.near <= m < 0]
        further = sum(FOCUS_DROP <= m < -args.near for m, _ in rows)
        near_top = sum(top for _, top in near)
        print(
            f"{lang:4}  {len(rows):5}  {len(found):5}  {scope:2} / {focus:2} / {len(near):2} "
            f"({near_top}) / {further:2}   median margin of found pairs "
            f"{statistics.median(found) if found else float('nan'):.3f}"
        )


if __name__ == "__main__":
    main()
