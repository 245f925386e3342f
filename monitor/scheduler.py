"""The daemon: APScheduler jobs that claim due feeds and the daily digest from the database.

Due times and leases live in the database, so a restart picks up where it left off and any
number of workers can share one PostgreSQL database (a feed is leased to one worker at a time).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from pledgewatch.errors import PledgewatchError
from pledgewatch.health import next_delay
from pledgewatch.pipeline import Pipeline, RunSummary
from pledgewatch.settings import Settings
from pledgewatch.statements import Seed
from pledgewatch.storage import schedule
from pledgewatch.storage.digests import get_digest
from pledgewatch.storage.feeds import FeedRef

log = logging.getLogger(__name__)
DIGEST_LEASE_SECONDS = 900


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def last_due_digest_day(now: datetime, timezone: str, at: str) -> date:
    """The most recent day whose digest is due: yesterday once today's digest time has passed."""
    local = now.astimezone(ZoneInfo(timezone))
    hour, minute = (int(part) for part in at.split(":"))
    passed = local.time() >= clock(hour, minute)
    return local.date() - timedelta(days=1 if passed else 2)


def shut_down_soon(scheduler: BaseScheduler) -> None:
    """Shut the scheduler down from another thread, once its job loop lets go of its job stores.

    A signal handler runs on the main thread, which may be inside the scheduler's job loop: the
    loop holds its (re-entrant) job-store lock, so shutting down there emptied the job store
    under it (JobLookupError, the daemon exiting 1 on SIGTERM). Another thread waits for the lock.
    """

    def shut_down() -> None:
        with contextlib.suppress(SchedulerNotRunningError):  # a second signal
            scheduler.shutdown(wait=False)

    threading.Thread(target=shut_down, name="scheduler-shutdown").start()


class StoppedDuringStartUp(Exception):
    """A SIGTERM/SIGINT before the scheduler ran: nothing polled yet, nothing to finish."""


@contextlib.contextmanager
def stop_cleanly_during_start_up() -> Iterator[Callable[[], None]]:
    """Until Daemon.run sets its own handlers, a signal ends start-up (model loading, the feed
    sync) at once with exit status 0 and a log line, not by the signal's default action (status
    143, nothing logged): an orchestrator stopping a daemon that is still starting sees a clean
    stop. A transaction it interrupts rolls back.

    Yields a checkpoint for the end of start-up: a signal that lands while Python runs a
    finaliser or a weakref callback (SQLAlchemy has them) has its exception printed and dropped
    there, so the checkpoint raises it again before the scheduler can start.
    """
    received: list[int] = []

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the clean-up
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        received.append(signum)
        raise StoppedDuringStartUp(signum)

    def checkpoint() -> None:
        if received:
            raise StoppedDuringStartUp(received[0])

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    try:
        yield checkpoint
    except StoppedDuringStartUp as exc:
        log.info("daemon stopped during start-up signal=%s", exc.args[0])


class Daemon:
    """Polls due feeds, keeps its leases alive, makes the daily digest once per cluster."""

    def __init__(
        self,
        settings: Settings,
        pipeline: Pipeline,
        seed: Seed,
        on_run: Callable[[RunSummary], None],
        worker_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.sessions = pipeline.sessions
        self.seed = seed
        self.on_run = on_run
        self.worker_id = worker_id or new_worker_id()
        self.scheduler = BlockingScheduler(timezone=UTC)

    def run(
        self, alone: bool = False, start_up_checkpoint: Callable[[], None] | None = None
    ) -> None:
        """Until SIGTERM/SIGINT; returns after the article in hand is stored (or not at all).

        alone: no other daemon can share this database (SQLite's file lock), so leases left by
        a daemon that was killed are released now rather than at their expiry.
        start_up_checkpoint: stop_cleanly_during_start_up's, called before the daemon's own
        signal handlers replace its handlers."""
        self.pipeline.sync()
        try:
            self._register(alone)
            self._add_jobs()
            if start_up_checkpoint is not None:
                start_up_checkpoint()
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
            log.info("daemon started worker=%s", self.worker_id)
            self.scheduler.start()
        finally:  # also when a start-up signal (stop_cleanly_during_start_up) cut in
            with self.sessions.begin() as session:
                schedule.release_leases(session, self.worker_id)
                schedule.stop_worker(session, self.worker_id)
            log.info("daemon stopped worker=%s", self.worker_id)

    def _register(self, alone: bool) -> None:
        with self.sessions.begin() as session:
            if alone:
                schedule.release_leases(session, owner=None)
            schedule.register_worker(session, self.worker_id, socket.gethostname(), os.getpid())

    def _add_jobs(self) -> None:
        config = self.settings.schedule
        now = datetime.now(UTC)
        self.scheduler.add_job(
            self.poll_due,
            "interval",
            seconds=config.tick_seconds,
            next_run_time=now,
            max_instances=1,
            coalesce=True,
            id="poll",
        )
        self.scheduler.add_job(
            self.heartbeat,
            "interval",
            seconds=config.heartbeat_seconds,
            max_instances=1,
            coalesce=True,
            id="heartbeat",
        )
        hour, minute = self.settings.digest.time.split(":")
        self.scheduler.add_job(
            self.digest_due,
            CronTrigger(hour=int(hour), minute=int(minute), timezone=self.settings.digest.timezone),
            next_run_time=now,  # and once at start: a digest missed while down runs now
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            id="digest",
        )

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        log.info("stopping signal=%s worker=%s", signum, self.worker_id)
        self.pipeline.stopping.set()
        shut_down_soon(self.scheduler)

    def poll_due(self) -> None:
        """Claim the due feeds, poll them, set their next due time with jitter."""
        config = self.settings.schedule
        if self.pipeline.stopping.is_set():
            # A signal that came between setting the handlers and the scheduler's start found
            # no scheduler to shut down: shut it down now (this job runs every tick).
            shut_down_soon(self.scheduler)
        while not self.pipeline.stopping.is_set():
            now = datetime.now(UTC)
            with self.sessions.begin() as session:
                due = schedule.claim_due_feeds(
                    session, self.worker_id, now, config.lease_seconds, config.batch
                )
            if not due:
                return
            summary = RunSummary()
            try:
                summary = self.pipeline.poll_feeds([FeedRef(f.id, f.url, f.name) for f in due])
                self.on_run(summary)
            except PledgewatchError as exc:  # recorded; the feeds come due again
                log.error("poll failed worker=%s error=%s", self.worker_id, exc)
            with self.sessions.begin() as session:
                errors = schedule.error_counts(session, [feed.id for feed in due])
                for feed in due:
                    delay = next_delay(
                        feed.interval_minutes or config.interval_minutes,
                        errors.get(feed.id, 0),
                        summary.retry_after.get(feed.id),
                        config.jitter,
                        config.max_backoff_minutes,
                    )
                    next_poll = datetime.now(UTC) + delay
                    schedule.finish_poll(session, feed.id, self.worker_id, next_poll)

    def heartbeat(self) -> None:
        until = datetime.now(UTC) + timedelta(seconds=self.settings.schedule.lease_seconds)
        with self.sessions.begin() as session:
            schedule.heartbeat(session, self.worker_id)
            schedule.renew_leases(session, self.worker_id, until)

    def digest_due(self) -> None:
        """Make the last due digest if no worker has made it yet (mailed when email is set)."""
        from pledgewatch.digest import make_digest

        digest = self.settings.digest
        day = last_due_digest_day(datetime.now(UTC), digest.timezone, digest.time)
        name = f"digest:{day.isoformat()}"
        with self.sessions.begin() as session:
            if get_digest(session, day.isoformat()) is not None:
                return
            if not schedule.claim_lease(
                session, name, self.worker_id, datetime.now(UTC), DIGEST_LEASE_SECONDS
            ):
                return
        try:
            result = make_digest(
                self.settings, self.sessions, self.seed, day, email=bool(self.settings.email.host)
            )
            log.info(
                "digest day=%s matches=%s sent=%s errors=%s",
                day,
                result.matches,
                result.sent,
                result.errors,
            )
        except PledgewatchError as exc:
            log.error("digest failed day=%s error=%s", day, exc)
        finally:
            with self.sessions.begin() as session:
                schedule.release_lease(session, name, self.worker_id)
