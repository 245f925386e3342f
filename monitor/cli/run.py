"""Commands that run the pipeline: run (once, or the daemon), rescore, demo."""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit

import click
from pledgewatch.cli import output
from pledgewatch.cli.base import EXIT_SOME_FAILED, app_of, cli, fail_cleanly
from pledgewatch.config import DEMO_CONFIG
from pledgewatch.errors import ConfigError, PledgewatchError
from pledgewatch.pipeline import RunSummary
from pledgewatch.statements import require_statement
from pledgewatch.storage.db import daemon_lock
from pledgewatch.storage.matches import list_matches
from pledgewatch.storage.runs import count_rows


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
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
@fail_cleanly
def rescore(ctx: click.Context, statement: str | None, quiet: bool) -> None:
    """Recompute matches over stored articles after statements, threshold or model change.

    Nothing is fetched again; stored passage vectors are reused when the model is unchanged.
    Example: pledgewatch rescore --statement energy-supplier
    """
    from tqdm import tqdm

    app = app_of(ctx)
    if statement is not None:
        require_statement(app.seeds, statement)
    with app.pipeline() as pipeline:
        pipeline.sync()  # a statement new to the seed must exist in the database
        with app.sessions() as session:
            total = count_rows(session)["articles"]
        with tqdm(total=total, unit="article", disable=quiet, file=sys.stderr) as bar:
            summary = pipeline.rescorer.rescore(statement, on_batch=bar.update)
    output.print_rescore(summary)


@cli.command()
@click.option("--top", default=3, show_default=True, help="Matches shown per statement.")
@click.pass_context
@fail_cleanly
def demo(ctx: click.Context, top: int) -> None:
    """Serve the bundled demo corpus on 127.0.0.1, poll it once and show the top matches.

    Uses config/demo.toml unless --config is given. Example: pledgewatch demo --top 2
    """
    from pledgewatch.demo.server import DemoServer

    app = app_of(ctx, default_config=DEMO_CONFIG)
    ports = {urlsplit(f.url).port for f in app.settings.feeds}
    if len(ports) != 1:
        raise ConfigError(f"{app.settings.source}: demo feeds must share one 127.0.0.1 port")
    try:
        server = DemoServer(port=ports.pop() or 80)
    except OSError as exc:
        raise PledgewatchError(f"cannot serve the demo corpus: {exc}") from None
    with server, app.pipeline() as pipeline:
        output.print_summary(pipeline.run_once())
        with app.sessions() as session:
            rows = list_matches(session)
    click.echo(f"\nTop matches per statement (database: {app.settings.database.url}):")
    for statement in app.seed.statements:
        mine = [r for r in rows if r.statement_id == statement.id][:top]
        click.echo(f"\n{statement.id} — {len(mine) and 'top ' + str(len(mine)) or 'no match'}")
        for r in mine:
            click.echo(f"  {r.score:.3f} [{r.language}] {r.source}: {r.title}")
            click.echo(f"        « {output.clip(r.passage, 160)} »")
