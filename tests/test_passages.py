"""Sentences and passages in the four languages."""

from __future__ import annotations

import pytest
from pledgewatch.passages import make_passages, split_sentences


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Russia and China met. They signed deals! Was it really new? Analysts said no.", 4),
        ("M. Poutine a parlé. Xi Jinping a répondu : « Oui. » La suite est connue.", 3),
        ("Путин провел переговоры. Си Цзиньпин ответил. Стороны подписали документы.", 3),
        ("习近平出席庆典。双方签署协议！合作将深化。", 3),
    ],
)
def test_sentences_in_four_languages(text: str, count: int) -> None:
    assert len(split_sentences(text)) == count


def test_passages_are_sentences_pairs_and_title_lead() -> None:
    passages = make_passages(
        "Title here", "First sentence is here. Second one is here.\nThird para."
    )
    texts = [p.text for p in passages]
    assert "First sentence is here." in texts
    assert "First sentence is here. Second one is here." in texts
    assert "Title here. First sentence is here." in texts
    assert {p.position for p in passages} == {-1, 0, 1, 2}
