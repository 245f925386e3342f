"""The web view over a real server on 127.0.0.1, on SQLite and PostgreSQL: every page, the
verdict and feed actions, and what keeps it private and safe."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pledgewatch.app import App
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer, Route
from pledgewatch.settings import load_settings
from pledgewatch.storage.articles import NewArticle, add_article
from pledgewatch.storage.db import open_database
from pledgewatch.storage.matches import NewMatch
from pledgewatch.web import create_web_app, serve_in_thread
from pledgewatch.web.security import SECURITY_HEADERS, Login
from werkzeug.security import generate_password_hash

from tests.conftest import fresh_postgres_database, write_config

HOSTILE_TITLE = "<script>alert('pwned')</script> Ministers & pledges"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, demo_server
) -> Iterator[tuple[Path, App]]:
    """The demo corpus crawled once per database for this module (crawling loads the model):
    the config and its app. Tests that change data compare before and after."""
    tmp = tmp_path_factory.mktemp(f"web-{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            database_url = f"sqlite:///{tmp / 'pledgewatch.db'}"
        else:
            database_url = stack.enter_context(fresh_postgres_database("pw_web"))
        feeds = [demo_server.feed_url(lang) for lang in ("en", "fr", "ru", "zh")]
        extra = f'[digest]\nout_dir = "{tmp}"\n'
        config = write_config(tmp / "c.toml", database_url, feeds, extra)
        result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
        assert result.exit_code == 0, result.output
        yield config, App(load_settings(config))


@pytest.fixture
def web(site) -> Iterator[tuple[httpx.Client, App]]:
    """The crawled demo database served on 127.0.0.1, and a client that keeps its cookies."""
    _, app = site
    base_url, stop = serve_in_thread(create_web_app(app, secret=b"test", login=Login()))
    try:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            yield client, app
    finally:
        stop()


@pytest.fixture
def crawled(site) -> Path:
    """This module's crawled config (overrides the per-test crawl of conftest)."""
    return site[0]


def cli_json(config: Path, *args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def first_match(client: httpx.Client) -> dict:
    rows = client.get("/api/matches", params={"sort": "score"}).json()
    assert rows, "the demo corpus has matches"
    return rows[0]


def test_every_page_and_api_route_answers_with_its_content(web) -> None:
    client, app = web
    statement_ids = [s.id for s in app.seed.statements]
    match = first_match(client)
    for period in ("all", "30d", "2025"):
        dashboard = client.get("/", params={"period": period})
        assert dashboard.status_code == 200
        assert all(f'data-statement="{s}"' in dashboard.text for s in statement_ids)
        assert 'class="sparkline"' in dashboard.text
    pledge = client.get(f"/statements/{match['statement_id']}")
    assert pledge.status_code == 200
    assert f'data-article="{match["article_id"]}"' in pledge.text
    assert 'class="coverage-chart"' in pledge.text
    assert 'blockquote class="english"' in pledge.text
    english = next(s for s in app.seed.statements if s.id == match["statement_id"])
    assert str(english.translations["en"]).split()[0] in pledge.text
    article = client.get(f"/articles/{match['article_id']}")
    assert article.status_code == 200
    assert f'<mark data-statement="{match["statement_id"]}"' in article.text
    assert 'id="scores"' in article.text and 'id="outlets"' in article.text
    assert 'class="verdict"' in article.text
    feeds = client.get("/feeds")
    assert feeds.status_code == 200
    assert feeds.text.count("data-feed-url=") == len(client.get("/api/feeds").json()) >= 4
    assert client.get("/digests").status_code == 200
    assert client.get("/statements/no-such-pledge").status_code == 404
    assert client.get("/articles/999999").status_code == 404
    statements = client.get("/api/statements").json()
    assert [s["id"] for s in statements] == statement_ids
    assert sum(s["matches"] for s in statements) >= 1
    detail = client.get(f"/api/articles/{match['article_id']}").json()
    assert detail["id"] == match["article_id"]
    assert match["statement_id"] in [m["statement_id"] for m in detail["matches"]]
    assert client.get("/api/articles/999999").status_code == 404


def test_api_matches_equals_the_matches_command_row_for_row(web, crawled: Path) -> None:
    client, _ = web
    for filters in (
        {},
        {"sort": "date"},
        {"language": "fr"},
        {"min_score": "0.5", "sort": "score"},
        {"since": "2025-03-01", "until": "2025-05-08", "source": "demo", "text": "Russ"},
        {"until": "yesterday", "sort": "date", "statement": "energy-supplier"},
    ):
        args = [f"--{k.replace('_', '-')}={v}" for k, v in filters.items()]
        expected = cli_json(crawled, "matches", *args)
        served = client.get("/api/matches", params=filters).json()
        assert [{k: v for k, v in r.items() if k != "article_id"} for r in served] == expected
        assert all(isinstance(r["article_id"], int) for r in served)
    everything = client.get("/api/matches").json()
    page = client.get("/api/matches", params={"limit": 2, "offset": 1}).json()
    assert page == everything[1:3]
    assert client.get("/api/matches", params={"limit": 10_001}).status_code == 400
    refused = client.get("/api/matches", params={"since": "May 9"})
    assert refused.status_code == 400 and "since: 'May 9' is not a day" in refused.json()["error"]


def test_pledge_page_filters_by_language_and_by_the_articles_full_text(web) -> None:
    client, app = web
    match = first_match(client)
    statement, language = match["statement_id"], match["language"]
    rows = client.get("/api/matches", params={"statement": statement}).json()
    page = client.get(f"/statements/{statement}", params={"language": language}).text
    shown = re.findall(r'<td class="lang">([^<]*)</td>', page)
    assert shown and set(shown) == {language}
    other = next(lang for lang in ("en", "fr", "ru", "zh", "und") if lang not in {language})
    others = [r for r in rows if r["language"] == other]
    page = client.get(f"/statements/{statement}", params={"language": other}).text
    assert len(re.findall(r'<tr class="match"', page)) == len(others)
    if not others:
        assert 'class="empty"' in page
    # A word from the article's text outside its title and passage still finds it.
    with app.sessions() as session:
        from pledgewatch.storage.articles import article_texts

        text = article_texts(session, [match["article_id"]])[match["article_id"]]
    outside = text.replace(match["passage"], " ")
    word = next(
        w for w in re.findall(r"\w{9,}", outside) if w.lower() not in (match["title"] or "").lower()
    )
    found = client.get(f"/statements/{statement}", params={"q": word.upper()}).text
    assert f'data-article="{match["article_id"]}"' in found
    assert (
        client.get(f"/statements/{statement}", params={"page": 99}).text.count('class="empty"') == 1
    )


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(web, crawled: Path) -> None:
    client, _ = web
    match = first_match(client)
    before = cli_json(crawled, "matches")
    verdicts = cli_json(crawled, "feedback", "list")
    client.get(f"/articles/{match['article_id']}")  # a session exists, its token is not sent
    refused = client.post(
        f"/articles/{match['article_id']}/verdict",
        data={"statement_id": match["statement_id"], "verdict": "no"},
    )
    assert refused.status_code == 403
    forged = client.post(
        f"/articles/{match['article_id']}/verdict",
        data={"statement_id": match["statement_id"], "verdict": "no", "csrf_token": "guess"},
    )
    assert forged.status_code == 403
    paused = client.post("/feeds/pause", data={"url": client.get("/api/feeds").json()[0]["url"]})
    assert paused.status_code == 403
    assert cli_json(crawled, "matches") == before
    assert cli_json(crawled, "feedback", "list") == verdicts
    assert not any(f["paused"] for f in client.get("/api/feeds").json())


def test_a_wrong_verdict_removes_the_match_at_once_and_becomes_an_example(
    web, crawled: Path
) -> None:
    client, _ = web
    match = first_match(client)
    article, statement = match["article_id"], match["statement_id"]
    token = csrf_of(client.get(f"/articles/{article}").text)
    marked = client.post(
        f"/articles/{article}/verdict",
        data={"statement_id": statement, "verdict": "no", "csrf_token": token},
    )
    assert marked.status_code == 303 and marked.headers["location"].endswith(f"/articles/{article}")
    pledge = client.get(f"/statements/{statement}").text
    assert f'data-article="{article}"' not in pledge
    assert article not in [
        r["article_id"] for r in client.get("/api/matches").json() if r["statement_id"] == statement
    ]
    listed = cli_json(crawled, "matches", f"--statement={statement}")
    assert match["article_url"] not in [r["article_url"] for r in listed]
    newest = cli_json(crawled, "feedback", "list")[0]
    assert (newest["article"], newest["statement"], newest["verdict"]) == (article, statement, "no")
    page = client.get(f"/articles/{article}").text
    assert "analyst: no" in page
    # "this pledge too" puts it back, as `feedback mark --yes` does.
    restored = client.post(
        f"/articles/{article}/verdict",
        data={"statement_id": statement, "verdict": "yes", "csrf_token": token},
    )
    assert restored.status_code == 303
    assert f'data-article="{article}"' in client.get(f"/statements/{statement}").text


def test_titles_are_escaped_and_javascript_urls_never_become_links(web) -> None:
    client, app = web
    statement = app.seed.statements[0].id
    with app.sessions.begin() as session:
        article_id = add_article(
            session,
            NewArticle(
                url="javascript:alert(1)",
                canonical_url="javascript:alert(1)",
                text="Some text. The passage <b>about</b> the pledge. More text.",
                content_hash="x" * 64,
                text_origin="feed",
                title=HOSTILE_TITLE,
                source="<img src=x onerror=alert(1)>",
                published=datetime(2025, 6, 1, tzinfo=UTC),
                language="en",
            ),
            [NewMatch(statement, 0.9, "The passage <b>about</b> the pledge.", 1, "test-model")],
        )
    for path in (f"/articles/{article_id}", f"/statements/{statement}", "/"):
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>about" not in page
        assert 'href="javascript:' not in page
    article = client.get(f"/articles/{article_id}").text
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; Ministers &amp; pledges" in article
    assert '<span class="unlinked">javascript:alert(1)</span>' in article


def test_every_response_carries_the_security_headers(web) -> None:
    client, _ = web
    for path in ("/", "/feeds", "/api/matches", "/static/style.css", "/articles/999999"):
        response = client.get(path)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (path, name)
    assert "'unsafe-inline'" not in SECURITY_HEADERS["Content-Security-Policy"]


def test_serve_off_loopback_without_a_login_refuses_to_start(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("PLEDGEWATCH_WEB_TOKEN", raising=False)
    monkeypatch.delenv("PLEDGEWATCH_WEB_PASSWORD_HASH", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 1
    assert "refusing to serve on 0.0.0.0 without a login" in result.output
    assert "PLEDGEWATCH_WEB_TOKEN" in result.output


def test_with_a_login_configured_nothing_is_served_without_it(site) -> None:
    _, app = site
    login = Login(token="s3cret-token", password_hash=generate_password_hash("correct horse"))
    base_url, stop = serve_in_thread(create_web_app(app, secret=b"test", login=login))
    try:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            page = client.get("/feeds")
            assert page.status_code == 302 and "/login" in page.headers["location"]
            assert client.get("/api/matches").status_code == 401
            bearer = {"Authorization": "Bearer s3cret-token"}
            assert client.get("/api/matches", headers=bearer).status_code == 200
            wrong = {"Authorization": "Bearer nope"}
            assert client.get("/api/matches", headers=wrong).status_code == 401
            form = client.get("/login")
            assert form.status_code == 200 and client.get("/static/style.css").status_code == 200
            refused = client.post(
                "/login", data={"password": "guess", "csrf_token": csrf_of(form.text)}
            )
            assert refused.status_code == 401 and "wrong password or token" in refused.text
            logged_in = client.post(
                "/login",
                data={
                    "password": "correct horse",
                    "csrf_token": csrf_of(form.text),
                    "next": "/feeds",
                },
            )
            assert logged_in.status_code == 303 and logged_in.headers["location"] == "/feeds"
            assert client.get("/feeds").status_code == 200
        with httpx.Client(base_url=base_url, timeout=60) as other:  # the token in the form
            form = other.get("/login")
            other.post(
                "/login", data={"password": "s3cret-token", "csrf_token": csrf_of(form.text)}
            )
            assert other.get("/").status_code == 200
    finally:
        stop()


SITE_ROUTES = {
    "/site/": Route(
        200,
        "text/html; charset=utf-8",
        b'<html><head><title>A site</title><link rel="alternate" type="application/rss+xml" '
        b'href="/site/feed.xml"></head><body>News</body></html>',
    ),
    "/plain/": Route(200, "text/html", b"<html><head><title>No feed</title></head><body></body>"),
}


def test_feeds_pause_resume_and_add_by_site_url(web) -> None:
    client, _ = web
    feeds_before = client.get("/api/feeds").json()
    url = feeds_before[0]["url"]
    token = csrf_of(client.get("/feeds").text)
    assert client.post("/feeds/pause", data={"url": url, "csrf_token": token}).status_code == 303
    page = client.get("/feeds").text
    row = re.search(rf'<tr data-feed-url="{re.escape(url)}".*?</tr>', page, re.S).group(0)
    assert 'class="resume"' in row and "paused" in row
    assert next(f for f in client.get("/api/feeds").json() if f["url"] == url)["paused"]
    assert client.post("/feeds/resume", data={"url": url, "csrf_token": token}).status_code == 303
    assert not next(f for f in client.get("/api/feeds").json() if f["url"] == url)["paused"]
    with DemoServer(extra=SITE_ROUTES) as site:
        base = f"http://127.0.0.1:{site.port}"
        added = client.post("/feeds/add", data={"url": f"{base}/site/", "csrf_token": token})
        assert added.status_code == 303
        assert f'data-feed-url="{base}/site/feed.xml"' in client.get("/feeds").text
        rejected = client.post("/feeds/add", data={"url": f"{base}/plain/", "csrf_token": token})
        assert rejected.status_code == 400
        assert '<p class="error">no feed found at' in rejected.text
        assert "advertises none" in rejected.text
    assert len(client.get("/api/feeds").json()) == len(feeds_before) + 1


def test_digests_page_lists_and_opens_the_html_digest(web, crawled: Path) -> None:
    client, app = web
    out = app.settings.digest.out_dir
    day = datetime.now(UTC).date().isoformat()
    result = CliRunner().invoke(cli, ["--config", str(crawled), "digest", "--date", day])
    assert result.exit_code == 0, result.output
    listing = client.get("/digests").text
    assert f'href="/digests/{day}"' in listing
    opened = client.get(f"/digests/{day}")
    assert opened.status_code == 200 and opened.headers["content-type"].startswith("text/html")
    assert opened.content == (out / f"digest-{day}.html").read_bytes()
    assert "script-src" not in opened.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in opened.headers["content-security-policy"]
    assert client.get("/digests/1999-01-01").status_code == 404
    assert client.get("/digests/..%2F..%2Fetc").status_code == 404


def test_the_serve_command_serves_on_loopback_and_asks_for_the_token(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    database_url = f"sqlite:///{tmp_path / 'pw.db'}"
    env = {**os.environ, "PLEDGEWATCH_DATABASE_URL": database_url}
    env.pop("PLEDGEWATCH_CONFIG", None)
    command = [sys.executable, "-m", "pledgewatch.cli", "serve", "--port", str(port)]
    missing = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "no database at" in missing.stderr  # none made either
    assert not (tmp_path / "pw.db").exists()
    open_database(database_url).kw["bind"].dispose()  # the database, migrated
    env["PLEDGEWATCH_WEB_TOKEN"] = "serve-token"
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"{base}/api/statements")
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr
                time.sleep(0.2)
        assert answer.status_code == 401
        bearer = {"Authorization": "Bearer serve-token"}
        dashboard = httpx.get(f"{base}/", headers=bearer)
        assert dashboard.status_code == 200 and 'id="statements"' in dashboard.text
    finally:
        server.terminate()
        server.wait(timeout=10)
