"""The long-tailed digits data set, from scikit-learn's digits."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from keras_imbalance._validation import check_number
from keras_imbalance.datasets.synthetic import ImbalancedDataset, Profile, make_long_tailed


def load_digits_lt(
    ratio: float = 10,
    *,
    profile: Profile = "exponential",
    class_order: Sequence[int] | None = None,
    seed: int = 0,
    test_size: float = 0.3,
    flatten: bool = False,
) -> ImbalancedDataset:
    """scikit-learn's bundled 8x8 digits (1797 images, no download), long-tailed.

    A stratified test split (``test_size``) is taken first, so the test set keeps the original,
    nearly balanced distribution; then the training split is made long-tailed with
    :func:`make_long_tailed`. Needs the ``sklearn`` extra.

    Args:
        ratio: imbalance ratio of the training split.
        profile: ``"exponential"`` or ``"step"``.
        class_order: digits head first (default ``0..9``).
        seed: seed of both the split and the subsampling.
        test_size: share of the data held out for testing, in ``(0, 1)``.
        flatten: return ``(N, 64)`` rows instead of ``(N, 8, 8, 1)`` images.

    Returns:
        An :class:`ImbalancedDataset`: ``x`` are ``float32`` in ``[0, 1]`` (pixel / 16),
        ``(N, 8, 8, 1)`` images (channels last, as Keras ``Conv2D`` expects) unless ``flatten``;
        ``y`` are ``int64`` digits.

    Example:
        >>> data = load_digits_lt(ratio=10)
        >>> data.x_train.shape[1:], data.class_counts("train").tolist()
        ((8, 8, 1), [122, 94, 73, 56, 43, 33, 26, 20, 15, 12])
    """
    test_size = check_number(
        "test_size", test_size, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as error:  # pragma: no cover - sklearn is installed in the test env
        raise ImportError(
            "load_digits_lt needs scikit-learn; install it with "
            'pip install "keras-imbalance[sklearn]"'
        ) from error
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, stratify=y, random_state=seed
    )
    x_train, y_train = make_long_tailed(
        x_train, y_train, ratio, profile=profile, class_order=class_order, seed=seed
    )
    if not flatten:
        x_train = x_train.reshape(-1, 8, 8, 1)
        x_test = x_test.reshape(-1, 8, 8, 1)
    return ImbalancedDataset(x_train, y_train, x_test, y_test, tuple(str(d) for d in range(10)))
