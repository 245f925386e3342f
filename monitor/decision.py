"""Whether an article reports on a statement: a logistic model over the matcher's signals.

Fitted on a seed's labelled real coverage (`pledgewatch eval --calibrate`, on the dev split) and
stored in the statements file; its output, a probability, is what [matching] threshold cuts.
The signals describe how an article's passages stand to a statement, not which statement it is,
so one model serves every statement, one added later too. The only module that imports
scikit-learn (and only to fit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Ridge strength of the fit (scikit-learn's C); chosen on the dev split's cross-validation.
REGULARISATION = 1.0


@dataclass(frozen=True)
class Decision:
    """Standardised signals, weighted and summed, through the logistic function."""

    signals: tuple[str, ...]  # names, in the order of matching.SIGNALS they were fitted on
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, signals: np.ndarray) -> np.ndarray:
        """Per row of ``signals`` (statements x signals), the probability of a match."""
        z = (signals - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights) + self.bias)))

    def as_toml(self) -> str:
        """The [decision] table of a statements file."""

        def numbers(values: Sequence[float]) -> str:
            return "[" + ", ".join(f"{v:.6g}" for v in values) + "]"

        names = ", ".join(f'"{s}"' for s in self.signals)
        return (
            "[decision]\n"
            f"signals = [{names}]\n"
            f"mean = {numbers(self.mean)}\n"
            f"scale = {numbers(self.scale)}\n"
            f"weights = {numbers(self.weights)}\n"
            f"bias = {self.bias:.6g}\n"
        )


def fit_decision(names: Sequence[str], signals: np.ndarray, truth: np.ndarray) -> Decision:
    """The model fitted on rows of signals (one per article and statement) and their labels."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(signals)
    model = LogisticRegression(C=REGULARISATION, max_iter=1000)
    model.fit(scaler.transform(signals), truth)
    return Decision(
        signals=tuple(names),
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scaler.scale_),
        weights=tuple(float(v) for v in model.coef_[0]),
        bias=float(model.intercept_[0]),
    )
