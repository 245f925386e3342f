"""HTML -> article text and metadata. The only module that imports trafilatura (and lxml)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime

import lxml.html
import trafilatura
from lxml.etree import ParserError
from trafilatura.settings import Document

from monitor.errors import ExtractError
from monitor.language import detect_language

MIN_TEXT_CHARS = 80


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
            doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
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
