"""Scope terms found as words: Latin and Cyrillic at a word start, Chinese by segmentation.

Chinese has no spaces, and a one-character term matched anywhere finds 俄 (Russia) inside
埃塞俄比亚 (Ethiopia) and 华 (China) inside 华盛顿 (Washington) or 华为 (Huawei): real pages
on third countries came into the seed's scope that way (issue 21). The only module that
imports jieba.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence

import jieba
from pledgewatch.passages import CJK

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_added: set[str] = set()


def _segmenter(terms: Iterable[str]) -> jieba.Tokenizer:
    """jieba's tokenizer, built once per process, that knows every seed's terms as words."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            _tokenizer = jieba.Tokenizer()
            _tokenizer.initialize()
        for term in terms:
            if len(term) > 1 and term not in _added:
                _tokenizer.add_word(term)
                _added.add(term)
        return _tokenizer


class Terms:
    """A group of terms (any language) and whether a text names one of them."""

    def __init__(self, terms: Sequence[str]) -> None:
        terms = [t.lower() for t in terms]
        self._cjk = [t for t in terms if CJK.search(t)]
        other = [t for t in terms if not CJK.search(t)]
        self._pattern = (
            re.compile("|".join(rf"(?<!\w){re.escape(t)}" for t in other)) if other else None
        )
        # Cheap first test: segment only texts that hold a CJK term somewhere.
        self._cjk_anywhere = (
            re.compile("|".join(re.escape(t) for t in self._cjk)) if self._cjk else None
        )

    def search(self, text: str) -> bool:
        """True when ``text`` (lower-cased by the caller) names one of the terms as a word."""
        if self._pattern is not None and self._pattern.search(text):
            return True
        if self._cjk_anywhere is None or not self._cjk_anywhere.search(text):
            return False
        tokenizer = _segmenter(self._cjk)
        for token in tokenizer.cut(text, HMM=False):
            for term in self._cjk:
                # The term is the word, or it leads a compound whose rest is a word too
                # (中俄|关系, 俄|总统): 华|盛顿 and 华|为 are names, not China.
                rest = token[len(term) :] if token.startswith(term) else None
                if rest == "" or (rest and len(rest) > 1 and tokenizer.FREQ.get(rest, 0) > 0):
                    return True
        return False
