"""Passages x statements -> the best passage and score per statement, with evidence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from monitor.encoders import Encoder
from monitor.passages import CJK, Passage, make_passages
from monitor.statements import Seed


@dataclass(frozen=True)
class StatementScore:
    """The best passage of one article for one statement."""

    statement_id: str
    score: float
    passage: str
    position: int
    matched: bool


@dataclass(frozen=True)
class ArticleText:
    title: str | None
    text: str


class Matcher:
    """Scores articles against a seed's statements with one encoder and calibrated thresholds."""

    def __init__(self, seed: Seed, encoder: Encoder, threshold: float) -> None:
        self.seed = seed
        self.encoder = encoder
        self.threshold = threshold
        wordings, owners = [], []
        for index, statement in enumerate(seed.statements):
            for wording in statement.wordings():
                wordings.append(wording)
                owners.append(index)
        self._wording_vectors = encoder.encode(wordings)
        self._owners = np.asarray(owners)
        self._thresholds = np.array(
            [s.threshold if s.threshold is not None else threshold for s in seed.statements]
        )
        self._scope = [_scope_pattern(group) for group in seed.scope]

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    def in_scope(self, article: ArticleText) -> bool:
        """True when the article mentions every scope group of the seed (e.g. Russia and China)."""
        haystack = f"{article.title or ''}\n{article.text}".lower()
        return all(pattern.search(haystack) for pattern in self._scope)

    def score_articles(self, articles: Sequence[ArticleText]) -> list[list[StatementScore]]:
        """Best passage per statement for each article; one encoder call for all their passages."""
        passages = [make_passages(a.title, a.text) if self.in_scope(a) else [] for a in articles]
        flat = [p.text for ps in passages for p in ps]
        vectors = self.encoder.encode(flat)
        results, start = [], 0
        for article_passages in passages:
            end = start + len(article_passages)
            results.append(self._best(article_passages, vectors[start:end]))
            start = end
        return results

    def _best(self, passages: list[Passage], vectors: np.ndarray) -> list[StatementScore]:
        if not passages:
            return []
        similarity = vectors @ self._wording_vectors.T  # passages x wordings
        per_statement = np.stack(
            [
                similarity[:, self._owners == k].max(axis=1)
                for k in range(len(self.seed.statements))
            ],
            axis=1,
        )  # passages x statements: best wording of each statement
        # Contrast: a passage about Russia-China in general is close to every statement; what
        # singles out the one it reports on is how far it stands above its own mean.
        contrast = per_statement - per_statement.mean(axis=1, keepdims=True)
        scores = []
        for index, statement in enumerate(self.seed.statements):
            best = int(contrast[:, index].argmax())
            score = float(contrast[best, index])
            scores.append(
                StatementScore(
                    statement.id,
                    round(score, 4),
                    passages[best].text,
                    passages[best].position,
                    score >= self._thresholds[index],
                )
            )
        return scores


def _scope_pattern(terms: Sequence[str]) -> re.Pattern[str]:
    """Latin and Cyrillic terms match at a word start; CJK terms anywhere (no word breaks)."""
    parts = [re.escape(t) if CJK.search(t) else rf"(?<!\w){re.escape(t)}" for t in terms]
    return re.compile("|".join(parts))
