"""End-to-end benchmark: N feed entries over ~100 feeds served on 127.0.0.1, ~5% on topic.

Generates a corpus from the evaluation set's articles (on-topic entries reuse labelled
articles; the rest are three paragraphs of one kind: a same-actors story with --related
probability, else unrelated news), each feed item carrying its first paragraph as summary and
each page wrapped in the weight of a real news page (~80 KB). Serves it from another process
on 127.0.0.1 with optional per-request latency, runs `run --once` through the real pipeline on a
fresh SQLite file, and prints entries/s, seconds per stage, encoder passages/s, peak RSS and
recall against the corpus's own labels. With --baseline it also runs the naive way (every page
fetched and extracted, every sentence embedded and compared by best cosine, no scope, no
deduplication) with as many page workers, and prints the ratio.

Usage: python bench/pipeline.py [--entries 1000] [--feeds 100] [--on-topic 0.05]
       [--related 0.2] [--latency 0.0] [--baseline] [--no-gate] [--feed-concurrency 4]
       [--page-workers 4]
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing import Pipe, Process
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
from pledgewatch.app import App
from pledgewatch.demo.server import DemoServer, Route
from pledgewatch.encoders import load_encoder
from pledgewatch.errors import ExtractError, FetchError
from pledgewatch.evaluation import DEV_SPLIT, TEST_SPLIT
from pledgewatch.extract import extract_article
from pledgewatch.fetch import Fetcher
from pledgewatch.labelled import load_labelled
from pledgewatch.passages import split_sentences
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.settings import FetchSettings, Settings, load_settings
from pledgewatch.statements import load_seed
from pledgewatch.storage.articles import sighting_articles
from pledgewatch.storage.matches import list_matches

LANG_FEED = {"en": "en", "fr": "fr", "ru": "ru", "zh": "zh"}


def make_corpus(
    entries: int, on_topic: float, related: float, seed: int = 7
) -> list[dict[str, Any]]:
    """Articles with ids, languages, bodies and labels.

    Off-topic entries are three paragraphs of one kind and language: from the hard negatives
    (same actors, other stories: Russia-India oil, US-China tariffs...) with probability
    ``related``, else from the unrelated articles (sport, science, domestic news).
    """
    rng = random.Random(seed)
    ids = [s.id for s in load_seed(DEFAULT_STATEMENTS).statements]
    pool = load_labelled(DEV_SPLIT, ids) + load_labelled(TEST_SPLIT, ids)
    positives = [a for a in pool if a.labels]
    paragraphs = {
        (kind, lang): [
            p for a in pool if a.kind == kind and a.lang == lang for p in a.text.splitlines()
        ]
        for kind in ("hard-negative", "unrelated")
        for lang in LANG_FEED
    }
    corpus = []
    for n in range(entries):
        if n < int(entries * on_topic):
            source = positives[n % len(positives)]
            body = source.text.splitlines()
            corpus.append(
                {
                    "id": f"b{n}",
                    "feed": source.lang,
                    "title": source.title,
                    "published": "2025-06-01T00:00:00Z",
                    "body": body,
                    "labels": sorted(source.labels),
                }
            )
        else:
            lang = rng.choice(list(LANG_FEED))
            kind = "hard-negative" if rng.random() < related else "unrelated"
            body = rng.sample(paragraphs[kind, lang], k=3)
            body.append(f"Ref. {rng.randrange(10**9)} — {rng.randrange(10**9)}.")
            corpus.append(
                {
                    "id": f"b{n}",
                    "feed": lang,
                    "title": f"{body[0][:60]} ({n})",
                    "published": "2025-06-01T00:00:00Z",
                    "body": body,
                    "labels": [],
                }
            )
    rng.shuffle(corpus)
    return corpus


SECTIONS = [
    "World",
    "Politics",
    "Business",
    "Markets",
    "Tech",
    "Science",
    "Health",
    "Sport",
    "Culture",
    "Opinion",
    "Travel",
    "Video",
]


def realistic_page(article: dict[str, Any], base: str, teasers: list[str]) -> bytes:
    """The article inside the weight of a real news page (~100 KB, the median of trafilatura's
    annotated pages): style and script blobs, menus, teasers, comments and a footer."""
    rng = random.Random(article["id"])
    title = escape(article["title"])
    words = [w for t in teasers for w in t.split()][:400] or ["news"]

    def blob(n: int) -> str:
        return format(rng.getrandbits(4 * n), f"0{n}x")

    def links(count: int, prefix: str) -> str:
        return "".join(
            f'<li class="nav-item"><a class="nav-link" href="/{prefix}/{blob(8)}">'
            f"{escape(rng.choice(words))} {escape(rng.choice(words))}</a></li>"
            for _ in range(count)
        )

    def teaser_list(count: int) -> str:
        return "".join(
            f'<li class="teaser"><div class="teaser-media"><img src="/img/{blob(12)}.jpg" alt="">'
            f'</div><a href="/articles/{blob(10)}.html">{escape(rng.choice(teasers))}</a></li>'
            for _ in range(count)
        )

    css = "".join(
        f".c-{blob(6)}{{margin:{rng.randrange(20)}px;color:#{blob(6)[:6]};display:flex}}"
        for _ in range(250)
    )
    state = ",".join(f'"{blob(10)}":"{blob(40)}"' for _ in range(600))
    menus = "".join(
        f'<li class="menu"><a href="/{s.lower()}">{s}</a><ul class="sub">{links(10, s.lower())}'
        "</ul></li>"
        for s in SECTIONS
    )
    paragraphs = []
    for index, paragraph in enumerate(article["body"]):
        paragraphs.append(f"<p>{escape(paragraph)}</p>")
        if index == 1:
            paragraphs.append(
                '<div class="ad-slot"><span>Advertisement</span></div><aside class="read-also">'
                f'Read also: <a href="/articles/{blob(10)}.html">{escape(rng.choice(teasers))}'
                "</a></aside>"
            )
    comments = "".join(
        f'<div class="comment"><span class="user">{blob(8)}</span><p>'
        f"{escape(' '.join(rng.choice(words) for _ in range(14)))}</p></div>"
        for _ in range(12)
    )
    return f"""<!DOCTYPE html>
<html lang="{LANG_FEED[article["feed"]]}"><head><meta charset="utf-8">
<title>{title} | Bench News</title>
<link rel="canonical" href="{base}/articles/{article["id"]}.html">
<meta property="og:title" content="{title}"><meta property="og:type" content="article">
<meta property="article:published_time" content="{article["published"]}">
<meta name="author" content="Bench Desk"><style>{css}</style>
<script>window.__STATE__={{{state}}};</script></head>
<body><header><div class="top">Subscribe · Log in · Newsletters</div>
<nav><ul class="menus">{menus}</ul></nav></header>
<div class="breadcrumbs"><a href="/">Home</a> › <a href="/world">World</a></div>
<main><article><h1>{title}</h1><div class="byline">By Bench Desk · 4 min read</div>
{"".join(paragraphs)}
<ul class="share"><li>Share on X</li><li>Share on Facebook</li><li>Copy link</li></ul>
</article>
<aside><h2>Most read</h2><ol>{teaser_list(10)}</ol><h2>Related</h2><ul>{teaser_list(8)}</ul>
</aside><section class="comments"><h2>Comments (12)</h2>{comments}</section></main>
<footer><ul>{links(60, "about")}</ul><p>© 2025 Bench News. All rights reserved. Cookie
settings. Terms of use. Privacy policy. Contact us.</p></footer>
<script>{blob(8000)}</script></body></html>""".encode()


class _Pages(dict[str, Route]):
    """Routes that render article pages on request, so 10,000 pages never sit in memory."""

    def __init__(self, corpus: list[dict[str, Any]], base: str, latency: float) -> None:
        super().__init__()
        self.articles = {f"/articles/{a['id']}.html": a for a in corpus}
        self.teasers = {
            lang: [a["title"] for a in corpus if a["feed"] == lang][:200] for lang in LANG_FEED
        }
        self.base, self.latency = base, latency

    def get(self, path: str, default: Route | None = None) -> Route | None:  # type: ignore[override]
        article = self.articles.get(path)
        if article is None:
            return super().get(path, default)
        body = realistic_page(article, self.base, self.teasers[article["feed"]])
        return Route(200, "text/html; charset=utf-8", body, delay=self.latency)


def _serve(corpus: list[dict[str, Any]], feeds: int, latency: float, conn: Connection) -> None:
    """The child process: serve the corpus until the parent says stop (or goes away)."""
    server = DemoServer(corpus={})
    pages = _Pages(corpus, server.base, latency)
    per_feed: dict[int, list[dict[str, Any]]] = {}
    for index, article in enumerate(corpus):
        per_feed.setdefault(index % feeds, []).append(article)
    for number, articles in per_feed.items():
        items = "".join(
            f"<item><guid>bench:{a['id']}</guid><title>{escape(a['title'])}</title>"
            f"<description>{escape(a['body'][0])}</description>"
            f"<link>{server.base}/articles/{a['id']}.html</link></item>"
            for a in articles
        )
        body = f'<rss version="2.0"><channel><title>Feed {number}</title>{items}</channel></rss>'
        pages[f"/feeds/{number}.xml"] = Route(
            200, "application/rss+xml", body.encode(), delay=latency
        )
    server.routes = pages
    with server:
        conn.send(server.base)
        try:
            conn.recv()
        except EOFError:
            pass


@contextmanager
def serve(corpus: list[dict[str, Any]], feeds: int, latency: float) -> Iterator[str]:
    """The corpus served from another process (as real sites are: their work is not ours to
    measure); yields the base URL."""
    parent, child = Pipe()
    process = Process(target=_serve, args=(corpus, feeds, latency, child), daemon=True)
    process.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        process.join(timeout=10)


def settings_for(
    base: str, feeds: int, database: str, gate: bool, feed_concurrency: int, page_workers: int
) -> Settings:
    path = Path(tempfile.mkdtemp()) / "bench.toml"
    lines = [
        f'[database]\nurl = "{database}"\n[fetch]\nallow_private_addresses = true\n'
        f"per_host_delay_seconds = 0\nper_host_concurrency = 64\nconcurrency = {page_workers}\n"
        f"feed_concurrency = {feed_concurrency}\n[matching]\ngate_entries = {str(gate).lower()}\n"
    ]
    lines += [f'[[feeds]]\nurl = "{base}/feeds/{n}.xml"\n' for n in range(feeds)]
    path.write_text("".join(lines), encoding="utf-8")
    return load_settings(path)


def recall(corpus: list[dict[str, Any]], found: dict[str, set[str]]) -> float:
    labelled = [a for a in corpus if a["labels"]]
    hits = sum(1 for a in labelled if found.get(a["id"], set()) & set(a["labels"]))
    return hits / len(labelled) if labelled else 0.0


def run_pledgewatch(corpus: list[dict[str, Any]], base: str, args: argparse.Namespace) -> float:
    database = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    settings = settings_for(
        base, args.feeds, database, not args.no_gate, args.feed_concurrency, args.page_workers
    )
    app = App(settings)  # the bundled model and default threshold, as the CLI builds them
    with app.pipeline() as pipeline:
        started = time.monotonic()  # the model is loaded and the examples encoded by now
        summary = pipeline.run_once()
        seconds = time.monotonic() - started
    with app.sessions() as session:
        rows = list_matches(session)
        sightings = sighting_articles(session)
    by_article: dict[int, set[str]] = {}
    for row in rows:
        by_article.setdefault(row.article_id, set()).add(row.statement_id)
    found = {
        guid.split(":", 1)[1]: by_article.get(article_id, set()) for guid, article_id in sightings
    }
    entries = len(corpus)
    print(
        f"pledgewatch: {entries} entries in {seconds:.1f}s = {entries / seconds:.1f} entries/s; "
        f"{summary.articles_new} articles stored, {summary.duplicates} near-duplicates, "
        f"{summary.matches_new} matches, {summary.entries_gated} pages not fetched (gate); "
        f"recall {recall(corpus, found):.3f}"
    )
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(summary.stage_seconds.items()))
    print(f"  stage seconds (fetch/extract summed over page workers): {stages}")
    passages = summary.passages_encoded
    encode = summary.stage_seconds.get("encode", 0.0)
    print(f"  encoder: {passages} passages in {encode:.1f}s = {passages / max(encode, 1e-9):.0f}/s")
    return seconds


def run_naive(corpus: list[dict[str, Any]], base: str, page_workers: int) -> float:
    """Every page fetched and extracted, every sentence embedded, best cosine per statement."""
    seed = load_seed(DEFAULT_STATEMENTS)
    encoder = load_encoder("use-multilingual-v3")
    wordings, owners = [], []
    for index, statement in enumerate(seed.statements):
        for wording in statement.wordings(views=False):
            wordings.append(wording)
            owners.append(index)
    targets = encoder.encode(wordings)
    owner = np.asarray(owners)
    threshold = 0.44  # the naive way's best bar on the real dev split (one bar, bench/ablation.py)
    fetch_settings = FetchSettings(
        allow_private_addresses=True,
        per_host_delay_seconds=0,
        per_host_concurrency=64,
        concurrency=page_workers,
    )
    started = time.monotonic()
    found: dict[str, set[str]] = {}
    with Fetcher(fetch_settings) as fetcher:

        def text_of(article: dict[str, Any]) -> str:
            try:
                page = fetcher.get(f"{base}/articles/{article['id']}.html")
                return extract_article(page.body, page.url, page.headers.get("content-type")).text
            except (FetchError, ExtractError):
                return ""

        with ThreadPoolExecutor(page_workers) as workers:
            texts = list(workers.map(text_of, corpus))
    for article, text in zip(corpus, texts, strict=True):
        sentences = split_sentences(text)
        if not sentences:
            continue
        best = (encoder.encode(sentences) @ targets.T).max(axis=0)
        per_statement = [best[owner == k].max() for k in range(len(seed.statements))]
        found[article["id"]] = {
            s.id
            for s, score in zip(seed.statements, per_statement, strict=True)
            if score >= threshold
        }
    seconds = time.monotonic() - started
    print(
        f"naive baseline: {len(corpus)} entries in {seconds:.1f}s = "
        f"{len(corpus) / seconds:.1f} entries/s; recall {recall(corpus, found):.3f}"
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--on-topic", type=float, default=0.05)
    parser.add_argument(
        "--related", type=float, default=0.2, help="share of off-topic entries on the same actors"
    )
    parser.add_argument("--no-gate", action="store_true", help="fetch every page")
    parser.add_argument("--feed-concurrency", type=int, default=4, help="feeds polled at once")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument(
        "--page-workers", type=int, default=4, help="pages fetched and extracted at once, both runs"
    )
    args = parser.parse_args()
    corpus = make_corpus(args.entries, args.on_topic, args.related)
    with serve(corpus, args.feeds, args.latency) as base:
        ours = run_pledgewatch(corpus, base, args)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of the process so far (Pledgewatch's run): {peak:.0f} MB")
        if args.baseline:
            naive = run_naive(corpus, base, args.page_workers)
            print(f"baseline / pledgewatch time: {naive / ours:.2f}x")


if __name__ == "__main__":
    main()
