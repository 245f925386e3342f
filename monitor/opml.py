"""OPML, the feed list format every feed reader exchanges."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from pledgewatch.errors import ConfigError


def read_opml(data: bytes) -> list[tuple[str, str | None]]:
    """(url, title) of every outline with an xmlUrl, nested folders included."""
    if b"<!ENTITY" in data:  # entity expansion attacks: OPML never needs a DTD
        raise ConfigError("OPML with entity declarations is refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ConfigError(f"not valid OPML: {exc}") from None
    feeds = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if url:
            feeds.append((url.strip(), outline.get("title") or outline.get("text")))
    return feeds


def write_opml(feeds: list[tuple[str, str | None]], title: str) -> bytes:
    opml = ET.Element("opml", version="2.0")
    ET.SubElement(ET.SubElement(opml, "head"), "title").text = title
    body = ET.SubElement(opml, "body")
    for url, name in feeds:
        ET.SubElement(body, "outline", type="rss", text=name or url, title=name or url, xmlUrl=url)
    ET.indent(opml)
    return ET.tostring(opml, encoding="utf-8", xml_declaration=True) + b"\n"
