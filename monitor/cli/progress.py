"""Progress bars on stderr (tqdm) for the long steps of a command.

Shown when stderr is a terminal, or always with PLEDGEWATCH_PROGRESS=1 (logs of a CI job, a
terminal multiplexer that tqdm does not recognise); never with --quiet.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from pledgewatch.progress import Progress, Step, no_progress

FORCE_ENV = "PLEDGEWATCH_PROGRESS"


def bars_of(ctx: click.Context) -> Progress:
    """The progress of this command's options: bars, or none with --quiet."""
    if ctx.find_root().obj["quiet"]:
        return no_progress
    return bars


@contextmanager
def bars(description: str, total: int, unit: str) -> Iterator[Step]:
    """One tqdm bar on stderr; tqdm's own rule (disable=None) hides it off a terminal."""
    from tqdm import tqdm

    forced = os.environ.get(FORCE_ENV) == "1"
    with tqdm(
        total=total,
        desc=description,
        unit=unit,
        file=sys.stderr,
        disable=False if forced else None,
        leave=True,  # the finished bar stays: what was done, in how long
    ) as bar:
        yield bar.update
