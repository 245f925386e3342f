"""Dates as real feeds and pages give them (issue 22): day and month names in other languages,
times without a zone in the feed's configured zone, a page's publication date over its last
update, and no date at all (the first-seen time, said as such)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import EXIT_SOME_FAILED, cli
from pledgewatch.dates import parse_date, parse_day
from pledgewatch.demo.server import DemoServer, Route
from pledgewatch.errors import ConfigError
from pledgewatch.extract import extract_article
from pledgewatch.feeds import parse_feed
from pledgewatch.settings import load_settings

from tests.conftest import write_config

# --- monitor/dates.py ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        # RFC 822 / 2822, what RSS asks for
        ("Mon, 24 Sep 2018 19:42:40 -0300", "UTC", "2018-09-24T22:42:40"),
        ("Mon, 24 Sep 2018 19:42:40 GMT", "Asia/Shanghai", "2018-09-24T19:42:40"),
        ("Mon, 24 Sep 2018 19:42:40 MSK", "UTC", "2018-09-24T16:42:40"),  # a zone name RFC lacks
        ("Mon, 24 Sep 2018 19:42:40 -0000", "Asia/Shanghai", "2018-09-24T11:42:40"),  # unknown
        # ISO 8601 / RFC 3339, what Atom asks for
        ("2018-09-24T19:42:40Z", "Asia/Shanghai", "2018-09-24T19:42:40"),
        ("2018-09-24T19:42:40+08:00", "UTC", "2018-09-24T11:42:40"),
        # Portuguese, French, Russian and Chinese day and month names
        ("Seg, 24 Set 2018 19:42:40 -0300", "UTC", "2018-09-24T22:42:40"),
        ("Qua, 03 Out 2018 10:00:00 -0300", "UTC", "2018-10-03T13:00:00"),
        ("Sáb, 06 Out 2018 10:00:00 -0300", "UTC", "2018-10-06T13:00:00"),
        ("lun., 24 sept. 2018 19:42:40 +0200", "UTC", "2018-09-24T17:42:40"),
        ("mardi 2 octobre 2018 à 10h15", "Europe/Paris", "2018-10-02T08:15:00"),
        ("Пн, 24 сен 2018 19:42:40 +0300", "UTC", "2018-09-24T16:42:40"),
        ("24 сентября 2018, 19:42", "Europe/Moscow", "2018-09-24T16:42:00"),
        ("2018年9月18日 14:38:10", "Asia/Shanghai", "2018-09-18T06:38:10"),
    ],
)
def test_dates_in_standard_and_localised_forms(value: str, zone: str, expected: str) -> None:
    assert parse_date(value, zone) == datetime.fromisoformat(expected).replace(tzinfo=UTC)


def test_a_time_without_a_zone_is_read_in_the_given_zone() -> None:
    assert parse_date("2018-09-18 14:38:10", "Asia/Shanghai") == datetime(
        2018, 9, 18, 6, 38, 10, tzinfo=UTC
    )
    assert parse_date("2018-09-18 14:38:10") == datetime(2018, 9, 18, 14, 38, 10, tzinfo=UTC)
    # The zone's offset on that day: summer and winter time in Paris.
    assert parse_date("lundi 24 septembre 2018 19:42", "Europe/Paris") == datetime(
        2018, 9, 24, 17, 42, tzinfo=UTC
    )
    assert parse_date("lundi 24 décembre 2018 19:42", "Europe/Paris") == datetime(
        2018, 12, 24, 18, 42, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "value",
    ["", "   ", None, "garbage", "3 hours ago", "yesterday", "hier", "Set 2018", "24 septembre"]
    + ["1537300000", "31 Dec 99999 10:00"],
)
def test_no_date_is_guessed(value: str | None) -> None:
    """Relative dates, bare numbers and dates missing their day, month or year are no date."""
    assert parse_date(value) is None


def test_feed_dates_use_the_strings_as_given() -> None:
    feed = parse_feed(
        _rss(
            "Notícias",
            "pt-BR",
            [
                ("a", "Um", "http://x.org/a", "Seg, 24 Set 2018 19:42:40 -0300", "texto"),
                ("b", "Dois", "http://x.org/b", "2018-09-18 14:38:10", "texto"),
                ("c", "Três", "http://x.org/c", None, "texto"),
            ],
        ).encode(),
        "application/rss+xml",
        "America/Sao_Paulo",
    )
    a, b, c = feed.entries
    assert a.published == datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)
    assert b.published == datetime(2018, 9, 18, 17, 38, 10, tzinfo=UTC)  # São Paulo: UTC-3
    assert c.published is None
    assert a.language == "pt-BR"  # as declared; monitor.language reads it


def test_timezone_of_a_feed_is_checked(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.toml", "sqlite://", [])
    with config.open("a", encoding="utf-8") as f:
        f.write('[[feeds]]\nurl = "https://example.org/a.xml"\n\n')
        f.write('[[feeds]]\nurl = "https://example.org/b.xml"\ntimezone = "Asia/Shanghai"\n')
    first, second = load_settings(config, env={}).feeds
    assert (first.timezone, second.timezone) == ("UTC", "Asia/Shanghai")
    config.write_text(config.read_text().replace("Asia/Shanghai", "China/Beijing"))
    with pytest.raises(ConfigError, match=r"feeds\.1\.timezone: .*unknown timezone 'China/B"):
        load_settings(config, env={})


# --- pages ---------------------------------------------------------------------------------

PUBLISHED, MODIFIED = "2025-01-21T09:15:00+03:00", "2025-02-03T16:20:00+03:00"
BODY = (
    "<article><h1>Putin and Xi hold a video call</h1><p>Vladimir Putin and Xi Jinping held a "
    "video call on Tuesday and discussed energy, trade and the war in Ukraine, the Kremlin said "
    "in a statement after the talks.</p><p>Both leaders praised relations between their "
    "countries as the best in their history.</p></article>"
)


def _page(head: str, lang: str = "en") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>Putin and Xi hold a video call</title>{head}</head><body>{BODY}</body></html>"
    ).encode()


def _json_ld(**dates: str) -> str:
    article = {"@context": "https://schema.org", "@type": "NewsArticle", **dates}
    return f'<script type="application/ld+json">{json.dumps(article)}</script>'


@pytest.mark.parametrize(
    "head",
    [
        # htmldate alone takes the <meta> update date here, before the JSON-LD's datePublished.
        f'<meta property="article:modified_time" content="{MODIFIED}">'
        + _json_ld(datePublished=PUBLISHED),
        f'<meta property="article:modified_time" content="{MODIFIED}">'
        f'<meta property="article:published_time" content="{PUBLISHED}">'
        + _json_ld(dateModified=MODIFIED, datePublished=PUBLISHED),
        f'<meta itemprop="dateModified" content="{MODIFIED}">'
        f'<meta itemprop="datePublished" content="{PUBLISHED}">',
        '<script type="application/ld+json">'
        + json.dumps(
            {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebPage", "dateModified": MODIFIED},
                    {"@type": "NewsArticle", "dateModified": MODIFIED, "datePublished": PUBLISHED},
                ],
            }
        )
        + "</script>",
    ],
)
def test_a_page_is_dated_by_its_publication_not_its_last_update(head: str) -> None:
    page = extract_article(_page(head), "http://127.0.0.1/news/1")
    assert page.published == datetime(2025, 1, 21, 6, 15, tzinfo=UTC)


def test_a_page_date_keeps_its_time_and_zone() -> None:
    page = extract_article(_page(f'<meta name="date" content="{MODIFIED}">'), "http://x.org/a")
    assert page.published == datetime(2025, 2, 3, 13, 20, tzinfo=UTC)


# --- end to end: the real pipeline on feeds and pages served on 127.0.0.1 ------------------


Item = tuple[str, str, str, str | None, str]


def _rss(title: str, language: str | None, items: list[Item]) -> str:
    """RSS 2.0; items are (guid, title, link, pubDate or None, description)."""
    parts = []
    for guid, item_title, link, date, description in items:
        pub = f"<pubDate>{date}</pubDate>" if date else ""
        parts.append(
            f"<item><guid isPermaLink='false'>{guid}</guid><title>{item_title}</title>"
            f"<link>{link}</link>{pub}<description>{description}</description></item>"
        )
    lang = f"<language>{language}</language>" if language else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title>{lang}{''.join(parts)}</channel></rss>"
    )


def _run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def _show(config: Path, url: str) -> dict:  # type: ignore[type-arg]
    code, out = _run(config, "show", url, "--format", "json")
    assert code == 0, out
    return json.loads(out)  # type: ignore[no-any-return]


def _utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


# Lines of text for the entries (their pages are not found: the feed's text is stored).
LINES = [
    "Gazprom a livré davantage de gaz à la Chine par le gazoduc Force de Sibérie.",
    "O comércio entre a China e a Rússia cresceu pelo quinto ano consecutivo em 2024.",
    "Торговля между Россией и Китаем выросла пятый год подряд.",
    "Le Kremlin annonce une visite de Xi Jinping à Moscou au mois de mai prochain.",
    "中俄双边贸易额连续第五年创历史新高，海关总署周一发布数据显示。",
    "国家主席习近平在莫斯科出席纪念卫国战争胜利八十周年庆典活动。",
]


def test_localised_and_zone_less_feed_dates_are_stored_right(
    tmp_path: Path, database_url: str
) -> None:
    with DemoServer(corpus={}) as server:
        base = server.base
        mixed = _rss(
            "Mixed",
            "pt",
            [
                ("pt-1", "Um", f"{base}/pt/1", "Seg, 24 Set 2018 19:42:40 -0300", LINES[1]),
                ("fr-1", "Deux", f"{base}/fr/1", "lun., 24 sept. 2018 19:42:40 +0200", LINES[0]),
                ("ru-1", "Три", f"{base}/ru/1", "Пн, 24 сен 2018 19:42:40 +0300", LINES[2]),
                ("pt-2", "Quatro", f"{base}/pt/2", "Qua, 03 Out 2018 10:00:00 -0300", LINES[3]),
            ],
        )
        zone_less = "2018-09-18 14:38:10"  # from a Chinese feed: Beijing time
        zh = _rss("新闻", "zh-CN", [("zh-1", "一", f"{base}/zh/1", zone_less, LINES[4])])
        zh_utc = _rss("新闻2", "zh", [("zh-2", "二", f"{base}/zh/2", zone_less, LINES[5])])
        for path, body in (("/mixed.xml", mixed), ("/zh.xml", zh), ("/zh-utc.xml", zh_utc)):
            server.routes[path] = Route(200, "application/rss+xml", body.encode())
        config = write_config(
            tmp_path / "c.toml", database_url, [f"{base}/mixed.xml", f"{base}/zh-utc.xml"]
        )
        with config.open("a", encoding="utf-8") as f:
            f.write(f'[[feeds]]\nurl = "{base}/zh.xml"\ntimezone = "Asia/Shanghai"\n')
        code, out = _run(config, "run", "--once")
        assert code == EXIT_SOME_FAILED, out  # the missing pages, on purpose
    expected = {
        "pt/1": "2018-09-24T22:42:40",
        "fr/1": "2018-09-24T17:42:40",
        "ru/1": "2018-09-24T16:42:40",
        "pt/2": "2018-10-03T13:00:00",
        "zh/1": "2018-09-18T06:38:10",  # Asia/Shanghai, as configured
        "zh/2": "2018-09-18T14:38:10",  # no timezone key: UTC, the documented default
    }
    for path, when in expected.items():
        detail = _show(config, f"{base}/{path}")
        assert _utc(detail["published"]) == datetime.fromisoformat(when).replace(tzinfo=UTC), path
        assert detail["date_origin"] == "feed"
    code, out = _run(config, "matches", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and rows
    for row in rows:
        assert row["date_origin"] == "feed"
        path = row["article_url"].removeprefix(base + "/")
        assert _utc(row["published"]) == datetime.fromisoformat(expected[path]).replace(tzinfo=UTC)


def test_page_date_and_no_date_at_all(tmp_path: Path, database_url: str) -> None:
    with DemoServer(corpus={}) as server:
        base = server.base
        head = f'<meta property="article:modified_time" content="{MODIFIED}">' + _json_ld(
            datePublished=PUBLISHED, dateModified=MODIFIED
        )
        server.routes["/news/dated-page"] = Route(200, "text/html", _page(head))
        feed = _rss(
            "Undated",
            "en",
            [
                ("u-1", "Putin and Xi hold a video call", f"{base}/news/dated-page", None, ""),
                ("u-2", "Trade", f"{base}/news/missing", None, "Trade between China and Russia."),
            ],
        )
        server.routes["/undated.xml"] = Route(200, "application/rss+xml", feed.encode())
        config = write_config(tmp_path / "c.toml", database_url, [f"{base}/undated.xml"])
        before = datetime.now(UTC)
        code, out = _run(config, "run", "--once")
        after = datetime.now(UTC)
        assert code == EXIT_SOME_FAILED, out  # the missing page, on purpose
    paged = _show(config, f"{base}/news/dated-page")
    assert (_utc(paged["published"]), paged["date_origin"]) == (
        datetime(2025, 1, 21, 6, 15, tzinfo=UTC),  # datePublished, not the later dateModified
        "page",
    )
    undated = _show(config, f"{base}/news/missing")
    assert undated["date_origin"] == "first_seen"
    first_seen = _utc(undated["published"])
    assert before <= first_seen <= after
    code, out = _run(config, "show", f"{base}/news/missing")
    assert code == 0
    stamp = first_seen.strftime("%Y-%m-%d %H:%M")
    assert re.search(rf"published {stamp} UTC \(no date given: first seen\)", out), out
    code, out = _run(config, "show", f"{base}/news/dated-page")
    assert "published 2025-01-21 06:15 UTC ·" in out and "no date given" not in out


def test_a_zone_less_page_date_is_read_in_its_feeds_zone(tmp_path: Path, database_url: str) -> None:
    with DemoServer(corpus={}) as server:
        base = server.base
        server.routes["/bj/page"] = Route(
            200, "text/html", _page(_json_ld(datePublished="2025-01-21T14:15:00"))
        )
        feed = _rss("Beijing", "en", [("bj-1", "Call", f"{base}/bj/page", None, "")])
        server.routes["/bj.xml"] = Route(200, "application/rss+xml", feed.encode())
        config = write_config(tmp_path / "c.toml", database_url, [])
        with config.open("a", encoding="utf-8") as f:
            f.write(f'[[feeds]]\nurl = "{base}/bj.xml"\ntimezone = "Asia/Shanghai"\n')
        code, out = _run(config, "run", "--once")
        assert code == 0, out
    paged = _show(config, f"{base}/bj/page")
    assert _utc(paged["published"]) == datetime(2025, 1, 21, 6, 15, tzinfo=UTC)
    assert paged["date_origin"] == "page"


@pytest.mark.parametrize(
    ("typed", "end", "expected"),
    [
        ("2025-05-09", False, "2025-05-09"),
        ("2025-05-09", True, "2025-05-10"),  # --until is inclusive: up to the next midnight
        ("today", False, "2025-05-12"),
        ("Yesterday", False, "2025-05-11"),
        ("7d", False, "2025-05-05"),
        ("2w", False, "2025-04-28"),
        ("0d", True, "2025-05-13"),
    ],
)
def test_days_typed_by_people(typed: str, end: bool, expected: str) -> None:
    day = parse_day(typed, end=end, today=datetime(2025, 5, 12).date())
    assert day == datetime.fromisoformat(expected).replace(tzinfo=UTC)


@pytest.mark.parametrize("typed", ["9 May", "7 days", "-3d", "2025-13-01", "3m"])
def test_a_day_that_is_none_of_the_forms_says_which_are(typed: str) -> None:
    with pytest.raises(ValueError, match="2025-05-09, today, yesterday, 7d"):
        parse_day(typed, today=datetime(2025, 5, 12).date())
