"""Analysts' verdicts as labelled examples: a judged article teaches the matcher."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pledgewatch.labelled import LabelledArticle
from pledgewatch.storage.articles import article_detail
from pledgewatch.storage.db import Sessions
from pledgewatch.storage.matches import clear_feedback, judged_articles, set_feedback

if TYPE_CHECKING:
    from pledgewatch.pipeline import Pipeline


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


def give_verdict(
    pipeline: Pipeline, article_id: int, statement_id: str, relevant: bool
) -> list[str]:
    """An analyst's verdict (`feedback mark`, the web's verdict buttons): stored, then the
    article re-scored at once; the statements the article matches now."""
    pipeline.sync()  # the statement must exist in the database
    with pipeline.sessions.begin() as session:
        set_feedback(session, article_id, statement_id, relevant)
    return rescore_one(pipeline, article_id, statement_id)


def clear_verdicts(
    pipeline: Pipeline, article_id: int, statement_id: str | None
) -> tuple[int, list[str]]:
    """Forget the verdicts on an article (or one statement) and re-score it; how many there
    were, and the statements the article matches now."""
    pipeline.sync()  # the seed's statements must exist in the database to be re-scored
    with pipeline.sessions.begin() as session:
        cleared = clear_feedback(session, article_id, statement_id)
    return cleared, rescore_one(pipeline, article_id, statement_id)


def rescore_one(pipeline: Pipeline, article_id: int, statement_id: str | None) -> list[str]:
    """The article's own matches follow its verdicts at once (its own example is not used)."""
    pipeline.rescorer.rescore(statement_id, articles=[article_id])
    with pipeline.sessions() as session:
        detail = article_detail(session, str(article_id))
    assert detail is not None
    return [m.statement_id for m in detail.matches]
