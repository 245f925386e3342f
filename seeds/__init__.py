"""Seed articles and their statements files (data, shipped with the package)."""

from __future__ import annotations

from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent
DEFAULT_STATEMENTS = SEEDS_DIR / "putin-xi-2025-01-21.toml"
