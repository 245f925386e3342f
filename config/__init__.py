"""The default configuration files (data, shipped with the package)."""

from __future__ import annotations

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG = CONFIG_DIR / "pledgewatch.toml"
DEMO_CONFIG = CONFIG_DIR / "demo.toml"
