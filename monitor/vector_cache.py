"""Labelled examples' passage vectors kept on disk between runs.

Building a matcher encodes every passage of the seed's examples, the slowest part of a
command's start. The vectors depend only on the model and the passages' texts, so one
process's work serves the next.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pledgewatch.encoders import Encoder

log = logging.getLogger(__name__)

# The model's vector of this sentence is stored with the vectors: a file written by another
# model, or another build of it under the same name (a local path's weights replaced), no
# longer reproduces it and is set aside.
PROBE = "Russia and China signed agreements on trade and energy cooperation."
_PROBE_KEY = "__probe__"
MAX_ENTRIES = 5_000  # examples; beyond it a save keeps only the examples of the current run


class VectorCache:
    """One file per model id in ``directory``: each example's passage vectors by its
    passages_hash."""

    def __init__(self, directory: Path, encoder: Encoder) -> None:
        name = hashlib.sha256(encoder.model_id.encode()).hexdigest()[:16]
        self.path = directory / f"example-vectors-{name}.npz"
        self._probe = encoder.encode([PROBE])[0]
        self._vectors = self._load()
        self._added = False

    def get(self, key: str) -> np.ndarray | None:
        return self._vectors.get(key)

    def put(self, key: str, vectors: np.ndarray) -> None:
        self._vectors[key] = vectors
        self._added = True

    def save(self, in_use: Iterable[str]) -> None:
        """Write the file if examples were added (atomically: readers see the old or the new)."""
        if not self._added:
            return
        if len(self._vectors) > MAX_ENTRIES:
            keep = set(in_use)
            self._vectors = {k: v for k, v in self._vectors.items() if k in keep}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".npz.tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    arrays: dict[str, Any] = {_PROBE_KEY: self._probe, **self._vectors}
                    np.savez(out, **arrays)
                # mkstemp's 0600 would hide it from the other users of a shared cache_dir
                os.chmod(temporary, 0o644)
                os.replace(temporary, self.path)
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)
        except OSError as exc:  # a read-only home, a full disk: the next run encodes again
            log.warning("example vectors not cached path=%s error=%s", self.path, exc)
            return
        self._added = False

    def _load(self) -> dict[str, np.ndarray]:
        if not self.path.exists():
            return {}
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                vectors = {key: stored[key] for key in stored.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            log.warning("example-vector cache unreadable, rebuilt path=%s error=%s", self.path, exc)
            return {}
        probe = vectors.pop(_PROBE_KEY, None)
        dim = len(self._probe)
        if (
            probe is None
            or probe.shape != self._probe.shape
            or not np.allclose(probe, self._probe, atol=1e-5)
            or any(v.ndim != 2 or v.shape[1] != dim for v in vectors.values())
        ):
            log.info("example-vector cache written by another model, rebuilt path=%s", self.path)
            return {}
        return vectors
