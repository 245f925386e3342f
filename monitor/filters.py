"""Match filters as people give them — `pledgewatch matches` options, the web's query strings —
read the same way into one MatchFilter, so the CLI, the pages and the API agree."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pledgewatch.dates import parse_day
from pledgewatch.errors import PledgewatchError
from pledgewatch.storage.matches import MatchFilter

SORTS = ("statement", "score", "date")


class FilterError(PledgewatchError):
    """A filter value that means nothing; the message names the filter."""


def match_filter(
    values: Mapping[str, Any], *, sort: str = "statement", max_limit: int | None = None
) -> MatchFilter:
    """The MatchFilter of ``values``: statement, seed, since, until (inclusive day), min_score,
    source, language, text (title or passage), q (also the article's text), sort, limit,
    offset. Missing or empty values filter nothing; ``sort`` is the default order."""

    def given(name: str) -> str | None:
        value = values.get(name)
        return str(value).strip() or None if value is not None else None

    def read(name: str, parse: Callable[[str], Any]) -> Any:
        value = given(name)
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            raise FilterError(f"{name}: {exc}") from None

    order = given("sort") or sort
    if order not in SORTS:
        raise FilterError(f"sort: {order!r} is not one of {', '.join(SORTS)}")
    return MatchFilter(
        statement=given("statement"),
        seed=given("seed"),
        since=read("since", parse_day),
        until=read("until", lambda v: parse_day(v, end=True)),
        min_score=read("min_score", _score),
        source=given("source"),
        language=given("language"),
        text=given("text"),
        full_text=given("q"),
        sort=order,
        limit=read("limit", lambda v: _count(v, 1, max_limit)),
        offset=read("offset", lambda v: _count(v, 0, None)) or 0,
    )


def _score(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def _count(value: str, low: int, high: int | None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None
    if number < low or (high is not None and number > high):
        upper = f" and at most {high:,}" if high is not None else ""
        raise ValueError(f"{number} must be at least {low}{upper}")
    return number
