"""Encoder throughput: sentences per second for a model on a device (CPU here; a GPU when one is
present and --device auto or cuda). Sentences: the Tatoeba test files, all four languages.

Usage: python bench/encoder.py [--model use-multilingual-v3 | all-minilm-l6-v2-bundled | PATH]
       [--device auto] [--batch-size 64] [--sentences 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from pledgewatch.encoders import load_encoder
from pledgewatch.evaluation import EVAL_DIR


def sentences(count: int) -> list[str]:
    folder = EVAL_DIR / "data" / "tatoeba"
    pool = [
        line
        for path in sorted(folder.glob("tatoeba.*-eng.*"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return (pool * (count // len(pool) + 1))[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="use-multilingual-v3")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    encoder = load_encoder(args.model, args.device, args.batch_size)
    texts = sentences(args.sentences)
    encoder.encode(texts[: args.batch_size])  # warm-up: lazy initialisation, kernels
    rates = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        encoder.encode(texts)
        rates.append(len(texts) / (time.perf_counter() - started))
    device = getattr(encoder, "device", "cpu (numpy)")
    print(
        f"{encoder.model_id} on {device}: median {statistics.median(rates):.0f} sentences/s "
        f"over {args.repeats} runs of {len(texts)} sentences (batch {args.batch_size})"
    )


if __name__ == "__main__":
    main()
