"""APScheduler wiring only: the poll job calls the pipeline on an interval."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

from monitor.config import Settings
from monitor.errors import PledgewatchError
from monitor.pipeline import Pipeline, RunSummary

log = logging.getLogger(__name__)


def run_daemon(
    settings: Settings, pipeline: Pipeline, on_run: Callable[[RunSummary], None]
) -> None:
    """Poll every feed now and then every schedule.interval_minutes until SIGTERM/SIGINT."""
    scheduler = BlockingScheduler(timezone=UTC)

    def poll() -> None:
        try:
            on_run(pipeline.run_once())
        except PledgewatchError as exc:  # recorded and retried next time; never stops the daemon
            log.error("poll failed error=%s", exc)

    scheduler.add_job(
        poll,
        "interval",
        minutes=settings.schedule.interval_minutes,
        next_run_time=datetime.now(UTC),
        max_instances=1,  # a slow poll is never overlapped by the next one
        coalesce=True,
        id="poll",
    )

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping signal=%s", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
