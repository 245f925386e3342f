"""Daily digests: files, escaping, the chart, and email through a real SMTP server (issue 4)."""

from __future__ import annotations

import email
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import html5lib
import pytest
import time_machine
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.statements import load_seed
from pledgewatch.storage.articles import NewArticle, add_article
from pledgewatch.storage.db import open_database
from pledgewatch.storage.digests import get_digest
from pledgewatch.storage.matches import NewMatch, sync_statements

DAY = "2025-05-09"
HOSTILE_TITLE = '<script>alert("x")</script> Gas & oil [deal](http://evil.example)'


def _add(session: Any, n: int, statement: str, score: float, **fields: Any) -> None:
    article = {
        "url": f"https://news.example/{n}",
        "canonical_url": f"https://news.example/{n}",
        "title": f"Story {n}",
        "source": "Wire",
        "published": datetime(2025, 5, 8, tzinfo=UTC),
        "language": "en",
        "text": f"Opening line of story {n}. The evidence sentence number {n} is here. "
        "A closing line.",
        "content_hash": str(n),
        "text_origin": "page",
    }
    article.update(fields)
    match = NewMatch(statement, score, f"The evidence sentence number {n} is here.", 1, "m@1")
    add_article(session, NewArticle(**article), [match])  # type: ignore[arg-type]


@pytest.fixture
def known_db(database_url: str) -> str:
    """Matches found at known times: four on 9 May (Paris), two earlier that week, one later."""
    sessions = open_database(database_url)
    seed = load_seed(DEFAULT_STATEMENTS)
    with sessions.begin() as session:
        sync_statements(
            session, seed.seed, [(s.id, s.speaker, s.text, s.wordings()) for s in seed.statements]
        )
    found = [
        ("2025-05-03T12:00:00Z", 1, "energy-supplier", 0.31, {}),
        ("2025-05-06T12:00:00Z", 2, "trade-momentum", 0.22, {}),
        ("2025-05-08T22:30:00Z", 3, "energy-supplier", 0.41, {}),  # 00:30 on 9 May in Paris
        ("2025-05-09T09:00:00Z", 4, "energy-supplier", 0.27, {}),
        (
            "2025-05-09T10:00:00Z",
            5,
            "historical-memory",
            0.35,
            {"title": HOSTILE_TITLE, "url": "javascript:alert(1)", "source": "<b>Bad</b>"},
        ),
        ("2025-05-09T21:30:00Z", 6, "historical-memory", 0.19, {"language": "ru"}),  # 23:30
        ("2025-05-09T22:30:00Z", 7, "trade-momentum", 0.5, {}),  # 00:30 on 10 May in Paris
    ]
    for stamp, n, statement, score, fields in found:
        with time_machine.travel(datetime.fromisoformat(stamp), tick=False):
            with sessions.begin() as session:
                _add(session, n, statement, score, **fields)
    return database_url


def _config(tmp_path: Path, database_url: str, email: str = "") -> Path:
    path = tmp_path / "digest.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n'
        f'[digest]\ntimezone = "Europe/Paris"\nout_dir = "{tmp_path / "out"}"\n{email}',
        encoding="utf-8",
    )
    return path


def _digest(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "digest", "--date", DAY, *args])
    return result.exit_code, result.stdout, result.stderr


def test_digest_files_group_count_and_compare(tmp_path: Path, known_db: str) -> None:
    config = _config(tmp_path, known_db)
    code, out, _ = _digest(config)
    assert code == 0, out
    assert "4 matches" in out
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == [f"digest-{DAY}.{ext}" for ext in ("html", "md", "txt")]
    md = (tmp_path / "out" / f"digest-{DAY}.md").read_text()
    assert "**4** new matches on 2025-05-09 (Europe/Paris)" in md
    # 2 matches in the 7 days before: 2/7 = 0.3 per day; 4 is 14.0x that.
    assert "14.0x the average of the previous 7 days (0.3/day)" in md
    assert "## energy-supplier — 2 new" in md and "## historical-memory — 2 new" in md
    assert md.index("Story 3") < md.index("Story 4")  # best score first
    assert "Story 7" not in md and "Story 2" not in md  # other local days
    assert "## No new coverage" in md and "multipolar-order" in md
    # The evidence stands out within its context.
    assert "Opening line of story 3. **The evidence sentence number 3 is here.** A closing" in md
    txt = (tmp_path / "out" / f"digest-{DAY}.txt").read_text()
    assert ">>> The evidence sentence number 4 is here. <<<" in txt


def test_web_text_is_escaped_everywhere(tmp_path: Path, known_db: str) -> None:
    config = _config(tmp_path, known_db)
    assert _digest(config)[0] == 0
    html = (tmp_path / "out" / f"digest-{DAY}.html").read_text()
    # Strict HTML5 parsing raises on any parse error.
    document = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    assert document.findall(".//script") == []
    hrefs = [a.get("href") for a in document.iter("a")]
    assert hrefs and all(h.startswith("https://news.example/") for h in hrefs)
    assert "&lt;script&gt;" in html and "<b>Bad</b>" not in html
    assert "javascript:" not in html.replace("&lt;script&gt;", "")
    assert document.find(".//{http://www.w3.org/2000/svg}svg") is not None  # inline chart
    assert "src=" not in html and "<link" not in html
    md = (tmp_path / "out" / f"digest-{DAY}.md").read_text()
    assert "\\<script\\>" in md and "\\[deal\\]\\(http://evil.example\\)" in md
    assert "javascript:" not in md


def test_regenerating_a_day_gives_the_same_files(tmp_path: Path, known_db: str) -> None:
    config = _config(tmp_path, known_db)
    assert _digest(config)[0] == 0
    first = {f.name: f.read_bytes() for f in (tmp_path / "out").iterdir()}
    assert _digest(config)[0] == 0
    assert {f.name: f.read_bytes() for f in (tmp_path / "out").iterdir()} == first


def test_skip_empty(tmp_path: Path, known_db: str) -> None:
    config = _config(tmp_path, known_db)
    result = CliRunner().invoke(
        cli, ["--config", str(config), "digest", "--date", "2025-04-01", "--skip-empty"]
    )
    assert result.exit_code == 0 and "no matches, digest skipped" in result.stdout
    assert not (tmp_path / "out").exists()


# --- email --------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[Message]:
        return [email.message_from_bytes(e.content) for e in self.envelopes]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _email_config(port: int, extra: str = "") -> str:
    return (
        f'[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'from = "digest@pledgewatch.test"\nto = ["ana@example.org", "ben@example.org"]\n{extra}'
    )


def test_digest_is_mailed_once_to_every_recipient(
    tmp_path: Path, known_db: str, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    config = _config(tmp_path, known_db, _email_config(port))
    code, out, _ = _digest(config, "--email")
    assert code == 0, out
    assert "mailed the digest of 2025-05-09" in out
    (envelope,) = inbox.envelopes
    assert sorted(envelope.rcpt_tos) == ["ana@example.org", "ben@example.org"]
    (message,) = inbox.messages()
    assert message["Subject"] == "Pledgewatch digest 2025-05-09: 4 new matches"
    assert message.get_content_type() == "multipart/alternative"
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in message.walk()
        if not p.is_multipart()
    }
    assert set(parts) == {"text/plain", "text/html"}
    assert "PLEDGEWATCH DIGEST" in parts["text/plain"] and "<svg" in parts["text/html"]

    code, out, _ = _digest(config, "--email")
    assert code == 0 and "already mailed" in out
    assert len(inbox.envelopes) == 1  # a re-run sends nothing
    code, out, _ = _digest(config, "--email", "--force")
    assert code == 0 and len(inbox.envelopes) == 2


def test_smtp_down_writes_the_file_reports_and_retries(tmp_path: Path, known_db: str) -> None:
    port = _free_port()  # nothing listens there yet
    config = _config(tmp_path, known_db, _email_config(port))
    code, _, err = _digest(config, "--email")
    assert code == 1
    assert "digest 2025-05-09 not sent" in err and "will retry on the next run" in err
    assert (tmp_path / "out" / f"digest-{DAY}.html").exists()
    with open_database(known_db)() as session:
        state = get_digest(session, DAY)
    assert state is not None and state.sent_at is None and state.send_error

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # The next day's run mails the next day and the day that failed.
        result = CliRunner().invoke(
            cli, ["--config", str(config), "digest", "--date", "2025-05-10", "--email"]
        )
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    subjects = sorted(m["Subject"] for m in inbox.messages())
    assert subjects == [
        "Pledgewatch digest 2025-05-09: 4 new matches",
        "Pledgewatch digest 2025-05-10: 1 new matches",
    ]
    with open_database(known_db)() as session:
        state = get_digest(session, DAY)
    assert state is not None and state.sent_at is not None and state.send_error is None


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login(
    tmp_path: Path, known_db: str, security: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    inbox, port = Inbox(), _free_port()
    tls = (
        {"tls_context": server_context, "require_starttls": True}
        if security == "starttls"
        else {"ssl_context": server_context}
    )
    # With implicit TLS aiosmtpd's SMTP layer cannot see the TLS under it: let it offer AUTH.
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=security == "starttls",
        **tls,
    )  # type: ignore[arg-type]
    controller.start()
    monkeypatch.setenv("PLEDGEWATCH_SMTP_PASSWORD", "s3cret")
    extra = f'username = "digest"\nca_file = "{ca_file}"\n'
    email_section = _email_config(port, extra).replace(
        'security = "none"', f'security = "{security}"'
    )
    config = _config(tmp_path, known_db, email_section)
    try:
        code, out, err = _digest(config, "--email")
    finally:
        controller.stop()
    assert code == 0, out + err
    assert logins == [(b"digest", b"s3cret")]
    assert len(inbox.envelopes) == 1


def test_password_in_the_file_is_refused(tmp_path: Path, sqlite_url: str) -> None:
    config = _config(tmp_path, sqlite_url, _email_config(25, 'password = "oops"\n'))
    code, _, err = _digest(config)
    assert code == 1 and "set PLEDGEWATCH_SMTP_PASSWORD instead" in err
