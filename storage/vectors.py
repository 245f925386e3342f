"""Stored passage vectors, so that re-scoring needs no re-encoding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pledgewatch.storage.models import (
    PassageVectors,
)
from sqlalchemy import delete, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class StoredVectors:
    passages_hash: str
    rows: int
    dim: int
    data: bytes  # float16, row-major


def save_vectors(session: Session, article_id: int, model: str, vectors: StoredVectors) -> None:
    """Keep one set of vectors per article and model (the newest)."""
    session.execute(
        delete(PassageVectors).where(
            PassageVectors.article_id == article_id, PassageVectors.model == model
        )
    )
    session.add(
        PassageVectors(
            article_id=article_id,
            model=model,
            passages_hash=vectors.passages_hash,
            rows=vectors.rows,
            dim=vectors.dim,
            vectors=vectors.data,
        )
    )


def load_vectors(
    session: Session, article_ids: Sequence[int], model: str
) -> dict[int, StoredVectors]:
    rows = session.scalars(
        select(PassageVectors).where(
            PassageVectors.article_id.in_(article_ids), PassageVectors.model == model
        )
    )
    return {r.article_id: StoredVectors(r.passages_hash, r.rows, r.dim, r.vectors) for r in rows}
