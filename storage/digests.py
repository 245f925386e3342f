"""The digest archive: which days were written and sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pledgewatch.storage.models import (
    Digest,
    utcnow,
)
from sqlalchemy import select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class DigestRow:
    day: str
    matches: int
    sent_at: datetime | None
    recipients: str | None
    send_error: str | None
    attempts: int


def record_digest(session: Session, day: str, matches: int) -> DigestRow:
    """Note that a day's digest was generated; returns its state (sent or not)."""
    row = session.get(Digest, day)
    if row is None:
        row = Digest(day=day, matches=matches, attempts=0)
        session.add(row)
    row.matches = matches
    row.generated_at = utcnow()
    session.flush()
    return _digest_row(row)


def record_send(session: Session, day: str, recipients: str | None, error: str | None) -> None:
    """A send attempt: success stamps sent_at and clears the error; failure keeps it for retry."""
    row = session.get_one(Digest, day)
    row.attempts = (row.attempts or 0) + 1
    if error is None:
        row.sent_at, row.recipients, row.send_error = utcnow(), recipients, None
    else:
        row.send_error = error


def unsent_days(session: Session, since: str, before: str) -> list[str]:
    """Days in [since, before) whose digest failed to send and was not sent since."""
    return list(
        session.scalars(
            select(Digest.day)
            .where(Digest.day >= since, Digest.day < before)
            .where(Digest.sent_at.is_(None), Digest.send_error.is_not(None))
            .order_by(Digest.day)
        )
    )


def last_digest(session: Session) -> DigestRow | None:
    row = session.scalars(select(Digest).order_by(Digest.day.desc()).limit(1)).first()
    return _digest_row(row) if row else None


def list_digests(session: Session) -> list[DigestRow]:
    """Every generated digest, newest day first."""
    return [_digest_row(r) for r in session.scalars(select(Digest).order_by(Digest.day.desc()))]


def get_digest(session: Session, day: str) -> DigestRow | None:
    row = session.get(Digest, day)
    return _digest_row(row) if row else None


def _digest_row(row: Digest) -> DigestRow:
    return DigestRow(
        row.day, row.matches, row.sent_at, row.recipients, row.send_error, row.attempts or 0
    )
