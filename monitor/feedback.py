"""Analysts' verdicts as labelled examples: a judged article teaches the matcher."""

from __future__ import annotations

from pledgewatch.labelled import LabelledArticle
from pledgewatch.storage.db import Sessions
from pledgewatch.storage.matches import judged_articles


def feedback_story(article_id: int) -> str:
    """The story key of a stored article used as a labelled example (analyst feedback)."""
    return f"article:{article_id}"


def feedback_examples(sessions: Sessions) -> list[LabelledArticle]:
    """The stored articles analysts gave a verdict on, as labelled examples for the matcher."""
    with sessions() as session:
        judged = judged_articles(session)
    return [
        LabelledArticle(
            id=feedback_story(article_id),
            lang="",
            title=title or "",
            text=text,
            labels=frozenset(s for s, relevant in verdicts.items() if relevant),
            kind="feedback",
            rejected=frozenset(s for s, relevant in verdicts.items() if not relevant),
        )
        for article_id, title, text, verdicts in judged
    ]
