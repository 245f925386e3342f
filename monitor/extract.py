"""HTML -> article text and metadata. The only module that imports trafilatura (and lxml)."""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

import lxml.html
import trafilatura
from lxml.etree import ParserError
from pledgewatch.dates import parse_date
from pledgewatch.encoding import decode_page
from pledgewatch.errors import ExtractError
from trafilatura.settings import Document
from trafilatura.utils import load_html

MIN_TEXT_CHARS = 80
# A block whose text is at least this share link text is a teaser ("Read more: <headline>",
# related-story lists), not the article: it must not bring the article into scope or serve as
# its evidence (issue 21). Inline links in a sentence stay far below it.
TEASER_LINK_SHARE = 0.5
_TEASER_BLOCKS = ("p", "li", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "div")
_NESTED_BLOCKS = {"p", "div", "ul", "ol", "table", "section", "article"}
MAX_CAPTION_CHARS = 200
# Photo captions written as plain paragraphs ("Photo: ...", "Фото: ...", "图为...").
_CAPTION = re.compile(
    r"^\W*(photo|pictured|image|фото|снимок|图为|图片|圖為|圖片)\b\s*[:：.]?", re.I
)


@dataclass(frozen=True)
class Extracted:
    """An article's main text and what the page says about it."""

    text: str
    title: str | None
    author: str | None
    published: datetime | None
    declared_language: str | None  # <html lang> as the page gives it
    canonical_url: str | None


def extract_article(
    html: bytes | str, url: str, content_type: str | None = None, timezone: str = "UTC"
) -> Extracted:
    """Main text and metadata of a page; ExtractError when there is no article text.

    content_type is the response's Content-Type header: its charset, a BOM or a <meta> charset
    decides the decoding as in browsers (issue 22); undeclared bytes go to trafilatura's own
    detection."""
    if isinstance(html, bytes) and (decoded := decode_page(html, content_type)) is not None:
        html = decoded.text  # load_html reparses a str with an XML declaration as UTF-8 bytes
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lxml FutureWarnings inside trafilatura
            tree = load_html(html)  # trafilatura's own decoding and repairs
            if tree is None:
                raise ExtractError(f"{url}: no article text found")
            _drop_teasers_and_captions(tree)
            doc = trafilatura.bare_extraction(
                tree, url=url, with_metadata=True, date_extraction_params=_DATE_PARAMS
            )
    except (ValueError, TypeError, ParserError) as exc:
        raise ExtractError(f"{url}: unparseable page: {exc}") from exc
    if not isinstance(doc, Document) or len((doc.text or "").strip()) < MIN_TEXT_CHARS:
        raise ExtractError(f"{url}: no article text found")
    text = (doc.text or "").strip()
    return Extracted(
        text=text,
        title=doc.title,
        author=doc.author,
        published=parse_date(_declared_publication(tree) or doc.date, timezone),
        declared_language=_declared_language(tree),
        canonical_url=doc.url if doc.url and doc.url != url else None,
    )


def _drop_teasers_and_captions(tree: lxml.html.HtmlElement) -> None:
    """Remove link-dense blocks (teasers, related lists) and caption paragraphs, which
    trafilatura keeps when they sit inside the article's container."""
    doomed = []
    for block in tree.iter(_TEASER_BLOCKS):
        if block.tag == "div" and any(child.tag in _NESTED_BLOCKS for child in block):
            continue  # a container: judged by its blocks
        text = " ".join(block.text_content().split())
        if not text:
            continue
        linked = sum(len(" ".join(a.text_content().split())) for a in block.iter("a"))
        if linked >= TEASER_LINK_SHARE * len(text) or (
            block.tag == "p" and _is_caption(block, text)
        ):
            doomed.append(block)
    for block in doomed:
        if block.getparent() is not None:
            block.drop_tree()  # keeps the tail text, which belongs to the parent


def _is_caption(paragraph: lxml.html.HtmlElement, text: str) -> bool:
    """A short paragraph all in italics (trafilatura drops <figcaption> itself), or one that
    starts the way a photo caption does."""
    if _CAPTION.match(text):
        return True
    if len(text) > MAX_CAPTION_CHARS:
        return False  # a quote or an editor's note set in italics
    italic = [child for child in paragraph if child.tag in ("em", "i")]
    outside = (paragraph.text or "") + "".join(child.tail or "" for child in italic)
    return len(italic) == len(paragraph) == 1 and not outside.strip()


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment such as a feed summary."""
    if not fragment.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return fragment
    for br in root.iter("br", "p", "div", "li"):
        br.tail = "\n" + (br.tail or "")
    return "\n".join(line.strip() for line in root.text_content().splitlines() if line.strip())


# htmldate (through trafilatura): the publication date, not the last update, with its time and
# zone (the default format is the day alone). A time without a zone is read in the feed's zone.
_DATE_PARAMS = {
    "original_date": True,
    "extensive_search": False,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}
_PUBLISHED_META = {"article:published_time", "og:published_time", "datepublished"}
_ARTICLE_TYPES = re.compile(r"Article|Posting|Report", re.I)


def _declared_publication(tree: lxml.html.HtmlElement) -> str | None:
    """The publication date the page states (article:published_time, schema.org datePublished
    in microdata or in the JSON-LD of an article). htmldate, asked for the original date, still
    takes a <meta> modified date before JSON-LD's datePublished (issue 22)."""
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _PUBLISHED_META and (meta.get("content") or "").strip():
            return meta.get("content")
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for item in _json_objects(data):
            kind = item.get("@type")
            kinds = " ".join(map(str, kind)) if isinstance(kind, list) else str(kind or "")
            if _ARTICLE_TYPES.search(kinds) and isinstance(item.get("datePublished"), str):
                return str(item["datePublished"])
    return None


def _json_objects(data: object) -> list[dict[str, object]]:
    """Every JSON object in a JSON-LD document (top level, lists, @graph), outermost first."""
    if isinstance(data, list):
        return [obj for item in data for obj in _json_objects(item)]
    if isinstance(data, dict):
        return [data, *_json_objects(data.get("@graph"))]
    return []


def _declared_language(tree: lxml.html.HtmlElement) -> str | None:
    """<html lang> (or xml:lang), else <meta http-equiv="content-language">."""
    root = tree.getroottree().getroot()
    declared = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not declared:
        for meta in tree.iterfind(".//meta[@http-equiv]"):
            if meta.get("http-equiv", "").lower() == "content-language":
                declared = meta.get("content")
                break
    return declared.strip() or None if declared else None


_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json"}
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)


def web_page_feeds(body: bytes, url: str) -> list[str] | None:
    """The feeds an HTML page advertises (<link rel="alternate" type="application/rss+xml">),
    as absolute URLs; None when the bytes are not an HTML page."""
    if not _HTML_START.match(body[:4096].lstrip(b"\xef\xbb\xbf")):
        return None
    try:
        root = lxml.html.document_fromstring(body)
    except (ParserError, ValueError):
        return []
    return [
        urljoin(url, link.get("href", "").strip())
        for link in root.iter("link")
        if "alternate" in (link.get("rel") or "").lower().split()
        and (link.get("type") or "").lower().strip() in _FEED_TYPES
        and link.get("href", "").strip()
    ]
