"""Statements files: a seed's statements, their translations, views and scope."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pledgewatch.decision import Decision
from pledgewatch.errors import ConfigError
from pledgewatch.labelled import LabelledArticle, load_labelled
from pydantic import BaseModel, ConfigDict, Field, ValidationError

LANGUAGES = ("en", "fr", "ru", "zh")  # the translation keys of a statement
log = logging.getLogger(__name__)
_WARNED: set[tuple[Path, str]] = set()  # a statements file is read more than once a run


@dataclass(frozen=True)
class Statement:
    """One pledge of a seed article, with every wording the matcher compares passages to."""

    id: str
    speaker: str
    text: str
    translations: dict[str, str] = field(default_factory=dict)
    views: tuple[str, ...] = ()
    threshold: float | None = None  # a per-statement threshold overrides the global one
    # added to the global threshold: a statement an analyst wants stricter or looser
    threshold_offset: float = 0.0

    def threshold_at(self, global_threshold: float) -> float:
        """This statement's bar when the global threshold is ``global_threshold``."""
        if self.threshold is not None:
            return self.threshold
        return global_threshold + self.threshold_offset

    def wordings(self, views: bool = True) -> list[str]:
        """The original text, its translations, then (unless views=False) the coverage views."""
        return [self.text, *self.translations.values(), *(self.views if views else ())]


@dataclass(frozen=True)
class Seed:
    """A seed article's statements and the scope an article must fall in to be matched."""

    seed: str
    title: str
    statements: tuple[Statement, ...]
    scope: tuple[tuple[str, ...], ...] = ()
    source: Path | None = None
    # labelled articles (analyst feedback) the matcher compares new articles with
    examples: tuple[LabelledArticle, ...] = ()
    # terms that let a feed entry naming no scope group reach the gate's similarity check
    related_terms: tuple[str, ...] = ()
    # the fitted decision (monitor/decision.py); None: a statement matches when its score
    # reaches its threshold
    decision: Decision | None = None

    def thresholds_at(self, global_threshold: float) -> dict[str, float]:
        """Each statement's bar when the global threshold is ``global_threshold``."""
        return {s.id: s.threshold_at(global_threshold) for s in self.statements}


def require_statement(seed: Seed | Sequence[Seed], statement_id: str) -> None:
    """ConfigError unless the seed (or one of the seeds) has this statement."""
    seeds = [seed] if isinstance(seed, Seed) else seed
    known = sorted(s.id for one in seeds for s in one.statements)
    if statement_id not in known:
        raise ConfigError(f"unknown statement id {statement_id!r}; known: {', '.join(known)}")


class _StatementModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    speaker: str = ""
    text: str = Field(min_length=1)
    en: str | None = None
    fr: str | None = None
    ru: str | None = None
    zh: str | None = None
    views: list[str] = []
    threshold: float | None = Field(default=None, ge=-1, le=1)
    threshold_offset: float = Field(default=0.0, ge=-0.5, le=0.5)


class _ScopeModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    all_of: list[list[str]] = []
    # Fora that stand for the groups together (SCO, BRICS): a feed entry naming one and no group
    # term is judged by its similarity to the statements, as one naming some groups is.
    related: list[str] = []


class _DecisionModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signals: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float


class _SeedModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: str
    title: str = ""
    article: str | None = None
    published: str | None = None
    scope: _ScopeModel = _ScopeModel()
    examples: str | None = None  # a labelled-articles file, relative to the statements file
    decision: _DecisionModel | None = None
    statements: list[_StatementModel] = Field(min_length=1)


def load_seed(path: Path) -> Seed:
    """Read and validate a statements file; raise ConfigError naming the bad entry."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        model = _SeedModel.model_validate(raw)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such statements file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None
    ids = [s.id for s in model.statements]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"{path}: duplicate statement ids: {', '.join(duplicates)}")
    statements = tuple(
        Statement(
            id=s.id,
            speaker=s.speaker,
            text=s.text,
            translations={lang: t for lang in LANGUAGES if (t := getattr(s, lang))},
            views=tuple(s.views),
            threshold=s.threshold,
            threshold_offset=s.threshold_offset,
        )
        for s in model.statements
    )
    for statement in statements:
        if not statement.views and (path, statement.id) not in _WARNED:
            _WARNED.add((path, statement.id))
            log.warning(
                "%s: statement %s has no views: compared through its wording and translations "
                "only, a statement was found a third as often as with views on real coverage "
                "(bench/new_statement.py); add a few sentences written the way follow-up "
                "coverage of it reads",
                path,
                statement.id,
            )
    scope = tuple(tuple(term.lower() for term in group) for group in model.scope.all_of if group)
    examples = load_labelled(path.parent / model.examples, ids) if model.examples else []
    decision = None
    if model.decision is not None:
        d = model.decision
        decision = Decision(
            tuple(d.signals), tuple(d.mean), tuple(d.scale), tuple(d.weights), d.bias
        )
    return Seed(
        model.seed,
        model.title,
        statements,
        scope,
        path,
        tuple(examples),
        related_terms=tuple(term.lower() for term in model.scope.related),
        decision=decision,
    )


def load_seeds(paths: Path | Sequence[Path]) -> tuple[Seed, ...]:
    """Several statements files, one seed each; seed ids and statement ids must be unique
    across them (matches and verdicts name a statement by its id alone)."""
    seeds = tuple(load_seed(p) for p in ([paths] if isinstance(paths, Path) else paths))
    owners: dict[str, Seed] = {}
    seen: set[str] = set()
    for seed in seeds:
        if seed.seed in seen:
            raise ConfigError(f"{seed.source}: seed {seed.seed!r} is also another file's seed")
        seen.add(seed.seed)
        for statement in seed.statements:
            other = owners.setdefault(statement.id, seed)
            if other is not seed:
                raise ConfigError(
                    f"{seed.source}: statement id {statement.id!r} is also in {other.source}; "
                    "ids must be unique across the statements files"
                )
    return seeds
