"""Article text -> passages to score: sentences, pairs of neighbouring sentences, title + lead."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# A sentence ends at . ! ? … (maybe closed by a quote, French-spaced or not) before a capital,
# or at CJK full stops (no space needed).
_NEXT = r"\s+(?=[\"«“(\[]?[A-ZÀ-ÖØ-ÞА-ЯЁ0-9])"
_SENTENCE_END = re.compile(
    rf"(?<=[.!?…]){_NEXT}|(?<=[.!?…][»”\"’)]){_NEXT}|(?<=[.!?…]\s[»”]){_NEXT}|(?<=[。！？；])"
)
MIN_SENTENCE_CHARS = 12  # a CJK character counts as three: it carries about a word
CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff]")
MAX_PASSAGE_CHARS = 600
MAX_SENTENCES = 300


@dataclass(frozen=True)
class Passage:
    """A piece of an article; ``position`` is the index of its first sentence (-1: title)."""

    text: str
    position: int


def split_sentences(text: str) -> list[str]:
    """Sentences of a text, paragraph breaks respected, very short fragments merged forward."""
    sentences: list[str] = []
    for paragraph in text.splitlines():
        carry = ""
        for piece in _SENTENCE_END.split(paragraph.strip()):
            piece = (carry + " " + piece).strip() if carry else piece.strip()
            if text_weight(piece) < MIN_SENTENCE_CHARS:
                carry = piece
                continue
            carry = ""
            sentences.append(piece[:MAX_PASSAGE_CHARS])
        if carry:
            sentences.append(carry)
    return sentences[:MAX_SENTENCES]


def text_weight(text: str) -> int:
    """Length in Latin-script characters: a CJK character counts as three (about a word)."""
    return len(text) + 2 * len(CJK.findall(text))


def make_passages(title: str | None, text: str, windows: bool = True) -> list[Passage]:
    """Each sentence, each pair of neighbouring sentences, and the title with the lead sentence."""
    sentences = split_sentences(text)
    if title and sentences and _same(sentences[0], title):
        sentences = sentences[1:]  # extractors often repeat the headline as the first line
    passages = [Passage(s, i) for i, s in enumerate(sentences)]
    if not windows:
        return passages
    passages += [
        Passage(f"{a} {b}"[:MAX_PASSAGE_CHARS], i)
        for i, (a, b) in enumerate(zip(sentences, sentences[1:], strict=False))
    ]
    if title:
        lead = sentences[0] if sentences else ""
        passages.append(Passage(f"{title}. {lead}".strip(), -1))
    return passages


def passages_hash(passages: list[Passage]) -> str:
    """What an article's (or an example's) passage vectors depend on, besides the model: stored
    vectors and cached example vectors are reused only while it is unchanged."""
    return hashlib.sha256("\n".join(p.text for p in passages).encode()).hexdigest()


def _same(sentence: str, title: str) -> bool:
    return sentence.strip().rstrip(".!?。").strip() == title.strip().rstrip(".!?。").strip()
