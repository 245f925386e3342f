"""The daily digest: build (queries) -> render (templates) -> deliver (files, SMTP)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pledgewatch.digest.build import DigestData, build_digest
from pledgewatch.digest.deliver import send_email, write_files
from pledgewatch.digest.render import render, subject
from pledgewatch.errors import DeliveryError
from pledgewatch.settings import Settings
from pledgewatch.statements import Seed
from pledgewatch.storage.db import Sessions
from pledgewatch.storage.digests import record_digest, record_send, unsent_days

log = logging.getLogger(__name__)
RETRY_DAYS = 7  # unsent digests older than this are not retried


@dataclass
class DigestResult:
    day: date
    matches: int
    files: list[Path] = field(default_factory=list)
    skipped_empty: bool = False
    sent: list[str] = field(default_factory=list)  # days mailed by this call
    already_sent: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def make_digest(
    settings: Settings,
    sessions: Sessions,
    seed: Seed,
    day: date,
    out_dir: Path | None = None,
    email: bool = False,
    force: bool = False,
) -> DigestResult:
    """Write one day's digest files and, with email, mail it once (plus earlier failed days)."""
    config = settings.digest
    data = build_digest(sessions, seed, day, config.timezone)
    result = DigestResult(day, data.total)
    if config.skip_empty and data.total == 0 and not force:
        result.skipped_empty = True
        return result
    contents: dict[str, str] = {fmt: render(data, fmt) for fmt in config.formats}
    result.files = write_files(out_dir or config.out_dir, day.isoformat(), contents)
    with sessions.begin() as session:
        state = record_digest(session, day.isoformat(), data.total)
        retry = unsent_days(
            session, (day - timedelta(days=RETRY_DAYS)).isoformat(), day.isoformat()
        )
    if not email:
        return result
    if state.sent_at is not None and not force:
        result.already_sent.append(day.isoformat())
    else:
        _send(settings, sessions, data, result)
    for earlier in retry:
        _send(
            settings,
            sessions,
            build_digest(sessions, seed, date.fromisoformat(earlier), config.timezone),
            result,
        )
    return result


def _send(settings: Settings, sessions: Sessions, data: DigestData, result: DigestResult) -> None:
    day = data.day.isoformat()
    try:
        send_email(settings.email, subject(data), render(data, "txt"), render(data, "html"))
        error = None
        result.sent.append(day)
    except DeliveryError as exc:
        error = str(exc)
        result.errors.append(f"digest {day} not sent: {error}")
        log.warning("digest not sent day=%s error=%s", day, error)
    with sessions.begin() as session:
        record_send(session, day, ", ".join(settings.email.to), error)
