"""The matcher as the pipeline and re-scoring use it: shared by threads, scoring at the
precision vectors are stored in, with analysts' verdicts deciding over scores."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from pledgewatch.feedback import feedback_examples, feedback_story
from pledgewatch.matching import ArticleText, Encoded, Matcher, StatementScore
from pledgewatch.passages import Passage, make_passages, passages_hash
from pledgewatch.storage.db import Sessions
from pledgewatch.storage.matches import FeedbackMark, NewMatch, feedback_mark
from pledgewatch.storage.vectors import StoredVectors


class Scorer:
    """The matchers of a worker, one per seed (the first is ``matcher``); refresh() takes in
    verdicts given since they were built."""

    def __init__(
        self, matcher: Matcher, sessions: Sessions, others: Sequence[Matcher] = ()
    ) -> None:
        self.matcher = matcher
        self.others = list(others)  # further seeds' matchers, sharing the first's encoder
        self.sessions = sessions
        self._feedback_mark = FeedbackMark(0, None, None)  # the seed's examples only
        self._encoder_lock = threading.Lock()  # the encoder runs one batch at a time

    @property
    def model(self) -> str:
        return self.matcher.model_id

    def refresh(self) -> None:
        """Verdicts analysts gave since the matcher was built (feedback mark, another worker)
        join its examples: a running daemon uses them from its next poll."""
        with self.sessions() as session:
            mark = feedback_mark(session)
        if mark == self._feedback_mark:
            return
        verdicts = feedback_examples(self.sessions)
        self.matcher, *self.others = [
            m.with_examples([*m.seed.examples, *verdicts]) for m in self.all_matchers
        ]
        self._feedback_mark = mark

    @property
    def all_matchers(self) -> list[Matcher]:
        return [self.matcher, *self.others]

    def worth_fetching(self, summaries: list[str]) -> list[bool]:
        """An entry is fetched when one seed's gate would fetch it."""
        with self._encoder_lock:
            verdicts = [m.worth_fetching(summaries) for m in self.all_matchers]
        return [any(column) for column in zip(*verdicts, strict=True)]

    def passages(self, article: ArticleText) -> list[Passage]:
        """The passages to encode: none unless the article is in some seed's scope."""
        if not any(m.in_scope(article) for m in self.all_matchers):
            return []
        return make_passages(article.title, article.text, windows=self.matcher.options.windows)

    def encode(self, passages: list[list[Passage]]) -> list[Encoded]:
        """Vectors (one list of passages per article) at the precision they are stored in, so
        that re-scoring from storage reproduces the scores found at crawl time (every encoding
        goes through here)."""
        with self._encoder_lock:
            encoded = self.matcher.encode(passages)
        return [stored_precision(e) for e in encoded]

    def matches(
        self,
        encoded: Encoded,
        article_id: int | None = None,
        verdicts: dict[str, bool] | None = None,
    ) -> list[NewMatch]:
        """The statements an encoded article matches, as rows to store. An analyst's verdict on
        the article decides over its score, and its own example is not used to score it."""
        story = feedback_story(article_id) if article_id is not None else None
        verdicts = verdicts or {}
        return [
            NewMatch(s.statement_id, s.score, s.passage, s.position, self.matcher.model_id)
            for s in self.scores(encoded, story)
            if verdicts.get(s.statement_id, s.matched)
        ]

    def scores(self, encoded: Encoded, story: str | None = None) -> list[StatementScore]:
        """Every statement's score on an encoded article, each seed scoring it only within its
        own scope (the passages hold every word of the title and text)."""
        if not encoded.passages:
            return []
        text = ArticleText(None, " ".join(p.text for p in encoded.passages))
        return [
            score
            for m in self.all_matchers
            if not self.others or m.in_scope(text)
            for score in m.score_encoded(encoded, story)
        ]


# Passage vectors are kept as float16; scoring always uses that precision, so that re-scoring
# from storage reproduces the scores found at crawl time.


def stored_precision(encoded: Encoded) -> Encoded:
    return Encoded(encoded.passages, encoded.vectors.astype(np.float16).astype(np.float32))


def pack(encoded: Encoded) -> StoredVectors:
    rows, dim = encoded.vectors.shape
    data = encoded.vectors.astype(np.float16).tobytes()
    return StoredVectors(passages_hash(encoded.passages), rows, dim, data)


def unpack(passages: list[Passage], stored: StoredVectors) -> Encoded:
    vectors = np.frombuffer(stored.data, dtype=np.float16).reshape(stored.rows, stored.dim)
    return Encoded(passages, vectors.astype(np.float32))
