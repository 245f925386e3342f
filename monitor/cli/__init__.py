"""The command line: the only place that parses arguments and prints for people.

Each command parses its options, makes one library call on the app (pledgewatch.app) and
renders the result with pledgewatch.cli.output. Commands live in modules by theme.
"""

from __future__ import annotations

# Importing the command modules registers their commands on the group.
from pledgewatch.cli import (  # noqa: F401
    digest,
    evaluate,
    feedback,
    feeds,
    query,
    run,
    statements,
    web,
)
from pledgewatch.cli.base import EXIT_SOME_FAILED, cli

__all__ = ["EXIT_SOME_FAILED", "cli", "main"]


def main() -> None:
    """The console script `pledgewatch`."""
    cli(prog_name="pledgewatch")
