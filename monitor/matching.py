"""Passages x statements -> the best passage and score per statement, with evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pledgewatch.encoders import Encoder
from pledgewatch.errors import ConfigError
from pledgewatch.labelled import LabelledArticle
from pledgewatch.language import closest_language
from pledgewatch.passages import Passage, make_passages, passages_hash
from pledgewatch.progress import Progress, no_progress
from pledgewatch.scope import Terms
from pledgewatch.statements import Seed
from pledgewatch.vector_cache import VectorCache

# The gate's bar for an entry naming only some scope groups: the lowest best-cosine of a
# labelled dev article's title + lead was 0.298 (unrelated articles: median 0.22), less a margin.
GATE_SIMILARITY = 0.29
# What Matcher.signals gives per statement: its score (the mean of its best passages' evidence
# plus the examples' evidence) and the gap to the article's best statement's score (0 for the
# best). The decision weighs them: a second statement of an article matches when its own score
# is high enough, not only when it stands within a fixed margin of the first.
SIGNALS = ("score", "gap")


@dataclass(frozen=True)
class StatementScore:
    """The best passage of one article for one statement."""

    statement_id: str
    score: float  # the decision's probability (the raw score where the seed has no decision)
    passage: str
    position: int
    matched: bool
    threshold: float = 0.0  # the statement's bar: matched = score >= threshold


@dataclass(frozen=True)
class ArticleText:
    title: str | None
    text: str


@dataclass(frozen=True)
class Encoded:
    """An article's passages and their vectors, row for row."""

    passages: list[Passage]
    vectors: np.ndarray


@dataclass(frozen=True)
class MatchOptions:
    """The matching steps, each kept because real coverage said so (see eval/README.md).

    Switching one off reproduces the corresponding row of the ablation table.
    """

    views: bool = True  # compare with the coverage views, not only the wording and translations
    windows: bool = True  # sentence pairs and title + lead, not only single sentences
    scope: bool = True  # the seed's scope terms must all appear in the article
    contrast: bool = True  # score = similarity minus the passage's mean over all statements
    top_passages: int = 2  # a statement's score: the mean of its best N passages
    examples: bool = True  # compare with the labelled examples (_example_evidence)
    examples_weight: float = 0.25  # the examples' evidence's weight inside the score
    center_languages: bool = True  # subtract each language's mean vector (see _LanguageMeans)


class Matcher:
    """Scores articles against a seed's statements with one encoder; the seed's decision and
    the threshold say which statements an article reports on."""

    def __init__(
        self,
        seed: Seed,
        encoder: Encoder,
        threshold: float,
        options: MatchOptions | None = None,
        examples: Sequence[LabelledArticle] | None = None,
        cache_dir: Path | None = None,
        progress: Progress = no_progress,
    ) -> None:
        """``examples`` default to the seed's labelled examples; ``cache_dir`` keeps their
        passage vectors between runs (see vector_cache); ``progress`` shows their encoding."""
        self.seed = seed
        self.cache_dir = cache_dir
        self.progress = progress
        self.encoder = encoder
        self.threshold = threshold
        self.options = options or MatchOptions()
        wordings, owners = [], []
        for index, statement in enumerate(seed.statements):
            for wording in statement.wordings(views=self.options.views):
                wordings.append(wording)
                owners.append(index)
        # The first encoding also loads the model: seconds a person should not wait in silence.
        with progress(f"encoding the statements of {seed.seed}", len(wordings), "text") as step:
            self._raw_wording_vectors = encoder.encode(wordings)  # the gate's (calibrated on these)
            step(len(wordings))
        self._owners = np.asarray(owners)
        if seed.decision is not None and seed.decision.signals != SIGNALS:
            raise ConfigError(
                f"{seed.source}: [decision] was fitted on the signals {list(seed.decision.signals)}"
                f", the matcher gives {list(SIGNALS)}: run `pledgewatch eval --calibrate`"
            )
        self._thresholds = np.array([s.threshold_at(threshold) for s in seed.statements])
        self._scope = [Terms(group) for group in seed.scope] if self.options.scope else []
        self._related = Terms(seed.related_terms) if seed.related_terms else None
        examples = list(seed.examples if examples is None else examples)
        if not (self.options.center_languages or self.options.examples):
            examples = []  # no use needs them: not encoded
        example_passages = _example_passage_vectors(
            encoder, self.options.windows, examples, cache_dir, progress
        )
        # Language means describe ordinary text, not verdicts: only the seed's own examples
        # count, so that an analyst's verdict on one statement moves that statement's scores
        # and no other's.
        own = [(e, v) for e, v in zip(examples, example_passages, strict=True) if _own(e)]
        self._means = _LanguageMeans(own if self.options.center_languages else [])
        self._wording_vectors = self._means.center_each(self._raw_wording_vectors, wordings)
        example_passages = [
            self._means.center(v, e.text) for e, v in zip(examples, example_passages, strict=True)
        ]
        if not self.options.examples:
            examples, example_passages = [], []
        dim = self._raw_wording_vectors.shape[1]
        self._example_vectors = (
            np.stack([_unit_mean(v) for v in example_passages])
            if examples
            else np.zeros((0, dim), dtype=np.float32)
        )
        shape = (len(examples), len(seed.statements))
        self._example_labels = np.array(
            [[s.id in e.labels for s in seed.statements] for e in examples], dtype=bool
        ).reshape(shape)
        self._example_rejects = np.array(
            [[e.rejects(s.id) for s in seed.statements] for e in examples], dtype=bool
        ).reshape(shape)
        self._example_stories = np.array([e.story for e in examples], dtype=object)

    def with_examples(self, examples: Sequence[LabelledArticle]) -> Matcher:
        """The same matcher comparing articles with these examples."""
        return Matcher(
            self.seed,
            self.encoder,
            self.threshold,
            self.options,
            examples,
            self.cache_dir,
            self.progress,
        )

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    def in_scope(self, article: ArticleText) -> bool:
        """True when the article mentions every scope group of the seed (e.g. Russia and China)."""
        haystack = f"{article.title or ''}\n{article.text}".lower()
        return all(pattern.search(haystack) for pattern in self._scope)

    def worth_fetching(self, entries: Sequence[str]) -> list[bool]:
        """The gate, on feed entries (title and summary) before their pages are fetched.

        An entry that names a term of every scope group is fetched, one that names none is
        not; one that names some groups only (Russia without China, say), or none but a related
        forum (the SCO, BRICS), is fetched when it reads like the statements: its best cosine to
        a wording or view reaches GATE_SIMILARITY.
        """
        if not self._scope:
            return [True] * len(entries)
        lowered = [text.lower() for text in entries]
        named = [[bool(p.search(text)) for p in self._scope] for text in lowered]
        related = [bool(self._related and self._related.search(text)) for text in lowered]
        partial = [
            i for i, groups in enumerate(named) if (any(groups) or related[i]) and not all(groups)
        ]
        close = set()
        if partial:
            vectors = self.encoder.encode([entries[i] for i in partial])
            best = (vectors @ self._raw_wording_vectors.T).max(axis=1)
            close = {i for i, score in zip(partial, best, strict=True) if score >= GATE_SIMILARITY}
        return [all(groups) or i in close for i, groups in enumerate(named)]

    def passages(self, article: ArticleText) -> list[Passage]:
        """The passages scored for an article: none when it is out of the seed's scope."""
        if not self.in_scope(article):
            return []
        return make_passages(article.title, article.text, windows=self.options.windows)

    def encode_passages(self, articles: Sequence[ArticleText]) -> list[Encoded]:
        """Passages and their vectors for each article; one encoder call for all of them."""
        return self.encode([self.passages(a) for a in articles])

    def encode(self, passages: Sequence[list[Passage]]) -> list[Encoded]:
        """Vectors for passages split earlier (one list per article); one encoder call."""
        vectors = _encode_grouped(self.encoder, passages)
        return [Encoded(ps, v) for ps, v in zip(passages, vectors, strict=True)]

    def score_articles(
        self, articles: Sequence[ArticleText], stories: Sequence[str | None] | None = None
    ) -> list[list[StatementScore]]:
        """Best passage and score per statement for each article (empty when out of scope).

        ``stories``: per article, a story whose labelled examples must not be used (an
        evaluation scoring the examples themselves).
        """
        encoded = self.encode_passages(articles)
        stories = stories or [None] * len(encoded)
        return [self.score_encoded(e, s) for e, s in zip(encoded, stories, strict=True)]

    def score_encoded(self, encoded: Encoded, story: str | None = None) -> list[StatementScore]:
        """Scores from passages encoded earlier (stored vectors make re-scoring cheap)."""
        return self._best(encoded.passages, encoded.vectors, story)

    def _best_wording(self, vectors: np.ndarray) -> np.ndarray:
        """Passages x statements: each passage's best cosine to any wording of the statement."""
        similarity = vectors @ self._wording_vectors.T  # passages x wordings
        count = len(self.seed.statements)
        return np.stack(
            [similarity[:, self._owners == k].max(axis=1) for k in range(count)], axis=1
        )

    def _example_evidence(self, vectors: np.ndarray, story: str | None) -> np.ndarray:
        """Per statement: similarity to its nearest example minus that to the nearest example
        without it (0 where either is missing). Coverage of one statement keeps reading alike."""
        keep = self._example_stories != story
        similarity = self._example_vectors[keep] @ _unit_mean(vectors)
        labels, rejects = self._example_labels[keep], self._example_rejects[keep]
        with_it = np.where(labels, similarity[:, None], -np.inf).max(axis=0, initial=-np.inf)
        without = np.where(rejects, similarity[:, None], -np.inf).max(axis=0, initial=-np.inf)
        both = np.isfinite(with_it) & np.isfinite(without)
        return np.where(both, with_it, 0.0) - np.where(both, without, 0.0)

    def signals(self, encoded: Encoded, story: str | None = None) -> np.ndarray:
        """Statements x SIGNALS for one article with passages (in scope): what the decision
        weighs."""
        return self._signals(encoded.passages, encoded.vectors, story)[0]

    def _signals(
        self, passages: list[Passage], vectors: np.ndarray, story: str | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Statements x SIGNALS, and each statement's best passage (its evidence)."""
        vectors = self._means.center(vectors, " ".join(p.text for p in passages[:8]))
        evidence = self._best_wording(vectors)  # passages x statements
        if self.options.contrast:
            # A passage about Russia-China relations in general is close to every statement; what
            # singles out the one it reports on is how far it stands above its own mean.
            evidence = evidence - evidence.mean(axis=1, keepdims=True)
        top = min(self.options.top_passages, len(passages))
        scores = np.sort(evidence, axis=0)[-top:].mean(axis=0)
        if len(self._example_vectors):
            scores = scores + self.options.examples_weight * self._example_evidence(vectors, story)
        return np.stack([scores, scores - scores.max()], axis=1), evidence.argmax(axis=0)

    def _best(
        self, passages: list[Passage], vectors: np.ndarray, story: str | None = None
    ) -> list[StatementScore]:
        if not passages:
            return []
        table, best = self._signals(passages, vectors, story)
        decision = self.seed.decision
        scores = decision.probability(table) if decision is not None else table[:, 0]
        results = []
        for index, statement in enumerate(self.seed.statements):
            score = float(scores[index])
            results.append(
                StatementScore(
                    statement.id,
                    round(score, 4),
                    passages[best[index]].text,
                    passages[best[index]].position,
                    bool(score >= self._thresholds[index]),
                    round(float(self._thresholds[index]), 4),
                )
            )
        return results


# Passages per encoder call while encoding examples: a multiple of the default batch (64), so
# that the progress steps leave the encoder's batches, and so its vectors, as they were.
ENCODE_CHUNK = 512
EXAMPLES_IN_MEMORY = 5_000  # per encoder (~11 passages each: ~22 KB)


MIN_LANGUAGE_EXAMPLES = 5


class _LanguageMeans:
    """Each language's mean passage vector over the labelled examples, and centring by it.

    Texts in one language sit closer to each other than to their translations: a French
    article was close to the French wording of every statement, which squeezed its scores
    together. Subtracting the mean vector of the text's language removes that shared pull.
    A text is centred by the closest language the examples have. Only the seed's own examples
    count (the caller's choice), and only languages with MIN_LANGUAGE_EXAMPLES of them: a mean
    of two articles is mostly their topic.
    """

    def __init__(self, examples: Sequence[tuple[LabelledArticle, np.ndarray]]) -> None:
        grouped: dict[str, list[np.ndarray]] = {}
        for example, vectors in examples:
            if example.lang and len(vectors):
                grouped.setdefault(example.lang, []).append(vectors)
        self._means = {
            lang: np.vstack(v).mean(axis=0)
            for lang, v in grouped.items()
            if len(v) >= MIN_LANGUAGE_EXAMPLES
        }

    def center(self, vectors: np.ndarray, text: str) -> np.ndarray:
        """Vectors of ``text``'s passages, centred and of unit length (unchanged without means)."""
        language = closest_language(text, self._means)
        if language is None or not len(vectors):
            return vectors
        centred = vectors - self._means[language]
        norms = np.linalg.norm(centred, axis=1, keepdims=True)
        return (centred / np.maximum(norms, 1e-12)).astype(np.float32)

    def center_each(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Each row centred by the language of its own text."""
        if not self._means:
            return vectors
        rows = [self.center(v[None, :], t) for v, t in zip(vectors, texts, strict=True)]
        return np.vstack(rows)


def _example_passage_vectors(
    encoder: Encoder,
    windows: bool,
    examples: Sequence[LabelledArticle],
    cache_dir: Path | None = None,
    progress: Progress = no_progress,
) -> list[np.ndarray]:
    """Each example's passage vectors (scope not applied): from memory, else from the cache
    directory, else encoded (and then written there). Keyed by the passages' own texts, so that
    a change in how articles are split into passages can never serve stale vectors."""
    memory = encoder.example_vectors
    passages = [make_passages(e.title, e.text, windows) for e in examples]
    keys = [passages_hash(ps) for ps in passages]
    missing = {k: ps for k, ps in zip(keys, passages, strict=True) if k not in memory}
    if len(memory) + len(missing) > EXAMPLES_IN_MEMORY:
        memory.clear()
        missing = dict(zip(keys, passages, strict=True))
    disk = VectorCache(cache_dir, encoder) if missing and cache_dir is not None else None
    if disk is not None:
        for key in list(missing):
            vectors = disk.get(key)
            if vectors is not None:
                memory[key] = vectors
                del missing[key]
    if missing:
        encoded = _encode_grouped(encoder, list(missing.values()), progress)
        for key, vectors in zip(missing, encoded, strict=True):
            memory[key] = vectors
            if disk is not None:
                disk.put(key, vectors)
    if disk is not None:
        disk.save(keys)
    return [memory[k] for k in keys]


def _encode_grouped(
    encoder: Encoder, groups: Sequence[list[Passage]], progress: Progress = no_progress
) -> list[np.ndarray]:
    """Every group's passages encoded in chunks (each a step of ``progress``); the vectors
    split back per group. Chunks are whole encoder batches, so the vectors are the same."""
    texts = [p.text for group in groups for p in group]
    parts = []
    description = "first run: encoding the labelled examples, once"
    with progress(description, len(texts), "passage") as step:
        for start in range(0, len(texts), ENCODE_CHUNK):
            parts.append(encoder.encode(texts[start : start + ENCODE_CHUNK]))
            step(len(parts[-1]))
    vectors = np.vstack(parts) if parts else encoder.encode([])
    bounds = np.cumsum([0, *(len(group) for group in groups)])
    return [vectors[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]


def _own(example: LabelledArticle) -> bool:
    """True for the seed's own examples, False for analysts' verdicts on stored articles."""
    return example.kind != "feedback"


def _unit_mean(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.astype(np.float32).mean(axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)
