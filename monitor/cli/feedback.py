"""`pledgewatch feedback`: analysts' verdicts (mark, clear, list)."""

from __future__ import annotations

import click
from pledgewatch.app import App
from pledgewatch.cli import output
from pledgewatch.cli.base import app_of, cli, fail_cleanly
from pledgewatch.errors import PledgewatchError
from pledgewatch.feedback import clear_verdicts, give_verdict
from pledgewatch.statements import require_statement
from pledgewatch.storage.articles import find_article
from pledgewatch.storage.matches import list_feedback


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
@fail_cleanly
def feedback_mark(ctx: click.Context, article: str, statement: str, relevant: bool) -> None:
    """Record a verdict on ARTICLE (id or URL) for STATEMENT and re-score that article."""
    app = app_of(ctx, stored=True)
    require_statement(app.seeds, statement)
    article_id = _stored_article(app, article)
    with app.pipeline() as pipeline:
        _echo_matches(article_id, give_verdict(pipeline, article_id, statement, relevant))


@feedback.command("clear")
@click.argument("article")
@click.argument("statement", required=False)
@click.pass_context
@fail_cleanly
def feedback_clear(ctx: click.Context, article: str, statement: str | None) -> None:
    """Forget the verdicts on ARTICLE (or on one STATEMENT) and re-score that article."""
    app = app_of(ctx, stored=True)
    article_id = _stored_article(app, article)
    with app.pipeline() as pipeline:
        cleared, matched = clear_verdicts(pipeline, article_id, statement)
        click.echo(f"{cleared} verdicts cleared")
        _echo_matches(article_id, matched)


@feedback.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@fail_cleanly
def feedback_list(ctx: click.Context, fmt: str) -> None:
    """Every verdict, newest first. Example: pledgewatch feedback list"""
    with app_of(ctx, stored=True).sessions() as session:
        rows = list_feedback(session)
    records = [
        {
            "article": r.article_id,
            "statement": r.statement_id,
            "verdict": "yes" if r.relevant else "no",
            "title": r.title,
            "url": r.url,
            "at": output.plain(r.created_at),
        }
        for r in rows
    ]
    output.emit(records, fmt, ["article", "statement", "verdict", "title", "url", "at"])


def _stored_article(app: App, ref: str) -> int:
    with app.sessions() as session:
        found = find_article(session, ref)
        if found is None:
            raise PledgewatchError(f"no stored article with id or URL {ref!r}")
        return found.id


def _echo_matches(article_id: int, matched: list[str]) -> None:
    click.echo(f"article {article_id} now matches: {', '.join(matched) or 'nothing'}")
