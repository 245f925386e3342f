"""The labelled examples' passage vectors are kept on disk between runs (matcher start-up)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from pledgewatch import matching
from pledgewatch.demo.server import load_corpus
from pledgewatch.encoders import Encoder, load_encoder
from pledgewatch.matching import ArticleText, Matcher, StatementScore
from pledgewatch.passages import Passage, make_passages
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.statements import load_seed
from pledgewatch.vector_cache import VectorCache

SEED = load_seed(DEFAULT_STATEMENTS)
ARTICLES = [ArticleText(a["title"], "\n".join(a["body"])) for a in load_corpus()["articles"][:4]]


class CountingEncoder:
    """The real bundled encoder, counting the texts it is asked to encode."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.example_vectors: dict[str, np.ndarray] = {}  # nothing in memory: a new process
        self.texts = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.encode(texts)


def _build(cache_dir: Path | None) -> tuple[CountingEncoder, list[list[StatementScore]]]:
    encoder = CountingEncoder(load_encoder("use-multilingual-v3"))
    matcher = Matcher(SEED, encoder, 0.2, cache_dir=cache_dir)
    built = encoder.texts
    scores = matcher.score_articles(ARTICLES)
    encoder.texts = built  # count the start-up only
    return encoder, scores


def test_a_second_start_reads_the_examples_instead_of_encoding_them(tmp_path: Path) -> None:
    first, expected = _build(tmp_path)
    second, scores = _build(tmp_path)
    assert first.texts > 2_000  # every passage of the 318 examples
    assert second.texts < 300  # wordings, views and the probe only
    assert scores == expected
    assert scores == _build(None)[1]
    (cache,) = tmp_path.glob("*.npz")
    assert cache.stat().st_mode & 0o777 == 0o644  # readable by the other users of the directory


def test_a_new_way_of_splitting_passages_is_never_served_old_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later release that splits articles differently finds no vectors for its passages in a
    cache written by an earlier one: the key is the passages' texts, not the article's."""
    _build(tmp_path)

    def sentences_only(title: str | None, text: str, windows: bool = True) -> list[Passage]:
        return make_passages(title, text, windows=False)

    monkeypatch.setattr(matching, "make_passages", sentences_only)
    resplit, scores = _build(tmp_path)
    assert resplit.texts > 1_000  # every passage again (sentences only: fewer)
    assert scores == _build(None)[1]


def test_an_unreadable_cache_is_rebuilt_and_changes_no_score(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, expected = _build(tmp_path)
    (cache,) = tmp_path.glob("*.npz")
    cache.write_bytes(cache.read_bytes()[:5000])  # cut short, as by a full disk
    with caplog.at_level(logging.WARNING):
        rebuilt, scores = _build(tmp_path)
    assert "cache unreadable" in caplog.text
    assert rebuilt.texts > 2_000
    assert scores == expected
    assert _build(tmp_path)[0].texts < 300  # written whole again


def test_a_cache_written_by_other_weights_under_the_same_name_is_set_aside(
    tmp_path: Path,
) -> None:
    """A sentence-transformers model given by a local path keeps its id when its weights are
    replaced; the stored vector of a probe sentence tells the difference."""
    _, expected = _build(tmp_path)
    (cache,) = tmp_path.glob("*.npz")
    with np.load(cache) as stored:
        arrays = {key: stored[key] for key in stored.files}
    arrays["__probe__"] = np.roll(arrays["__probe__"], 1)
    np.savez(cache, **arrays)
    rebuilt, scores = _build(tmp_path)
    assert rebuilt.texts > 2_000
    assert scores == expected


def test_an_unwritable_cache_directory_only_costs_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    with caplog.at_level(logging.WARNING):
        _, scores = _build(blocked / "cache")
    assert "not cached" in caplog.text
    assert scores == _build(None)[1]


def test_the_cache_keeps_only_the_texts_in_use_once_it_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pledgewatch.vector_cache.MAX_ENTRIES", 2)
    encoder = load_encoder("use-multilingual-v3")
    cache = VectorCache(tmp_path, encoder)
    for key in ("a", "b", "c"):
        cache.put(key, encoder.encode([key]))
    cache.save(["b", "c"])
    again = VectorCache(tmp_path, encoder)
    assert again.get("a") is None
    assert np.array_equal(again.get("c"), encoder.encode(["c"]))  # type: ignore[arg-type]
