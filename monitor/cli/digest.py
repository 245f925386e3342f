"""`pledgewatch digest`: one day's digest files, and the mail."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from pledgewatch.app import App
from pledgewatch.cli.base import app_of, cli, fail_cleanly, parse_day
from pledgewatch.errors import PledgewatchError


@cli.command()
@click.option(
    "--date",
    "day",
    help="The local day ([digest] timezone) on which the matches were found (YYYY-MM-DD); "
    "default: yesterday.",
)
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
@fail_cleanly
def digest(
    ctx: click.Context,
    day: str | None,
    out_dir: Path | None,
    email: bool,
    force: bool,
    skip_empty: bool,
) -> None:
    """Write the digest of one day (HTML, Markdown, text) and optionally mail it.

    A day's digest lists the matches FOUND that day (by a poll, in the [digest] timezone),
    whenever the articles were published, as news alerts do: each match is in one digest.

    Example, right after `pledgewatch demo` (it found its matches today):
    pledgewatch digest --date $(date +%Y-%m-%d) --out digests
    """
    from pledgewatch.digest import make_digest

    app = app_of(ctx, stored=True)
    if skip_empty:  # the option overrides [digest] skip_empty
        digest_settings = app.settings.digest.model_copy(update={"skip_empty": True})
        app = App(app.settings.model_copy(update={"digest": digest_settings}))
    settings = app.settings
    zone = ZoneInfo(settings.digest.timezone)
    today = datetime.now(zone).date()
    chosen = parse_day(day, today=today)
    when = chosen.date() if chosen else today - timedelta(days=1)
    result = make_digest(settings, app.sessions, app.seed, when, out_dir, email, force)
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
