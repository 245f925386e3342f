"""Private by default: login (token or password hash), CSRF on every POST, safe links, headers."""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, Response, abort, jsonify, redirect, request, session, url_for
from werkzeug.security import check_password_hash

TOKEN_ENV = "PLEDGEWATCH_WEB_TOKEN"
PASSWORD_HASH_ENV = "PLEDGEWATCH_WEB_PASSWORD_HASH"
SECRET_ENV = "PLEDGEWATCH_WEB_SECRET"

# No inline script or style anywhere (the chart SVGs use presentation attributes only).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# A stored digest is our own HTML with inline styles: styles allowed, scripts never.
DIGEST_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
)
# Reachable without a login: the login form itself and the stylesheet it uses.
_OPEN_ENDPOINTS = {"pages.login", "static"}


@dataclass(frozen=True)
class Login:
    """How users prove who they are; neither set: no login (loopback only)."""

    token: str | None = None
    password_hash: str | None = None  # a werkzeug hash (generate_password_hash)

    @classmethod
    def from_environment(cls) -> Login:
        return cls(os.environ.get(TOKEN_ENV) or None, os.environ.get(PASSWORD_HASH_ENV) or None)

    @property
    def required(self) -> bool:
        return bool(self.token or self.password_hash)

    def accepts(self, secret: str) -> bool:
        """The token, or a password matching the hash."""
        if self.token and hmac.compare_digest(secret.encode(), self.token.encode()):
            return True
        return bool(self.password_hash and check_password_hash(self.password_hash, secret))


def is_loopback(host: str) -> bool:
    """127.0.0.1, ::1, localhost: only this machine can connect."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def session_secret() -> bytes:
    """$PLEDGEWATCH_WEB_SECRET (sessions survive restarts and replicas), else a random one."""
    configured = os.environ.get(SECRET_ENV)
    return configured.encode() if configured else secrets.token_bytes(32)


def csrf_token() -> str:
    """This session's CSRF token (made on first use), put in every form."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def safe_url(value: str | None) -> str | None:
    """The URL when it may become a link (http or https), else None: never javascript:."""
    if not value:
        return None
    scheme = urlsplit(value.strip()).scheme.lower()
    return value if scheme in ("http", "https") else None


def install(flask_app: Flask, login: Login) -> None:
    """Login check and CSRF check before each request, security headers after."""

    @flask_app.before_request
    def _guard() -> Response | None:
        if login.required and request.endpoint not in _OPEN_ENDPOINTS:
            bearer = request.headers.get("Authorization", "")
            by_token = bearer.startswith("Bearer ") and login.accepts(bearer[7:].strip())
            if not (by_token or session.get("logged_in")):
                if request.path.startswith("/api/"):
                    return _json_error(401, "login required: Authorization: Bearer <token>")
                return redirect(url_for("pages.login", next=request.full_path))
        if request.method == "POST":
            sent = request.form.get("csrf_token", "")
            expected = session.get("csrf")
            if not expected or not hmac.compare_digest(sent.encode(), str(expected).encode()):
                abort(403, "missing or wrong CSRF token: reload the page and try again")
        return None

    @flask_app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _json_error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response
