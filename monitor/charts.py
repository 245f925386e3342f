"""Charts of match counts: matplotlib figures for the digest and `timeline --chart` (the only
module that uses matplotlib), and hand-written inline SVG for the web view.

The web view's SVG uses presentation attributes only (fill=, font-size=): its pages forbid
inline styles and scripts, and matplotlib's SVG carries both.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from pledgewatch.errors import DeliveryError

# Okabe & Ito's colour-blind-safe palette, one fixed colour per language wherever it appears.
LANGUAGE_COLOURS = {
    "en": "#0072B2",
    "fr": "#E69F00",
    "ru": "#009E73",
    "zh": "#CC79A7",
    "de": "#56B4E9",
    "es": "#D55E00",
    "ar": "#F0E442",
    "und": "#999999",
}
_MORE_LANGUAGE_COLOURS = ("#000000", "#882255", "#44AA99", "#999933")
# Statements, in order: neighbours always differ in hue and lightness (tab20's pairs did not).
STATEMENT_COLOURS = (
    "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B",
    "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF", "#000000", "#FFD92F",
)  # fmt: skip


def language_colour(language: str, others: Sequence[str] = ()) -> str:
    """The language's fixed colour; an unlisted one gets the next spare by its place in others."""
    if language in LANGUAGE_COLOURS:
        return LANGUAGE_COLOURS[language]
    spare = [lang for lang in others if lang not in LANGUAGE_COLOURS]
    index = spare.index(language) if language in spare else 0
    return _MORE_LANGUAGE_COLOURS[index % len(_MORE_LANGUAGE_COLOURS)]


def months_between(start: date, end: date) -> list[str]:
    """Every month from start's to end's, inclusive, as 'YYYY-MM' (empty months included)."""
    year, month, months = start.year, start.month, []
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _languages_in_order(counts: Mapping[tuple[str, str], int]) -> list[str]:
    known = [lang for lang in LANGUAGE_COLOURS if lang != "und"]
    present = {lang for (_, lang), n in counts.items() if n}
    others = sorted(present - set(LANGUAGE_COLOURS))
    tail = ["und"] if "und" in present else []
    return [lang for lang in known if lang in present] + others + tail


def _nice_ceiling(value: int) -> tuple[int, int]:
    """An axis top at or above value and its tick step (1, 2 or 5 times a power of ten)."""
    if value <= 4:
        return 4, 1
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return int(step * math.ceil(value / step)), int(step)


def _rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"{extra}'


def coverage_svg(
    counts: Mapping[tuple[str, str], int],
    start: date,
    end: date,
    *,
    width: int | None = None,
    height: int | None = None,
    sparkline: bool = False,
) -> str:
    """Articles per month from start to end, stacked by language, as an inline <svg> string.

    Keys are (month 'YYYY-MM', language). Every month in the range gets its place on the axis,
    empty or not. A sparkline (160 x 32 unless sized) has neither axes nor legend.
    """
    width = width or (160 if sparkline else 720)
    height = height or (32 if sparkline else 240)
    months = months_between(start, end) if start <= end else []
    languages = _languages_in_order({k: v for k, v in counts.items() if k[0] in set(months)})
    totals = {m: sum(counts.get((m, lang), 0) for lang in languages) for m in months}
    highest = max(totals.values(), default=0)
    # A sparkline shows the shape: its busiest month reaches the top.
    top, step = (max(1, highest), 1) if sparkline else _nice_ceiling(highest)
    if sparkline:
        left, right, plot_top, bottom = 1.0, width - 1.0, 1.0, height - 1.0
    else:
        legend_width = 24 + 8 * max((len(lang) for lang in [*languages, "none"]), default=4)
        left, right, plot_top, bottom = 52.0, width - legend_width - 16.0, 12.0, height - 40.0
    band = (right - left) / max(1, len(months))
    scale = (bottom - plot_top) / top
    total = sum(totals.values())
    caption = (
        f"Articles per month, {months[0]} to {months[-1]}: {total} in all"
        if months
        else "No months to show"
    )
    kind = "sparkline" if sparkline else "coverage-chart"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{kind}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'font-family="sans-serif" data-start="{months[0] if months else ""}" '
        f'data-end="{months[-1] if months else ""}">',
        f"<title>{escape(caption)}</title>",
    ]
    if not sparkline:
        parts += _axes(left, right, plot_top, bottom, top, step, scale)
    label_every = max(1, math.ceil(48 / band))  # a 'YYYY-MM' label needs about 48 px
    for index, month in enumerate(months):
        x = left + index * band
        parts.append(f'<g class="month" data-month="{month}" data-total="{totals[month]}">')
        if not sparkline:
            tick_x = x + band / 2
            parts.append(
                f'<line x1="{tick_x:.1f}" y1="{bottom:.1f}" x2="{tick_x:.1f}" '
                f'y2="{bottom + 4:.1f}" stroke="#666666"/>'
            )
            if index % label_every == 0:
                parts.append(
                    f'<text x="{tick_x:.1f}" y="{bottom + 16:.1f}" font-size="10" '
                    f'text-anchor="middle" fill="#333333">{month}</text>'
                )
        y = bottom
        for lang in languages:
            n = counts.get((month, lang), 0)
            if n <= 0:
                continue
            h = n * scale
            y -= h
            tip = f"<title>{month}, {escape(lang)}: {n} article{'s' if n != 1 else ''}</title>"
            parts.append(
                _rect(x + band * 0.1, y, band * 0.8, h, language_colour(lang, languages))
                + f' data-language={quoteattr(lang)} data-count="{n}">{tip}</rect>'
            )
        parts.append("</g>")
    if not sparkline:
        parts += _legend(right + 16, plot_top, languages)
    parts.append("</svg>")
    return "".join(parts)


def _axes(
    left: float, right: float, top_y: float, bottom: float, top: int, step: int, scale: float
) -> list[str]:
    middle = (top_y + bottom) / 2
    parts = [
        f'<g class="plot-area" data-x="{left:.1f}" data-y="{top_y:.1f}" '
        f'data-width="{right - left:.1f}" data-height="{bottom - top_y:.1f}">'
    ]
    for value in range(0, top + 1, step):
        y = bottom - value * scale
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
            f'stroke="{"#666666" if value == 0 else "#E5E5E5"}"/>'
            f'<text x="{left - 6:.1f}" y="{y + 3.5:.1f}" font-size="10" text-anchor="end" '
            f'fill="#333333">{value}</text>'
        )
    parts.append(
        f'<text class="y-label" x="14" y="{middle:.1f}" font-size="11" text-anchor="middle" '
        f'fill="#333333" transform="rotate(-90 14 {middle:.1f})">articles</text></g>'
    )
    return parts


def _legend(x: float, y: float, languages: list[str]) -> list[str]:
    parts = [f'<g class="legend" data-x="{x:.1f}">']
    for index, lang in enumerate(languages):
        row = y + index * 18
        parts.append(
            _rect(
                x,
                row,
                12,
                12,
                language_colour(lang, languages),
                f" data-language={quoteattr(lang)}/>",
            )
            + f'<text x="{x + 18:.1f}" y="{row + 10:.1f}" font-size="11" fill="#333333">'
            f"{escape(lang)}</text>"
        )
    if not languages:
        parts.append(
            f'<text x="{x:.1f}" y="{y + 10:.1f}" font-size="11" fill="#666666">none</text>'
        )
    parts.append("</g>")
    return parts


# --- matplotlib figures: the digest and `timeline --chart` -------------------------------


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    # Reproducible SVG: fixed element ids, text as text, no creation date (see save/svg).
    matplotlib.rcParams["svg.hashsalt"] = "pledgewatch"
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt

    return plt


def stacked_bars(
    labels: list[str], series: dict[str, list[int]], title: str, ylabel: str = "matches"
) -> Any:
    """A figure with one bar per label (every label keeps its place, empty or not), stacked by
    series (empty series left out), with the legend beside the plot, never over the bars.

    The plot area and the legend carry the SVG ids plot-area and legend, each bar
    bar-<label>-<series> (other characters as _), so that what is drawn where can be checked.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 3.4), dpi=96, layout="constrained")
    ax.patch.set_gid("plot-area")
    bottom = [0] * len(labels)
    active = sorted((k, v) for k, v in series.items() if any(v))
    for index, (name, counts) in enumerate(active):
        bars = ax.bar(
            range(len(labels)),
            counts,
            bottom=bottom,
            label=name,
            color=STATEMENT_COLOURS[index % len(STATEMENT_COLOURS)],
            edgecolor="white",
            linewidth=0.4,
            width=0.8,
        )
        for label, bar in zip(labels, bars, strict=True):
            bar.set_gid(re.sub(r"[^\w-]", "_", f"bar-{label}-{name}"))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.set_xticks(range(len(labels)), minor=True)  # a tick for every period, even empty
    step = max(1, math.ceil(len(labels) / 12))
    ticks = list(range(0, len(labels), step))
    ax.set_xticks(ticks, [labels[i] for i in ticks], fontsize=8, rotation=0)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.yaxis.get_major_locator().set_params(integer=True)
    if active:
        # Listed top down as the segments are stacked: the top segment's statement first.
        handles, names = ax.get_legend_handles_labels()
        legend = fig.legend(
            handles[::-1], names[::-1], fontsize=7, loc="outside right upper", frameon=False
        )
        legend.set_gid("legend")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def svg(fig: Any) -> str:
    """Inline SVG markup (no XML prolog), then the figure is closed."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    _pyplot().close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def save(fig: Any, path: Path) -> None:
    """PNG or SVG by the file's suffix."""
    if path.suffix.lower() not in (".png", ".svg"):
        raise DeliveryError(f"{path}: chart files end in .png or .svg")
    metadata = {"Date": None} if path.suffix.lower() == ".svg" else {"Software": None}
    try:
        fig.savefig(path, metadata=metadata)
    except OSError as exc:
        raise DeliveryError(f"cannot write chart {path}: {exc}") from exc
    finally:
        _pyplot().close(fig)
