"""A small multi-label data set with a long tail, from scikit-learn's generator.

:func:`make_multilabel_long_tail` draws ``make_multilabel_classification`` data, then keeps each
row with the probability of its rarest label, ``ratio ** (-r / (L - 1))`` for the label of
frequency rank ``r`` (0 the most frequent), so the label counts decay geometrically from head to
tail, like the tags and findings of real multi-label data. Needs scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keras_imbalance._validation import check_number

__all__ = ["MultiLabelDataset", "make_multilabel_long_tail"]


@dataclass(frozen=True)
class MultiLabelDataset:
    """Inputs ``x`` ``(n, features)``, multi-hot labels ``y`` ``(n, L)`` and the label names."""

    x: np.ndarray
    y: np.ndarray
    label_names: tuple[str, ...]

    @property
    def positives(self) -> np.ndarray:
        """The number of rows holding each label."""
        return self.y.sum(axis=0)


def make_multilabel_long_tail(
    n_samples: int = 2000,
    *,
    n_labels: int = 6,
    n_features: int = 20,
    ratio: float = 20.0,
    seed: int = 0,
) -> MultiLabelDataset:
    """Multi-label data whose label counts fall from head to tail by about ``ratio``.

    ``n_samples`` rows are drawn before the tail is cut, so fewer are returned. Labels are
    ordered from the most frequent to the rarest and named ``label_0``, ``label_1``...

    Example:
        >>> data = make_multilabel_long_tail(400, n_labels=3, seed=0)
        >>> data.y.shape[1], bool(data.positives[0] > 3 * data.positives[-1])
        (3, True)
    """
    try:
        from sklearn.datasets import make_multilabel_classification
    except ImportError as error:  # pragma: no cover - scikit-learn is a test dependency
        raise ImportError(
            'make_multilabel_long_tail needs scikit-learn: pip install "keras-imbalance[sklearn]"'
        ) from error
    n_samples = int(check_number("n_samples", n_samples, low=10, high=10_000_000, integer=True))
    n_labels = int(check_number("n_labels", n_labels, low=2, high=1000, integer=True))
    n_features = int(check_number("n_features", n_features, low=1, high=100_000, integer=True))
    ratio = check_number("ratio", ratio, low=1)
    x, y = make_multilabel_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_classes=n_labels,
        n_labels=2,
        allow_unlabeled=True,
        random_state=seed,
    )
    order = np.argsort(-y.sum(axis=0), kind="stable")
    y = y[:, order]
    keep_label = ratio ** (-np.arange(n_labels) / (n_labels - 1))
    keep_row = np.where(y > 0, keep_label[None, :], 1.0).min(axis=1)
    kept = np.random.default_rng(seed).random(n_samples) < keep_row
    x = x[kept].astype(np.float32)
    x = (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-6)
    names = tuple(f"label_{i}" for i in range(n_labels))
    return MultiLabelDataset(x.astype(np.float32), y[kept].astype(np.int64), names)
