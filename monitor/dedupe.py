"""Near-duplicate texts (a wire story syndicated by several outlets). The only module that
imports datasketch: MinHash signatures over word shingles (character shingles for CJK), banded
so that candidates are found by exact lookups in the database."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash
from pledgewatch.passages import CJK

PERMUTATIONS = 64
BANDS = 16  # 16 bands x 4 rows: pairs above ~0.5 Jaccard usually share a band
SAME_STORY = 0.7  # estimated Jaccard of shingles from which two texts are one story
SUMMARY_IN_PAGE = 0.8  # share of a feed summary's shingles in a page that is its article
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Fingerprint:
    signature: bytes  # PERMUTATIONS uint32 values
    bands: tuple[str, ...]  # "band:hash" keys to look candidates up by


def fingerprint(text: str) -> Fingerprint:
    minhash = MinHash(num_perm=PERMUTATIONS, seed=7)
    minhash.update_batch([s.encode() for s in _shingles(text)] or [b""])
    values = np.asarray(minhash.hashvalues, dtype=np.uint32)
    rows = PERMUTATIONS // BANDS
    bands = tuple(f"{b}:{_digest(values[b * rows : (b + 1) * rows])}" for b in range(BANDS))
    return Fingerprint(values.tobytes(), bands)


def _digest(values: np.ndarray) -> str:
    return hashlib.blake2b(values.tobytes(), digest_size=8).hexdigest()


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingles."""
    return float(np.mean(np.frombuffer(a, np.uint32) == np.frombuffer(b, np.uint32)))


def contained(part: str, whole: str) -> float:
    """Share of ``part``'s shingles found in ``whole``: a feed summary is contained in the page
    it summarises, though their Jaccard similarity is small."""
    shingles = _shingles(part, size=3)
    return len(shingles & _shingles(whole, size=3)) / len(shingles) if shingles else 0.0


def _shingles(text: str, size: int = 5) -> set[str]:
    lowered = text.lower()
    if len(CJK.findall(lowered)) > len(lowered) / 4:  # mostly Chinese: character shingles
        chars = [c for c in lowered if not c.isspace()]
        return {"".join(chars[i : i + size]) for i in range(max(1, len(chars) - size + 1))}
    words = _WORD.findall(lowered)
    return {" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}
