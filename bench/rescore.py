"""Time `rescore --statement NEW` over a database of N stored articles (default 10,000).

Articles are the evaluation set's texts repeated under distinct URLs: the in-scope share is
set with --in-scope (default 5%); the rest are its unrelated stories out of the seed's scope.
They are stored with their passage vectors, as a crawl stores them, then one new statement is
re-scored over all of them.
Usage: python bench/rescore.py [--articles 10000] [--in-scope 0.05] [--database URL]
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from pledgewatch.encoders import load_encoder
from pledgewatch.evaluation import DEV_SPLIT, TEST_SPLIT
from pledgewatch.labelled import load_labelled
from pledgewatch.matching import ArticleText, Matcher
from pledgewatch.pipeline import Pipeline
from pledgewatch.scoring import pack, stored_precision
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.settings import DEFAULT_THRESHOLD, Settings
from pledgewatch.statements import Statement, load_seed
from pledgewatch.storage.articles import NewArticle, add_article
from pledgewatch.storage.db import open_database
from pledgewatch.storage.vectors import save_vectors

NEW = Statement(
    id="power-of-siberia-2",
    speaker="(analyst)",
    text="Le gazoduc Force de Sibérie 2 vers la Chine sera construit.",
    translations={"en": "The Power of Siberia 2 gas pipeline to China will be built."},
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--in-scope", type=float, default=0.05)
    parser.add_argument("--database")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    seed = load_seed(DEFAULT_STATEMENTS)
    encoder = load_encoder("use-multilingual-v3")
    ids = [s.id for s in seed.statements]
    pool = load_labelled(DEV_SPLIT, ids) + load_labelled(TEST_SPLIT, ids)
    matcher = Matcher(seed, encoder, DEFAULT_THRESHOLD)
    on_topic = [a for a in pool if a.kind != "unrelated"]
    # Out of scope, so that a crawl would store no vectors for them either (a panda born in
    # Moscow's zoo to Chinese parents is unrelated but names both countries).
    off_topic = [
        a
        for a in pool
        if a.kind == "unrelated" and not matcher.in_scope(ArticleText(a.title, a.text))
    ]
    sessions = open_database(url)

    started = time.monotonic()
    n_on = int(args.articles * args.in_scope)
    encoded_on = matcher.encode_passages([ArticleText(a.title, a.text) for a in on_topic])
    with sessions.begin() as session:
        for i in range(args.articles):
            source, encoded = (
                (on_topic[i % len(on_topic)], encoded_on[i % len(on_topic)])
                if i < n_on
                else (off_topic[i % len(off_topic)], None)
            )
            article_id = add_article(
                session,
                NewArticle(
                    url=f"https://bench.example/{i}",
                    canonical_url=f"https://bench.example/{i}",
                    title=source.title,
                    text=source.text,
                    language=source.lang,
                    content_hash=hashlib.sha256(f"{i}{source.text}".encode()).hexdigest(),
                    text_origin="page",
                ),
            )
            if encoded is not None and encoded.passages:
                save_vectors(session, article_id, matcher.model_id, pack(stored_precision(encoded)))
    print(f"stored {args.articles} articles ({n_on} in scope) in {time.monotonic() - started:.1f}s")

    extended = replace(seed, statements=(*seed.statements, NEW))
    pipeline = Pipeline(
        Settings(), sessions, fetcher=None, matcher=Matcher(extended, encoder, DEFAULT_THRESHOLD)
    )  # type: ignore[arg-type]
    pipeline.sync()  # the new statement into the database, as `pledgewatch rescore` does
    summary = pipeline.rescorer.rescore(NEW.id)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"rescore --statement {NEW.id}: {summary.articles} articles, {summary.in_scope} in scope, "
        f"{summary.encoded} encoded anew, {summary.added} matches, {summary.seconds:.1f}s; "
        f"peak RSS {peak:.0f} MB; database {url}"
    )


if __name__ == "__main__":
    main()
