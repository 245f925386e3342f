"""`pledgewatch feeds`: the feeds in the database (list, add, remove, pause, resume, OPML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from pledgewatch.app import App
from pledgewatch.cli import output
from pledgewatch.cli.base import app_of, cli, fail_cleanly
from pledgewatch.discovery import NoFeedFound, discover_feed
from pledgewatch.errors import ConfigError, PledgewatchError
from pledgewatch.settings import check_feed_url
from pledgewatch.storage import schedule


@cli.group()
def feeds() -> None:
    """Manage the feeds in the database (config feeds are synced in at start).

    Example: pledgewatch feeds add https://example.org/rss --name Example --interval 15
    """


@feeds.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@fail_cleanly
def feeds_list(ctx: click.Context, fmt: str) -> None:
    """The feeds, paused or not, with their interval. Example: pledgewatch feeds list"""
    with app_of(ctx, stored=True).sessions() as session:
        rows = schedule.feed_status(session)
    records = [
        {"url": f.url, "name": f.name, "paused": f.paused, "interval_minutes": f.interval_minutes}
        for f in rows
    ]
    output.emit(records, fmt, ["url", "name", "paused", "interval_minutes"])


@feeds.command("add")
@click.argument("url")
@click.option("--name", help="A label shown in digests and queries.")
@click.option("--interval", type=click.FloatRange(min=0, min_open=True), help="Minutes.")
@click.option("--no-check", is_flag=True, help="Add it without fetching it first.")
@click.pass_context
@fail_cleanly
def feeds_add(
    ctx: click.Context, url: str, name: str | None, interval: float | None, no_check: bool
) -> None:
    """Add a feed (or update its name and interval).

    The URL is fetched first and must be a feed; a web page's advertised feed is added instead.
    Example: pledgewatch feeds add https://example.org/ --name Example
    """
    try:
        check_feed_url(url)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="URL") from None
    app = app_of(ctx)
    if not no_check:
        found = _checked(app, [url])[url]
        if isinstance(found, Exception):
            raise PledgewatchError(f"{found} (--no-check adds it anyway)")
        if found != url:
            click.echo(f"{url} is a web page; it advertises the feed {found}")
            url = found
    with app.sessions.begin() as session:
        known = url in _stored_urls(session)
        schedule.set_feed(session, url, name=name, interval_minutes=interval, create=True)
    if not known:
        click.echo(f"added {url}")
    elif name is not None or interval is not None:
        click.echo(f"already there: {url} (name and interval updated)")
    else:
        click.echo(f"already there: {url} (nothing changed)")


def _stored_urls(session: Any) -> set[str]:
    return {f.url for f in schedule.feed_status(session)}


def _checked(app: App, urls: list[str]) -> dict[str, str | NoFeedFound]:
    """Each URL's feed (itself, or the feed its page advertises), or why it has none; fetched
    with the configuration's fetch settings."""
    from pledgewatch.fetch import Fetcher

    found: dict[str, str | NoFeedFound] = {}
    with Fetcher(app.settings.fetch) as fetcher:
        for url in urls:
            try:
                found[url] = discover_feed(fetcher, url)
            except NoFeedFound as exc:
                found[url] = exc
    return found


def _feed_change(ctx: click.Context, url: str, done: str, **change: Any) -> None:
    """Remove the feed (no ``change``) or set its fields; a URL not stored is an error."""
    with app_of(ctx, stored=True).sessions.begin() as session:
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
@fail_cleanly
def feeds_remove(ctx: click.Context, url: str) -> None:
    """Remove a feed (its articles stay). Example: pledgewatch feeds remove URL"""
    _feed_change(ctx, url, "removed")


@feeds.command("pause")
@click.argument("url")
@click.pass_context
@fail_cleanly
def feeds_pause(ctx: click.Context, url: str) -> None:
    """Stop polling a feed until resumed. Example: pledgewatch feeds pause URL"""
    _feed_change(ctx, url, "paused", paused=True)


@feeds.command("resume")
@click.argument("url")
@click.pass_context
@fail_cleanly
def feeds_resume(ctx: click.Context, url: str) -> None:
    """Poll a paused feed again, at once. Example: pledgewatch feeds resume URL"""
    _feed_change(ctx, url, "resumed", paused=False)


@feeds.command("import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-check", is_flag=True, help="Add them without fetching them first.")
@click.pass_context
@fail_cleanly
def feeds_import(ctx: click.Context, opml: Path, no_check: bool) -> None:
    """Add every feed of an OPML file that answers as a feed (a web page: its advertised feed).

    Example: pledgewatch feeds import reader-export.opml
    """
    from pledgewatch.opml import read_opml

    entries = read_opml(opml.read_bytes())
    app = app_of(ctx)
    with app.sessions() as session:
        known = _stored_urls(session)
    fresh = [url for url, _ in entries if url not in known]
    found = {} if no_check else _checked(app, fresh)
    failed = {url: why for url, why in found.items() if isinstance(why, Exception)}
    added = []
    with app.sessions.begin() as session:
        for url, name in entries:
            if url in failed:
                continue
            feed = found.get(url, url)
            if url in fresh:
                added.append(str(feed))
            schedule.set_feed(session, str(feed), name=name, create=True)
    click.echo(
        f"{opml}: {len(added)} new feeds, {len(entries) - len(fresh)} already there, "
        f"{len(failed)} failed the check"
        + "".join(f"\n  added {url}" for url in added)
        + "".join(f"\n  not added: {why}" for why in failed.values())
    )


@feeds.command("export")
@click.argument("opml", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.pass_context
@fail_cleanly
def feeds_export(ctx: click.Context, opml: Path | None) -> None:
    """Write the feeds as OPML (stdout without a file). Example: pledgewatch feeds export f.opml"""
    from pledgewatch.opml import write_opml

    with app_of(ctx, stored=True).sessions() as session:
        rows = [(f.url, f.name) for f in schedule.feed_status(session)]
    document = write_opml(rows, title="Pledgewatch feeds")
    if opml is None:
        click.echo(document.decode(), nl=False)
    else:
        opml.write_bytes(document)
        click.echo(f"exported {len(rows)} feeds to {opml}")
