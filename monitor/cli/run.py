"""Commands that run the pipeline: run (once, or the daemon), rescore, demo."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
from pledgewatch.app import App
from pledgewatch.cli import output
from pledgewatch.cli.base import (
    EXIT_SOME_FAILED,
    LOCAL_CONFIG,
    app_of,
    cli,
    config_path_of,
    fail_cleanly,
)
from pledgewatch.cli.progress import bars_of
from pledgewatch.config import DEMO_CONFIG
from pledgewatch.errors import ConfigError, PledgewatchError
from pledgewatch.pipeline import RunSummary
from pledgewatch.progress import no_progress
from pledgewatch.settings import FeedSettings, load_settings
from pledgewatch.statements import require_statement
from pledgewatch.storage.db import absolute_database_url, daemon_lock
from pledgewatch.storage.matches import list_matches
from pledgewatch.storage.runs import count_rows

# What `demo` leaves in the working directory (found there by every command: cli/base.py).
LOCAL_CONFIG_TEXT = """\
# Written by `pledgewatch demo`: commands run in this directory read the demo's database.
# Delete this file, or pass --config FILE, to use another configuration.
[database]
url = {url}
"""


@cli.command()
@click.option("--once", is_flag=True, help="Poll every feed once, process new articles, exit.")
@click.option(
    "--metrics-port", type=click.IntRange(1, 65535), help="Serve Prometheus /metrics here."
)
@click.pass_context
@fail_cleanly
def run(ctx: click.Context, once: bool, metrics_port: int | None) -> None:
    """Poll the feeds and store matches (a daemon unless --once).

    Exit status of --once: 0 when every feed and page was processed; 3 when some feed or page
    failed (the rest was still processed; `pledgewatch runs` lists each failure); 1 when
    nothing could run (configuration, database).

    Example: pledgewatch --config my.toml run --once
    """
    app = app_of(ctx)
    settings = app.settings
    if once:
        if not settings.feeds:
            raise ConfigError(f"{settings.source}: no [[feeds]] configured")
        with app.pipeline() as pipeline:
            summary = pipeline.run_once()
        as_json = ctx.obj["log_format"] == "json"  # failures go to the collector, once each
        output.print_summary(summary, errors=not as_json)
        if as_json:
            _log_failures(summary)
        if summary.failed:
            ctx.exit(EXIT_SOME_FAILED)
        return
    from pledgewatch.scheduler import Daemon, stop_cleanly_during_start_up

    if not ctx.obj["verbose"]:
        logging.getLogger().setLevel(logging.INFO)  # a daemon says what it does
    app.progress = no_progress  # its log says what each poll did
    on_run = _log_summary
    if metrics_port:
        from pledgewatch import metrics

        metrics.serve(metrics_port)

        def on_run(summary: RunSummary) -> None:
            _log_summary(summary)
            metrics.record(summary)

    with stop_cleanly_during_start_up() as checkpoint:
        logging.getLogger("pledgewatch.daemon").info(
            "daemon starting model=%s", settings.matching.model
        )
        with app.pipeline() as pipeline, daemon_lock(settings.database.url) as alone:
            Daemon(settings, pipeline, app.seed, on_run=on_run).run(alone, checkpoint)


def _log_failures(summary: RunSummary) -> None:
    """Each failure of a run as one warning: the daemon's log, and JSON log collectors."""
    for error in summary.errors:
        where, _, what = error.partition(" ")
        logging.getLogger("pledgewatch.run").warning("%s failed: %s", where, what)


def _log_summary(summary: RunSummary) -> None:
    _log_failures(summary)
    logging.getLogger("pledgewatch.daemon").info(
        "polled feeds=%s failed=%s entries=%s articles=%s matches=%s seconds=%.1f",
        summary.feeds_polled,
        summary.feeds_failed,
        summary.entries_seen,
        summary.articles_new,
        summary.matches_new,
        summary.seconds,
    )


@cli.command()
@click.option("--statement", help="Only this statement id (e.g. one just added).")
@click.option("--quiet", is_flag=True, help="No progress bar (as the global --quiet).")
@click.pass_context
@fail_cleanly
def rescore(ctx: click.Context, statement: str | None, quiet: bool) -> None:
    """Recompute matches over stored articles after statements, threshold or model change.

    Nothing is fetched again; stored passage vectors are reused when the model is unchanged.
    Example: pledgewatch rescore --statement energy-supplier
    """
    app = app_of(ctx, stored=True)
    if quiet:
        app.progress = no_progress
    if statement is not None:
        require_statement(app.seeds, statement)
    with app.pipeline() as pipeline:
        pipeline.sync()  # a statement new to the seed must exist in the database
        with app.sessions() as session:
            total = count_rows(session)["articles"]
        with app.progress("rescoring stored articles", total, "article") as step:
            summary = pipeline.rescorer.rescore(statement, on_batch=step)
    output.print_rescore(summary)


@cli.command()
@click.option("--top", default=3, show_default=True, help="Matches shown per statement.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Serve the demo feeds on this 127.0.0.1 port (0: a free one).",
)
@click.pass_context
@fail_cleanly
def demo(ctx: click.Context, top: int, port: int) -> None:
    """Serve the bundled demo corpus on 127.0.0.1, poll it once and show the top matches.

    Uses config/demo.toml unless --config is given, and then leaves ./pledgewatch.toml pointing
    at the demo's database (an existing different file is kept), so that the commands it
    prints next read that database. Example: pledgewatch demo --top 2 --port 8765
    """
    from pledgewatch.demo.server import DemoServer

    config = config_path_of(ctx, DEMO_CONFIG)
    settings = load_settings(config)
    if any(urlsplit(f.url).hostname != "127.0.0.1" for f in settings.feeds):
        raise ConfigError(f"{settings.source}: demo feeds must be on 127.0.0.1")
    try:
        server = DemoServer(port=port)
    except OSError as exc:
        raise PledgewatchError(
            f"cannot serve the demo corpus on 127.0.0.1:{port}: {exc.strerror or exc} "
            "(choose another --port, or 0 for a free one)"
        ) from None
    app = App(
        settings.model_copy(update={"feeds": _on_port(settings.feeds, server.port)}),
        progress=bars_of(ctx),
    )
    with server, app.pipeline() as pipeline:
        output.print_summary(pipeline.run_once())
        with app.sessions() as session:
            rows = list_matches(session)
    click.echo(f"\nTop matches per statement (database: {app.settings.database.url}):")
    for statement in app.seed.statements:
        mine = [r for r in rows if r.statement_id == statement.id][:top]
        click.echo(f"\n{statement.id} — {len(mine) and 'top ' + str(len(mine)) or 'no match'}")
        for r in mine:
            click.echo(f"  {r.score:.3f} [{r.language}] {r.source}: {r.title} (id {r.article_id})")
            click.echo(f"        « {output.clip(r.passage, 160)} »")
    prefix = _next_prefix(ctx, app.settings.database.url)
    best = max(rows, key=lambda r: r.score, default=None)
    click.echo("\nNext:")
    for command in (
        "matches --limit 10",
        f"show {best.article_id if best else 'ID'} --scores",
        "status",
        "serve     # then open http://127.0.0.1:8080",
    ):
        click.echo(f"  {prefix}{command}")


def _on_port(feeds: tuple[FeedSettings, ...], port: int) -> tuple[FeedSettings, ...]:
    """The demo feeds at the port the demo server got."""
    return tuple(
        f.model_copy(update={"url": urlsplit(f.url)._replace(netloc=f"127.0.0.1:{port}").geturl()})
        for f in feeds
    )


def _next_prefix(ctx: click.Context, database_url: str) -> str:
    """How the next commands reach the demo's database: through ./pledgewatch.toml (written
    here unless a different one exists), else through --config."""
    program = _program()
    if ctx.obj["config_path"] is not None:
        source = ctx.parent.get_parameter_source("config_path") if ctx.parent else None
        if source == click.core.ParameterSource.ENVIRONMENT:
            return f"{program} "
        return f"{program} --config {ctx.obj['config_path']} "
    wanted = LOCAL_CONFIG_TEXT.format(url=json.dumps(absolute_database_url(database_url)))
    try:
        existing = LOCAL_CONFIG.read_text(encoding="utf-8")
    except FileNotFoundError:
        LOCAL_CONFIG.write_text(wanted, encoding="utf-8")
        click.echo(f"\nwrote ./{LOCAL_CONFIG}: commands run here read the demo database")
        return f"{program} "
    if existing == wanted:
        return f"{program} "
    click.echo(
        f"\n./{LOCAL_CONFIG} exists and is not the demo's: left as it is; the commands below "
        "name the demo's configuration"
    )
    return f"{program} --config {DEMO_CONFIG} "


def _program() -> str:
    """How the user ran pledgewatch: `pledgewatch` when that is on the PATH, else its path
    (`.venv/bin/pledgewatch` after `make demo`)."""
    run_as = Path(sys.argv[0])
    if run_as.name != "pledgewatch":
        return "pledgewatch"
    on_path = shutil.which("pledgewatch")
    if on_path and Path(on_path).resolve() == run_as.resolve():
        return "pledgewatch"
    return os.path.relpath(run_as) if not run_as.is_absolute() else str(run_as)
