"""The analyst's web view (`pledgewatch serve`): server-rendered pages over the database, verdict
and feed actions, and a JSON API. Private by default: see pledgewatch.web.security."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask
from pledgewatch.app import App
from pledgewatch.web import security
from pledgewatch.web.api import api
from pledgewatch.web.pages import pages
from pledgewatch.web.state import WebState
from waitress import create_server
from waitress.wasyncore import close_all

__all__ = ["create_web_app", "serve_in_thread"]


def create_web_app(
    app: App, *, secret: bytes | None = None, login: security.Login | None = None
) -> Flask:
    """The Flask app over ``app``'s database; ``login`` defaults to the environment's
    (PLEDGEWATCH_WEB_TOKEN / PLEDGEWATCH_WEB_PASSWORD_HASH), none when neither is set."""
    flask_app = Flask(__name__)
    flask_app.config.update(
        SECRET_KEY=secret or security.session_secret(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_SORT_KEYS=False,
    )
    flask_app.json.sort_keys = False  # type: ignore[attr-defined]  # the CLI's field order
    flask_app.json.ensure_ascii = False  # type: ignore[attr-defined]
    flask_app.jinja_env.autoescape = True
    flask_app.jinja_env.globals.update(csrf_token=security.csrf_token, safe_url=security.safe_url)
    login = login or security.Login.from_environment()
    flask_app.extensions["pledgewatch"] = WebState(app)
    flask_app.extensions["pledgewatch.login"] = login
    security.install(flask_app, login)
    flask_app.register_blueprint(pages)
    flask_app.register_blueprint(api)
    return flask_app


def serve_in_thread(
    flask_app: Flask, host: str = "127.0.0.1", port: int = 0
) -> tuple[str, Callable[[], None]]:
    """Serve on a real socket from a daemon thread (tests, screenshots): the base URL, and a
    function that stops the server."""
    server = create_server(flask_app, host=host, port=port, threads=4)
    thread = threading.Thread(target=server.run, name="pledgewatch-web", daemon=True)
    thread.start()
    shown = f"[{host}]" if ":" in host else host
    base_url = f"http://{shown}:{server.effective_port}"  # type: ignore[union-attr]

    def stop() -> None:
        # Everything the loop watches (listening socket, open connections, the trigger) is
        # closed inside the loop itself, which then ends: closing from here races its select().
        try:
            server.trigger.pull_trigger(lambda: close_all(server._map))  # type: ignore[union-attr]
        except OSError:  # the trigger's pipe is gone (seen once in a hundred stops): close here
            close_all(server._map)  # type: ignore[union-attr]
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()  # type: ignore[union-attr]
        flask_app.extensions["pledgewatch"].close()

    return base_url, stop
