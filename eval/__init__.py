"""The evaluation sets (data, shipped with the package so `pledgewatch eval` works installed)."""

from __future__ import annotations

from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent
