"""Canonical URLs."""

from __future__ import annotations

from pledgewatch.urls import canonical_url


def test_canonical_url_strips_tracking() -> None:
    assert (
        canonical_url("https://Example.org:443/a/?utm_source=rss&id=7&fbclid=x#top")
        == "https://example.org/a/?id=7"
    )
