"""The JSON API: the same data as the pages, and /api/matches row for row as
`pledgewatch matches --format json` (plus article_id)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from pledgewatch.records import article_record, match_record, record
from pledgewatch.storage import schedule
from pledgewatch.storage.articles import article_detail
from pledgewatch.storage.matches import MatchFilter, list_matches, list_statements
from pledgewatch.web.pages import state
from werkzeug.exceptions import HTTPException

api = Blueprint("api", __name__, url_prefix="/api")
MAX_LIMIT = 10_000
DEFAULT_LIMIT = 1_000


@api.errorhandler(HTTPException)
def _json_error(exc: HTTPException) -> tuple[Response, int]:
    return jsonify({"error": exc.description}), exc.code or 500


def _day(name: str, end: bool = False) -> datetime | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        abort(400, f"{name}: {value!r} is not a date like 2025-05-09")
    return day + timedelta(days=1) if end else day


def _number(name: str, kind: type, default: Any, low: float, high: float | None = None) -> Any:
    value = request.args.get(name)
    if value in (None, ""):
        return default
    try:
        number = kind(value)
    except ValueError:
        abort(400, f"{name}: {value!r} is not a number")
    if number < low or (high is not None and number > high):
        abort(400, f"{name}: {number} is outside {low}..{high if high is not None else ''}")
    return number


@api.get("/matches")
def matches() -> Response:
    """Filters as `pledgewatch matches`; limit (at most 10,000) and offset page through."""
    sort = request.args.get("sort", "statement")
    if sort not in ("statement", "score", "date"):
        abort(400, "sort: one of statement, score, date")
    where = MatchFilter(
        statement=request.args.get("statement") or None,
        since=_day("since"),
        until=_day("until", end=True),
        min_score=_number("min_score", float, None, float("-inf")),
        source=request.args.get("source") or None,
        language=request.args.get("language") or None,
        text=request.args.get("text") or None,
        sort=sort,
        limit=_number("limit", int, DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=_number("offset", int, 0, 0),
    )
    with state().app.sessions() as db:
        rows = list_matches(db, where)
    return jsonify([match_record(r) | {"article_id": r.article_id} for r in rows])


@api.get("/statements")
def statements() -> Response:
    """The seed's statements, their English rendering and how many matches each has."""
    app = state().app
    with app.sessions() as db:
        counts = {row.id: row.matches for row in list_statements(db)}
    return jsonify(
        [
            {
                "id": s.id,
                "speaker": s.speaker,
                "text": s.text,
                "english": s.translations.get("en"),
                "translations": s.translations,
                "matches": counts.get(s.id, 0),
            }
            for s in app.seed.statements
        ]
    )


@api.get("/articles/<int:article_id>")
def article(article_id: int) -> Response:
    """`show --format json` (without the scores, which need the model)."""
    with state().app.sessions() as db:
        detail = article_detail(db, str(article_id))
    if detail is None:
        abort(404, f"no stored article {article_id}")
    return jsonify(article_record(detail))


@api.get("/feeds")
def feeds() -> Response:
    """Each feed's health, as `pledgewatch status --format json` lists the feeds."""
    with state().app.sessions() as db:
        rows = schedule.feed_status(db)
    return jsonify([record(f) for f in rows])
