"""Language of a text. The only module that imports py3langid."""

from __future__ import annotations

import threading

import py3langid

# py3langid loads its model lazily on first use: without the lock, every page worker loads it.
_lock = threading.Lock()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None for too little text."""
    sample = text[:2000]
    if len(sample.strip()) < 20:
        return None
    with _lock:
        code, _score = py3langid.classify(sample)
    return str(code)
