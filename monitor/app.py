"""The app factory: settings -> database -> seed -> encoder -> matcher -> pipeline.

The one place that builds the object graph, for the CLI, the daemon, benchmarks and tests::

    app = App(load_settings(path))  # pledgewatch.settings.load_settings
    with app.pipeline() as pipeline:
        pipeline.run_once()

Every part is built on first use, once: a command that only queries the database never loads
the model, and one that reads no database (eval) never opens it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from pledgewatch.encoders import Encoder, load_encoder
from pledgewatch.fetch import Fetcher
from pledgewatch.matching import Matcher
from pledgewatch.pipeline import Pipeline
from pledgewatch.progress import Progress, no_progress
from pledgewatch.seeds import DEFAULT_STATEMENTS
from pledgewatch.settings import Settings
from pledgewatch.statements import Seed, load_seeds
from pledgewatch.storage.db import Sessions, open_database


class App:
    """One configuration's database, seed, encoder, matcher and pipelines."""

    def __init__(self, settings: Settings, progress: Progress = no_progress) -> None:
        """``progress`` shows the long steps: the examples' first encoding, each poll."""
        self.settings = settings
        self.progress = progress

    @cached_property
    def sessions(self) -> Sessions:
        """The database, migrated to the newest schema."""
        return open_database(self.settings.database.url)

    @cached_property
    def seeds(self) -> tuple[Seed, ...]:
        """The configured statements files (one seed each), else the bundled seed."""
        return load_seeds(self.settings.matching.statements or DEFAULT_STATEMENTS)

    @property
    def seed(self) -> Seed:
        """The first configured seed: the one matched until the pipeline takes several."""
        return self.seeds[0]

    @cached_property
    def encoder(self) -> Encoder:
        """The configured model (loaded here: seconds, and memory)."""
        matching = self.settings.matching
        return load_encoder(matching.model, matching.device, matching.batch_size)

    @cached_property
    def matchers(self) -> tuple[Matcher, ...]:
        """One per seed: the configured threshold, comparing articles with its examples."""
        matching = self.settings.matching
        return tuple(
            Matcher(
                seed,
                self.encoder,
                matching.threshold,
                cache_dir=matching.cache_dir,
                progress=self.progress,
            )
            for seed in self.seeds
        )

    @property
    def matcher(self) -> Matcher:
        """The first seed's matcher (eval, rescore and explanations use it)."""
        return self.matchers[0]

    @contextmanager
    def pipeline(self) -> Iterator[Pipeline]:
        """A pipeline with its own HTTP client, closed on exit."""
        sessions = self.sessions  # the database first: a bad URL fails before the model loads
        # Verdicts stored by analysts join the seed's examples on each pass: no restart.
        first, *others = self.matchers
        with Fetcher(self.settings.fetch) as fetcher:
            yield Pipeline(self.settings, sessions, fetcher, first, others, self.progress)
