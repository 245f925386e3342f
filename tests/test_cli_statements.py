"""`pledgewatch statements check` and `statements init` as an analyst meets them (issue 25)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer
from pledgewatch.seed_draft import candidates, names
from pledgewatch.seeds import DEFAULT_STATEMENTS, SEEDS_DIR

from tests.conftest import write_config

EXAMPLE = SEEDS_DIR / "example.toml"

# One statement in French only, no views, a scope with Latin terms only, no [decision].
THIN = """seed = "thin"
[scope]
all_of = [["lindhaven", "lindhavenais"]]
[[statements]]
id = "bridge"
speaker = "La maire"
text = "Nous construirons un nouveau pont sur le fleuve avant la fin du mandat."
"""


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["statements", "check", *args])
    return result.exit_code, result.output


def _section(out: str, statement_id: str) -> str:
    """The report's lines about one statement: its line and its warnings."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{statement_id}:"))
    end = next(
        (i for i in range(start + 1, len(lines)) if not lines[i].startswith("  ")), len(lines)
    )
    return "\n".join(lines[start:end])


def test_check_reports_each_statement_and_its_gaps() -> None:
    code, out = _check(str(EXAMPLE))
    assert code == 0, out
    assert "valid; seed lindhaven-budget-2026, 2 statements" in out
    tram = _section(out, "tram-line-2028")
    assert "en (original), fr, ru, zh; 1 views; 0 examples" in tram
    assert "no wording in" not in tram and "no labelled examples" in tram
    rents = _section(out, "rents-frozen")
    assert "no wording in French (`fr`), Russian (`ru`), Chinese (`zh`)" in rents
    assert out.strip().endswith("3 warnings")


def test_check_only_warns_about_the_languages_the_feeds_carry() -> None:
    code, out = _check(str(EXAMPLE), "--languages", "en")
    assert code == 0 and "no wording in" not in out


def test_check_warns_where_recall_will_suffer(tmp_path: Path) -> None:
    path = tmp_path / "thin.toml"
    path.write_text(THIN, encoding="utf-8")
    code, out = _check(str(path))
    assert code == 0, out
    assert "one statement" in out
    assert "scope group 1 (lindhaven, lindhavenais) has no Russian or Chinese term" in out
    bridge = _section(out, "bridge")
    assert "fr (original); 0 views; 0 examples" in bridge
    for gap in ("no views", "no English wording", "Russian (`ru`), Chinese (`zh`)"):
        assert gap in bridge, gap
    assert "no [decision] and no `threshold`" in bridge
    # The loader's own no-views warning is not printed a second time.
    assert out.count("no views") == 1


def test_the_shipped_seed_checks_clean() -> None:
    code, out = _check(str(DEFAULT_STATEMENTS), "--format", "json")
    report = json.loads(out)
    assert code == 0 and len(report["statements"]) == 12
    assert all(s["warnings"] == [] and s["views"] > 0 for s in report["statements"])
    energy = next(s for s in report["statements"] if s["id"] == "energy-supplier")
    assert energy["languages"] == ["fr", "en", "ru", "zh"] and energy["examples"] > 0


def test_check_of_an_invalid_file_is_one_line_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(THIN.replace("speaker =", "spaeker ="), encoding="utf-8")
    code, out = _check(str(path))
    assert code == 1
    assert (
        out.strip()
        == f"Error: configuration: {path}: statements.0.spaeker: Extra inputs are not permitted"
    )
    code, out = _check(str(tmp_path / "missing.toml"))
    assert code == 1 and "no such statements file" in out


SEED_ARTICLE = Path(__file__).resolve().parent / "data" / "seeds" / "harbour-speech.txt"
# Invented follow-up coverage: one story on the dredging pledge, one on nothing in the speech.
FOLLOW_UP = {
    "feeds": {"en": {"title": "Valmora Harbour News"}},
    "articles": [
        {
            "id": "dredging",
            "feed": "en",
            "published": "2026-06-01T08:00:00+00:00",
            "title": "Dredging of Valmora's northern channel begins",
            "body": [
                "Work to dredge the northern channel of the port of Valmora began on Monday, so "
                "that the largest container ships can dock there by 2027.",
                "The harbour master said the dredgers would work through the winter.",
            ],
        },
        {
            "id": "bakery",
            "feed": "en",
            "published": "2026-06-01T09:00:00+00:00",
            "title": "A new bakery opens in the old town",
            "body": [
                "A family bakery opened its doors in the old town on Saturday, selling bread "
                "made from local flour.",
                "Queues formed before dawn, the owners said.",
            ],
        },
    ],
}


def test_a_drafted_file_loads_checks_and_finds_coverage_on_a_poll(
    tmp_path: Path, sqlite_url: str
) -> None:
    runner = CliRunner()
    drafted = tmp_path / "harbour.toml"
    made = runner.invoke(cli, ["statements", "init", str(SEED_ARTICLE), "-o", str(drafted)])
    assert made.exit_code == 0, made.output
    assert f"statements check {drafted}" in made.stderr
    text = drafted.read_text(encoding="utf-8")
    assert 'speaker = "Ines Calder"' in text and "We will dredge the northern channel" in text
    assert "marshes" in text and "Several residents attended" not in text
    # Nothing edited: the check passes and names what the draft still lacks.
    code, out = _check(str(drafted))
    assert code == 0, out
    assert "no views" in out and "no wording in French (`fr`)" in out
    # Writing over it again needs --force.
    again = runner.invoke(cli, ["statements", "init", str(SEED_ARTICLE), "-o", str(drafted)])
    assert again.exit_code == 1 and "--force" in again.output
    with DemoServer(corpus=FOLLOW_UP) as server:
        config = write_config(
            tmp_path / "c.toml",
            sqlite_url,
            [server.feed_url("en")],
            f'[matching]\nstatements = "{drafted}"\n',
        )
        run = runner.invoke(cli, ["--config", str(config), "run", "--once"])
        assert run.exit_code == 0, run.output
        found = runner.invoke(cli, ["--config", str(config), "matches", "--format", "json"])
    matches = json.loads(found.stdout)
    assert {m["statement_id"] for m in matches} == {"we-dredge-northern-channel-so"}, matches
    assert all("Dredging" in m["title"] for m in matches)


def test_a_draft_skips_dates_alone_names_the_claim_and_scopes_to_the_names() -> None:
    article = (
        "Joint statement of 2 March 2026\n\n"
        "The ministers met in Kessin on 2 March 2026. "
        "Minister Lena Varga said that the two countries will double rail freight to 12 million "
        "tonnes a year by 2028."
    )
    drafted = candidates(article)
    assert [(c.id, c.speaker) for c in drafted] == [
        ("two-countries-double-rail-freight", "Minister Lena Varga")
    ]
    assert set(names(article)) == {"kessin", "varga"}  # the draft's scope: surnames, places
