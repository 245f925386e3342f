"""Labelled articles: the evaluation splits, and a seed's example articles (analyst feedback)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pledgewatch.errors import ConfigError


@dataclass(frozen=True)
class LabelledArticle:
    id: str
    lang: str
    title: str
    text: str
    labels: frozenset[str]  # the statements the article reports on; empty: none of them
    kind: str  # positive | hard-negative | unrelated
    group: str | None = None  # the same story told by several outlets or in several languages
    # Statements judged NOT reported on; None: every statement not in labels (a fully labelled
    # article). An analyst's verdicts on a stored article judge only some statements.
    rejected: frozenset[str] | None = None

    @property
    def story(self) -> str:
        return self.group or self.id

    def rejects(self, statement_id: str) -> bool:
        if self.rejected is None:
            return statement_id not in self.labels
        return statement_id in self.rejected


def load_labelled(path: Path, statement_ids: Iterable[str]) -> list[LabelledArticle]:
    """Read a labelled-articles file; every label must be a known statement id."""
    known = set(statement_ids)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such labelled-articles file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    articles = []
    for item in raw.get("articles", []):
        unknown = set(item["labels"]) - known
        if unknown:
            raise ConfigError(f"{path}: {item['id']}: unknown statement ids {sorted(unknown)}")
        articles.append(
            LabelledArticle(
                id=item["id"],
                lang=item["lang"],
                title=item["title"],
                text="\n".join(item["body"]),
                labels=frozenset(item["labels"]),
                kind=item["kind"],
                # real coverage names its event's story; the invented set, its group
                group=item.get("story") or item.get("group"),
            )
        )
    return articles
