"""Digest delivery: files with stable names, and email over SMTP. The only module with smtplib."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from pledgewatch.errors import DeliveryError
from pledgewatch.settings import EmailSettings


def write_files(out_dir: Path, day: str, contents: Mapping[str, str]) -> list[Path]:
    """digest-YYYY-MM-DD.{html,md,txt}, written whole (temp file, then rename)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for fmt, text in contents.items():
            path = out_dir / f"digest-{day}.{fmt}"
            partial = path.with_suffix(path.suffix + ".partial")
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)
            paths.append(path)
        return paths
    except OSError as exc:
        raise DeliveryError(f"cannot write digest files to {out_dir}: {exc}") from exc


def send_email(settings: EmailSettings, subject: str, text: str, html: str) -> None:
    """One multipart (plain text + HTML) message to every recipient; DeliveryError on failure."""
    if not settings.host or not settings.to:
        raise DeliveryError("email is not configured: set [email] host and to")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    context = ssl.create_default_context(cafile=settings.ca_file)
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password or "")
            refused = client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {settings.host}:{settings.port}: {exc}") from exc
    if refused:
        raise DeliveryError(f"SMTP refused recipients: {', '.join(sorted(refused))}")
