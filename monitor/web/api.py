"""The JSON API: the same data as the pages, and /api/matches row for row as
`pledgewatch matches --format json` (plus article_id)."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, abort, jsonify, request
from pledgewatch.filters import FilterError, match_filter
from pledgewatch.records import article_record, match_record, record
from pledgewatch.storage import schedule
from pledgewatch.storage.articles import article_detail
from pledgewatch.storage.matches import list_matches, list_statements
from pledgewatch.web.pages import state
from werkzeug.exceptions import HTTPException

api = Blueprint("api", __name__, url_prefix="/api")
MAX_LIMIT = 10_000
DEFAULT_LIMIT = 1_000


@api.errorhandler(HTTPException)
def _json_error(exc: HTTPException) -> tuple[Response, int]:
    return jsonify({"error": exc.description}), exc.code or 500


@api.get("/matches")
def matches() -> Response:
    """Filters as `pledgewatch matches` (plus q: also in the article's text); limit (at most
    10,000) and offset page through."""
    try:
        where = match_filter(request.args, max_limit=MAX_LIMIT)
    except FilterError as exc:
        abort(400, str(exc))
    if where.limit is None:
        where = replace(where, limit=DEFAULT_LIMIT)
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
                "seed": seed.seed,
                "speaker": s.speaker,
                "text": s.text,
                "english": s.translations.get("en"),
                "translations": s.translations,
                "matches": counts.get(s.id, 0),
            }
            for seed in app.seeds
            for s in seed.statements
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
