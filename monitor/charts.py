"""Stacked bar charts of match counts (digest, timeline). The only module that uses matplotlib."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pledgewatch.errors import DeliveryError


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
    """A figure with one bar per label, stacked by series (empty series left out)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 3.2), dpi=96)
    bottom = [0] * len(labels)
    colours = plt.get_cmap("tab20")
    active = sorted((k, v) for k, v in series.items() if any(v))
    for index, (name, counts) in enumerate(active):
        ax.bar(
            range(len(labels)),
            counts,
            bottom=bottom,
            label=name,
            color=colours(index % 20),
            width=0.8,
        )
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    step = max(1, len(labels) // 6)
    ticks = sorted({*range(0, len(labels), step), len(labels) - 1}) if labels else []
    ax.set_xticks(ticks, [labels[i] for i in ticks], fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.yaxis.get_major_locator().set_params(integer=True)
    if active:
        ax.legend(fontsize=6, ncol=2, loc="upper left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
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
