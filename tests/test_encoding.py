"""Pages and feeds are decoded as browsers decode them: the WHATWG Encoding Standard's labels,
BOMs, the HTML <meta> prescan and the XML declaration (issue 22). All text here is written for
these tests and encoded here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import EXIT_SOME_FAILED, cli
from pledgewatch.demo.server import DemoServer, Route
from pledgewatch.encoding import decode_feed, decode_page, feed_as_utf8, http_charset, prescan_meta
from pledgewatch.extract import extract_article
from pledgewatch.feeds import parse_feed
from pledgewatch.storage.db import open_database
from pledgewatch.storage.models import Article
from sqlalchemy import select

from tests.conftest import write_config

# In GBK but not in GB2312: what a page labelled gb2312 often carries.
GBK_ONLY = "镕喆"
TITLE = "中俄贸易额再创新高 经济学家王喆：合作潜力巨大"
TRADE = [
    "中国海关总署最新数据显示，2024年前11个月中俄双边贸易额超过2200亿美元，同比增长超过7%，"
    "全年有望再创历史新高。",
    "经济学家王喆表示，能源、汽车和农产品贸易是增长的主要动力，两国企业在本币结算方面的合作"
    "也在不断深化。",
    "他回忆说，早在朱镕基担任总理期间，中俄边境贸易就已开始快速发展，如今两国经贸合作的规模"
    "已今非昔比。",
]
ENERGY_TITLE = "俄罗斯对华原油出口保持增长 研究员刘喆解读能源合作"
ENERGY = [
    "俄罗斯继续是中国最大的原油供应国，通过管道和海运输往中国的原油数量稳中有升，"
    "天然气管道的输气量也创下新高。",
    "中国社会科学院研究员刘喆指出，北极液化天然气项目和远东油气田的开发为两国能源合作提供了"
    "新的空间，但国际制裁带来的支付难题仍需解决。",
    "他说，朱镕基时期签署的长期能源合作协议奠定了今天的合作基础，双方企业仍在扩大合作。",
]
FEED_TITLE = "中俄总理定期会晤筹备工作启动 喆报记者朱镕报道"
FEED_SUMMARY = (
    "中俄双方近日启动总理定期会晤的筹备工作，双方将就贸易、能源、交通和人文交流等领域的合作"
    "交换意见，记者朱镕从北京报道。"
)
# Inline scripts as large sites have them: with the Chinese text outside the first and last
# 5,000 bytes, trafilatura's own detection guessed gb2312, failed and stored U+FFFD.
SCRIPT = "<script>var config = {" + ", ".join(f'"k{i}": "v{i}"' for i in range(400)) + "};</script>"


def test_the_fixture_characters_are_gbk_but_not_gb2312() -> None:
    for char in GBK_ONLY:
        char.encode("gbk")
        with pytest.raises(UnicodeEncodeError):
            char.encode("gb2312")


def _page(title: str, paragraphs: list[str], head: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head>{head}{SCRIPT}<title>{title}</title></head><body>"
        f"<nav><a href='/'>首页</a> <a href='/news'>新闻</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>{SCRIPT}"
        "<footer>Copyright 2025 Example News</footer></body></html>"
    )


# --- the module ------------------------------------------------------------------------------


def test_gb2312_label_reads_gbk() -> None:
    """Issue 22: a page labelled gb2312 with a character only GBK has."""
    body = _page(TITLE, TRADE).encode("gbk")
    decoded = decode_page(body, "text/html; charset=gb2312")
    assert decoded is not None and (decoded.encoding, decoded.source) == ("gbk", "http")
    assert "朱镕基" in decoded.text and "王喆" in decoded.text and "\ufffd" not in decoded.text


@pytest.mark.parametrize("label", ["iso-8859-1", "ISO-8859-1", "latin1", "us-ascii", "ascii"])
def test_latin1_and_ascii_labels_read_windows_1252(label: str) -> None:
    body = b"<p>\x93Le prix\x94 : 100 \x80, c\x92est tout.</p>"
    decoded = decode_page(body, f"text/html; charset={label}")
    assert decoded is not None and decoded.encoding == "windows-1252"
    assert decoded.text == "<p>\u201cLe prix\u201d : 100 \u20ac, c\u2019est tout.</p>"


def test_utf8_bom_wins_over_declared_charsets() -> None:
    body = b"\xef\xbb\xbf" + '<meta charset="gb2312"><p>«€ 朱镕基»</p>'.encode()
    decoded = decode_page(body, "text/html; charset=iso-8859-1")
    assert decoded is not None and (decoded.encoding, decoded.source) == ("utf-8", "bom")
    assert decoded.text == '<meta charset="gb2312"><p>«€ 朱镕基»</p>'


@pytest.mark.parametrize(("codec", "name"), [("utf-16-le", "utf-16le"), ("utf-16-be", "utf-16be")])
def test_utf16_with_bom(codec: str, name: str) -> None:
    text = "<html><head><title>俄罗斯</title></head><body><p>中俄 “合作”</p></body></html>"
    decoded = decode_page(("\ufeff" + text).encode(codec), "text/html; charset=utf-8")
    assert decoded is not None and decoded.encoding == name and decoded.text == text


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'<meta charset="gb2312">', "gbk"),
        (b"<META CHARSET=GB2312>", "gbk"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "gbk"),
        (b"<meta content='text/html;charset=\"latin1\"' http-equiv=content-type>", "windows-1252"),
        (b'<meta charset="utf-16">', "utf-8"),  # an ASCII scan found it: not UTF-16
        (b'<meta charset="x-user-defined">', "windows-1252"),
        (b'<!-- <meta charset="koi8-r"> --><meta charset="windows-1251">', "windows-1251"),
        (b'<img alt="<meta charset=koi8-r>"><meta charset="euc-kr">', "euc-kr"),
        (b'<meta content="text/html; charset=gb2312">', None),  # no http-equiv: no pragma
        (b'<meta charset="bogus"><meta charset="big5">', "big5"),
        (b'<meta charset="iso-2022-kr">', None),  # 'replacement': left to detection
        (b"<title>no declaration</title>", None),
        (b" " * 1024 + b'<meta charset="gb2312">', None),  # past the prescan's 1024 bytes
    ],
)
def test_meta_prescan(head: bytes, expected: str | None) -> None:
    assert prescan_meta(head[:1024]) == expected
    decoded = decode_page(head + b"<p>x</p>", "text/html")
    assert (decoded.encoding if decoded else None) == expected


def test_http_charset_comes_before_meta() -> None:
    body = '<meta charset="windows-1251"><p>朱镕基</p>'.encode("gbk")
    decoded = decode_page(body, "text/html; charset='GB2312'")
    assert decoded is not None and decoded.source == "http" and "朱镕基" in decoded.text
    assert http_charset("text/xml;charset = us-ascii") == "us-ascii"
    assert http_charset("text/html") is None and http_charset(None) is None


def test_undeclared_page_is_left_to_trafilatura() -> None:
    body = _page(TITLE, TRADE).encode("gbk")
    assert decode_page(body, "text/html") is None and decode_page(body, None) is None
    assert decode_page(b"<p>x</p>", "text/html; charset=bogus") is None


def test_feed_xml_declaration_gb2312_reads_gbk() -> None:
    feed = _rss(FEED_TITLE, FEED_SUMMARY, "http://127.0.0.1/x", encoding="gb2312")
    decoded = decode_feed(feed, "application/rss+xml")
    assert decoded is not None and (decoded.encoding, decoded.source) == ("gbk", "xml")
    body, content_type = feed_as_utf8(feed, "application/rss+xml")
    assert content_type == "application/rss+xml; charset=utf-8"
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    (entry,) = parse_feed(feed, "application/rss+xml").entries
    assert entry.title == FEED_TITLE and entry.summary == FEED_SUMMARY


def test_feed_http_charset_overrides_the_declaration() -> None:
    feed = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>'
    feed += "\u201cLe Monde\u201d \u20ac".encode("cp1252") + b"</title></channel></rss>"
    parsed = parse_feed(feed, "text/xml; charset=iso-8859-1")
    assert parsed.title == "\u201cLe Monde\u201d \u20ac" and parsed.problem is None


def test_feed_with_utf16_bom_and_undeclared_feeds() -> None:
    text = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>中俄'
    text += "</title></channel></rss>"
    assert parse_feed(("\ufeff" + text).encode("utf-16-le"), "application/xml").title == "中俄"
    undeclared = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'
    )
    assert feed_as_utf8(undeclared, "application/rss+xml") == (undeclared, "application/rss+xml")
    utf32 = ("\ufeff" + text.replace("utf-16", "utf-32")).encode("utf-32-le")
    assert decode_feed(utf32, None) is None  # the standard has no UTF-32: feedparser reads it
    assert parse_feed(utf32).title == "中俄"


# --- extraction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "head"),
    [("text/html; charset=gb2312", ""), ("text/html", '<meta charset="gb2312">')],
)
def test_extract_article_reads_gb2312_as_gbk(content_type: str, head: str) -> None:
    """Issue 22: title and text of a GBK page labelled gb2312, by header or by <meta>."""
    article = extract_article(
        _page(TITLE, TRADE, head).encode("gbk"), "http://x.cn/a", content_type
    )
    assert article.title == TITLE
    assert "朱镕基" in article.text and "王喆" in article.text and "\ufffd" not in article.text


def test_extract_article_with_an_xml_declaration() -> None:
    page = '<?xml version="1.0" encoding="gb2312"?>' + _page(TITLE, TRADE)
    article = extract_article(page.encode("gbk"), "http://x.cn/a", "text/html; charset=gb2312")
    assert article.title == TITLE and "朱镕基" in article.text


# --- end to end ------------------------------------------------------------------------------


def _rss(title: str, summary: str, link: str, encoding: str = "utf-8") -> bytes:
    item = (
        f"<item><guid>{link}</guid><title>{title}</title><link>{link}</link>"
        f"<description>{summary}</description></item>"
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>经济新闻</title><language>zh-cn</language>{item}</channel></rss>"
    ).encode("gbk" if encoding == "gb2312" else encoding)


def _run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def test_gbk_pages_and_feed_labelled_gb2312_end_to_end(tmp_path: Path, database_url: str) -> None:
    """Issue 22: what a user sees of GBK pages and a GBK feed labelled gb2312 has no mojibake."""
    with DemoServer(corpus={}) as server:
        trade, energy = f"{server.base}/zh/trade.html", f"{server.base}/zh/energy.html"
        server.routes["/zh/trade.html"] = Route(
            200, "text/html; charset=gb2312", _page(TITLE, TRADE).encode("gbk")
        )
        server.routes["/zh/energy.html"] = Route(
            200, "text/html", _page(ENERGY_TITLE, ENERGY, '<meta charset="gb2312">').encode("gbk")
        )
        server.routes["/zh/rss.xml"] = Route(
            200,
            "application/rss+xml; charset=utf-8",
            _rss(TITLE, "中俄贸易", trade),
        )
        server.routes["/zh/energy.xml"] = Route(
            200, "application/rss+xml", _rss(ENERGY_TITLE, "俄罗斯对华原油出口", energy, "gb2312")
        )
        # The page behind this item is gone: the article is the feed's own title and summary.
        server.routes["/zh/gbk.xml"] = Route(
            200,
            "text/xml",
            _rss(FEED_TITLE, FEED_SUMMARY, f"{server.base}/zh/gone.html", "gb2312"),
        )
        feeds = [f"{server.base}/zh/{name}" for name in ("rss.xml", "energy.xml", "gbk.xml")]
        config = write_config(tmp_path / "c.toml", database_url, feeds)
        code, out = _run(config, "run", "--once")
        assert code == EXIT_SOME_FAILED and "3 new articles" in out, out  # gone.html failed
        gone = f"{server.base}/zh/gone.html"
    urls, shown = (trade, energy, gone), {}
    for url in urls:
        code, out = _run(config, "show", url, "--format", "json")
        assert code == 0, out
        shown[url] = json.loads(out)
    assert [shown[url]["title"] for url in urls] == [TITLE, ENERGY_TITLE, FEED_TITLE]
    assert [shown[url]["text_origin"] for url in urls] == ["page", "page", "feed"]
    code, out = _run(config, "matches", "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows and {row["article_url"] for row in rows} <= {trade, energy}
    assert "\ufffd" not in out + json.dumps(shown, ensure_ascii=False)
    with open_database(database_url)() as session:
        texts = {a.url: a.text for a in session.scalars(select(Article))}
    for paragraph in TRADE:
        assert paragraph in texts[trade]
    for paragraph in ENERGY:
        assert paragraph in texts[energy]
    assert FEED_SUMMARY in texts[gone]
    assert not any("\ufffd" in text for text in texts.values())
