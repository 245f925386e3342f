"""The matcher as the pipeline and re-scoring use it: shared by threads, scoring at the
precision vectors are stored in, with analysts' verdicts deciding over scores."""

from __future__ import annotations

import threading

import numpy as np
from pledgewatch.feedback import feedback_examples, feedback_story
from pledgewatch.matching import Encoded, Matcher
from pledgewatch.passages import Passage, passages_hash
from pledgewatch.storage.db import Sessions
from pledgewatch.storage.matches import FeedbackMark, NewMatch, feedback_mark
from pledgewatch.storage.vectors import StoredVectors


class Scorer:
    """One matcher for a worker; refresh() takes in verdicts given since it was built."""

    def __init__(self, matcher: Matcher, sessions: Sessions) -> None:
        self.matcher = matcher
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
        examples = [*self.matcher.seed.examples, *feedback_examples(self.sessions)]
        self.matcher = self.matcher.with_examples(examples)
        self._feedback_mark = mark

    def worth_fetching(self, summaries: list[str]) -> list[bool]:
        with self._encoder_lock:
            return self.matcher.worth_fetching(summaries)

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
        model = self.matcher.model_id
        story = feedback_story(article_id) if article_id is not None else None
        verdicts = verdicts or {}
        return [
            NewMatch(s.statement_id, s.score, s.passage, s.position, model)
            for s in self.matcher.score_encoded(encoded, story)
            if verdicts.get(s.statement_id, s.matched)
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
