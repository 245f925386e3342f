"""Stored rows as plain JSON-ready dicts: one shape for the CLI's --format json and the web API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pledgewatch.matching import StatementScore
    from pledgewatch.storage.articles import ArticleDetail
    from pledgewatch.storage.matches import MatchRow

# The fields of a match row that `pledgewatch matches` prints (the API adds article_id).
MATCH_COLUMNS = [
    "seed",
    "statement_id",
    "score",
    "published",
    "date_origin",
    "language",
    "source",
    "title",
    "article_url",
    "passage",
    "position",
    "model",
    "found_at",
]


def plain(value: Any) -> Any:
    """A datetime as ISO 8601 text (JSON and tables); anything else as it is."""
    return value.isoformat() if isinstance(value, datetime) else value


def record(row: Any, columns: Sequence[str] | None = None) -> dict[str, Any]:
    """A dataclass row as a plain dict (only ``columns`` when given)."""
    return {k: plain(v) for k, v in asdict(row).items() if columns is None or k in columns}


def match_record(row: MatchRow) -> dict[str, Any]:
    """One row of `pledgewatch matches --format json`."""
    return record(row, MATCH_COLUMNS)


def article_record(
    detail: ArticleDetail,
    explained: tuple[list[StatementScore], dict[str, bool]] | None = None,
) -> dict[str, Any]:
    """`show --format json`: the article, its matches and (``explained``) every score."""
    shown = {k: plain(v) for k, v in asdict(detail).items() if k != "matches"}
    shown["matches"] = [match_record(m) for m in detail.matches]
    if explained is not None:
        scores, verdicts = explained
        shown["scores"] = [asdict(s) | {"verdict": verdicts.get(s.statement_id)} for s in scores]
    return shown


def decided_by(score: StatementScore | None, verdict: bool | None) -> str:
    """What decides a statement's match on an article (`show --scores`, the article page)."""
    if verdict is not None:
        return f"analyst: {'yes' if verdict else 'no'}"
    if score is None:
        return "not scored (out of the seed's scope)"
    return "matched" if score.matched else "below its bar"
