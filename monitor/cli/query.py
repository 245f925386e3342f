"""Commands that read the database: matches, show, timeline, status, runs (statements:
cli/statements.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from pledgewatch.cli import output
from pledgewatch.cli.base import app_of, cli, fail_cleanly
from pledgewatch.errors import PledgewatchError
from pledgewatch.filters import FilterError, match_filter
from pledgewatch.statements import require_statement
from pledgewatch.storage import schedule
from pledgewatch.storage.articles import article_detail
from pledgewatch.storage.digests import last_digest
from pledgewatch.storage.matches import list_matches
from pledgewatch.storage.runs import count_rows, list_runs
from pledgewatch.timeline import count_by_period


@cli.command()
@click.option("--statement", help="Only this statement id.")
@click.option("--seed", help="Only this seed's statements (its id; several statements files).")
@click.option(
    "--since", help="Published on or after this day (2025-05-09, today, yesterday, 7d, 2w)."
)
@click.option("--until", help="Published on or before this day (same forms as --since).")
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
@fail_cleanly
def matches(
    ctx: click.Context,
    statement: str | None,
    seed: str | None,
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

    The table's id is the article's: `pledgewatch show ID`, `pledgewatch feedback mark ID
    STATEMENT --yes`. JSON, JSONL and CSV carry every field (the web API's rows).

    Example: pledgewatch matches --statement energy-supplier --since 2025-01-01 --format jsonl
    """
    options = {
        "statement": statement,
        "seed": seed,
        "since": since,
        "until": until,
        "min_score": min_score,
        "source": source,
        "language": language,
        "text": text,
        "sort": sort,
        "limit": limit,
    }
    try:
        where = match_filter(options)
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None
    app = app_of(ctx, stored=True)
    with app.sessions() as session:
        rows = list_matches(session, where)
    if fmt != "table":
        output.emit([output.match_record(r) for r in rows], fmt, output.MATCH_COLUMNS)
        return
    # id and statement: what `show ID` and `feedback mark ID STATEMENT` take, never cut
    # (statement ids are unique across seeds: the seed is in the other formats).
    output.table(
        [
            {
                "id": r.article_id,
                "statement": r.statement_id,
                "score": r.score,
                "published": r.published.date().isoformat() if r.published else "",
                "lang": r.language,
                "source": r.source,
                "title": r.title,
            }
            for r in rows
        ],
        ["id", "statement", "score", "published", "lang", "source", "title"],
        whole=("id", "statement"),
    )


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
@fail_cleanly
def show(ctx: click.Context, article: str, fmt: str, with_scores: bool) -> None:
    """One article (by id or URL) with all its matches and their evidence.

    Example: pledgewatch show https://example.org/news/1234 --scores
    """
    app = app_of(ctx, stored=True)
    with app.sessions() as session:
        detail = article_detail(session, article)
    if detail is None:
        raise PledgewatchError(f"no stored article with id or URL {article!r}")
    explained = None
    if with_scores:
        with app.pipeline() as pipeline:
            explained = pipeline.rescorer.explain(detail.id)
    if fmt == "json":
        output.emit_json(output.article_record(detail, explained))
        return
    output.print_article(detail)
    if explained is not None:
        output.print_scores(*explained, {m.statement_id for m in detail.matches})


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
@fail_cleanly
def timeline(
    ctx: click.Context, statement: str | None, by: str, chart: Path | None, fmt: str
) -> None:
    """Matching articles over time (by publication date), per statement.

    Example: pledgewatch timeline --statement trade-momentum --by week --chart trade.png
    """
    app = app_of(ctx, stored=True)
    if statement is not None:
        require_statement(app.seeds, statement)
    with app.sessions() as session:
        rows = list_matches(session, match_filter({"statement": statement}))
    counted = count_by_period(rows, by)
    output.emit(counted.records(), fmt, [by, *counted.statements, "articles"])
    if chart is not None:
        counted.save_chart(chart)
        click.echo(f"chart: {chart}", err=True)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@fail_cleanly
def status(ctx: click.Context, fmt: str) -> None:
    """Feeds (last success, last error, next poll, paused), totals, last digest, live workers.

    Example: pledgewatch status --format json
    """
    app = app_of(ctx, stored=True)
    # A worker that missed three heartbeats is gone.
    alive_since = datetime.now(UTC) - timedelta(seconds=app.settings.schedule.heartbeat_seconds * 3)
    with app.sessions() as session:
        feed_rows = schedule.feed_status(session)
        counts = count_rows(session)
        digest_row = last_digest(session)
        workers = schedule.live_workers(session, alive_since)
        last_run = next(iter(list_runs(session, 1)), None)
    report: dict[str, Any] = {
        "feeds": [output.record(f) for f in feed_rows],
        "totals": {k: counts[k] for k in ("articles", "matches", "feeds")},
        "last_digest": output.record(digest_row) if digest_row else None,
        "workers": [output.record(w) for w in workers],
        "last_run": output.record(last_run) if last_run else None,
    }
    if fmt == "json":
        output.emit_json(report)
    else:
        output.print_status(report, last_run)


@cli.command()
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@fail_cleanly
def runs(ctx: click.Context, limit: int, fmt: str) -> None:
    """The latest polls: what became of every new entry, and each failure with its kind.

    Each new entry is counted once: new (a new article), duplicate, upgraded (its page replaced
    a stored copy's feed text), failed (page failed, no feed text: retried next poll) or
    skipped. Example: pledgewatch runs --limit 3
    """
    with app_of(ctx, stored=True).sessions() as session:
        rows = list_runs(session, limit)
    if fmt == "json":
        output.emit_json([output.record(r) for r in rows])
        return
    for r in rows:
        click.echo(output.run_line(r))
        for error in r.errors:
            click.echo(f"    {error}")
    if not rows:
        click.echo("(no runs yet)")
