"""Everything the commands print: tables, JSON/JSONL/CSV, summary lines, dates for display."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

# The record shapes are shared with the web API (pledgewatch.records); re-exported here.
from pledgewatch.records import (
    MATCH_COLUMNS,
    article_record,
    decided_by,
    match_record,
    plain,
    record,
)

__all__ = ["MATCH_COLUMNS", "article_record", "match_record", "plain", "record"]

if TYPE_CHECKING:  # types only: printing imports none of the machinery
    from pledgewatch.matching import StatementScore
    from pledgewatch.pipeline import RunSummary
    from pledgewatch.rescoring import RescoreSummary
    from pledgewatch.storage.articles import ArticleDetail
    from pledgewatch.storage.runs import RunRow


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def emit(records: list[dict[str, Any]], fmt: str, table_columns: Sequence[str]) -> None:
    """Records as json, jsonl, csv (every field) or a table (``table_columns``)."""
    if fmt == "json":
        emit_json(records)
    elif fmt == "jsonl":
        for r in records:
            click.echo(json.dumps(r, ensure_ascii=False))
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
        table(records, table_columns)


def table(records: list[dict[str, Any]], columns: Sequence[str], whole: Sequence[str] = ()) -> None:
    """Records as a table that fits the terminal's width ($COLUMNS, else 80 off a terminal),
    long cells cut with an ellipsis except in the ``whole`` columns (ids a user types again);
    rich measures East Asian characters as two columns."""
    if not records:
        click.echo("(none)")
        return
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table

    rows = [[_cell(r.get(c)) for c in columns] for r in records]
    console = Console(file=click.get_text_stream("stdout"), highlight=False)
    widest = [max(cell_len(c), *(cell_len(row[i]) for row in rows)) for i, c in enumerate(columns)]
    shown = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    kept = [i for i, c in enumerate(columns) if c in whole]
    for column, width in zip(columns, _fit(widest, console.width, kept), strict=True):
        shown.add_column(column, no_wrap=True, overflow="ellipsis", width=width)
    for row in rows:
        shown.add_row(*row)
    console.print(shown)


NARROW = 12  # a column this wide or less (ids, scores, dates) is shown whole
GUTTER = 3  # columns between two columns


def _fit(widest: list[int], total: int, kept: Sequence[int] = ()) -> list[int]:
    """Column widths within ``total``: narrow and ``kept`` columns whole, the other long ones
    up to 18, the last long one (a title) the rest up to 60."""
    widths = [w if w <= NARROW or i in kept else 0 for i, w in enumerate(widest)]
    rest = total - sum(widths) - GUTTER * (len(widest) - 1)
    long = [(w, i) for i, w in enumerate(widest) if w > NARROW and i not in kept]
    for left, (w, i) in zip(range(len(long), 0, -1), long, strict=True):
        cap = 60 if left == 1 else 18  # the last long column (a title) takes what is left
        widths[i] = max(min(w, cap, rest // left if left > 1 else rest), 4)
        rest -= widths[i]
    return widths


def _cell(value: Any) -> str:
    """A table cell for people: yes/no for booleans, minutes for times, blank for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def moment(value: datetime | str | None, never: str = "never") -> str:
    """'2026-12-06 07:10 UTC' from a datetime or its ISO text; ``never`` for none."""
    if value is None:
        return never
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def plural(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun}es" if noun.endswith(("s", "ch")) else f"{count} {noun}s"


def published(when: datetime | None, origin: str | None) -> str:
    """'2026-12-06 07:10 UTC', and where the date came from when neither feed nor page gave one."""
    if when is None:
        return "unknown"
    stamp = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{stamp} (no date given: first seen)" if origin == "first_seen" else stamp


def print_summary(summary: RunSummary, errors: bool = True) -> None:
    """What a poll did, one line per kind of outcome (failures on stderr with ``errors``)."""
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


def print_rescore(summary: RescoreSummary) -> None:
    click.echo(
        f"rescored {summary.articles} articles ({summary.in_scope} in scope, "
        f"{summary.encoded} encoded anew) in {summary.seconds:.1f}s: "
        f"{summary.added} new matches, {summary.removed} no longer matching"
    )


def run_line(r: RunRow) -> str:
    """One stored run: when, how long, and what became of its entries."""
    seconds = (r.finished_at - r.started_at).total_seconds() if r.finished_at else None
    took = f"{seconds:.1f}s" if seconds is not None else "unfinished"
    return (
        f"run {r.id} at {r.started_at:%Y-%m-%d %H:%M} ({took}): {r.feeds_polled} feeds "
        f"({r.feeds_failed} failed), {r.entries_seen} new entries: {r.articles_new} new, "
        f"{r.duplicates} duplicates, {r.upgraded} upgraded, {r.entries_failed} failed, "
        f"{r.entries_skipped} skipped; {r.pages_failed} pages failed; {r.matches_new} matches"
    )


def error_kind(error: str) -> str:
    """'page URL: http_404 (HTTP 404)' -> 'page http_404'."""
    where, _, rest = error.partition(" ")
    return f"{where} {rest.partition(': ')[2].split(' ')[0]}"


def print_article(detail: ArticleDetail) -> None:
    """`show` as text: the article, where its text and date came from, and its matches."""
    click.echo(f"{detail.title}\n{detail.url}")
    click.echo(
        f"source {detail.source} · {detail.language} · published "
        f"{published(detail.published, detail.date_origin)} · text from the {detail.text_origin}"
    )
    if detail.extract_error:
        click.echo(f"page problem: {detail.extract_error}")
    click.echo(f"carried by: {', '.join(detail.carried_by) or '-'}")
    for m in detail.matches:
        click.echo(f"\n{m.statement_id}  score {m.score:.3f}  ({m.model})")
        click.echo(f"  « {m.passage} »")
    if not detail.matches:
        click.echo("\nno matches")


def print_scores(scores: list[StatementScore], verdicts: dict[str, bool], stored: set[str]) -> None:
    """`show --scores`: each statement's score against its bar, and what decided it."""
    if not scores:
        click.echo("\nscores: none (out of the seed's scope: it does not name every scope group)")
        return
    click.echo("\nscores (score / the statement's bar)")
    for s in sorted(scores, key=lambda s: -s.score):
        status = decided_by(s, verdicts.get(s.statement_id))
        click.echo(f"  {s.score:6.3f} / {s.threshold:.3f}  {s.statement_id:24s} {status}")
        click.echo(f"      « {clip(s.passage, 90)} »")
    now = {s.statement_id for s in scores if verdicts.get(s.statement_id, s.matched)}
    if now != stored:
        click.echo("the stored matches predate these settings: `pledgewatch rescore` updates them")


def print_status(report: dict[str, Any], last_run: RunRow | None) -> None:
    """`status` for people: a sentence per feed, totals, last digest and run, the daemons."""
    totals = report["totals"]
    click.echo(
        f"{plural(totals['feeds'], 'feed')}, {plural(totals['articles'], 'article')}, "
        f"{plural(totals['matches'], 'match')}."
    )
    for feed in report["feeds"]:
        click.echo(f"\n{feed['name'] or feed['url']}  {feed['url'] if feed['name'] else ''}")
        click.echo(f"  {_feed_state(feed)}")
    if digest := report["last_digest"]:
        click.echo(
            f"\nLast digest: {digest['day']}, {plural(digest['matches'], 'match')}; "
            + _digest_delivery(digest)
            + "."
        )
    else:
        click.echo("\nNo digest made yet (`pledgewatch digest`).")
    if last_run:
        kinds = Counter(error_kind(e) for e in last_run.errors)
        failures = ", ".join(f"{kind} x{n}" for kind, n in kinds.most_common())
        click.echo(f"Last {run_line(last_run)}" + (f"\n  failures: {failures}" if kinds else ""))
    else:
        click.echo("No poll yet (`pledgewatch run --once`).")
    workers = report["workers"]
    if not workers:
        click.echo("No daemon running (`pledgewatch run` starts one).")
    for w in workers:
        click.echo(
            f"Daemon {w['id']} running since {moment(w['started_at'])}, "
            f"last heartbeat {moment(w['heartbeat_at'])}."
        )


def _feed_state(feed: dict[str, Any]) -> str:
    """One feed's state as a sentence: paused or polled, its last success, errors, next poll."""
    parts = ["paused (`pledgewatch feeds resume URL`)" if feed["paused"] else "polled"]
    parts.append(f"last success {moment(feed['last_success_at'])}")
    if feed["error_count"]:
        parts.append(
            f"{plural(feed['error_count'], 'error')} in a row, the last: {feed['last_error']}"
        )
    else:
        parts.append("no errors")
    if not feed["paused"]:
        parts.append(f"next poll {moment(feed['next_poll_at'], 'when a daemon runs')}")
    return "; ".join(parts) + "."


def _digest_delivery(digest: dict[str, Any]) -> str:
    if digest["sent_at"]:
        return f"mailed {moment(digest['sent_at'])} to {digest['recipients']}"
    if digest["send_error"]:
        return f"not mailed: {digest['send_error']} (retried on the next run)"
    return "written, not mailed (no [email] configured, or not asked with --email)"


def print_eval(result: dict[str, Any]) -> None:
    """`eval` as text: micro P/R/F1, AP, intervals, the breakdowns, the encoder's quality."""
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
        table(rows, ["name", "precision", "recall", "f1", "tp", "fp", "fn"])
    if "tatoeba_accuracy" in result:
        tatoeba = ", ".join(f"{k}→en {v:.3f}" for k, v in result["tatoeba_accuracy"].items())
        sts = ", ".join(f"{k} {v:.3f}" for k, v in result["sts_spearman"].items())
        click.echo(f"\nencoder: Tatoeba accuracy {tatoeba}\nencoder: STS Spearman {sts}")
