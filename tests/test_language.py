"""Language detection: the language stored with each article and shown to analysts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.cli import EXIT_SOME_FAILED, cli
from pledgewatch.demo.server import DemoServer, Route, load_corpus
from pledgewatch.extract import extract_article
from pledgewatch.language import UND, decide, detect, detect_language, normalise

from tests.conftest import write_config

# A dev-split entry (title + lead) that py3langid on its own takes for Wu Chinese.
MANDARIN_LEAD = (
    "习近平同俄罗斯总统普京通电话. 2月24日下午，国家主席习近平应约同俄罗斯总统普京通电话。"
)


def test_a_mandarin_news_lead_is_chinese() -> None:
    import py3langid

    assert py3langid.classify(MANDARIN_LEAD)[0] != "zh"  # what the fix is for
    assert detect_language(MANDARIN_LEAD) == "zh"


def test_other_languages_keep_their_codes() -> None:
    assert detect_language("Le commerce entre la Chine et la Russie recule depuis janvier.") == "fr"
    assert detect_language("Товарооборот России и Китая снизился на восемь процентов.") == "ru"
    assert detect_language("Trade between China and Russia fell for a fifth month.") == "en"
    assert detect_language("short") is None


# --- the stored language: what the text shows, else what the page or feed declares (issue 22)


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("fr", "fr"),
        ("fr-FR", "fr"),
        ("fr_FR", "fr"),
        ("FR", "fr"),
        (" en-GB ", "en"),
        ("fre", "fr"),
        ("fra", "fr"),
        ("ger", "de"),
        ("zh-CN", "zh"),
        ("zh-Hant", "zh"),
        ("zh-Hans-CN", "zh"),
        ("cmn", "zh"),
        ("pt-BR", "pt"),
        ("iw", "he"),
        ("und", None),
        ("", None),
        (None, None),
        ("x-klingon", None),
        ("en US", None),
        ("pcm", None),  # a language without a two-letter code
    ],
)
def test_declared_tags_are_normalised(tag: str | None, code: str | None) -> None:
    assert normalise(tag) == code


@pytest.mark.parametrize(
    ("text", "declared", "expected"),
    [
        # Too short to judge: the declaration, whatever py3langid's first guess (gcr, pcm, ga).
        ("Par Jean Dupont, à Moscou", "fr", "fr"),
        ("Vladimir Poutine, Xi Jinping, Sergueï Lavrov, Wang Yi", "fr", "fr"),
        ("Photos: Kremlin press service", "en", "en"),
        ("By John Smith in Moscow", "en-GB", "en"),
        ("中俄双方签署了一系列合作文件", "zh-Hant", "zh"),
        # Nothing to go on.
        ("By John Smith in Moscow", None, "und"),
        ("Reuters reporting by Guy Faulconbridge; editing by Andrew Osborn", None, "und"),
        # Enough text, and a confident detection: the text wins over a wrong declaration.
        ("Trade between China and Russia fell for a fifth month in a row.", "fr", "en"),
        ("Le commerce entre la Chine et la Russie recule depuis janvier.", "en", "fr"),
        (MANDARIN_LEAD, None, "zh"),
    ],
)
def test_decide(text: str, declared: str | None, expected: str) -> None:
    assert decide(text, declared) == expected


def test_detection_never_names_a_code_the_product_does_not_know() -> None:
    """py3langid's dialects and creoles (pcm, bcl, wuu...) are folded or set aside."""
    import py3langid

    labels = set(
        py3langid.langid.LanguageIdentifier.from_model_file(py3langid.langid.MODEL_FILE).labels
    )
    assert {"pcm", "bcl", "wuu"} <= labels  # what the model knows
    samples = [MANDARIN_LEAD, "Photos: Kremlin press service, by John Smith and Jane Doe"]
    samples += ["By John Smith, Moscow correspondent, and Jane Doe in Beijing"]
    for sample in samples:
        detection = detect(sample)
        assert detection is not None
        assert detection.language == UND or len(detection.language) == 2, detection


def test_a_page_declares_its_language() -> None:
    page = (
        '<html lang="fr-FR"><head><title>t</title></head><body><article><p>'
        + "Vladimir Poutine, Xi Jinping, Sergueï Lavrov, Wang Yi, Moscou, Pékin, 2025. " * 2
        + "</p></article></body></html>"
    )
    extracted = extract_article(page.encode(), "http://127.0.0.1/a")
    assert extracted.declared_language == "fr-FR"
    assert decide(extracted.text, extracted.declared_language) == "fr"


# --- end to end: short feed texts stored in their feed's language ----------------------------


def _rss(language: str | None, items: list[tuple[str, str, str, str]]) -> bytes:
    """RSS 2.0 with these (guid, title, link, description) items."""
    lang = f"<language>{language}</language>" if language else ""
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><title>{t}</title><link>{link}</link>"
        f"<pubDate>Mon, 31 Mar 2025 10:00:00 GMT</pubDate><description>{d}</description></item>"
        for g, t, link, d in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed</title>'
        f"{lang}{body}</channel></rss>"
    ).encode()


def test_short_feed_texts_take_their_feeds_language(tmp_path: Path, database_url: str) -> None:
    """Issue 22: a byline-only entry whose page fails was stored as bcl/hu/pcm and hidden from
    `matches --language fr`."""
    story = next(a for a in load_corpus()["articles"] if a["id"] == "fr-lavrov-wang")
    with DemoServer(corpus={}) as server:
        base = server.base
        routes = {
            "/fr.xml": _rss(
                "fr",
                [
                    ("fr-1", "Reportage", f"{base}/fr/byline", "Par Jean Dupont, à Moscou"),
                    ("fr-2", story["title"], f"{base}/fr/story", " ".join(story["body"][:2])),
                ],
            ),
            "/en.xml": _rss(
                "en-GB",
                [("en-1", "Analysis", f"{base}/en/byline", "By John Smith in Moscow")],
            ),
            "/none.xml": _rss(None, [("x-1", "Update", f"{base}/x/byline", "By J. Smith")]),
        }
        for path, body in routes.items():
            server.routes[path] = Route(200, "application/rss+xml", body)  # pages: 404
        config = write_config(tmp_path / "c.toml", database_url, [base + p for p in routes])
        # Exit 3: the pages are missing on purpose; the feeds' texts stand in.
        assert _run(config, "run", "--once")[0] == EXIT_SOME_FAILED
    for path, language in (("fr/byline", "fr"), ("en/byline", "en"), ("x/byline", "und")):
        code, out = _run(config, "show", f"{base}/{path}", "--format", "json")
        assert code == 0 and json.loads(out)["language"] == language, path
    code, out = _run(config, "show", f"{base}/fr/byline")
    assert " · fr · " in out
    code, out = _run(config, "matches", "--language", "fr", "--format", "json")
    french = json.loads(out)
    assert french and {r["language"] for r in french} == {"fr"}
    assert f"{base}/fr/story" in {r["article_url"] for r in french}
    code, out = _run(config, "matches", "--language", "en", "--format", "json")
    assert f"{base}/fr/story" not in {r["article_url"] for r in json.loads(out)}


def _run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    return result.exit_code, result.stdout
