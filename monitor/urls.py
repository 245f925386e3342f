"""Canonical URLs for deduplication. The only module that imports courlan."""

from __future__ import annotations

import courlan


def canonical_url(url: str) -> str:
    """Lower-cased host, default port and fragment dropped, tracking parameters stripped."""
    return courlan.normalize_url(url, strict=True) or url
