"""Language detection: the language stored with each article and shown to analysts."""

from __future__ import annotations

from monitor.language import detect_language

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
