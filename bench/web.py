"""Web view page timings on a 10,000-article database (issue 24 asks < 300 ms a page).

Builds a SQLite database (or reuses --db) of N articles in four languages published over
2025-2026, each matching one to three of the seed's statements with its passage in the text,
carried by 40 feeds; inserted through the storage functions, no model needed. Then serves the
web view on 127.0.0.1 and prints each page's median load time over --repeat requests, after one
warm-up request (the first article page loads the model: its cold time is printed too).
The article page is timed for an article whose passage vectors are stored (as ingest
leaves them) and for one without (a synthetic article: its passages are encoded per request).

Usage: python bench/web.py [--articles 10000] [--db FILE] [--repeat 5]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from pledgewatch.app import App
from pledgewatch.settings import load_settings
from pledgewatch.storage.articles import NewArticle, add_article, add_sighting
from pledgewatch.storage.feeds import sync_feeds
from pledgewatch.storage.matches import NewMatch, sync_statements
from pledgewatch.web import create_web_app, serve_in_thread

SENTENCES = {
    "en": [
        "Russia remains China's main supplier of gas and oil, officials said on Tuesday.",
        "The two presidents pledged to deepen cooperation in energy, trade and transport.",
        "Analysts say the pipeline project faces delays over pricing disputes.",
        "Bilateral trade reached a record last year, according to customs data.",
        "The summit ended with a joint statement on a multipolar world order.",
        "Local farmers complained about rising fertiliser prices this spring.",
        "The central bank kept its key rate unchanged for a third month.",
    ],
    "fr": [
        "La Russie reste le principal fournisseur de gaz et de pétrole de la Chine.",
        "Les deux dirigeants ont promis de renforcer leur coopération énergétique.",
        "Le projet de gazoduc prend du retard faute d'accord sur les prix.",
        "Le commerce bilatéral a atteint un record l'an dernier, selon les douanes.",
        "Le sommet s'est conclu par une déclaration sur un ordre mondial multipolaire.",
        "Les agriculteurs se plaignent de la hausse du prix des engrais.",
    ],
    "ru": [
        "Россия остаётся главным поставщиком газа и нефти в Китай.",
        "Два лидера пообещали углублять сотрудничество в энергетике и торговле.",
        "Проект газопровода задерживается из-за споров о цене.",
        "Товарооборот в прошлом году достиг рекорда, сообщила таможня.",
        "Саммит завершился совместным заявлением о многополярном мире.",
    ],
    "zh": [
        "俄罗斯仍是中国天然气和石油的主要供应国。",
        "两国领导人承诺深化能源、贸易和交通领域的合作。",
        "分析人士说，管道项目因价格分歧而推迟。",
        "海关数据显示，去年双边贸易额创下纪录。",
        "峰会以一份关于多极世界秩序的联合声明结束。",
    ],
}
LANGUAGE_WEIGHTS = {"en": 0.45, "fr": 0.2, "ru": 0.2, "zh": 0.15}
FEEDS = 40
START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_DAYS = 700  # to the end of November 2026


def build(config: Path, articles: int, seed: int = 24) -> None:
    """N synthetic articles with their matches, sightings, feeds and the seed's statements."""
    rng = random.Random(seed)
    app = App(load_settings(config))
    statements = app.seed.statements
    # A few pledges draw most of the coverage, as in real news.
    weights = [1 / (rank + 1) for rank in range(len(statements))]
    with app.sessions.begin() as session:
        sync_statements(
            session, app.seed.seed, [(s.id, s.speaker, s.text, s.wordings()) for s in statements]
        )
        feeds = sync_feeds(
            session,
            [(f"http://127.0.0.1:9/feeds/{n}.xml", f"Outlet {n} wire", None) for n in range(FEEDS)],
        )
    languages, lang_weights = list(LANGUAGE_WEIGHTS), list(LANGUAGE_WEIGHTS.values())
    for start in range(0, articles, 1000):
        with app.sessions.begin() as session:
            for n in range(start, min(start + 1000, articles)):
                lang = rng.choices(languages, lang_weights)[0]
                body = [rng.choice(SENTENCES[lang]) for _ in range(rng.randint(8, 16))]
                text = "\n".join(body)
                feed = feeds[n % FEEDS]
                published = START + timedelta(seconds=rng.uniform(0, SPAN_DAYS * 86400))
                chosen = {rng.choices(statements, weights)[0].id for _ in range(rng.randint(1, 3))}
                matches = [
                    NewMatch(sid, round(rng.uniform(0.3, 0.95), 3), rng.choice(body), 0, "bench")
                    for sid in sorted(chosen)
                ]
                url = f"http://127.0.0.1:9/{lang}/{n}.html"
                article_id = add_article(
                    session,
                    NewArticle(
                        url=url,
                        canonical_url=url,
                        text=text,
                        content_hash=hashlib.sha256(text.encode()).hexdigest(),
                        text_origin="page",
                        title=f"{body[0][:60]} ({n})",
                        source=feed.name,
                        published=published,
                        date_origin="feed",
                        language=lang,
                    ),
                    matches,
                )
                add_sighting(session, feed.id, article_id, url, url)
                if n % 7 == 0:  # syndicated: another outlet carried it too
                    add_sighting(session, feeds[(n + 1) % FEEDS].id, article_id, f"{url}#2")


def median_ms(client: httpx.Client, path: str, repeat: int) -> tuple[float, float]:
    """(first request, median of the next `repeat`) in milliseconds; each must answer 200."""
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    return times[0], statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--db", type=Path, help="reuse (or create) this SQLite file")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pledgewatch-bench-web-"))
    db = args.db or workdir / "bench.db"
    config = workdir / "bench.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{db.resolve()}"\n', encoding="utf-8")
    if not db.exists():
        started = time.perf_counter()
        build(config, args.articles)
        print(f"built {db} ({args.articles} articles) in {time.perf_counter() - started:.1f} s")
    app = App(load_settings(config))
    base_url, stop = serve_in_thread(create_web_app(app))
    try:
        with httpx.Client(base_url=base_url, timeout=120) as client:
            busiest = max(client.get("/api/statements").json(), key=lambda s: s["matches"])["id"]
            rows = client.get("/api/matches", params={"statement": busiest, "limit": 2}).json()
            unencoded, encoded = rows[0]["article_id"], rows[1]["article_id"]
            with app.pipeline() as pipeline:  # as the pipeline would have: vectors stored
                pipeline.rescorer.rescore(articles=[encoded])
            pages = {
                "dashboard (all)": "/",
                "dashboard (2025)": "/?period=2025",
                f"pledge {busiest}": f"/statements/{busiest}",
                "pledge, language=fr": f"/statements/{busiest}?language=fr",
                "pledge, q=pipeline (full text)": f"/statements/{busiest}?q=pipeline",
                "pledge, page 3 by score": f"/statements/{busiest}?sort=score&page=3",
                "article (vectors stored)": f"/articles/{encoded}",
                "article (no vectors: encoded on request)": f"/articles/{unencoded}",
                "feeds": "/feeds",
                "digests": "/digests",
                "/api/matches?limit=1000": "/api/matches?limit=1000",
            }
            print(f"{'page':40s} {'first ms':>9s} {'median ms':>10s}")
            for name, path in pages.items():
                first, median = median_ms(client, path, args.repeat)
                print(f"{name:40s} {first:9.0f} {median:10.0f}")
    finally:
        stop()


if __name__ == "__main__":
    main()
