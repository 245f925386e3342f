"""Charts a user reads: the web view's coverage chart and sparkline, and `timeline --chart`
(issue 24: empty months dropped, legend over the bars, a y-axis that said "articles" while it
counted article–statement pairs, neighbouring statements in near-identical shades)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from pledgewatch.charts import STATEMENT_COLOURS, coverage_svg
from pledgewatch.cli import cli
from pledgewatch.timeline import every_period

SVG = "{http://www.w3.org/2000/svg}"
COUNTS = {
    ("2025-01", "en"): 3,
    ("2025-01", "fr"): 2,
    ("2025-03", "ru"): 5,
    ("2025-03", "zh"): 1,
    ("2025-06", "en"): 7,
    ("2025-06", "fr"): 1,
    ("2024-12", "en"): 9,  # before the range: not drawn
}


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """A chart reads rows the same way on either database: SQLite is enough here."""
    return sqlite_url


def _parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)  # well-formed XML or this raises
    assert root.tag == f"{SVG}svg"
    return root


def _assert_inert(root: ET.Element) -> None:
    """Nothing the page's Content-Security-Policy (no inline style or script) would block."""
    for element in root.iter():
        assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject")
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
        assert not any("javascript:" in value for value in element.attrib.values())


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _far_apart(a: str, b: str) -> bool:
    """Clearly different colours: well apart in RGB (tab20's neighbour pairs were not)."""
    return sum((x - y) ** 2 for x, y in zip(_hex_to_rgb(a), _hex_to_rgb(b), strict=True)) > 60**2


def test_coverage_chart_keeps_every_month_and_stacks_languages() -> None:
    root = _parse(coverage_svg(COUNTS, date(2025, 1, 1), date(2025, 8, 31)))
    assert root.get("class") == "coverage-chart"
    _assert_inert(root)
    months = root.findall(f".//{SVG}g[@class='month']")
    assert [m.get("data-month") for m in months] == [f"2025-{n:02d}" for n in range(1, 9)]
    for month in months:  # empty months keep their tick on the axis
        assert month.find(f"{SVG}line") is not None
    february = months[1]
    assert february.get("data-total") == "0" and february.find(f"{SVG}rect") is None
    # Stacked: in a month, each language's bar sits on the one below it, heights ~ counts.
    bars = months[0].findall(f"{SVG}rect")
    assert [b.get("data-language") for b in bars] == ["en", "fr"]
    en, fr = bars
    assert float(fr.get("y", 0)) + float(fr.get("height", 0)) == pytest.approx(
        float(en.get("y", 0))
    )
    assert float(en.get("height", 0)) / float(fr.get("height", 0)) == pytest.approx(3 / 2)
    assert "2025-01, en: 3 articles" in "".join(en.itertext())
    label = root.find(f".//{SVG}text[@class='y-label']")
    assert label is not None and label.text == "articles"


def test_coverage_legend_beside_the_plot_with_a_distinct_colour_per_language() -> None:
    root = _parse(coverage_svg(COUNTS, date(2025, 1, 1), date(2025, 12, 31)))
    plot = root.find(f".//{SVG}g[@class='plot-area']")
    legend = root.find(f".//{SVG}g[@class='legend']")
    assert plot is not None and legend is not None
    plot_right = float(plot.get("data-x", 0)) + float(plot.get("data-width", 0))
    for element in legend.iter():
        if "x" in element.attrib:
            assert float(element.get("x", 0)) > plot_right
    every_bar_right = max(
        float(r.get("x", 0)) + float(r.get("width", 0))
        for r in root.iter(f"{SVG}rect")
        if r not in list(legend.iter())
    )
    assert every_bar_right <= plot_right
    keys = {r.get("data-language"): r.get("fill") for r in legend.iter(f"{SVG}rect")}
    assert list(keys) == ["en", "fr", "ru", "zh"]
    colours = list(keys.values())
    assert all(_far_apart(a, b) for i, a in enumerate(colours) for b in colours[i + 1 :])
    # The same language has the same colour in the bars as in the legend.
    for bar in root.iter(f"{SVG}rect"):
        assert bar.get("fill") == keys[bar.get("data-language")]


def test_coverage_text_from_the_database_is_escaped() -> None:
    markup = coverage_svg({("2025-02", '<script>"x"'): 2}, date(2025, 1, 1), date(2025, 3, 1))
    root = _parse(markup)
    _assert_inert(root)
    assert "<script>" not in markup
    legend_text = [t.text for t in root.iter(f"{SVG}text") if t.text and "script" in t.text]
    assert legend_text == ['<script>"x"']


def test_sparkline_is_small_with_no_axes_or_legend() -> None:
    root = _parse(coverage_svg(COUNTS, date(2025, 1, 1), date(2025, 6, 30), sparkline=True))
    assert root.get("class") == "sparkline"
    _assert_inert(root)
    assert int(root.get("width", 0)) <= 200 and int(root.get("height", 0)) <= 40
    assert root.find(f".//{SVG}text") is None and root.find(f".//{SVG}line") is None
    months = root.findall(f".//{SVG}g[@class='month']")
    assert len(months) == 6 and len(root.findall(f".//{SVG}rect")) == 6  # 2 + 2 + 2 bars


def test_empty_range_and_no_matches_still_draw_an_axis() -> None:
    root = _parse(coverage_svg({}, date(2025, 1, 1), date(2025, 3, 31)))
    assert len(root.findall(f".//{SVG}g[@class='month']")) == 3
    assert root.find(f".//{SVG}rect") is None
    _parse(coverage_svg({}, date(2025, 3, 1), date(2025, 1, 1)))


def test_statement_palette_neighbours_are_clearly_distinct() -> None:
    pairs = zip(STATEMENT_COLOURS, STATEMENT_COLOURS[1:], strict=False)
    assert all(_far_apart(a, b) for a, b in pairs)
    assert len(set(STATEMENT_COLOURS)) == len(STATEMENT_COLOURS) >= 12


# --- timeline --chart through the command line -------------------------------------------


def _run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def _path_xs(group: str) -> list[float]:
    """Every x coordinate of the paths and texts in one of matplotlib's SVG groups."""
    xs = [
        float(x)
        for d in re.findall(r' d="([^"]+)"', group)
        for x in re.findall(r"([\d.]+) [\d.]+", d)
    ]
    return xs + [float(x) for x in re.findall(r' x="([\d.]+)"', group)]


def _group(markup: str, gid: str) -> str:
    start = markup.index(f'<g id="{gid}">')
    depth, index = 0, start
    for tag in re.finditer(r"<g[ >]|</g>", markup[start:]):
        depth += 1 if tag.group().startswith("<g") else -1
        if depth == 0:
            index = start + tag.end()
            break
    return markup[start:index]


def test_timeline_chart_keeps_empty_months_legend_outside_and_says_what_it_counts(
    crawled: Path, tmp_path: Path
) -> None:
    code, out, err = _run(crawled, "timeline", "--by", "month", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    statements = [k for k in rows[0] if k not in ("month", "articles")]
    # A statement with months of no coverage between its first and last: they stay on the axis.
    gappy = {
        sid: months
        for sid in statements
        if len(months := [r["month"] for r in rows if r[sid]]) > 1
        and len(every_period(months[0], months[-1], "month")) > len(months)
    }
    assert gappy, "the demo corpus has a statement with an empty month"
    sid, months = sorted(gappy.items())[0]
    chart = tmp_path / "statement.svg"
    assert _run(crawled, "timeline", "--statement", sid, "--chart", str(chart))[0] == 0
    markup = chart.read_text(encoding="utf-8")
    for month in every_period(months[0], months[-1], "month"):
        assert f'id="bar-{month}-{sid}"' in markup
    # All statements: the legend beside the plot, distinct neighbours, the y-axis says pairs.
    chart = tmp_path / "timeline.svg"
    assert _run(crawled, "timeline", "--by", "month", "--chart", str(chart))[0] == 0
    markup = chart.read_text(encoding="utf-8")
    ET.fromstring(markup)
    assert ">article–statement pairs<" in markup
    plot_right = max(_path_xs(_group(markup, "plot-area")))
    assert min(_path_xs(_group(markup, "legend"))) > plot_right
    drawn = [sid for sid in statements if any(r[sid] for r in rows)]
    fills = [
        re.search(r"fill: (#[0-9a-f]{6})", _group(markup, f"bar-{rows[0]['month']}-{sid}"))
        for sid in drawn
    ]
    colours = [m.group(1) for m in fills if m]
    assert len(colours) == len(drawn) > 1
    assert all(_far_apart(a, b) for a, b in zip(colours, colours[1:], strict=False))
    weekly = tmp_path / "weekly.png"
    assert _run(crawled, "timeline", "--by", "week", "--chart", str(weekly))[0] == 0
    assert weekly.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
