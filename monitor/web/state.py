"""What the web pages share: the app, one long-lived pipeline for scores and verdicts, and the
helpers that shape stored rows for the templates."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pledgewatch.app import App
from pledgewatch.feedback import give_verdict
from pledgewatch.matching import StatementScore
from pledgewatch.pipeline import Pipeline
from pledgewatch.storage.matches import CoverageRow

log = logging.getLogger(__name__)
PERIODS = {"30d": "30 days", "2025": "2025", "all": "all"}


class WebState:
    """The app behind the web pages; the model loads on the first page that needs scores."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._lock = threading.RLock()  # one re-scoring at a time: the matcher is not shared
        self._stack = ExitStack()
        self._pipeline: Pipeline | None = None

    def pipeline(self) -> Pipeline:
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._stack.enter_context(self.app.pipeline())
            return self._pipeline

    def warm_up(self) -> None:
        """Load the model now (seconds), so the first article page does not wait for it."""
        try:
            self.pipeline()
        except Exception as exc:  # noqa: BLE001 - the article pages say so again when opened
            log.warning("the model did not load: article pages will show no scores: %s", exc)

    def explain(self, article_id: int) -> tuple[list[StatementScore], dict[str, bool]]:
        """What `show --scores` prints: every statement's score against its bar."""
        with self._lock:
            return self.pipeline().rescorer.explain(article_id)

    def verdict(self, article_id: int, statement_id: str, relevant: bool) -> list[str]:
        """Exactly `feedback mark`: stored, and the article re-scored at once."""
        with self._lock:
            return give_verdict(self.pipeline(), article_id, statement_id, relevant)

    def close(self) -> None:
        self._stack.close()


def period_bounds(
    period: str, today: date | None = None
) -> tuple[datetime | None, datetime | None]:
    """The publication dates a dashboard period covers: [since, until)."""
    today = today or datetime.now(UTC).date()
    if period == "30d":
        return datetime.combine(today - timedelta(days=30), datetime.min.time(), UTC), None
    if period == "2025":
        return datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    return None, None


def chart_span(
    rows: Iterable[CoverageRow], since: datetime | None, until: datetime | None
) -> tuple[date, date]:
    """The months a chart shows: the period's, else from the first to the last coverage."""
    months = sorted({r.month for r in rows})
    today = datetime.now(UTC).date()
    start = since.date() if since else _month_start(months[0]) if months else today
    end = (
        (until - timedelta(days=1)).date()
        if until
        else _month_start(months[-1])
        if months
        else today
    )
    if since and not until:
        end = today
    return start, max(start, end)


def _month_start(month: str) -> date:
    year, number = month.split("-")
    return date(int(year), int(number), 1)


@dataclass(frozen=True)
class Evidence:
    """The passage in its context within the article's text."""

    before: str
    passage: str
    after: str


_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


def locate(text: str, passage: str) -> tuple[int, int] | None:
    """Where the passage stands in the text: as it is, else from its first to its last
    sentence (a passage may join the title and the first sentence with '. ')."""
    if not passage:
        return None
    at = text.find(passage)
    if at >= 0:
        return at, at + len(passage)
    pieces = [p.rstrip(".") for p in _SENTENCE_END.split(passage) if p.strip()]
    first, last = text.find(pieces[0]), text.rfind(pieces[-1])
    if first < 0 or last < first or last + len(pieces[-1]) - first > len(passage) + 40:
        return None
    return first, last + len(pieces[-1])


def evidence_in_context(text: str | None, passage: str, width: int = 160) -> Evidence:
    """Up to ``width`` characters either side of the passage (the passage alone if not found)."""
    text = text or ""
    found = locate(text, passage)
    if found is None:
        return Evidence("", passage, "")
    at, end = found
    start = max(0, at - width)
    before = ("…" if start else "") + text[start:at]
    after = text[end : end + width] + ("…" if end + width < len(text) else "")
    return Evidence(before, text[at:end], after)


@dataclass(frozen=True)
class Segment:
    """A piece of an article's text and the statements whose matched passage covers it."""

    text: str
    statement_ids: tuple[str, ...] = ()


def marked_segments(text: str, passages: Iterable[tuple[str, str]]) -> list[Segment]:
    """The text cut where matched passages start and end, each piece with the statements
    whose passage covers it (passages of several statements may overlap)."""
    spans = []
    for statement_id, passage in passages:
        found = locate(text, passage)
        if found is not None:
            spans.append((*found, statement_id))
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    return [
        Segment(text[a:b], tuple(sid for s, e, sid in spans if s <= a and b <= e))
        for a, b in zip(cuts, cuts[1:], strict=False)
        if b > a
    ]
