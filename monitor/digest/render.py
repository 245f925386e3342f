"""DigestData -> Markdown, HTML (self-contained) and plain text. The only module with Jinja2."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import jinja2
from pledgewatch import charts
from pledgewatch.digest.build import CHART_DAYS, DigestData

TEMPLATES = Path(__file__).resolve().parent / "templates"
FORMATS = ("html", "md", "txt")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def _markdown_escape(value: object) -> str:
    """Text from the web, inert in Markdown (no links, no HTML, no emphasis)."""
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _markdown_escape
    return env


def render(data: DigestData, fmt: str) -> str:
    """One format of the digest; the same data always gives the same text."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown digest format {fmt!r}")
    env = _environment(autoescape=fmt == "html")
    chart = chart_svg(data) if fmt == "html" else ""
    return env.get_template(f"digest.{fmt}.j2").render(d=data, chart=chart)


def subject(data: DigestData) -> str:
    return f"Pledgewatch digest {data.day.isoformat()}: {data.total} new matches"


def chart_svg(data: DigestData) -> str:
    """Matches per statement per day over the last 30 days, as inline SVG (no external assets)."""
    days = [data.day - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    figure = charts.stacked_bars(
        [d.strftime("%d %b") for d in days],
        data.series,
        f"Matches per statement, {CHART_DAYS} days to {data.day.isoformat()}",
        ylabel="matches found",
    )
    return charts.svg(figure)
