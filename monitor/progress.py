"""How long work reports its progress without knowing who shows it (the CLI draws the bars).

A ``Progress`` opens one bar: ``with progress("polling feeds", total, "feed") as step:`` and
``step(n)`` when n more units are done. The library's default, ``no_progress``, shows nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

Step = Callable[[int], None]


class Progress(Protocol):
    def __call__(self, description: str, total: int, unit: str) -> AbstractContextManager[Step]: ...


@contextmanager
def no_progress(description: str, total: int, unit: str) -> Iterator[Step]:
    """Shows nothing."""
    yield lambda _done: None
