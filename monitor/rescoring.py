"""Scoring stored articles again (a new statement, threshold or model; a verdict) and
explaining one article's scores, from stored passage vectors: nothing is fetched."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from pledgewatch.feedback import feedback_story
from pledgewatch.matching import ArticleText, Encoded, StatementScore
from pledgewatch.passages import passages_hash
from pledgewatch.scoring import Scorer, pack, unpack
from pledgewatch.statements import require_statement
from pledgewatch.storage.articles import ArticleTextRow, article_batches
from pledgewatch.storage.db import Sessions
from pledgewatch.storage.matches import NewMatch, replace_matches, verdicts_on
from pledgewatch.storage.vectors import StoredVectors, load_vectors, save_vectors


@dataclass
class RescoreSummary:
    """What one re-scoring pass did."""

    articles: int = 0
    in_scope: int = 0
    encoded: int = 0  # articles whose passages had no stored vectors for this model
    removed: int = 0
    added: int = 0
    seconds: float = 0.0


class Rescorer:
    """Re-scores and explains stored articles; the seed's statements must be in the database
    (Pipeline.sync)."""

    def __init__(self, sessions: Sessions, scorer: Scorer) -> None:
        self.sessions = sessions
        self.scorer = scorer

    def rescore(
        self,
        statement: str | None = None,
        on_batch: Callable[[int], None] | None = None,
        articles: list[int] | None = None,
    ) -> RescoreSummary:
        """Recompute matches over stored articles (all, or these ids), reusing stored vectors."""
        started = time.monotonic()
        if statement is not None:
            require_statement([m.seed for m in self.scorer.all_matchers], statement)
        self.scorer.refresh()
        only = {statement} if statement else None
        summary = RescoreSummary()
        with self.sessions() as reader:
            for batch in article_batches(reader, only=articles):
                self._rescore_batch(batch, only, summary)
                if on_batch:
                    on_batch(len(batch))
        summary.seconds = time.monotonic() - started
        return summary

    def _rescore_batch(
        self, batch: list[ArticleTextRow], only: set[str] | None, summary: RescoreSummary
    ) -> None:
        ids = [row.id for row in batch]
        model = self.scorer.model
        with self.sessions.begin() as session:
            encoded, fresh = self._stored_or_encoded(batch, load_vectors(session, ids, model))
            judged = verdicts_on(session, ids)
            for i, article_id in enumerate(ids):
                summary.articles += 1
                matches: list[NewMatch] = []
                vectors = encoded[i]
                if vectors is not None:
                    summary.in_scope += 1
                    if i in fresh:
                        save_vectors(session, article_id, model, pack(vectors))
                        summary.encoded += 1
                    matches = self.scorer.matches(vectors, article_id, judged.get(article_id))
                removed, added = replace_matches(session, article_id, model, only, matches)
                summary.removed += removed
                summary.added += added

    def explain(self, article_id: int) -> tuple[list[StatementScore], dict[str, bool]]:
        """Every statement's score for one stored article (empty when out of scope) and the
        analysts' verdicts on it: why it matched what it matched, and how far the rest stood.
        Nothing is stored."""
        self.scorer.refresh()
        with self.sessions() as session:
            batch = next(article_batches(session, only=[article_id]), [])
            if not batch:
                return [], {}
            stored = load_vectors(session, [article_id], self.scorer.model)
            (vectors,), _ = self._stored_or_encoded(batch, stored)
            verdicts = verdicts_on(session, [article_id]).get(article_id, {})
        if vectors is None:
            return [], verdicts
        return self.scorer.scores(vectors, feedback_story(article_id)), verdicts

    def _stored_or_encoded(
        self, batch: list[ArticleTextRow], stored: dict[int, StoredVectors]
    ) -> tuple[list[Encoded | None], set[int]]:
        """Per article: its encoded passages (None out of scope) — the stored vectors while
        they fit its passages, else encoded now; and the indices encoded now."""
        passages = [self.scorer.passages(ArticleText(row.title, row.text)) for row in batch]
        missing = [
            i
            for i, ps in enumerate(passages)
            if ps and passages_hash(ps) != getattr(stored.get(batch[i].id), "passages_hash", "")
        ]
        fresh = dict(zip(missing, self.scorer.encode([passages[i] for i in missing]), strict=True))
        encoded = [
            fresh[i] if i in fresh else unpack(ps, stored[batch[i].id]) if ps else None
            for i, ps in enumerate(passages)
        ]
        return encoded, set(fresh)
