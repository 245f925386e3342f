"""`pledgewatch eval`: matching quality on a labelled set."""

from __future__ import annotations

import click
from pledgewatch.cli import output
from pledgewatch.cli.base import app_of, cli, fail_cleanly


@cli.command("eval")
@click.option(
    "--split",
    default="test",
    show_default=True,
    help="test (real coverage, reported), dev (real coverage, the seed's labelled examples), "
    "invented-test, invented-dev (articles the team wrote), or a labelled TOML file.",
)
@click.option("--threshold", type=float, help="Override the configured global threshold.")
@click.option(
    "--calibrate",
    is_flag=True,
    help="Calibrate thresholds on the dev split (never the reported one), print and use them.",
)
@click.option(
    "--encoder-quality/--no-encoder-quality",
    default=True,
    show_default=True,
    help="Also report Tatoeba retrieval accuracy and STS Spearman of the encoder.",
)
@click.option("--min-f1", type=float, help="Exit 1 when micro F1 falls below this.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@fail_cleanly
def evaluate_command(
    ctx: click.Context,
    split: str,
    threshold: float | None,
    calibrate: bool,
    encoder_quality: bool,
    min_f1: float | None,
    fmt: str,
) -> None:
    """Measure matching quality on a labelled set: P/R/F1, per statement and language, AP.

    Example: pledgewatch eval --split test --min-f1 0.78
    """
    from pledgewatch.evaluation import run_split

    app = app_of(ctx)
    result, report = run_split(
        app.matcher, split, threshold, calibrate, encoder_quality, app.progress
    )
    if fmt == "json":
        output.emit_json(result)
    else:
        output.print_eval(result)
    if min_f1 is not None and report.micro.f1 < min_f1:
        raise click.ClickException(f"micro F1 {report.micro.f1:.3f} is below --min-f1 {min_f1}")
