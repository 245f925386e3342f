"""Bytes -> text the way browsers decode them: the WHATWG Encoding Standard's labels, BOM
sniffing and the HTML prescan. The only module that imports webencodings.

Browsers read the label ``gb2312`` as GBK, ``iso-8859-1``, ``latin1`` and ``us-ascii`` as
windows-1252, and so on; publishers test their pages in browsers, so a page labelled gb2312 with
one character outside GB2312 is common and must not be read as GB2312 (issue 22). Where nothing
is declared, these functions return None and the caller keeps its library's own detection.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

import webencodings

PRESCAN_BYTES = 1024  # the HTML standard's prescan reads this much of the page
Source = Literal["bom", "http", "meta", "xml"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16be"),
    (codecs.BOM_UTF16_LE, "utf-16le"),
)
# The standard's GBK decoder is its gb18030 decoder; Python's gbk codec lacks a few of its
# mappings (0x80 as the euro sign, 0xA8BF, four-byte sequences).
_PYTHON_CODECS = {"gbk": "gb18030"}
_SPACE = b"\t\n\x0c\r "
_XML_DECLARATION = re.compile(rb"<\?xml\s[^>]*?\bencoding\s*=\s*([\"'])(.*?)\1[^>]*\?>")
_XML_DECLARATION_TEXT = re.compile(r"^<\?xml\s[^>]*\?>")


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with the encoding used and where it was declared."""

    text: str
    encoding: str  # the standard's name, e.g. "gbk" for the label "gb2312"
    source: Source


def encoding_name(label: str) -> str | None:
    """The standard's encoding for a label ('GB2312' -> 'gbk'); None if it names none we use.

    The 'replacement' encoding (iso-2022-kr, hz-gb-2312, ...) is treated as no label: browsers
    show one U+FFFD there for safety, but an extractor does better with its own detection."""
    encoding = webencodings.lookup(label)
    if encoding is None or encoding.name == "replacement":
        return None
    return str(encoding.name)


def decode(body: bytes, encoding: str) -> str:
    """The bytes decoded with the standard's decoder for an encoding name, errors replaced."""
    found = webencodings.lookup(_PYTHON_CODECS.get(encoding, encoding))
    if found is None:
        raise LookupError(f"not an encoding of the standard: {encoding!r}")
    return str(found.codec_info.decode(body, "replace")[0])


def http_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value, unquoted; None if absent."""
    if not content_type:
        return None
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def with_charset(content_type: str | None, charset: str) -> str | None:
    """The Content-Type header value with its charset parameter set to charset."""
    if content_type is None:
        return None
    parts = [p for p in content_type.split(";") if p.partition("=")[0].strip().lower() != "charset"]
    return "; ".join(p.strip() for p in [*parts, f"charset={charset}"] if p.strip())


def bom_encoding(body: bytes) -> str | None:
    """UTF-8, UTF-16BE or UTF-16LE when the bytes start with that byte order mark."""
    return next((name for bom, name in _BOMS if body.startswith(bom)), None)


def decode_page(body: bytes, content_type: str | None) -> Decoded | None:
    """An HTML page's text as a browser decodes it: BOM, then the HTTP charset, then the
    <meta> prescan of the first 1024 bytes. None when the page declares nothing we know."""
    if bom := bom_encoding(body):
        return Decoded(_decode_without_bom(body, bom), bom, "bom")
    if (label := http_charset(content_type)) and (name := encoding_name(label)):
        return Decoded(decode(body, name), name, "http")
    if name := prescan_meta(body[:PRESCAN_BYTES]):
        return Decoded(decode(body, name), name, "meta")
    return None


def decode_feed(body: bytes, content_type: str | None) -> Decoded | None:
    """An XML feed's text: BOM, then the HTTP charset, then the XML declaration's encoding,
    each label read the standard's way. None when nothing we know is declared (UTF-32 and
    BOM-less UTF-16 among them: the XML parser's own detection reads those)."""
    if body.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        return None  # a UTF-32 BOM, which the standard does not know (it reads UTF-16LE)
    if bom := bom_encoding(body):
        return Decoded(_decode_without_bom(body, bom), bom, "bom")
    if (label := http_charset(content_type)) and (name := encoding_name(label)):
        return Decoded(decode(body, name), name, "http")
    if name := xml_declared(body[:PRESCAN_BYTES]):
        return Decoded(decode(body, name), name, "xml")
    return None


def feed_as_utf8(body: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """The feed re-encoded as UTF-8 with its XML declaration and charset saying so, when it
    declares an encoding; otherwise the bytes and content type unchanged."""
    decoded = decode_feed(body, content_type)
    if decoded is None:
        return body, content_type
    declaration = "<?xml version='1.0' encoding='utf-8'?>"
    text, found = _XML_DECLARATION_TEXT.subn(declaration, decoded.text, count=1)
    if not found:
        text = declaration + "\n" + text
    return text.encode("utf-8"), with_charset(content_type, "utf-8")


def xml_declared(head: bytes) -> str | None:
    """The encoding an ASCII-compatible XML declaration names, read the way <meta> is."""
    match = _XML_DECLARATION.match(head)
    return _prescanned(match.group(2).decode("ascii", "replace")) if match else None


def prescan_meta(head: bytes) -> str | None:
    """The encoding a <meta charset> or <meta http-equiv=content-type> names in these bytes:
    the HTML standard's "prescan a byte stream to determine its encoding"."""
    position, end = 0, len(head)
    while position < end:
        if head.startswith(b"<!--", position):
            close = head.find(b"-->", position + 2)  # "<!-->" closes the comment too
            if close < 0:
                return None
            position = close + 3
        elif head[position : position + 5].lower() == b"<meta" and _at(head, position + 5) in (
            _SPACE + b"/"
        ):
            name, position = _meta_encoding(head, position + 5)
            if name:
                return name
        elif head.startswith(b"<", position) and (
            _at(head, position + 1).isalpha()
            or (_at(head, position + 1) == b"/" and _at(head, position + 2).isalpha())
        ):
            position += 2 if _at(head, position + 1) == b"/" else 1
            while position < end and head[position : position + 1] not in _SPACE + b">":
                position += 1
            while (attribute := _attribute(head, position)) is not None:
                position = attribute[2]
            position += 1
        elif head.startswith((b"<!", b"</", b"<?"), position):
            close = head.find(b">", position + 2)
            if close < 0:
                return None
            position = close + 1
        else:
            position += 1
    return None


def _meta_encoding(head: bytes, position: int) -> tuple[str | None, int]:
    """The encoding one <meta> element's attributes declare, and the position after it."""
    seen: set[bytes] = set()
    got_pragma, need_pragma, charset = False, None, None
    while (attribute := _attribute(head, position)) is not None:
        name, value, position = attribute
        if name in seen:
            continue
        seen.add(name)
        if name == b"http-equiv" and value.lower() == b"content-type":
            got_pragma = True
        elif name == b"content" and charset is None:
            label = _charset_in_content(value)
            if label is not None and (name := encoding_name(label)) is not None:
                charset, need_pragma = name, True
        elif name == b"charset":
            charset, need_pragma = encoding_name(value.decode("ascii", "replace")), False
    if need_pragma is None or (need_pragma and not got_pragma) or charset is None:
        return None, position
    return _prescanned(charset), position


def _prescanned(label_or_name: str) -> str | None:
    """A label found by an ASCII scan: UTF-16 there means UTF-8, x-user-defined windows-1252."""
    name = encoding_name(label_or_name)
    if name in ("utf-16be", "utf-16le"):
        return "utf-8"
    return "windows-1252" if name == "x-user-defined" else name


def _charset_in_content(content: bytes) -> str | None:
    """The standard's "extract a character encoding from a meta element" on a content value."""
    lowered, position = content.lower(), 0
    while True:
        found = lowered.find(b"charset", position)
        if found < 0:
            return None
        position = found + 7
        while _at(content, position) and _at(content, position) in _SPACE:
            position += 1
        if _at(content, position) == b"=":
            break
    position += 1
    while _at(content, position) and _at(content, position) in _SPACE:
        position += 1
    quote = _at(content, position)
    if quote in (b'"', b"'"):
        close = content.find(quote, position + 1)
        return content[position + 1 : close].decode("ascii", "replace") if close >= 0 else None
    value = re.match(rb"[^\t\n\x0c\r ;]*", content[position:])
    return value.group().decode("ascii", "replace") if value and value.group() else None


def _attribute(head: bytes, position: int) -> tuple[bytes, bytes, int] | None:
    """The standard's "get an attribute": (name, value, position after it), or None at '>'."""
    end = len(head)
    while position < end and head[position : position + 1] in _SPACE + b"/":
        position += 1
    if position >= end or head[position : position + 1] == b">":
        return None
    name = bytearray()
    while position < end:
        byte = head[position : position + 1]
        if byte == b"=" and name:
            position += 1
            break
        if byte in _SPACE:
            while position < end and head[position : position + 1] in _SPACE:
                position += 1
            if head[position : position + 1] != b"=":
                return bytes(name).lower(), b"", position
            position += 1
            break
        if byte in b"/>":
            return bytes(name).lower(), b"", position
        name += byte
        position += 1
    while position < end and head[position : position + 1] in _SPACE:
        position += 1
    quote = head[position : position + 1]
    if quote in (b'"', b"'"):
        close = head.find(quote, position + 1)
        if close < 0:
            return bytes(name).lower(), head[position + 1 :].lower(), end
        return bytes(name).lower(), head[position + 1 : close].lower(), close + 1
    if position < end and quote == b">":
        return bytes(name).lower(), b"", position
    start = position
    while position < end and head[position : position + 1] not in _SPACE + b">":
        position += 1
    return bytes(name).lower(), head[start:position].lower(), position


def _at(data: bytes, position: int) -> bytes:
    return data[position : position + 1]


def _decode_without_bom(body: bytes, encoding: str) -> str:
    bom = next(b for b, name in _BOMS if name == encoding)
    return decode(body[len(bom) :], encoding)
