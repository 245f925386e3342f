"""Screenshots of the web view: serves it on 127.0.0.1 over a configuration's database and
writes a PNG of each page with Chromium (Debian's, driven by Playwright).

The pledge shown is the statement with the most matching articles, the article its newest
match. Nothing is changed in the database: only GET requests.

Usage: python bench/screenshots.py [--config config/demo.toml] [--out docs/screenshots]
       [--page dashboard --page pledge ...] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from pledgewatch.app import App
from pledgewatch.settings import load_settings
from pledgewatch.web import create_web_app, serve_in_thread

PAGES = ("dashboard", "pledge", "article", "feeds", "digests")


def _busiest_statement(page: Any) -> str:
    counts = page.eval_on_selector_all(
        "table#statements tr[data-statement]",
        "rows => rows.map(r => [r.dataset.statement,"
        " parseInt(r.querySelector('td.count').textContent) || 0])",
    )
    return str(max(counts, key=lambda c: (c[1], c[0]))[0])


def take(browser: Any, base_url: str, out: Path, wanted: list[str]) -> list[Path]:
    """Open each page in a new tab of this Playwright browser (dashboard -> busiest pledge ->
    its newest article -> feeds -> digests), save the wanted ones as <name>.png; the paths."""
    written = []
    page = browser.new_page(viewport={"width": 1200, "height": 820}, device_scale_factor=1)
    page.set_default_timeout(120_000)  # the article page loads the model on first use

    def shoot(name: str) -> None:
        if name in wanted:
            path = out / f"{name}.png"
            page.screenshot(path=str(path))
            written.append(path)

    page.goto(base_url + "/")
    shoot("dashboard")
    statement = _busiest_statement(page)
    page.goto(f"{base_url}/statements/{statement}?sort=date")
    shoot("pledge")
    first_article = page.locator("table#matches a.article-link").first
    if "article" in wanted and first_article.count():
        first_article.click()
        page.wait_for_load_state()
        shoot("article")
    for name in ("feeds", "digests"):
        page.goto(f"{base_url}/{name}")
        shoot(name)
    page.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config/demo.toml"))
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--page", action="append", choices=PAGES, help="default: every page")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    base_url, stop = serve_in_thread(create_web_app(App(load_settings(args.config))))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium, args=["--no-sandbox"]
            )
            for path in take(browser, base_url, args.out, args.page or list(PAGES)):
                print(f"{path}  {path.stat().st_size / 1024:.0f} KB")
            browser.close()
    finally:
        stop()


if __name__ == "__main__":
    main()
