"""Language of a text. The only module that imports py3langid."""

from __future__ import annotations

import threading
from collections.abc import Collection

import py3langid

from monitor.passages import CJK

# py3langid loads its model lazily on first use: without the lock, every page worker loads it.
_lock = threading.Lock()
# py3langid tells Chinese varieties apart, and takes Mandarin news leads for Wu now and then
# (6 of the 26 Chinese dev entries, title + lead): for analysts all of it is Chinese.
_CHINESE = {"zh", "wuu", "yue"}


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None for too little text."""
    sample = text[:2000]
    if len(sample.strip()) < 20:
        return None
    with _lock:
        code, _score = py3langid.classify(sample)
    return "zh" if code in _CHINESE and CJK.search(sample) else str(code)


def closest_language(text: str, languages: Collection[str]) -> str | None:
    """The most likely of ``languages`` for a text of any length; None for no text or languages.

    For grouping texts by the languages one already knows (a short Chinese sentence is "zh",
    where detect_language says nothing or a close dialect)."""
    if not text.strip() or not languages:
        return None
    with _lock:
        ranked = py3langid.rank(text[:2000])
    return next((str(code) for code, _score in ranked if code in languages), None)
