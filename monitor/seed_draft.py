"""A draft statements file from a seed article: `pledgewatch statements init`.

Candidate statements are the article's sentences that read like attributed claims, pledges or
figures; the analyst keeps, merges and words them, and adds translations and views. The draft
loads as it is (monitor/statements.py) and `statements check` lists what it still lacks.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pledgewatch.passages import split_sentences

MAX_CANDIDATES = 12
# The raw-score bar of a seed without a fitted [decision] (docs/statements.md).
DRAFT_THRESHOLD = 0.12
SPEAKER_VERBS = (
    r"said|says|declared|stated|announced|told|stressed|pledged|promised|vowed|added"
    r"|a déclaré|a affirmé|a annoncé|a souligné|a promis|a assuré|a dit|déclare|affirme"
    r"|заявил|заявила|сказал|сказала|отметил|отметила|подчеркнул|подчеркнула|пообещал"
)
_SPEAKER_VERB = re.compile(rf"(?<!\w)(?:{SPEAKER_VERBS})(?!\w)|表示|指出|强调|宣布|承诺", re.I)
_PLEDGE = re.compile(
    r"(?<!\w)(?:will|must|shall|pledge\w*|promise\w*|vow\w*|commit\w*|va|vont|doit|doivent"
    r"|s'engage\w*|promet|будет|будут|должн\w*|обеща\w*)(?!\w)|将|要|承诺|必须",
    re.I,
)
# A figure is a number that is not a date: years and day-of-month alone make no statement.
_DATES = re.compile(
    r"(?<!\d)(?:1[89]|20)\d\d(?!\d)|(?<!\d)\d{1,2}(?:st|nd|rd|th|er)?\s+(?:jan|feb|fév|mar|apr|avr"
    r"|may|mai|jun|jui|jul|aug|aoû|sep|oct|nov|dec|déc)\w*",
    re.I,
)
_FIGURE = re.compile(r"\d")
_NAME = r"[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’-]+(?:\s+[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’-]+){0,3}"
_NAME_BEFORE = re.compile(rf"({_NAME}),?\s+(?:{SPEAKER_VERBS})(?!\w)")
_NAME_AFTER = re.compile(rf"(?:said|told|declared|a déclaré|a affirmé|заявил|заявила)\s+({_NAME})")
_ARTICLES = {"The", "Le", "La", "Les", "He", "She", "They", "Il", "Elle", "It"}


@dataclass(frozen=True)
class Candidate:
    """A sentence of the seed article that may be one of its statements."""

    id: str
    speaker: str
    text: str
    reasons: tuple[str, ...]  # why it was picked: attributed, pledge, figure


def candidates(article: str, limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """The sentences that read like attributed claims, pledges or figures, in article order
    (the most signals first when there are more than ``limit``)."""
    found = []
    for position, sentence in enumerate(split_sentences(article)):
        reasons = tuple(
            name
            for name, pattern in (
                ("attributed", _SPEAKER_VERB),
                ("pledge", _PLEDGE),
                ("figure", _FIGURE),
            )
            if pattern.search(_DATES.sub(" ", sentence))
        )
        if reasons and len(sentence) >= 20:
            found.append((position, sentence, reasons))
    kept = sorted(sorted(found, key=lambda f: -len(f[2]))[:limit])
    ids: set[str] = set()
    return [
        Candidate(
            _unique(_slug(_claim(sentence), f"statement-{n}"), ids), _speaker(sentence), sentence, r
        )
        for n, (_, sentence, r) in enumerate(kept, 1)
    ]


def draft(article_path: Path, out: Path | None = None) -> str:
    """The text of a draft statements file for this article (relative paths from ``out``)."""
    article = article_path.read_text(encoding="utf-8")
    found = candidates(article)
    title = next((line.strip() for line in article.splitlines() if line.strip()), "")
    where = article_path.resolve()
    if out is not None:
        try:
            where = where.relative_to(out.resolve().parent)
        except ValueError:
            pass  # another directory: the absolute path
    lines = [
        f"# Drafted by `pledgewatch statements init` from {article_path.name}: edit it.",
        "# Keep the statements worth following, word them, add `en`/`fr`/`ru`/`zh` translations",
        "# and a few `views` (how follow-up coverage will read), then run",
        "# `pledgewatch statements check` on this file. Every key: docs/statements.md.",
        f"seed = {_toml(_slug(article_path.stem, 'my-seed'))}",
        f"title = {_toml(title[:200])}",
        f"article = {_toml(str(where))}",
        "",
        "# An article must name a term of every group to be scored: here, one group of the",
        "# names in the article (any of them will do). Add each name as the other languages",
        "# write it, or split the group (two countries: both must be named).",
        "[scope]",
        f"all_of = [{json.dumps(names(article), ensure_ascii=False)}]"
        if names(article)
        else '# all_of = [["term", "термин", "术语"]]',
    ]
    for candidate in found:
        lines += [
            "",
            f"# picked as: {', '.join(candidate.reasons)}",
            "[[statements]]",
            f"id = {_toml(candidate.id)}",
            f"speaker = {_toml(candidate.speaker)}",
            f"text = {_toml(candidate.text)}",
            '# en = ""\n# fr = ""\n# ru = ""\n# zh = ""',
            "views = []  # sentences the way follow-up coverage of it will read",
            f"threshold = {DRAFT_THRESHOLD}  # a raw-score bar: no [decision] yet",
        ]
    return "\n".join(lines) + "\n"


# Capitalised words that are no names: titles, days, months, sentence openers.
_NOT_NAMES = set(
    "the a an he she they it we our their this that these both minister ministers president "
    "mayor councillor prime foreign joint statement monday tuesday wednesday thursday friday "
    "saturday sunday january february march april may june july august september october "
    "november december le la les il elle nous".split()
)


def names(article: str, most: int = 12) -> list[str]:
    """The names an article keeps coming back to (capitalised words inside sentences; of a
    full name, the surname), lowercased as scope terms, the most frequent first."""
    counts: dict[str, int] = {}
    capital = r"[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’-]{2,}"
    for sentence in split_sentences(article):
        for run in re.findall(rf"(?<=\s){capital}(?:\s+{capital})*", sentence):
            term = run.split()[-1].lower().removesuffix("'s").removesuffix("’s")
            if term not in _NOT_NAMES:
                counts[term] = counts.get(term, 0) + 1
    return sorted(counts, key=lambda t: -counts[t])[:most]


def _speaker(sentence: str) -> str:
    for pattern in (_NAME_BEFORE, _NAME_AFTER):
        match = pattern.search(sentence)
        if match and match.group(1).split()[0] not in _ARTICLES:
            return match.group(1)
    return ""


def _claim(sentence: str) -> str:
    """What is claimed, for the id: the words after "X said that", else the sentence."""
    verb = _SPEAKER_VERB.search(sentence)
    after = sentence[verb.end() :] if verb and verb.start() < len(sentence) / 2 else ""
    return after if len(after.split()) >= 3 else sentence


# Words that say nothing in an id (English and French: ids are ASCII).
_FILLER = set(
    "a an the that this to of in on at by for and or is are be will would must shall "
    "que qui le la les de des du un une et a est sont".split()
)


def _slug(text: str, fallback: str, words: int = 5) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    parts = [w for w in re.findall(r"[a-z0-9]+", ascii_text) if w not in _FILLER][:words]
    return "-".join(parts) or fallback


def _unique(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)
