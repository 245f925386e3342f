"""`pledgewatch serve`: the analyst's web view over the database."""

from __future__ import annotations

import threading

import click
from pledgewatch.cli.base import app_of, cli, fail_cleanly


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=4, show_default=True)
@click.pass_context
@fail_cleanly
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Serve the web view (pledges, evidence, verdicts, feeds, digests, JSON API).

    Private by default: on any address but loopback it refuses to start unless a login is set
    in the environment: PLEDGEWATCH_WEB_TOKEN, or PLEDGEWATCH_WEB_PASSWORD_HASH, made with
    python -c "from werkzeug.security import generate_password_hash as h; print(h(input()))".
    PLEDGEWATCH_WEB_SECRET keeps logins valid across restarts.

    Example: pledgewatch --config config/demo.toml serve, then open http://127.0.0.1:8080
    """
    from pledgewatch.web import create_web_app
    from pledgewatch.web.security import PASSWORD_HASH_ENV, TOKEN_ENV, Login, is_loopback
    from waitress import serve as waitress_serve

    login = Login.from_environment()
    if not is_loopback(host) and not login.required:
        raise click.ClickException(
            f"refusing to serve on {host} without a login: set {TOKEN_ENV} or "
            f"{PASSWORD_HASH_ENV}, or serve on 127.0.0.1"
        )
    flask_app = create_web_app(app_of(ctx, stored=True), login=login)
    # The article pages' scores need the model: load it while the first pages are served.
    threading.Thread(target=flask_app.extensions["pledgewatch"].warm_up, daemon=True).start()
    click.echo(f"serving on http://{host}:{port} (Ctrl-C stops)", err=True)
    waitress_serve(flask_app, host=host, port=port, threads=threads, ident="pledgewatch")
