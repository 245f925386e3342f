"""Language of a text. The only module that imports py3langid and langcodes.

``decide`` is the one place that says which language an article is stored in: what the text
shows where it gives enough evidence, else what the page or feed declares, else ``und``. The
stored code is always an ISO 639-1 code (en, fr, ru, zh...) or ``und``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Collection
from dataclasses import dataclass

import langcodes
import py3langid
from pledgewatch.passages import CJK
from py3langid.langid import MODEL_FILE, LanguageIdentifier

UND = "und"  # ISO 639-2 "undetermined": nothing can be said
# Detection is trusted on this many letters or more (a byline, "Par Jean Dupont, à Moscou",
# has 20), and only when its normalised probability reaches MIN_CONFIDENCE.
MIN_LETTERS = 30
MIN_CONFIDENCE = 0.9
SAMPLE_CHARS = 2000

# py3langid's models load on first use: without the lock, every page worker loads them.
_lock = threading.Lock()
# py3langid tells Chinese varieties apart, and takes Mandarin news leads for Wu now and then
# (6 of the 26 Chinese dev entries, title + lead): for analysts all of it is Chinese.
_CHINESE = {"zh", "wuu", "yue"}
# py3langid's label for text that is no language at all (numbers, symbols).
_NO_LANGUAGE = "zxx"


@dataclass(frozen=True)
class Detection:
    """What the text alone says: the likeliest language and its normalised probability."""

    language: str
    probability: float

    @property
    def confident(self) -> bool:
        return self.probability >= MIN_CONFIDENCE


def normalise(tag: str | None) -> str | None:
    """The ISO 639-1 code of a declared language tag ('zh-CN', 'zh-Hant', 'fr_FR', 'fre',
    'fra' -> 'zh', 'fr'); None for no tag, 'und', or a language without such a code."""
    tag = (tag or "").strip().replace("_", "-")
    if not tag:
        return None
    try:
        # Macrolanguages and deprecated codes first ('cmn' -> 'zh', 'iw' -> 'he'); the tag as
        # given where that leaves three letters ('tl', which langcodes spells 'fil').
        standard = langcodes.Language.get(langcodes.standardize_tag(tag, macro=True)).language
        given = langcodes.Language.get(tag, normalize=False).language
    except ValueError:  # langcodes.LanguageTagError: not a language tag
        return None
    return next((c for c in (standard, given) if c and len(c) == 2 and c.isalpha()), None)


def detect(text: str) -> Detection | None:
    """The text's likeliest language among those with an ISO 639-1 code, with its probability;
    None for too little text (fewer than MIN_LETTERS letters)."""
    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    with _lock:
        ranked = _identifier().rank(sample)
    chinese_script = CJK.search(sample) is not None
    # py3langid also knows dialects, creoles and regional languages without a two-letter code
    # (pcm, bcl, wuu...) that take a share of short English or Chinese texts: the probabilities
    # are summed per storable code and the rest set aside, as if those were not in the model.
    shares: dict[str, float] = {}
    for label, probability in ranked:
        if label in _CHINESE and chinese_script:
            code: str | None = "zh"
        elif label == _NO_LANGUAGE:
            code = _NO_LANGUAGE  # kept: a share on "no language" is doubt
        else:
            code = normalise(label)
        if code is not None:
            shares[code] = shares.get(code, 0.0) + probability
    total = sum(shares.values())
    best = max(shares, key=shares.__getitem__, default=None)
    if best is None or best == _NO_LANGUAGE or total <= 0:
        return Detection(UND, 0.0)
    return Detection(best, shares[best] / total)


def decide(text: str, declared: str | None = None) -> str:
    """The language to store for a text: the detected one where the text gives enough evidence
    (enough letters and a confident probability), else the declared one (``<html lang>``, the
    feed's ``<language>`` or an entry's xml:lang), else ``und``."""
    detection = detect(text)
    if detection is not None and detection.confident:
        return detection.language
    return normalise(declared) or UND


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None where the text does not say enough."""
    detection = detect(text)
    return detection.language if detection is not None and detection.confident else None


def closest_language(text: str, languages: Collection[str]) -> str | None:
    """The most likely of ``languages`` for a text of any length; None for no text or languages.

    For grouping texts by the languages one already knows (a short Chinese sentence is "zh",
    where detect_language says nothing or a close dialect)."""
    if not text.strip() or not languages:
        return None
    with _lock:
        # Raw scores: normalised probabilities of the languages far behind round to 0.0 alike.
        ranked = py3langid.rank(text[:SAMPLE_CHARS])
    return next((str(code) for code, _score in ranked if code in languages), None)


@functools.cache
def _identifier() -> LanguageIdentifier:
    """py3langid's model with normalised probabilities (its module-level one gives raw
    scores), loaded once; call with the lock held."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
