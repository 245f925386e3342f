"""The HTML pages: dashboard, a pledge, an article (with verdicts), feeds, digests, login."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from pledgewatch.charts import coverage_svg
from pledgewatch.discovery import NoFeedFound, discover_feed
from pledgewatch.fetch import Fetcher
from pledgewatch.filters import FilterError, match_filter
from pledgewatch.records import decided_by
from pledgewatch.statements import Statement
from pledgewatch.storage import schedule
from pledgewatch.storage.articles import article_detail, article_texts
from pledgewatch.storage.digests import list_digests
from pledgewatch.storage.matches import coverage_counts, latest_matches, list_matches
from pledgewatch.web.security import DIGEST_CSP, Login
from pledgewatch.web.state import (
    PERIODS,
    WebState,
    chart_span,
    evidence_in_context,
    marked_segments,
    period_bounds,
)

pages = Blueprint("pages", __name__)
PAGE_SIZE = 50
LANGUAGES = ("en", "fr", "ru", "zh", "und")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def state() -> WebState:
    return current_app.extensions["pledgewatch"]


@pages.get("/")
def dashboard() -> str:
    period = request.args.get("period", "all")
    if period not in PERIODS:
        period = "all"
    since, until = period_bounds(period)
    app = state().app
    with app.sessions() as db:
        coverage = coverage_counts(db, since=since, until=until)
        latest = latest_matches(db, since=since, until=until)
    start, end = chart_span(coverage, since, until)
    per_statement: dict[str, list[Any]] = defaultdict(list)
    for row in coverage:
        per_statement[row.statement_id].append(row)
    sections = []
    for seed in app.seeds:
        rows = []
        for s in seed.statements:
            mine = per_statement.get(s.id, [])
            languages: dict[str, int] = defaultdict(int)
            for r in mine:
                languages[r.language] += r.articles
            counts = {(r.month, r.language): r.articles for r in mine}
            rows.append(
                {
                    "statement": s,
                    "english": s.translations.get("en", s.text),
                    "count": sum(r.articles for r in mine),
                    "languages": sorted(languages.items(), key=lambda kv: -kv[1]),
                    "latest": latest.get(s.id),
                    "sparkline": coverage_svg(counts, start, end, sparkline=True),
                }
            )
        sections.append((seed, rows))
    heading = app.seeds[0].title if len(app.seeds) == 1 else "Seeds"
    return render_template(
        "dashboard.html", heading=heading, sections=sections, period=period, periods=PERIODS
    )


def all_statements() -> list[Statement]:
    """Every configured seed's statements (their ids are unique across seeds)."""
    return [s for seed in state().app.seeds for s in seed.statements]


@pages.get("/statements/<statement_id>")
def statement(statement_id: str) -> str:
    app = state().app
    found = next((s for s in all_statements() if s.id == statement_id), None)
    if found is None:
        abort(404, f"no statement {statement_id!r} in the seed")
    args = request.args
    filters = {k: args.get(k, "").strip() for k in ("language", "source", "since", "until", "q")}
    page = max(1, args.get("page", 1, type=int) or 1)
    try:
        where = match_filter(args, sort="date")
    except FilterError as exc:
        abort(400, str(exc))
    sort = where.sort if where.sort in ("date", "score") else "date"
    where = replace(
        where,
        statement=statement_id,
        text=None,
        sort=sort,
        limit=PAGE_SIZE + 1,  # one more: is there a next page?
        offset=(page - 1) * PAGE_SIZE,
    )
    with app.sessions() as db:
        rows = list_matches(db, where)
        texts = article_texts(db, [r.article_id for r in rows[:PAGE_SIZE]])
        coverage = coverage_counts(db, statement=statement_id)
    start, end = chart_span(coverage, None, None)
    chart = coverage_svg({(r.month, r.language): r.articles for r in coverage}, start, end)
    matches = [
        {"row": r, "evidence": evidence_in_context(texts.get(r.article_id), r.passage)}
        for r in rows[:PAGE_SIZE]
    ]
    query = {k: v for k, v in filters.items() if v} | {"sort": sort}
    return render_template(
        "statement.html",
        statement=found,
        english=found.translations.get("en", ""),
        chart=chart,
        matches=matches,
        filters=filters,
        sort=sort,
        languages=LANGUAGES,
        page=page,
        prev_url=url_for(".statement", statement_id=statement_id, page=page - 1, **query)
        if page > 1
        else None,
        next_url=url_for(".statement", statement_id=statement_id, page=page + 1, **query)
        if len(rows) > PAGE_SIZE
        else None,
        total_articles=sum(r.articles for r in coverage),
    )


@pages.get("/articles/<int:article_id>")
def article(article_id: int) -> str:
    web = state()
    with web.app.sessions() as db:
        detail = article_detail(db, str(article_id))
        if detail is None:
            abort(404, f"no stored article {article_id}")
        text = article_texts(db, [article_id]).get(article_id, "")
    try:
        scores, verdicts = web.explain(article_id)
        scores_error = None
    except Exception as exc:  # noqa: BLE001 - the page stands without its scores
        current_app.logger.warning("scores of article %s: %s", article_id, exc)
        scores, verdicts, scores_error = [], {}, str(exc)
    by_statement = {s.statement_id: s for s in scores}
    matched = {m.statement_id for m in detail.matches}
    score_rows = [
        {
            "statement": s,
            "score": by_statement.get(s.id),
            "status": decided_by(by_statement.get(s.id), verdicts.get(s.id)),
            "matched": s.id in matched,
        }
        for s in all_statements()
    ]
    score_rows.sort(key=lambda r: -(r["score"].score if r["score"] else -1.0))
    segments = marked_segments(text, [(m.statement_id, m.passage) for m in detail.matches])
    return render_template(
        "article.html",
        article=detail,
        segments=segments,
        score_rows=score_rows,
        scores_error=scores_error,
    )


@pages.post("/articles/<int:article_id>/verdict")
def verdict(article_id: int) -> Response:
    web = state()
    statement_id = request.form.get("statement_id", "")
    choice = request.form.get("verdict", "")
    if statement_id not in {s.id for s in all_statements()} or choice not in ("yes", "no"):
        abort(400, "a verdict needs a statement of the seed and yes or no")
    with web.app.sessions() as db:
        if article_detail(db, str(article_id)) is None:
            abort(404, f"no stored article {article_id}")
    web.verdict(article_id, statement_id, choice == "yes")
    return redirect(url_for(".article", article_id=article_id), code=303)


@pages.get("/feeds")
def feeds(error: str | None = None, status: int = 200) -> tuple[str, int]:
    with state().app.sessions() as db:
        rows = schedule.feed_status(db)
    return render_template("feeds.html", feeds=rows, error=error), status


def _set_paused(paused: bool) -> Response | tuple[str, int]:
    url = request.form.get("url", "")
    with state().app.sessions.begin() as db:
        changed = schedule.set_feed(db, url, paused=paused)
    if not changed:
        return feeds(f"no feed with URL {url}", 404)
    return redirect(url_for(".feeds"), code=303)


@pages.post("/feeds/pause")
def pause_feed() -> Response | tuple[str, int]:
    return _set_paused(True)


@pages.post("/feeds/resume")
def resume_feed() -> Response | tuple[str, int]:
    return _set_paused(False)


@pages.post("/feeds/add")
def add_feed() -> Response | tuple[str, int]:
    app = state().app
    url = request.form.get("url", "").strip()
    try:
        with Fetcher(app.settings.fetch) as fetcher:
            feed_url = discover_feed(fetcher, url)
    except NoFeedFound as exc:
        return feeds(str(exc), 400)
    with app.sessions.begin() as db:
        schedule.set_feed(db, feed_url, create=True)
    return redirect(url_for(".feeds"), code=303)


@pages.get("/digests")
def digests() -> str:
    app = state().app
    out_dir = app.settings.digest.out_dir
    with app.sessions() as db:
        rows = list_digests(db)
    stored = {r.day for r in rows}
    files = sorted(
        (p.name[len("digest-") : -len(".html")] for p in out_dir.glob("digest-*.html")),
        reverse=True,
    )
    days = sorted(stored | set(files), reverse=True)
    return render_template(
        "digests.html",
        days=days,
        rows={r.day: r for r in rows},
        files=set(files),
    )


@pages.get("/digests/<day>")
def digest(day: str) -> Response:
    if not _DAY.match(day):
        abort(404)
    path = state().app.settings.digest.out_dir / f"digest-{day}.html"
    if not path.is_file():
        abort(404, f"no HTML digest for {day}")
    response = Response(path.read_bytes(), mimetype="text/html")
    response.headers["Content-Security-Policy"] = DIGEST_CSP
    return response


@pages.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    login: Login = current_app.extensions["pledgewatch.login"]
    target = request.values.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"  # never an open redirect
    if request.method == "POST":
        if login.accepts(request.form.get("password", "")):
            session.clear()
            session["logged_in"] = True
            return redirect(target, code=303)
        return render_template("login.html", error="wrong password or token", next=target), 401
    return render_template("login.html", error=None, next=target), 200
