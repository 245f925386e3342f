"""Stopping the daemon's scheduler from a signal handler."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from pledgewatch.scheduler import shut_down_soon


class _StopInsideTheLoop(IntervalTrigger):
    """Calls ``stop`` where a signal can land: in the job loop, after a job was submitted and
    before the job store is updated (the loop asks the trigger for the next run in between)."""

    def __init__(self, stop: Callable[[], None]) -> None:
        super().__init__(seconds=0.05)
        self.stop = stop

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is not None:  # None: scheduling at start, not the loop
            self.stop()
        return super().get_next_fire_time(previous_fire_time, now)


def test_a_stop_that_lands_inside_the_job_loop_ends_the_scheduler_cleanly() -> None:
    """SIGTERM's handler runs on the main thread, possibly inside the scheduler's job loop:
    stopping must wait for the loop rather than empty the job store under it (the daemon
    used to exit 1 with JobLookupError)."""
    scheduler = BlockingScheduler(timezone=UTC)
    ran = threading.Event()
    scheduler.add_job(ran.set, _StopInsideTheLoop(lambda: shut_down_soon(scheduler)), id="poll")
    scheduler.start()  # returns once shut down (raised JobLookupError before)
    assert ran.wait(5)
    assert scheduler.state == STATE_STOPPED
    shut_down_soon(scheduler)  # a second signal is harmless
