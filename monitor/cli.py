"""The command line: the only place that parses arguments, prints for people and builds objects."""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import click
from pledgewatch import __version__
from pledgewatch.config import DEMO_CONFIG
from pledgewatch.encoders import load_encoder
from pledgewatch.errors import ConfigError, PledgewatchError
from pledgewatch.fetch import Fetcher
from pledgewatch.labelled import load_labelled
from pledgewatch.matching import Matcher, StatementScore
from pledgewatch.pipeline import Pipeline, RunSummary
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.settings import Settings, check_feed_url, load_settings
from pledgewatch.statements import Seed, load_seed, require_statement
from pledgewatch.storage import queries, schedule
from pledgewatch.storage.db import Sessions, daemon_lock, open_database

F = TypeVar("F", bound=Callable[..., Any])
# `run --once` finished, but some feed or page failed (everything else was processed).
EXIT_SOME_FAILED = 3


def _fail_cleanly(func: F) -> F:
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
    help="TOML configuration file (default: $PLEDGEWATCH_CONFIG, else the bundled one).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="json: one JSON object per line, for log collectors.",
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int, log_format: str) -> None:
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
    ctx.obj = {"config_path": config_path, "verbose": verbose, "log_format": log_format}


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


def _settings(ctx: click.Context) -> Settings:
    return load_settings(ctx.obj["config_path"])


def _seed(settings: Settings) -> Seed:
    return load_seed(settings.matching.statements or DEFAULT_STATEMENTS)


def _matcher(settings: Settings, seed: Seed) -> Matcher:
    """The configured model and threshold, comparing articles with the seed's examples."""
    matching = settings.matching
    encoder = load_encoder(matching.model, matching.device, matching.batch_size)
    return Matcher(seed, encoder, matching.threshold, cache_dir=matching.cache_dir)


@contextmanager
def _pipeline(settings: Settings) -> Iterator[Pipeline]:
    """Build the object graph: settings -> database -> encoder -> matcher -> fetcher -> pipeline."""
    sessions = open_database(settings.database.url)
    # Verdicts stored by analysts join the seed's examples in Pipeline.refresh_examples.
    matcher = _matcher(settings, _seed(settings))
    with Fetcher(settings.fetch) as fetcher:
        yield Pipeline(settings, sessions, fetcher, matcher)


def _print_summary(summary: RunSummary, errors: bool = True) -> None:
    click.echo(
        f"polled {summary.feeds_polled} feeds ({summary.feeds_failed} failed, "
        f"{summary.feeds_unchanged} unchanged), "
        f"{summary.entries_seen} new entries, {summary.articles_new} new articles, "
        f"{summary.matches_new} new matches in {summary.seconds:.1f}s "
        f"({summary.articles_per_second:.1f} articles/s)"
    )
    if summary.entries_gated:
        click.echo(
            f"  {summary.entries_gated} pages not fetched: the gate judged their entry off "
            "topic (stored from the feed text)"
        )
    if summary.revised:
        click.echo(f"  {summary.revised} articles changed and were scored again (revision kept)")
    if summary.duplicates:
        click.echo(
            f"  {summary.duplicates} entries were stories already stored (also published by)"
        )
    if summary.upgraded:
        click.echo(
            f"  {summary.upgraded} entries gave their page to a stored copy that had only its "
            "feed text (scored again)"
        )
    if summary.pages_failed:
        click.echo(
            f"  {summary.pages_failed} pages failed (the feed's text stands in where it has any)"
        )
    if summary.entries_failed:
        click.echo(
            f"  {summary.entries_failed} entries failed (page failed, no feed text): "
            "tried again next poll"
        )
    for reason, count in sorted(summary.entries_skipped.items()):
        click.echo(f"  {count} entries skipped: {reason}")
    for statement_id, count in sorted(summary.matches_by_statement.items()):
        click.echo(f"  {statement_id}: {count} new")
    for error in summary.errors if errors else ():
        click.echo(f"  error: {error}", err=True)


def _log_failures(summary: RunSummary) -> None:
    """Each failure of a run as one warning: the daemon's log, and JSON log collectors."""
    for error in summary.errors:
        where, _, what = error.partition(" ")
        logging.getLogger("pledgewatch.run").warning("%s failed: %s", where, what)


@cli.command()
@click.option("--once", is_flag=True, help="Poll every feed once, process new articles, exit.")
@click.option(
    "--metrics-port", type=click.IntRange(1, 65535), help="Serve Prometheus /metrics here."
)
@click.pass_context
@_fail_cleanly
def run(ctx: click.Context, once: bool, metrics_port: int | None) -> None:
    """Poll the feeds and store matches (a daemon unless --once).

    Exit status of --once: 0 when every feed and page was processed; 3 when some feed or page
    failed (the rest was still processed; `pledgewatch runs` lists each failure); 1 when
    nothing could run (configuration, database).

    Example: pledgewatch --config my.toml run --once
    """
    settings = _settings(ctx)
    if once:
        if not settings.feeds:
            raise ConfigError(f"{settings.source}: no [[feeds]] configured")
        with _pipeline(settings) as pipeline:
            summary = pipeline.run_once()
        as_json = ctx.obj["log_format"] == "json"  # failures go to the collector, once each
        _print_summary(summary, errors=not as_json)
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
        with _pipeline(settings) as pipeline, daemon_lock(settings.database.url) as alone:
            Daemon(settings, pipeline, pipeline.matcher.seed, on_run=on_run).run(alone, checkpoint)


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
@_fail_cleanly
def rescore(ctx: click.Context, statement: str | None, quiet: bool) -> None:
    """Recompute matches over stored articles after statements, threshold or model change.

    Nothing is fetched again; stored passage vectors are reused when the model is unchanged.
    Example: pledgewatch rescore --statement energy-supplier
    """
    from tqdm import tqdm

    settings = _settings(ctx)
    if statement is not None:
        require_statement(_seed(settings), statement)
    with _pipeline(settings) as pipeline:
        with pipeline.sessions() as session:
            total = queries.count_rows(session)["articles"]
        with tqdm(total=total, unit="article", disable=quiet, file=sys.stderr) as bar:
            summary = pipeline.rescore(statement, on_batch=bar.update)
    click.echo(
        f"rescored {summary.articles} articles ({summary.in_scope} in scope, "
        f"{summary.encoded} encoded anew) in {summary.seconds:.1f}s: "
        f"{summary.added} new matches, {summary.removed} no longer matching"
    )


@cli.command()
@click.option("--date", "day", help="The local day (YYYY-MM-DD); default: yesterday.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the files (default: [digest] out_dir).",
)
@click.option("--email", is_flag=True, help="Also mail it (once per day; failed days retried).")
@click.option("--force", is_flag=True, help="Mail again even if this day was sent.")
@click.option("--skip-empty", is_flag=True, help="Write and send nothing on a day without matches.")
@click.pass_context
@_fail_cleanly
def digest(
    ctx: click.Context,
    day: str | None,
    out_dir: Path | None,
    email: bool,
    force: bool,
    skip_empty: bool,
) -> None:
    """Write the digest of one day (HTML, Markdown, text) and optionally mail it.

    Example: pledgewatch digest --date 2025-05-09 --out digests --email
    """
    from pledgewatch.digest import make_digest

    settings = _settings(ctx)
    if skip_empty:
        settings = settings.model_copy(
            update={"digest": settings.digest.model_copy(update={"skip_empty": True})}
        )
    zone = ZoneInfo(settings.digest.timezone)
    chosen = _day(day)
    when = chosen.date() if chosen else datetime.now(zone).date() - timedelta(days=1)
    result = make_digest(
        settings, open_database(settings.database.url), _seed(settings), when, out_dir, email, force
    )
    if result.skipped_empty:
        click.echo(f"{when}: no matches, digest skipped")
        return
    click.echo(f"{when}: {result.matches} matches; wrote {', '.join(map(str, result.files))}")
    for sent in result.sent:
        click.echo(f"mailed the digest of {sent} to {', '.join(settings.email.to)}")
    for sent in result.already_sent:
        click.echo(f"the digest of {sent} was already mailed (--force to send again)")
    if result.errors:
        raise PledgewatchError("; ".join(result.errors) + " (will retry on the next run)")


@cli.command()
@click.option("--statement", help="Only this statement id.")
@click.option(
    "--by", type=click.Choice(["day", "week", "month"]), default="month", show_default=True
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw it to this .png or .svg file.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.pass_context
@_fail_cleanly
def timeline(
    ctx: click.Context, statement: str | None, by: str, chart: Path | None, fmt: str
) -> None:
    """Matching articles over time (by publication date), per statement.

    Example: pledgewatch timeline --statement trade-momentum --by week --chart trade.png
    """
    from pledgewatch import charts

    settings = _settings(ctx)
    if statement is not None:
        require_statement(_seed(settings), statement)
    with open_database(settings.database.url)() as session:
        rows = queries.list_matches(session, queries.MatchFilter(statement=statement))
    counts: dict[str, dict[str, set[int]]] = {}
    for row in rows:
        when = row.published or row.found_at
        counts.setdefault(_period(when, by), {}).setdefault(row.statement_id, set()).add(
            row.article_id
        )
    periods = sorted(counts)
    statements = sorted({r.statement_id for r in rows})
    records = [
        {
            by: p,
            **{sid: len(counts[p].get(sid, ())) for sid in statements},
            "articles": len(set().union(*counts[p].values())),
        }
        for p in periods
    ]
    _emit(records, fmt, [by, *statements, "articles"])
    if chart is not None:
        series = {sid: [len(counts[p].get(sid, ())) for p in periods] for sid in statements}
        charts.save(
            charts.stacked_bars(periods, series, f"Matching articles per {by}", "articles"), chart
        )
        click.echo(f"chart: {chart}", err=True)


def _period(when: datetime, by: str) -> str:
    if by == "day":
        return when.date().isoformat()
    if by == "week":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    return when.strftime("%Y-%m")


@cli.command()
@click.argument("article")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--scores",
    "with_scores",
    is_flag=True,
    help="Also every statement's score against its bar, from the stored vectors: why the "
    "article matched what it matched, and how far the others stood (loads the model).",
)
@click.pass_context
@_fail_cleanly
def show(ctx: click.Context, article: str, fmt: str, with_scores: bool) -> None:
    """One article (by id or URL) with all its matches and their evidence.

    Example: pledgewatch show https://example.org/news/1234 --scores
    """
    settings = _settings(ctx)
    with open_database(settings.database.url)() as session:
        detail = queries.article_detail(session, article)
    if detail is None:
        raise PledgewatchError(f"no stored article with id or URL {article!r}")
    record = {k: _plain(v) for k, v in asdict(detail).items() if k != "matches"}
    record["matches"] = [
        {k: _plain(v) for k, v in asdict(m).items() if k in MATCH_COLUMNS} for m in detail.matches
    ]
    if with_scores:
        with _pipeline(settings) as pipeline:
            scores, verdicts = pipeline.explain(detail.id)
        record["scores"] = [asdict(s) | {"verdict": verdicts.get(s.statement_id)} for s in scores]
    if fmt == "json":
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    click.echo(f"{detail.title}\n{detail.url}")
    click.echo(
        f"source {detail.source} · {detail.language} · published "
        f"{_published(detail.published, detail.date_origin)} · text from the {detail.text_origin}"
    )
    if detail.extract_error:
        click.echo(f"page problem: {detail.extract_error}")
    click.echo(f"carried by: {', '.join(detail.carried_by) or '-'}")
    for m in detail.matches:
        click.echo(f"\n{m.statement_id}  score {m.score:.3f}  ({m.model})")
        click.echo(f"  « {m.passage} »")
    if not detail.matches:
        click.echo("\nno matches")
    if with_scores:
        _print_scores(scores, verdicts, {m.statement_id for m in detail.matches})


def _published(when: datetime | None, origin: str | None) -> str:
    """'2026-12-06 07:10 UTC', and where the date came from when neither feed nor page gave one."""
    if when is None:
        return "unknown"
    stamp = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{stamp} (no date given: first seen)" if origin == "first_seen" else stamp


def _print_scores(
    scores: list[StatementScore], verdicts: dict[str, bool], stored: set[str]
) -> None:
    if not scores:
        click.echo("\nscores: none (out of the seed's scope: it does not name every scope group)")
        return
    click.echo("\nscores (score / the statement's bar)")
    for s in sorted(scores, key=lambda s: -s.score):
        status = _score_status(s, verdicts.get(s.statement_id))
        click.echo(f"  {s.score:6.3f} / {s.threshold:.3f}  {s.statement_id:24s} {status}")
        click.echo(f"      « {_clip(s.passage, 90)} »")
    now = {s.statement_id for s in scores if verdicts.get(s.statement_id, s.matched)}
    if now != stored:
        click.echo("the stored matches predate these settings: `pledgewatch rescore` updates them")


def _score_status(score: StatementScore, verdict: bool | None) -> str:
    """What decided the statement's match on this article: an analyst, or its score."""
    if verdict is not None:
        return f"analyst: {'yes' if verdict else 'no'}"
    return "matched" if score.matched else "below its bar"


@cli.group()
def feedback() -> None:
    """Analysts' verdicts: does an article report on a statement?

    A verdict decides the article's own match, and the article becomes a labelled example that
    new articles are compared with (run `pledgewatch rescore` to apply it to stored ones).
    Example: pledgewatch feedback mark 42 energy-supplier --no
    """


@feedback.command("mark")
@click.argument("article")
@click.argument("statement")
@click.option("--yes/--no", "relevant", required=True, help="It reports on it, or it does not.")
@click.pass_context
@_fail_cleanly
def feedback_mark(ctx: click.Context, article: str, statement: str, relevant: bool) -> None:
    """Record a verdict on ARTICLE (id or URL) for STATEMENT and re-score that article."""
    settings = _settings(ctx)
    require_statement(_seed(settings), statement)
    article_id = _stored_article(ctx, article)
    with _pipeline(settings) as pipeline:
        pipeline.sync()  # the statement must exist in the database
        with pipeline.sessions.begin() as session:
            queries.set_feedback(session, article_id, statement, relevant)
        _rescore_one(pipeline, article_id, statement)


@feedback.command("clear")
@click.argument("article")
@click.argument("statement", required=False)
@click.pass_context
@_fail_cleanly
def feedback_clear(ctx: click.Context, article: str, statement: str | None) -> None:
    """Forget the verdicts on ARTICLE (or on one STATEMENT) and re-score that article."""
    settings = _settings(ctx)
    article_id = _stored_article(ctx, article)
    with _pipeline(settings) as pipeline:
        with pipeline.sessions.begin() as session:
            cleared = queries.clear_feedback(session, article_id, statement)
        click.echo(f"{cleared} verdicts cleared")
        _rescore_one(pipeline, article_id, statement)


@feedback.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@_fail_cleanly
def feedback_list(ctx: click.Context, fmt: str) -> None:
    """Every verdict, newest first. Example: pledgewatch feedback list"""
    with _sessions(ctx)() as session:
        rows = queries.list_feedback(session)
    records = [
        {
            "article": r.article_id,
            "statement": r.statement_id,
            "verdict": "yes" if r.relevant else "no",
            "title": r.title,
            "url": r.url,
            "at": _plain(r.created_at),
        }
        for r in rows
    ]
    _emit(records, fmt, ["article", "statement", "verdict", "title", "url", "at"])


def _stored_article(ctx: click.Context, ref: str) -> int:
    with _sessions(ctx)() as session:
        found = queries.find_article(session, ref)
        if found is None:
            raise PledgewatchError(f"no stored article with id or URL {ref!r}")
        return found.id


def _rescore_one(pipeline: Pipeline, article_id: int, statement: str | None) -> None:
    """The article's own matches follow its verdicts at once (its own example is not used)."""
    pipeline.rescore(statement, articles=[article_id])
    with pipeline.sessions() as session:
        detail = queries.article_detail(session, str(article_id))
    assert detail is not None
    matched = [m.statement_id for m in detail.matches]
    click.echo(f"article {article_id} now matches: {', '.join(matched) or 'nothing'}")


@cli.group()
def feeds() -> None:
    """Manage the feeds in the database (config feeds are synced in at start).

    Example: pledgewatch feeds add https://example.org/rss --name Example --interval 15
    """


@feeds.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@_fail_cleanly
def feeds_list(ctx: click.Context, fmt: str) -> None:
    """The feeds, paused or not, with their interval. Example: pledgewatch feeds list"""
    with _sessions(ctx)() as session:
        rows = schedule.feed_status(session)
    records = [
        {"url": f.url, "name": f.name, "paused": f.paused, "interval_minutes": f.interval_minutes}
        for f in rows
    ]
    _emit(records, fmt, ["url", "name", "paused", "interval_minutes"])


@feeds.command("add")
@click.argument("url")
@click.option("--name", help="A label shown in digests and queries.")
@click.option("--interval", type=click.FloatRange(min=0, min_open=True), help="Minutes.")
@click.pass_context
@_fail_cleanly
def feeds_add(ctx: click.Context, url: str, name: str | None, interval: float | None) -> None:
    """Add a feed (or update its name and interval). Example: pledgewatch feeds add URL"""
    try:
        check_feed_url(url)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="URL") from None
    with _sessions(ctx).begin() as session:
        schedule.set_feed(session, url, name=name, interval_minutes=interval, create=True)
    click.echo(f"added {url}")


def _feed_change(ctx: click.Context, url: str, done: str, **change: Any) -> None:
    with _sessions(ctx).begin() as session:
        changed = (
            schedule.remove_feed(session, url)
            if not change
            else schedule.set_feed(session, url, **change)
        )
    if not changed:
        raise PledgewatchError(f"no feed with URL {url!r} (see pledgewatch feeds list)")
    click.echo(f"{done} {url}")


@feeds.command("remove")
@click.argument("url")
@click.pass_context
@_fail_cleanly
def feeds_remove(ctx: click.Context, url: str) -> None:
    """Remove a feed (its articles stay). Example: pledgewatch feeds remove URL"""
    _feed_change(ctx, url, "removed")


@feeds.command("pause")
@click.argument("url")
@click.pass_context
@_fail_cleanly
def feeds_pause(ctx: click.Context, url: str) -> None:
    """Stop polling a feed until resumed. Example: pledgewatch feeds pause URL"""
    _feed_change(ctx, url, "paused", paused=True)


@feeds.command("resume")
@click.argument("url")
@click.pass_context
@_fail_cleanly
def feeds_resume(ctx: click.Context, url: str) -> None:
    """Poll a paused feed again, at once. Example: pledgewatch feeds resume URL"""
    _feed_change(ctx, url, "resumed", paused=False)


@feeds.command("import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@_fail_cleanly
def feeds_import(ctx: click.Context, opml: Path) -> None:
    """Add every feed of an OPML file. Example: pledgewatch feeds import reader-export.opml"""
    from pledgewatch.opml import read_opml

    entries = read_opml(opml.read_bytes())
    with _sessions(ctx).begin() as session:
        for url, name in entries:
            schedule.set_feed(session, url, name=name, create=True)
    click.echo(f"imported {len(entries)} feeds from {opml}")


@feeds.command("export")
@click.argument("opml", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.pass_context
@_fail_cleanly
def feeds_export(ctx: click.Context, opml: Path | None) -> None:
    """Write the feeds as OPML (stdout without a file). Example: pledgewatch feeds export f.opml"""
    from pledgewatch.opml import write_opml

    with _sessions(ctx)() as session:
        rows = [(f.url, f.name) for f in schedule.feed_status(session)]
    document = write_opml(rows, title="Pledgewatch feeds")
    if opml is None:
        click.echo(document.decode(), nl=False)
    else:
        opml.write_bytes(document)
        click.echo(f"exported {len(rows)} feeds to {opml}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@_fail_cleanly
def status(ctx: click.Context, fmt: str) -> None:
    """Feeds (last success, last error, next poll, paused), totals, last digest, live workers.

    Example: pledgewatch status --format json
    """
    settings = _settings(ctx)
    alive_since = datetime.now(UTC) - timedelta(seconds=settings.schedule.heartbeat_seconds * 3)
    with open_database(settings.database.url)() as session:
        feed_rows = schedule.feed_status(session)
        counts = queries.count_rows(session)
        digest_row = queries.last_digest(session)
        workers = schedule.live_workers(session, alive_since)
        last_run = next(iter(queries.list_runs(session, 1)), None)
    feed_records = [{k: _plain(v) for k, v in asdict(f).items()} for f in feed_rows]
    report: dict[str, Any] = {
        "feeds": feed_records,
        "totals": {
            "articles": counts["articles"],
            "matches": counts["matches"],
            "feeds": counts["feeds"],
        },
        "last_digest": {k: _plain(v) for k, v in asdict(digest_row).items()}
        if digest_row
        else None,
        "workers": [{k: _plain(v) for k, v in asdict(w).items()} for w in workers],
        "last_run": {k: _plain(v) for k, v in asdict(last_run).items()} if last_run else None,
    }
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    _table(
        feed_records,
        ["name", "url", "paused", "last_success_at", "error_count", "last_error", "next_poll_at"],
    )
    click.echo(
        f"\n{counts['feeds']} feeds, {counts['articles']} articles, {counts['matches']} matches"
    )
    if digest_row:
        sent = _plain(digest_row.sent_at) or f"not sent ({digest_row.send_error or 'no email'})"
        click.echo(f"last digest: {digest_row.day}, {digest_row.matches} matches, sent {sent}")
    if last_run:
        kinds = Counter(_error_kind(e) for e in last_run.errors)
        failures = ", ".join(f"{kind} x{n}" for kind, n in kinds.most_common())
        click.echo(f"last {_run_line(last_run)}" + (f"\n  failures: {failures}" if kinds else ""))
    click.echo(f"live workers: {len(workers)}")
    for w in workers:
        click.echo(f"  {w.id} since {_plain(w.started_at)}, heartbeat {_plain(w.heartbeat_at)}")


@cli.command()
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@_fail_cleanly
def runs(ctx: click.Context, limit: int, fmt: str) -> None:
    """The latest polls: what became of every new entry, and each failure with its kind.

    Each new entry is counted once: new (a new article), duplicate, upgraded (its page replaced
    a stored copy's feed text), failed (page failed, no feed text: retried next poll) or
    skipped. Example: pledgewatch runs --limit 3
    """
    with _sessions(ctx)() as session:
        rows = queries.list_runs(session, limit)
    records = [{k: _plain(v) for k, v in asdict(r).items()} for r in rows]
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(_run_line(r))
        for error in r.errors:
            click.echo(f"    {error}")
    if not rows:
        click.echo("(no runs yet)")


def _run_line(r: queries.RunRow) -> str:
    seconds = (r.finished_at - r.started_at).total_seconds() if r.finished_at else None
    took = f"{seconds:.1f}s" if seconds is not None else "unfinished"
    return (
        f"run {r.id} at {r.started_at:%Y-%m-%d %H:%M} ({took}): {r.feeds_polled} feeds "
        f"({r.feeds_failed} failed), {r.entries_seen} new entries: {r.articles_new} new, "
        f"{r.duplicates} duplicates, {r.upgraded} upgraded, {r.entries_failed} failed, "
        f"{r.entries_skipped} skipped; {r.pages_failed} pages failed; {r.matches_new} matches"
    )


def _sessions(ctx: click.Context) -> Sessions:
    return open_database(_settings(ctx).database.url)


def _day(value: str | None, end: bool = False) -> datetime | None:
    if value is None:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-05-09") from None
    return day + timedelta(days=1) if end else day


MATCH_COLUMNS = [
    "statement_id",
    "score",
    "published",
    "date_origin",
    "language",
    "source",
    "title",
    "article_url",
    "passage",
    "position",
    "model",
    "found_at",
]


@cli.command()
@click.option("--statement", help="Only this statement id.")
@click.option("--since", help="Published on or after this day (YYYY-MM-DD).")
@click.option("--until", help="Published on or before this day (YYYY-MM-DD).")
@click.option("--min-score", type=float, help="Only matches scoring at least this.")
@click.option("--source", help="Only sources whose name contains this (any case).")
@click.option(
    "--language", help="Only articles in this language (en, fr, ru, zh...; und: undetermined)."
)
@click.option("--text", help="Only matches whose title or passage contains this (any case).")
@click.option(
    "--sort",
    type=click.Choice(["statement", "score", "date"]),
    default="statement",
    show_default=True,
    help="statement (then best score first), score, or publication date (newest first).",
)
@click.option("--limit", type=click.IntRange(min=1), help="At most this many rows.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]), default="table"
)
@click.pass_context
@_fail_cleanly
def matches(
    ctx: click.Context,
    statement: str | None,
    since: str | None,
    until: str | None,
    min_score: float | None,
    source: str | None,
    language: str | None,
    text: str | None,
    sort: str,
    limit: int | None,
    fmt: str,
) -> None:
    """List stored matches with their evidence passage.

    Example: pledgewatch matches --statement energy-supplier --since 2025-01-01 --format jsonl
    """
    settings = _settings(ctx)
    sessions = open_database(settings.database.url)
    with sessions() as session:
        rows = queries.list_matches(
            session,
            queries.MatchFilter(
                statement=statement,
                since=_day(since),
                until=_day(until, end=True),
                min_score=min_score,
                source=source,
                language=language,
                text=text,
                sort=sort,
                limit=limit,
            ),
        )
    records = [{k: _plain(v) for k, v in asdict(r).items() if k in MATCH_COLUMNS} for r in rows]
    _emit(records, fmt, ["statement_id", "score", "published", "language", "source", "title"])


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@_fail_cleanly
def statements(ctx: click.Context, fmt: str) -> None:
    """List the seed statements and how many matches each has.

    Example: pledgewatch statements --format json
    """
    settings = _settings(ctx)
    seed = _seed(settings)
    sessions = open_database(settings.database.url)
    with sessions() as session:
        counts = {row.id: row.matches for row in queries.list_statements(session)}
    records = [
        {
            "id": s.id,
            "speaker": s.speaker,
            "text": s.text,
            "translations": s.translations,
            "matches": counts.get(s.id, 0),
        }
        for s in seed.statements
    ]
    _emit(records, fmt, ["id", "speaker", "matches", "text"])


@cli.command()
@click.option("--top", default=3, show_default=True, help="Matches shown per statement.")
@click.pass_context
@_fail_cleanly
def demo(ctx: click.Context, top: int) -> None:
    """Serve the bundled demo corpus on 127.0.0.1, poll it once and show the top matches.

    Uses config/demo.toml unless --config is given. Example: pledgewatch demo --top 2
    """
    from pledgewatch.demo.server import DemoServer

    settings = load_settings(ctx.obj["config_path"] or DEMO_CONFIG)
    ports = {urlsplit(f.url).port for f in settings.feeds}
    if len(ports) != 1:
        raise ConfigError(f"{settings.source}: demo feeds must share one 127.0.0.1 port")
    try:
        server = DemoServer(port=ports.pop() or 80)
    except OSError as exc:
        raise PledgewatchError(f"cannot serve the demo corpus: {exc}") from None
    with server, _pipeline(settings) as pipeline:
        _print_summary(pipeline.run_once())
        with pipeline.sessions() as session:
            rows = queries.list_matches(session)
    click.echo(f"\nTop matches per statement (database: {settings.database.url}):")
    for statement in pipeline.matcher.seed.statements:
        mine = [r for r in rows if r.statement_id == statement.id][:top]
        click.echo(f"\n{statement.id} — {len(mine) and 'top ' + str(len(mine)) or 'no match'}")
        for r in mine:
            click.echo(f"  {r.score:.3f} [{r.language}] {r.source}: {r.title}")
            click.echo(f"        « {_clip(r.passage, 160)} »")


@cli.command("eval")
@click.option(
    "--split",
    default="test",
    show_default=True,
    help="test (real coverage, reported), dev (real coverage, the seed's labelled examples), "
    "invented-test, invented-dev (articles the team wrote), or a labelled TOML file.",
)
@click.option("--threshold", type=float, help="Override the configured global threshold.")
@click.option(
    "--calibrate",
    is_flag=True,
    help="Calibrate thresholds on the dev split (never the reported one), print and use them.",
)
@click.option(
    "--encoder-quality/--no-encoder-quality",
    default=True,
    show_default=True,
    help="Also report Tatoeba retrieval accuracy and STS Spearman of the encoder.",
)
@click.option("--min-f1", type=float, help="Exit 1 when micro F1 falls below this.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@_fail_cleanly
def evaluate_command(
    ctx: click.Context,
    split: str,
    threshold: float | None,
    calibrate: bool,
    encoder_quality: bool,
    min_f1: float | None,
    fmt: str,
) -> None:
    """Measure matching quality on a labelled set: P/R/F1, per statement and language, AP.

    Example: pledgewatch eval --split test --min-f1 0.78
    """
    from pledgewatch import evaluation

    settings = _settings(ctx)
    seed = _seed(settings)
    matching = settings.matching
    matcher = _matcher(settings, seed)
    ids = [s.id for s in seed.statements]
    path = evaluation.SPLITS.get(split) or Path(split)
    articles = load_labelled(path, ids)
    result: dict[str, Any] = {"split": str(path), "model": matcher.model_id}
    if calibrate:
        decision, cut = evaluation.calibrate(matcher, load_labelled(evaluation.DEV_SPLIT, ids))
        seed = replace(seed, decision=decision)
        matcher = Matcher(seed, matcher.encoder, cut, matcher.options, cache_dir=matching.cache_dir)
        result["calibrated"] = {"threshold": cut, "decision": decision.as_toml()}
        threshold = cut
    scores = evaluation.score_all(matcher, articles)
    base = threshold if threshold is not None else matching.threshold
    # --threshold replaces the global threshold and any absolute per-statement one
    thresholds = (
        seed.thresholds_at(base)
        if threshold is None
        else {s.id: base + s.threshold_offset for s in seed.statements}
    )
    report = evaluation.evaluate(articles, scores, thresholds)
    result["report"] = _report_dict(report)
    result["intervals"] = evaluation.intervals(articles, scores, thresholds)
    if encoder_quality:
        data = evaluation.EVAL_DIR / "data"
        result["tatoeba_accuracy"] = evaluation.tatoeba_accuracy(matcher.encoder, data / "tatoeba")
        result["sts_spearman"] = evaluation.sts_spearman(matcher.encoder, data / "stsb")
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_eval(result)
    if min_f1 is not None and report.micro.f1 < min_f1:
        raise click.ClickException(f"micro F1 {report.micro.f1:.3f} is below --min-f1 {min_f1}")


def _report_dict(report: Any) -> dict[str, Any]:
    def counts(c: Any) -> dict[str, Any]:
        return {
            "tp": c.tp,
            "fp": c.fp,
            "fn": c.fn,
            "precision": round(c.precision, 3),
            "recall": round(c.recall, 3),
            "f1": round(c.f1, 3),
        }

    return {
        "articles": report.articles,
        "pairs": report.pairs,
        "micro": counts(report.micro),
        "average_precision": round(report.average_precision, 3),
        "average_precision_per_language": {
            k: round(v, 3) for k, v in report.average_precision_per_language.items()
        },
        "hard_negative_match_rate": round(report.hard_negative_rate, 3),
        "per_statement": {k: counts(v) for k, v in report.per_statement.items()},
        "per_language": {k: counts(v) for k, v in report.per_language.items()},
        "per_label_count": {k: counts(v) for k, v in report.per_label_count.items()},
    }


def _print_eval(result: dict[str, Any]) -> None:
    report = result["report"]
    micro = report["micro"]
    click.echo(
        f"{result['split']} — {report['articles']} articles, {report['pairs']} pairs, "
        f"model {result['model']}"
    )
    if "calibrated" in result:
        click.echo(
            f"calibrated on dev: [matching] threshold = {result['calibrated']['threshold']}; "
            "the statements file's decision:\n" + result["calibrated"]["decision"]
        )
    click.echo(
        f"micro  P {micro['precision']:.3f}  R {micro['recall']:.3f}  F1 {micro['f1']:.3f}"
        f"  (tp {micro['tp']}, fp {micro['fp']}, fn {micro['fn']})"
    )
    per_language_ap = ", ".join(
        f"{k} {v:.3f}" for k, v in report["average_precision_per_language"].items()
    )
    click.echo(
        f"average precision {report['average_precision']:.3f} ({per_language_ap}); "
        f"hard negatives matched {report['hard_negative_match_rate']:.0%}"
    )
    names = {
        "precision": "P",
        "recall": "R",
        "f1": "F1",
        "hard_negative_match_rate": "hard negatives matched",
    }
    spans = [
        f"{names.get(name, name.replace('_', ' '))} {low:.2f}–{high:.2f}"
        for name, (low, high) in result["intervals"].items()
    ]
    click.echo("95% intervals (stories resampled): " + ", ".join(spans))
    for title, key in (
        ("per statement", "per_statement"),
        ("per language", "per_language"),
        (
            "positive articles, by how many statements they report on (all, per language)",
            "per_label_count",
        ),
    ):
        rows = [{"name": k, **v} for k, v in report[key].items()]
        click.echo(f"\n{title}:")
        _table(rows, ["name", "precision", "recall", "f1", "tp", "fp", "fn"])
    if "tatoeba_accuracy" in result:
        tatoeba = ", ".join(f"{k}→en {v:.3f}" for k, v in result["tatoeba_accuracy"].items())
        sts = ", ".join(f"{k} {v:.3f}" for k, v in result["sts_spearman"].items())
        click.echo(f"\nencoder: Tatoeba accuracy {tatoeba}\nencoder: STS Spearman {sts}")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _error_kind(error: str) -> str:
    """'page URL: http_404 (HTTP 404)' -> 'page http_404'."""
    where, _, rest = error.partition(" ")
    return f"{where} {rest.partition(': ')[2].split(' ')[0]}"


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _emit(records: list[dict[str, Any]], fmt: str, table_columns: Sequence[str]) -> None:
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif fmt == "jsonl":
        for record in records:
            click.echo(json.dumps(record, ensure_ascii=False))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]) if records else table_columns)
        writer.writeheader()
        writer.writerows(
            {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v
                for k, v in r.items()
            }
            for r in records
        )
        click.echo(buffer.getvalue(), nl=False)
    else:
        _table(records, table_columns)


def _table(records: list[dict[str, Any]], columns: Sequence[str]) -> None:
    if not records:
        click.echo("(none)")
        return
    cells = [
        [_clip(str(r.get(c) if r.get(c) is not None else ""), 60) for c in columns] for r in records
    ]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def main() -> None:
    cli(prog_name="pledgewatch")


if __name__ == "__main__":
    main()
