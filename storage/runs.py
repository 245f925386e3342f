"""Runs: what each poll of the feeds did, for `pledgewatch runs` and `status`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pledgewatch.storage.models import (
    Article,
    Digest,
    Feed,
    Match,
    PassageVectors,
    Run,
    Sighting,
    Statement,
    utcnow,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session


def start_run(session: Session) -> int:
    run = Run()
    session.add(run)
    session.flush()
    return run.id


def finish_run(session: Session, run_id: int, errors: Sequence[str], **counts: int) -> None:
    run = session.get_one(Run, run_id)
    for key, value in counts.items():
        setattr(run, key, value)
    run.errors = "\n".join(errors) or None
    run.finished_at = utcnow()


@dataclass(frozen=True)
class RunRow:
    id: int
    started_at: datetime
    finished_at: datetime | None
    feeds_polled: int
    feeds_failed: int
    entries_seen: int
    articles_new: int
    duplicates: int
    upgraded: int
    entries_failed: int
    entries_skipped: int
    pages_failed: int
    matches_new: int
    errors: list[str]


def list_runs(session: Session, limit: int = 20) -> list[RunRow]:
    """The newest runs first, each with what became of its entries and its errors."""
    runs = session.scalars(select(Run).order_by(Run.id.desc()).limit(limit))
    return [
        RunRow(
            r.id,
            r.started_at,
            r.finished_at,
            r.feeds_polled,
            r.feeds_failed,
            r.entries_seen,
            r.articles_new,
            r.duplicates,
            r.upgraded,
            r.entries_failed,
            r.entries_skipped,
            r.pages_failed,
            r.matches_new,
            (r.errors or "").splitlines(),
        )
        for r in runs
    ]


def count_rows(session: Session) -> dict[str, int]:
    """Rows per table: for summaries and for tests that check nothing was duplicated."""
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Feed, Article, Sighting, Statement, Match, PassageVectors, Digest, Run)
    }
