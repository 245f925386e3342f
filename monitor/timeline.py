"""Matching articles counted per period (day, ISO week or month) and per statement."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pledgewatch import charts

if TYPE_CHECKING:  # a type only: this module reads rows, never the database
    from pledgewatch.storage.matches import MatchRow


@dataclass(frozen=True)
class Timeline:
    """Distinct articles per period and statement, and per period over all statements."""

    by: str  # day, week or month
    periods: list[str]
    statements: list[str]
    counts: dict[str, dict[str, int]]  # period -> statement -> articles (absent: none)
    articles: dict[str, int]  # period -> articles matching any statement

    def records(self) -> list[dict[str, Any]]:
        """One row per period: its label, each statement's count and the articles'."""
        return [
            {
                self.by: p,
                **{sid: self.counts[p].get(sid, 0) for sid in self.statements},
                "articles": self.articles[p],
            }
            for p in self.periods
        ]

    def save_chart(self, path: Path) -> None:
        """Stacked bars on a continuous axis (empty periods keep their place), one colour per
        statement (.png or .svg). Each bar counts one statement's articles, so a stack counts
        article–statement pairs: an article matching two statements is in two bars."""
        periods = every_period(self.periods[0], self.periods[-1], self.by) if self.periods else []
        series = {
            sid: [self.counts.get(p, {}).get(sid, 0) for p in periods] for sid in self.statements
        }
        figure = charts.stacked_bars(
            periods,
            series,
            f"Matching articles per {self.by} and statement",
            "article–statement pairs",
        )
        charts.save(figure, path)


def count_by_period(rows: Iterable[MatchRow], by: str) -> Timeline:
    """Each match counted in the period of its article's publication (else when it was found);
    an article with several matches of one statement counts once."""
    rows = list(rows)
    seen: dict[str, dict[str, set[int]]] = {}
    for row in rows:
        when = row.published or row.found_at
        seen.setdefault(period(when, by), {}).setdefault(row.statement_id, set()).add(
            row.article_id
        )
    periods = sorted(seen)
    return Timeline(
        by=by,
        periods=periods,
        statements=sorted({r.statement_id for r in rows}),
        counts={p: {sid: len(ids) for sid, ids in seen[p].items()} for p in periods},
        articles={p: len(set().union(*seen[p].values())) for p in periods},
    )


def period(when: datetime, by: str) -> str:
    """'2025-05-09' (day), '2025-W19' (ISO week) or '2025-05' (month)."""
    if by == "day":
        return when.date().isoformat()
    if by == "week":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    return when.strftime("%Y-%m")


def every_period(first: str, last: str, by: str) -> list[str]:
    """Every period label from first to last inclusive, the empty ones too."""
    if by == "month":
        start = date.fromisoformat(f"{first}-01")
        end = date.fromisoformat(f"{last}-01")
        return charts.months_between(start, end)
    if by == "week":
        start = date.fromisocalendar(int(first[:4]), int(first[6:]), 1)
        end = date.fromisocalendar(int(last[:4]), int(last[6:]), 1)
        step = timedelta(days=7)
    else:
        start, end, step = date.fromisoformat(first), date.fromisoformat(last), timedelta(days=1)
    labels = []
    while start <= end:
        labels.append(period(datetime(start.year, start.month, start.day), by))
        start += step
    return labels
