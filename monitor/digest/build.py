"""The digest's content for one local day: queries only, nothing rendered."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pledgewatch.statements import Seed
from pledgewatch.storage.articles import article_sources, article_texts
from pledgewatch.storage.db import Sessions
from pledgewatch.storage.matches import MatchFilter, MatchRow, list_matches

CONTEXT_CHARS = 160  # of article text shown on each side of the evidence passage
CHART_DAYS = 30


@dataclass(frozen=True)
class Item:
    """One match as the digest shows it."""

    title: str
    url: str | None  # None when the stored URL is not http(s): shown, never linked
    source: str
    language: str
    published: str
    score: float
    before: str  # context before the evidence, trimmed
    passage: str  # the evidence itself: the part to spot
    after: str  # context after it, trimmed
    also: tuple[str, ...] = ()  # other feeds that carried the same story


@dataclass(frozen=True)
class Section:
    statement_id: str
    speaker: str
    text: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class DigestData:
    day: date
    timezone: str
    seed_title: str
    total: int
    previous_average: float  # matches per day over the 7 days before
    sections: tuple[Section, ...]  # statements with new coverage
    quiet: tuple[tuple[str, str], ...]  # (id, text) of statements with none
    series: dict[str, list[int]]  # statement -> matches per day, CHART_DAYS days up to `day`

    @property
    def trend(self) -> str:
        if self.previous_average == 0:
            return (
                "none in the previous 7 days"
                if self.total
                else "none in the previous 7 days either"
            )
        ratio = self.total / self.previous_average
        return f"{ratio:.1f}x the average of the previous 7 days ({self.previous_average:.1f}/day)"


def local_day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """UTC-aware start and end of a local calendar day."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start, end


def build_digest(sessions: Sessions, seed: Seed, day: date, timezone: str) -> DigestData:
    """The matches found on a local day, grouped by statement, with the 30-day series."""
    start, end = local_day_bounds(day, timezone)
    chart_start, _ = local_day_bounds(day - timedelta(days=CHART_DAYS - 1), timezone)
    zone = ZoneInfo(timezone)
    with sessions() as session:
        rows = list_matches(session, MatchFilter(found_since=start, found_until=end))
        texts = article_texts(session, {r.article_id for r in rows})
        sources = article_sources(session, {r.article_id for r in rows})
        history = list_matches(session, MatchFilter(found_since=chart_start, found_until=end))
    per_day: Counter[tuple[str, date]] = Counter(
        (r.statement_id, r.found_at.astimezone(zone).date()) for r in history
    )
    days = [day - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    series = {s.id: [per_day[(s.id, d)] for d in days] for s in seed.statements}
    previous = sum(sum(counts[-8:-1]) for counts in series.values()) / 7
    sections, quiet = [], []
    for statement in seed.statements:
        mine = sorted(
            (r for r in rows if r.statement_id == statement.id),
            key=lambda r: (-r.score, r.article_url),
        )
        if mine:
            items = tuple(
                _item(r, texts.get(r.article_id, ""), sources.get(r.article_id, [])) for r in mine
            )
            sections.append(Section(statement.id, statement.speaker, statement.text, items))
        else:
            quiet.append((statement.id, statement.text))
    return DigestData(
        day=day,
        timezone=timezone,
        seed_title=seed.title or seed.seed,
        total=len(rows),
        previous_average=previous,
        sections=tuple(sections),
        quiet=tuple(quiet),
        series=series,
    )


def _item(row: MatchRow, text: str, carried_by: list[str]) -> Item:
    before, after = _context(text, row.passage)
    return Item(
        title=row.title or row.article_url,
        url=row.article_url if urlsplit(row.article_url).scheme in ("http", "https") else None,
        source=row.source or "",
        language=row.language or "?",
        published=row.published.date().isoformat() if row.published else "",
        score=row.score,
        before=before,
        passage=row.passage,
        after=after,
        also=tuple(source for source in carried_by if source != row.source),
    )


def _context(text: str, passage: str) -> tuple[str, str]:
    """The text around the evidence, trimmed at word boundaries ('…' where cut)."""
    flat = re.sub(r"\s+", " ", text)
    at = flat.find(passage)
    if at < 0:
        return "", ""
    before = flat[max(0, at - CONTEXT_CHARS) : at]
    after = flat[at + len(passage) : at + len(passage) + CONTEXT_CHARS]
    if at > CONTEXT_CHARS:
        before = "…" + before.split(" ", 1)[-1]
    if at + len(passage) + CONTEXT_CHARS < len(flat):
        after = after.rsplit(" ", 1)[0] + "…"
    return before, after
