"""The package as users get it: a plain `pip install .` (not editable), used away from the repo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project installed (without its dependencies, which this venv has) into a folder."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    return target


def _run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(installed),
        "PLEDGEWATCH_DATABASE_URL": f"sqlite:///{cwd}/x.db",
    }
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_the_install_claims_one_import_name(installed: Path) -> None:
    top_level = {p.name for p in installed.iterdir() if not p.name.endswith(".dist-info")}
    assert top_level == {"pledgewatch", "bin"}


def test_every_command_reads_its_data_from_the_install(installed: Path, tmp_path: Path) -> None:
    where = _run(installed, tmp_path, "-c", "import pledgewatch; print(pledgewatch.__file__)")
    assert where.stdout.strip() == str(installed / "pledgewatch" / "__init__.py")
    assert _run(installed, tmp_path, "-c", "import config").returncode != 0

    evaluated = _run(installed, tmp_path, "-m", "pledgewatch.cli", "eval", "--split", "test")
    assert evaluated.returncode == 0, evaluated.stderr
    assert "encoder: Tatoeba accuracy fr→en" in evaluated.stdout
    assert "one statement" in evaluated.stdout

    statements = _run(installed, tmp_path, "-m", "pledgewatch.cli", "statements")
    assert statements.returncode == 0, statements.stderr
    assert "trade-growth-2024" in statements.stdout

    # The digest's templates ship too (an empty day still gives the three files).
    digest = _run(
        installed, tmp_path, "-m", "pledgewatch.cli", "digest", "--date", "2025-05-09", "--out", "d"
    )
    assert digest.returncode == 0, digest.stderr
    assert "Pledgewatch" in (tmp_path / "d" / "digest-2025-05-09.html").read_text(encoding="utf-8")


def test_the_pipeline_benchmark_runs_on_the_install(installed: Path, tmp_path: Path) -> None:
    bench = _run(
        installed, tmp_path, str(REPO / "bench" / "pipeline.py"), "--entries", "30", "--feeds", "2"
    )
    assert bench.returncode == 0, bench.stderr
    assert "30 entries in" in bench.stdout
    assert "recall" in bench.stdout
