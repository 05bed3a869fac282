"""The baseline: plain cross-entropy, ``"none"``; every other remedy is measured against it."""

from __future__ import annotations

from keras_imbalance.remedies.base import Remedy


class Baseline(Remedy):
    """Plain cross-entropy on logits, no remedy: ``loss = -log softmax(z)_y``.

    Example:
        >>> from keras_imbalance.remedies.base import Context
        >>> type(Baseline().setup({}, Context((30, 10), 2)).loss).__name__
        'SparseCategoricalCrossentropy'
    """

    name = "none"
    summary = "plain cross-entropy"
