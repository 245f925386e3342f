"""Extraction quality of Pledgewatch's extractor on trafilatura's annotated pages.

The pages are third-party web pages and are not in this repository: give their folder.
Scoring as trafilatura's own evaluation (tests/eval_common.py): a "with" segment found in the
whitespace-normalised output is a true positive (else a false negative), a "without" segment
found is a false positive (else a true negative).
Usage: python bench/extraction_eval.py ../shared/testdata/trafilatura_eval_subset
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from pledgewatch.errors import ExtractError
from pledgewatch.extract import extract_article


def normalise(text: str) -> str:
    return " ".join(text.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path, help="holds evaldata_subset.json and html/")
    args = parser.parse_args()
    cases = json.loads((args.folder / "evaldata_subset.json").read_text(encoding="utf-8"))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp, fn, fp, tn per lang
    failures = 0
    started = time.monotonic()
    for url, case in cases.items():
        html = (args.folder / "html" / case["file"]).read_bytes()
        try:
            text = normalise(extract_article(html, url).text)
        except ExtractError:
            text, failures = "", failures + 1
        for key in ("all", case.get("lang_guess") or "?"):
            c = counts[key]
            for segment in case["with"]:
                c[0 if normalise(segment) in text else 1] += 1
            for segment in case["without"]:
                c[2 if normalise(segment) in text else 3] += 1
    seconds = time.monotonic() - started
    print(f"{len(cases)} pages in {seconds:.1f}s, {failures} without extractable text")
    for key in ["all", *sorted(k for k in counts if k != "all")]:
        tp, fn, fp, tn = counts[key]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        accuracy = (tp + tn) / (tp + fn + fp + tn)
        print(
            f"{key:4s} P={precision:.3f} R={recall:.3f} F1={f1:.3f} accuracy={accuracy:.3f} "
            f"(tp {tp}, fn {fn}, fp {fp}, tn {tn})"
        )


if __name__ == "__main__":
    main()
