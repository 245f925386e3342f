"""One typed, validated, immutable Settings object from a TOML file and PLEDGEWATCH_* variables."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pledgewatch.config import DEFAULT_CONFIG
from pledgewatch.errors import ConfigError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

BUNDLED_MODEL = "use-multilingual-v3"
DEFAULT_THRESHOLD = 0.2615  # the decision's probability cut, calibrated on dev (eval --calibrate)
CONFIG_ENV = "PLEDGEWATCH_CONFIG"
# Secrets and deployment-specific values come from the environment, never from files in the repo.
ENV_OVERRIDES = {
    "PLEDGEWATCH_DATABASE_URL": ("database", "url"),
    "PLEDGEWATCH_SMTP_PASSWORD": ("email", "password"),
}


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http(s) URL with a host, got {value!r}")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {value!r} (use an IANA name like Europe/Paris)"
        ) from None
    return value


Timezone = Annotated[str, AfterValidator(_timezone)]  # an IANA name


def check_feed_url(url: str) -> None:
    """ConfigError unless the URL is one a feed can have (http or https, with a host)."""
    try:
        _http_url(url)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = Field(default_factory=lambda: default_database_url())


class FeedSettings(_Section):
    url: HttpUrl
    name: str | None = None
    interval_minutes: float | None = Field(default=None, gt=0)
    # The zone of the feed's dates that name none ("2018-09-18 14:38:10"); stored in UTC.
    timezone: Timezone = "UTC"


class FetchSettings(_Section):
    allow_private_addresses: bool = False
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=20.0, gt=0)
    max_bytes: int = Field(default=10_000_000, gt=0)
    max_redirects: int = Field(default=5, ge=0)
    user_agent: str = "Pledgewatch/{version} (+https://github.com/pledgewatch/pledgewatch)"
    concurrency: int = Field(default=8, ge=1, le=64)
    per_host_concurrency: int = Field(default=2, ge=1)  # requests in flight to one host
    per_host_delay_seconds: float = Field(default=0.5, ge=0)  # between two starts on one host
    # Feeds polled at once: one feed's network waits overlap another's extraction (they still
    # store one at a time). 1 polls and stores them in the configured order.
    feed_concurrency: int = Field(default=4, ge=1, le=32)


class MatchingSettings(_Section):
    model: str = BUNDLED_MODEL
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    threshold: float = Field(default=DEFAULT_THRESHOLD, ge=-1, le=1)
    # One statements file, or several (one seed each, followed side by side); none: the bundled
    # statements of the Putin-Xi seed.
    statements: Path | tuple[Path, ...] | None = None
    batch_size: int = Field(default=64, ge=1)
    # Judge feed entries before fetching their pages (Matcher.worth_fetching): an entry that
    # names no scope term, or only some groups and reads unlike the statements, is stored from
    # the feed text alone.
    gate_entries: bool = True
    # The labelled examples' passage vectors, kept between runs (monitor/vector_cache.py):
    # only the first command encodes them.
    # Unwritable: encoded every run.
    cache_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("pledgewatch"))
    )


class DigestSettings(_Section):
    timezone: Timezone = "UTC"  # the digest day is local here
    time: str = Field(default="07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # daemon's run time
    out_dir: Path = Path("digests")
    formats: tuple[Literal["html", "md", "txt"], ...] = ("html", "md", "txt")
    skip_empty: bool = False


class EmailSettings(_Section):
    host: str | None = None  # no host: email is not configured
    port: int = Field(default=587, gt=0, lt=65536)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: str | None = None  # only from PLEDGEWATCH_SMTP_PASSWORD, never from the file
    sender: str = Field(default="pledgewatch@localhost", alias="from")
    to: tuple[str, ...] = ()
    timeout: float = Field(default=30.0, gt=0)
    ca_file: Path | None = None  # trust this CA too (an internal mail server's)


class ScheduleSettings(_Section):
    interval_minutes: float = Field(default=30.0, gt=0)  # per feed; [[feeds]] can override
    jitter: float = Field(default=0.1, ge=0, lt=1)  # next poll at interval x (1 +/- jitter)
    tick_seconds: float = Field(default=5.0, gt=0)  # how often a worker looks for due feeds
    batch: int = Field(default=10, ge=1)  # feeds claimed per tick
    lease_seconds: float = Field(default=600.0, gt=0)  # a dead worker's feeds return after this
    heartbeat_seconds: float = Field(default=10.0, gt=0)
    pause_after_failures: int = Field(default=10, ge=1)  # in a row; `feeds resume` undoes it
    max_backoff_minutes: float = Field(default=24 * 60, gt=0)  # failing feeds wait up to this


class Settings(_Section):
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    feeds: tuple[FeedSettings, ...] = ()
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    source: Path | None = None  # the file these settings came from


def default_database_url() -> str:
    """A SQLite file in the user's data directory."""
    path = Path(platformdirs.user_data_dir("pledgewatch")) / "pledgewatch.db"
    return f"sqlite:///{path}"


def default_config_path() -> Path:
    """The bundled config/pledgewatch.toml (real public feeds)."""
    return DEFAULT_CONFIG


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read, override from the environment and validate; raise ConfigError naming the bad key."""
    env = os.environ if env is None else env
    if path is None and env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV])
    path = path or default_config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    if "password" in raw.get("email", {}):
        raise ConfigError(f"{path}: email.password: set PLEDGEWATCH_SMTP_PASSWORD instead")
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            raw.setdefault(section, {})[key] = env[var]
    raw["source"] = str(path)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: " + _describe(exc)) from None
    return _resolve_paths(settings, path.parent)


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        problems.append(f"{key}: {message}")
    return "; ".join(problems)


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    """Relative statements and cache paths are relative to the config file, not to the working
    directory."""
    matching = settings.matching
    if isinstance(matching.statements, tuple):
        matching = matching.model_copy(
            update={"statements": tuple(base / path for path in matching.statements)}
        )
    elif matching.statements is not None:
        matching = matching.model_copy(update={"statements": base / matching.statements})
    cache_dir = matching.cache_dir.expanduser()
    matching = matching.model_copy(update={"cache_dir": base / cache_dir})  # absolute: itself
    return settings.model_copy(update={"matching": matching})
