"""What a statements file gives the matcher, and where recall will suffer: `statements check`.

The loader (monitor/statements.py) says whether a file is valid; this says, per statement,
which languages it can be found in, how many views and labelled examples it has, and warns
about each gap measured or known to cost recall.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pledgewatch.language import closest_language, detect_language
from pledgewatch.passages import CJK
from pledgewatch.statements import Seed, Statement

# The languages Pledgewatch reads feeds in (its model, extraction and the demo's feeds).
FEED_LANGUAGES = ("en", "fr", "ru", "zh")
LANGUAGE_NAMES = {"en": "English", "fr": "French", "ru": "Russian", "zh": "Chinese"}
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[a-z]")
# The script a scope term must be written in to be found in articles of a language.
_SCRIPT_OF = {"en": LATIN, "fr": LATIN, "ru": CYRILLIC, "zh": CJK}


@dataclass(frozen=True)
class StatementCheck:
    """One statement as the matcher will see it."""

    id: str
    original: str | None  # the language of ``text`` (None: unknown)
    languages: tuple[str, ...]  # every language it has a wording in, the original first
    views: int
    examples: int  # labelled examples reporting on it
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class SeedCheck:
    seed: str
    statements: tuple[StatementCheck, ...]
    warnings: tuple[str, ...]  # about the whole file: scope, decision, statement count

    @property
    def warning_count(self) -> int:
        return len(self.warnings) + sum(len(s.warnings) for s in self.statements)


def original_language(text: str) -> str | None:
    """The language a statement's original wording is written in, as far as it can tell."""
    return detect_language(text) or closest_language(text, FEED_LANGUAGES)


def check_seed(seed: Seed, feed_languages: Sequence[str] = FEED_LANGUAGES) -> SeedCheck:
    """Each statement's languages, views and examples, and the gaps that will cost recall in
    the feeds' languages."""
    warnings = _scope_warnings(seed, feed_languages)
    if len(seed.statements) == 1:
        warnings.append(
            "one statement: a passage's evidence is how far it stands above its mean over all "
            "statements, so a lone statement always scores 0; add a second"
        )
    return SeedCheck(
        seed.seed,
        tuple(_check_statement(seed, s, feed_languages) for s in seed.statements),
        tuple(warnings),
    )


def _check_statement(seed: Seed, statement: Statement, feeds: Sequence[str]) -> StatementCheck:
    original = original_language(statement.text)
    languages = tuple(dict.fromkeys([*([original] if original else []), *statement.translations]))
    examples = sum(statement.id in e.labels for e in seed.examples)
    warnings = []
    if not statement.views:
        warnings.append(
            "no views: found about a third as often as with views on real coverage; add a few "
            "sentences written the way follow-up coverage of it reads"
        )
    if "en" not in languages:
        warnings.append("no English wording: add `en`")
    missing = [lang for lang in feeds if lang not in languages and lang != "en"]
    if missing:
        names = ", ".join(f"{LANGUAGE_NAMES.get(lang, lang)} (`{lang}`)" for lang in missing)
        warnings.append(f"no wording in {names}: found less often in those feeds")
    if not examples:
        warnings.append("no labelled examples: scored on its wordings alone")
    if seed.decision is None and statement.threshold is None:
        warnings.append(
            "no [decision] and no `threshold`: its raw score is compared with [matching] "
            "threshold, a probability cut; set `threshold` (docs/statements.md)"
        )
    return StatementCheck(
        statement.id, original, languages, len(statement.views), examples, tuple(warnings)
    )


def _scope_warnings(seed: Seed, feeds: Sequence[str]) -> list[str]:
    """A scope group with no term in a feed language keeps every article in it out."""
    warnings = []
    for number, group in enumerate(seed.scope, 1):
        lacking = [
            LANGUAGE_NAMES.get(lang, lang)
            for lang in feeds
            if lang in _SCRIPT_OF and not any(_SCRIPT_OF[lang].search(t) for t in group)
        ]
        if lacking:
            shown = ", ".join(group[:3]) + (", ..." if len(group) > 3 else "")
            warnings.append(
                f"scope group {number} ({shown}) has no {' or '.join(lacking)} term: "
                "articles in those languages never enter scope"
            )
    return warnings
