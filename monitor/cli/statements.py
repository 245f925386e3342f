"""`pledgewatch statements`: the seed's statements, and `check` / `init` for a statements file."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from pledgewatch.cli import output
from pledgewatch.cli.base import app_of, cli, fail_cleanly
from pledgewatch.seed_check import FEED_LANGUAGES, SeedCheck, check_seed
from pledgewatch.seed_draft import draft
from pledgewatch.statements import load_seed
from pledgewatch.storage.matches import list_statements
from rich.console import Console
from rich.table import Table


@cli.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@fail_cleanly
def statements(ctx: click.Context, fmt: str) -> None:
    """List the seed statements, their English wording and how many matches each has.

    Example: pledgewatch statements --format json
    Subcommands: `statements check FILE`, `statements init ARTICLE.txt`.
    """
    if ctx.invoked_subcommand is not None:
        return
    app = app_of(ctx)
    with app.sessions() as session:
        counts = {row.id: row.matches for row in list_statements(session)}
    records = [
        {
            "seed": seed.seed,
            "id": s.id,
            "speaker": s.speaker,
            "text": s.text,
            "translations": s.translations,
            "matches": counts.get(s.id, 0),
        }
        for seed in app.seeds
        for s in seed.statements
    ]
    if fmt == "json":
        output.emit_json(records)
        return
    several = len(app.seeds) > 1
    table = Table(box=None, pad_edge=False, show_lines=True, header_style="bold")
    if several:
        table.add_column("seed")
    table.add_column("id", no_wrap=True)
    table.add_column("speaker")
    table.add_column("matches", justify="right")
    table.add_column("original", ratio=1, overflow="fold")
    table.add_column("English", ratio=1, overflow="fold")
    for r in records:
        english = r["translations"].get("en") or "(as the original)"
        cells = [r["id"], r["speaker"], str(r["matches"]), r["text"], english]
        table.add_row(*([r["seed"]] if several else []), *cells)
    Console(highlight=False).print(table)


@statements.command("check")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--languages",
    default=",".join(FEED_LANGUAGES),
    show_default=True,
    help="The languages your feeds carry (comma-separated): a statement or scope group "
    "without one is warned about.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@fail_cleanly
def check(path: Path, languages: str, fmt: str) -> None:
    """Validate a statements file and say, per statement, what will cost recall.

    Reports each statement's languages, views and labelled examples, and warns where it will
    be found less often: no views, no English, no wording in a feed language, no examples,
    a scope group missing a language. Exits 1 on an invalid file, 0 otherwise.

    Example: pledgewatch statements check seeds/example.toml --languages en,fr
    """
    wanted = tuple(lang.strip() for lang in languages.split(",") if lang.strip())
    with _quiet_loader():  # its own no-views warning is one of the report's lines
        seed = load_seed(path)
    report = check_seed(seed, wanted)
    if fmt == "json":
        output.emit_json(dataclasses.asdict(report))
        return
    _print_check(path, report)


def _print_check(path: Path, report: SeedCheck) -> None:
    statements_count = len(report.statements)
    click.echo(f"{path}: valid; seed {report.seed}, {statements_count} statements")
    for warning in report.warnings:
        click.echo(f"  warning: {warning}")
    for s in report.statements:
        languages = ", ".join(
            f"{lang} (original)" if lang == s.original else lang for lang in s.languages
        )
        click.echo(
            f"{s.id}: {languages or 'language unknown'}; {s.views} views; {s.examples} examples"
        )
        for warning in s.warnings:
            click.echo(f"  warning: {warning}")
    count = report.warning_count
    click.echo(f"{count} warning{'s' if count != 1 else ''}" if count else "no warnings")


@contextmanager
def _quiet_loader() -> Iterator[None]:
    logger = logging.getLogger("pledgewatch.statements")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@statements.command("init")
@click.argument("article", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the draft here (default: print it).",
)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@fail_cleanly
def init(article: Path, out: Path | None, force: bool) -> None:
    """Draft a statements file from a seed article (plain text) for you to edit.

    Candidate statements are the sentences that read like attributed claims, pledges or
    figures, with the speaker where one is named; translations and views are left as
    placeholders, which `statements check` then lists.

    Example: pledgewatch statements init my-article.txt -o seeds/my-seed.toml
    """
    text = draft(article, out)
    if out is None:
        click.echo(text, nl=False)
        return
    if out.exists() and not force:
        raise click.ClickException(f"{out} exists; pass --force to overwrite it")
    out.write_text(text, encoding="utf-8")
    click.echo(f"drafted {text.count('[[statements]]')} statements: {out}", err=True)
    click.echo(f"next: pledgewatch statements check {out}", err=True)
