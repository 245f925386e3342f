"""The command group, its logging, and what every command shares: the app and clean errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from pledgewatch import __version__, dates
from pledgewatch.app import App
from pledgewatch.cli.progress import bars_of
from pledgewatch.errors import ConfigError, PledgewatchError
from pledgewatch.settings import load_settings
from pledgewatch.storage.db import missing_database_file

F = TypeVar("F", bound=Callable[..., Any])
# Found in the working directory when neither --config nor $PLEDGEWATCH_CONFIG names a file:
# `pledgewatch demo` leaves one, so that the next commands read the demo's database as printed.
LOCAL_CONFIG = Path("pledgewatch.toml")
# `run --once` finished, but some feed or page failed (everything else was processed).
EXIT_SOME_FAILED = 3


def fail_cleanly(func: F) -> F:
    """Turn Pledgewatch errors into one clear line on stderr and a non-zero exit."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            raise click.ClickException(f"configuration: {exc}") from None
        except PledgewatchError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


@click.group(
    epilog="Example: pledgewatch --config config/demo.toml run --once",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="pledgewatch")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="PLEDGEWATCH_CONFIG",
    help="TOML configuration file (default: $PLEDGEWATCH_CONFIG, else ./pledgewatch.toml when "
    "there is one, else the bundled one).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="json: one JSON object per line, for log collectors.",
)
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path | None, verbose: int, quiet: bool, log_format: str
) -> None:
    """Pledgewatch: follow-up coverage of a seed article's statements, across languages."""
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for chatty in ("httpx", "apscheduler.executors.default"):  # one line per request or job
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING))
    ctx.obj = {
        "config_path": config_path,
        "verbose": verbose,
        "quiet": quiet,
        "log_format": log_format,
    }


class JsonFormatter(logging.Formatter):
    """time, level, logger, message (and the exception) as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def config_path_of(ctx: click.Context, default_config: Path | None = None) -> Path | None:
    """--config or $PLEDGEWATCH_CONFIG, else ``default_config``, else ./pledgewatch.toml when
    present, else None (the bundled file)."""
    if ctx.obj["config_path"] is not None:
        return Path(ctx.obj["config_path"])
    if default_config is not None:
        return default_config
    return LOCAL_CONFIG if LOCAL_CONFIG.is_file() else None


def app_of(ctx: click.Context, default_config: Path | None = None, stored: bool = False) -> App:
    """The app of the configuration (see config_path_of); settings are read here, inside the
    command, so that their errors fail cleanly. ``stored``: the command reads what is stored,
    so a database that does not exist yet is an error instead of a new empty file."""
    app = App(load_settings(config_path_of(ctx, default_config)), progress=bars_of(ctx))
    if stored:
        missing = missing_database_file(app.settings.database.url)
        if missing is not None:
            raise PledgewatchError(
                f"no database at {missing} yet: fill it with `pledgewatch run --once` "
                "(the configured feeds) or `pledgewatch demo` (the offline demo)"
            )
    return app


def parse_day(value: str | None, end: bool = False, today: date | None = None) -> datetime | None:
    """A --since/--until/--date day (pledgewatch.dates.parse_day) as a usage error if bad."""
    try:
        return dates.parse_day(value, end=end, today=today)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
