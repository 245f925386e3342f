"""The web view in a real browser (Debian's Chromium driven by Playwright), on the crawled demo
corpus: an analyst goes from the dashboard to a pledge, filters it, opens an article, marks a
match wrong and sees it gone from the pledge (issue 24). Every page is checked for console
errors and Content-Security-Policy violations.

Needs /usr/bin/chromium (`apt-get install chromium`); skipped without it unless
PLEDGEWATCH_REQUIRE_BROWSER=1 (CI sets it), then it fails.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pledgewatch.app import App
from pledgewatch.settings import load_settings

CHROMIUM = Path(os.environ.get("PLEDGEWATCH_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("PLEDGEWATCH_REQUIRE_BROWSER") == "1"
# Recorded before any page script runs: Chromium reports each blocked inline style or script.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


def _need_browser() -> Any:
    """Playwright's sync API, or a skip (a failure where the browser is required)."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = reason or "playwright is not installed (pip install -e '.[test]')"
    if reason and REQUIRE_BROWSER:
        pytest.fail(f"browser tests required (PLEDGEWATCH_REQUIRE_BROWSER=1): {reason}")
    if reason:
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The browser sees the same pages on either database: the HTTP tests cover PostgreSQL."""
    return sqlite_url


@pytest.fixture
def site(crawled: Path) -> Iterator[str]:
    """The web view over the crawled demo corpus, on a free port of 127.0.0.1."""
    from pledgewatch.web import create_web_app, serve_in_thread

    base_url, stop = serve_in_thread(create_web_app(App(load_settings(crawled))))
    try:
        yield base_url
    finally:
        stop()


@dataclass
class Problems:
    """What the browser complained about, page by page."""

    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def _record_console(message: Any, page_url: str, problems: Problems) -> None:
    if message.type == "error":
        problems.console.append(f"{page_url}: {message.text} ({message.location.get('url')})")


@pytest.fixture
def browser_page() -> Iterator[tuple[Any, Problems]]:
    """A Chromium page that records console errors; asked for first, so that a missing browser
    skips the test before the corpus is crawled."""
    sync_playwright = _need_browser()
    problems = Problems()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(60_000)  # the first article page loads the model
        page.on("console", lambda m: _record_console(m, page.url, problems))
        page.on("pageerror", lambda e: problems.page_errors.append(f"{page.url}: {e}"))
        try:
            yield page, problems
        finally:
            browser.close()


def _assert_clean(page: Any, problems: Problems) -> None:
    """No console error, no uncaught error, no CSP violation on the page shown now."""
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], f"{page.url}: CSP violations {violations}"
    assert problems.console == [] and problems.page_errors == []


def _match_rows(page: Any) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "table#matches tr.match",
        "rows => rows.map(r => ({article: r.dataset.article,"
        " lang: r.querySelector('td.lang').textContent.trim()}))",
    )


def test_analyst_marks_a_match_wrong_and_it_leaves_the_pledge(
    browser_page: tuple[Any, Problems], site: str
) -> None:
    page, problems = browser_page
    # The dashboard: every statement, its count, languages and a sparkline.
    page.goto(site + "/")
    rows = page.locator("table#statements tr[data-statement]")
    assert rows.count() == 12
    assert page.locator("svg.sparkline").count() == 12
    assert page.locator("svg.sparkline").first.bounding_box()["width"] > 0
    _assert_clean(page, problems)
    # The pledge with the most languages: the language filter has something to narrow.
    languages = {
        rows.nth(i).get_attribute("data-statement"): rows.nth(i)
        .locator("td.languages span.lang")
        .count()
        for i in range(rows.count())
    }
    statement = max(languages, key=lambda s: (languages[s], s))
    assert languages[statement] >= 2
    page.click(f"tr[data-statement='{statement}'] a.statement-link")
    page.wait_for_url(f"**/statements/{statement}")
    assert page.inner_text("h1") == statement
    assert page.inner_text("blockquote.original") and page.inner_text("blockquote.english")
    chart = page.locator("svg.coverage-chart")
    assert chart.is_visible() and chart.bounding_box()["height"] > 100
    everything = _match_rows(page)
    assert len({r["lang"] for r in everything}) >= 2
    assert page.locator("table#matches td.evidence mark").count() == len(everything)
    _assert_clean(page, problems)
    # Filter by language: only that language's articles remain, fewer of them.
    language = sorted({r["lang"] for r in everything})[0]
    page.select_option("form#filters select[name=language]", language)
    page.click("form#filters button[type=submit]")
    page.wait_for_url(f"**language={language}**")
    filtered = _match_rows(page)
    assert filtered and {r["lang"] for r in filtered} == {language}
    assert len(filtered) < len(everything)
    assert page.locator("select[name=language]").input_value() == language
    # Open the first article: its matched passage is marked, the statement matched.
    article_id = filtered[0]["article"]
    page.click(f"tr.match[data-article='{article_id}'] a.article-link")
    page.wait_for_url(f"**/articles/{article_id}")
    assert page.inner_text("h1")
    # Checked last, so that the verdict is exercised even while passage marking is off.
    marked = page.locator(f"div.article-text mark[data-statement='{statement}']").count()
    score_row = page.locator(f"table#scores tr[data-statement='{statement}']")
    assert "matched" in score_row.locator("td.status").inner_text()
    assert page.locator("table#scores tr[data-statement]").count() == 12
    assert page.locator("ul#outlets li").count() >= 1
    _assert_clean(page, problems)
    # Mark it wrong: back on the article page, the match is gone at once.
    score_row.locator("form.verdict button[name=verdict][value=no]").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith(f"/articles/{article_id}")
    score_row = page.locator(f"table#scores tr[data-statement='{statement}']")
    assert "matched" not in score_row.locator("td.status").inner_text().replace("unmatched", "")
    assert page.locator(f"div.article-text mark[data-statement='{statement}']").count() == 0
    # The pledge page no longer lists it, filtered or not.
    page.goto(f"{site}/statements/{statement}?language={language}")
    assert article_id not in [r["article"] for r in _match_rows(page)]
    page.goto(f"{site}/statements/{statement}")
    remaining = _match_rows(page)
    assert article_id not in [r["article"] for r in remaining]
    assert len(remaining) == len(everything) - 1
    _assert_clean(page, problems)
    assert marked >= 1, f"article {article_id}: the passage matching {statement} is not marked"


def _screenshots_script() -> Any:
    """bench/screenshots.py as a module (bench/ is scripts, not a package)."""
    path = Path(__file__).resolve().parent.parent / "bench" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("pledgewatch_screenshots", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_page_renders_without_errors(
    browser_page: tuple[Any, Problems], site: str, tmp_path: Path
) -> None:
    page, problems = browser_page
    # The screenshot script writes one PNG per page (the README shows two of them).
    screenshots = _screenshots_script()
    written = screenshots.take(page.context.browser, site, tmp_path, list(screenshots.PAGES))
    assert sorted(p.name for p in written) == sorted(f"{n}.png" for n in screenshots.PAGES)
    for png in written:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    for path, landmark in [
        ("/?period=2025", "table#statements"),
        ("/?period=30d", "table#statements"),
        ("/feeds", "table#feeds tr[data-feed-url]"),
        ("/digests", "ul#digests"),
    ]:
        response = page.goto(site + path)
        assert response is not None and response.status == 200, path
        assert page.locator(landmark).count() >= 1, path
        # The stylesheet applied: it is served from /static/, not inline.
        assert page.evaluate("document.styleSheets.length") >= 1, path
        _assert_clean(page, problems)
    page.goto(site + "/feeds")
    assert page.locator("table#feeds tr[data-feed-url]").count() == 4
    # Pause a feed from the page: the row says so, and it can be resumed.
    first = page.locator("table#feeds tr[data-feed-url]").first
    url = first.get_attribute("data-feed-url")
    first.locator("form.pause button").click()
    page.wait_for_load_state()
    row = page.locator(f"table#feeds tr[data-feed-url='{url}']")
    assert row.locator("form.resume").count() == 1
    _assert_clean(page, problems)
