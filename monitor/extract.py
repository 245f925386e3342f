"""HTML -> article text and metadata. The only module that imports trafilatura (and lxml)."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime

import lxml.html
import trafilatura
from lxml.etree import ParserError
from trafilatura.settings import Document
from trafilatura.utils import load_html

from monitor.errors import ExtractError
from monitor.language import detect_language

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
    language: str | None
    canonical_url: str | None


def extract_article(html: bytes | str, url: str) -> Extracted:
    """Main text and metadata of a page; ExtractError when there is no article text."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lxml FutureWarnings inside trafilatura
            tree = load_html(html)  # trafilatura's own decoding and repairs
            if tree is None:
                raise ExtractError(f"{url}: no article text found")
            _drop_teasers_and_captions(tree)
            doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True)
    except (ValueError, TypeError, ParserError) as exc:
        raise ExtractError(f"{url}: unparseable page: {exc}") from exc
    if not isinstance(doc, Document) or len((doc.text or "").strip()) < MIN_TEXT_CHARS:
        raise ExtractError(f"{url}: no article text found")
    text = (doc.text or "").strip()
    return Extracted(
        text=text,
        title=doc.title,
        author=doc.author,
        published=_date(doc.date),
        language=detect_language(text),
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


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
