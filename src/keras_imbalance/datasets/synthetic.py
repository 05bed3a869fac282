"""Long-tailed and detector data made from balanced data: :func:`make_long_tailed` and more."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.labels import decode_labels

Profile = Literal["exponential", "step"]


PROFILES: tuple[str, ...] = ("exponential", "step")


@dataclass(frozen=True)
class ImbalancedDataset:
    """A train split (long-tailed) and a held-out test split.

    Attributes:
        x_train, y_train: the long-tailed training data.
        x_test, y_test: the test data, drawn before the training split was made long-tailed, so
            its class distribution is the original one.
        class_names: the class names, in label order.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]

    def class_counts(self, split: Literal["train", "test"] = "train") -> np.ndarray:
        """Samples per class of the ``"train"`` or ``"test"`` split."""
        check_option("split", split, ("train", "test"))
        y = self.y_train if split == "train" else self.y_test
        return np.bincount(y, minlength=len(self.class_names))


def long_tailed_counts(
    n_max: int, num_classes: int, ratio: float, *, profile: Profile = "exponential"
) -> list[int]:
    """Samples per class, head first, for a long-tailed profile.

    * ``"exponential"``: ``n_i = floor(n_max * ratio ** (-i / (C - 1)))`` for ``i = 0..C-1``:
      the CIFAR-10-LT / CIFAR-100-LT protocol (Cui et al., CVPR 2019; Cao et al., "Learning
      Imbalanced Datasets with Label-Distribution-Aware Margin Loss", NeurIPS 2019).
    * ``"step"``: the first ``C - C // 2`` classes (the head) keep ``n_max``, the last ``C // 2``
      (the tail) get ``floor(n_max / ratio)`` (step imbalance with ``mu = 0.5``, Buda et al.,
      Neural Networks 2018; Cao et al. 2019).

    Example:
        >>> long_tailed_counts(5000, 10, 100)
        [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]
        >>> long_tailed_counts(100, 4, 10, profile="step")
        [100, 100, 10, 10]
    """
    check_option("profile", profile, PROFILES)
    n_max = int(check_number("n_max", n_max, low=1, integer=True))
    num_classes = int(check_number("num_classes", num_classes, integer=True))
    ratio = check_number("ratio", ratio, low=1)
    if num_classes < 2:
        raise ValueError(f"num_classes={num_classes} is fewer than 2; imbalance needs 2 classes")
    if profile == "exponential":
        # Written as in the reference code of Cao et al. (get_img_num_per_cls).
        factor = 1.0 / ratio
        return [int(n_max * factor ** (i / (num_classes - 1.0))) for i in range(num_classes)]
    tail = num_classes // 2
    return [n_max] * (num_classes - tail) + [int(n_max * (1.0 / ratio))] * tail


def make_long_tailed(
    x: Any,
    y: Any,
    ratio: float,
    *,
    profile: Profile = "exponential",
    class_order: Sequence[Any] | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Subsample ``(x, y)`` so the class sizes follow a long-tailed profile.

    ``n_max`` is the size of the *smallest* class in the input, so that every class can supply
    its quota; for a balanced input (CIFAR-10, Fashion-MNIST) that is the per-class count, exactly
    as in CIFAR-10-LT. The ``i``-th class of ``class_order`` (head first) keeps ``n_i`` samples,
    from :func:`long_tailed_counts`: ``floor(n_max * ratio ** (-i / (C - 1)))`` for
    ``"exponential"``, ``n_max`` for the head half and ``floor(n_max / ratio)`` for the tail half
    for ``"step"``. Samples are drawn at random without replacement (``seed``), and kept in their
    input order. The input arrays are never modified.

    Args:
        x: features, one row per sample (any array-like indexable by position).
        y: labels: class indices, strings or one-hot rows (decoded by
            :func:`~keras_imbalance.labels.decode_labels`); returned in the same encoding.
        ratio: imbalance ratio ``n_max / n_min`` (>= 1; 1 keeps ``n_max`` of every class).
        profile: ``"exponential"`` or ``"step"``.
        class_order: the classes (labels as they appear in ``y``), head first: the last ones
            become the tail. Default: the classes in index order.
        seed: seed of the random draw.

    Returns:
        ``(x_lt, y_lt)``, new arrays.

    Example:
        >>> y = np.repeat(np.arange(3), 10)
        >>> x_lt, y_lt = make_long_tailed(np.arange(30), y, 10, class_order=[2, 1, 0])
        >>> np.bincount(y_lt).tolist()
        [1, 3, 10]
    """
    check_option("profile", profile, PROFILES)
    ratio = check_number("ratio", ratio, low=1.0)
    seed = check_number("seed", seed, low=0, integer=True)  # type: ignore[assignment]
    y_array = np.asarray(y)
    decoded = decode_labels(y_array, name="y")
    if decoded.indices is None:
        raise ValueError("y holds multi-hot rows; make_long_tailed needs one class per sample")
    indices = decoded.indices
    if indices.ndim != 1:
        raise ValueError(f"y has shape {y_array.shape}; give one label per sample")
    x_array = np.asarray(x)
    if len(x_array) != indices.shape[0]:
        raise ValueError(
            f"x has {len(x_array)} samples but y has {indices.shape[0]}; give one label per sample"
        )
    classes = list(decoded.classes)
    num_classes = len(classes)
    if num_classes < 2:
        raise ValueError(
            f"y has only the class {short_repr(classes)}; a long-tailed set needs 2 classes or more"
        )
    order = _class_positions(class_order, classes)
    counts = np.bincount(indices, minlength=num_classes)
    n_max = int(counts.min())
    if n_max == 0:
        empty = classes[int(np.argmin(counts))]
        raise ValueError(
            f"y has no samples of class {empty!r}; every class needs samples (relabel the classes "
            f"to 0..C-1 without gaps)"
        )
    quotas = long_tailed_counts(n_max, num_classes, ratio, profile=profile)
    if min(quotas) < 1:
        raise ValueError(
            f"ratio={ratio:g} leaves the tail class with 0 samples (the smallest class has "
            f"{n_max}); use ratio <= {n_max}"
        )
    rng = np.random.default_rng(seed)
    chosen = []
    for position, quota in zip(order, quotas, strict=True):
        members = np.flatnonzero(indices == position)
        chosen.append(rng.choice(members, size=quota, replace=False))
    keep = np.sort(np.concatenate(chosen))
    return x_array[keep], y_array[keep]


def _class_positions(class_order: Sequence[Any] | None, classes: list[Any]) -> list[int]:
    if class_order is None:
        return list(range(len(classes)))
    if isinstance(class_order, str) or not isinstance(class_order, Sequence | np.ndarray):
        raise TypeError(f"class_order must be a list of classes, got {short_repr(class_order)}")
    items = [c.item() if isinstance(c, np.generic) else c for c in class_order]
    lookup = {c: i for i, c in enumerate(classes)}
    lookup.update({str(c): i for i, c in enumerate(classes)})
    unknown = [c for c in items if c not in lookup]
    if unknown:
        raise ValueError(
            f"class_order has {short_repr(unknown)}, which are not classes of y "
            f"({short_repr(classes)}); list each class of y once"
        )
    positions = [lookup[c] for c in items]
    if sorted(positions) != list(range(len(classes))):
        missing = [classes[i] for i in range(len(classes)) if i not in positions]
        repeated = sorted({classes[p] for p in positions if positions.count(p) > 1}, key=str)
        problem = f"misses {short_repr(missing)}" if missing else f"repeats {short_repr(repeated)}"
        raise ValueError(
            f"class_order {problem}; it must list each of the {len(classes)} classes exactly once"
        )
    return positions


def make_detector(y: Any, positive: Any, *, class_names: Sequence[str] | None = None) -> np.ndarray:
    """One-vs-rest labels: 1 for the ``positive`` class, 0 for every other class.

    The seed tutorial's "dog detector" wrote ``0 if y == 5 else 1`` (dog = 0); here the positive
    class is 1, as scikit-learn's ``pos_label`` and :func:`~keras_imbalance.evaluation.report`
    expect, so precision and recall are those of the class you care about.

    Args:
        y: labels: class indices, strings or one-hot rows.
        positive: the positive class: a label as in ``y``, or a name from ``class_names``.
        class_names: names of the classes in index order, to name ``positive``.

    Returns:
        An ``int64`` array of 0/1, one per sample.

    Example:
        >>> make_detector([3, 5, 1, 5], 5).tolist()
        [0, 1, 0, 1]
        >>> make_detector([0, 2, 1], "bird", class_names=["plane", "car", "bird"]).tolist()
        [0, 1, 0]
    """
    declared = len(class_names) if class_names is not None else None
    decoded = decode_labels(y, classes=declared, name="y")
    if decoded.indices is None:
        raise ValueError("y holds multi-hot rows; each label already is a detector target")
    classes = list(decoded.classes)
    position = None
    if isinstance(positive, np.generic):
        positive = positive.item()
    if class_names is not None and isinstance(positive, str):
        names = [str(c) for c in class_names]
        if positive in names:
            position = names.index(positive)
    if position is None and not isinstance(positive, bool):
        for i, c in enumerate(classes):
            if c == positive:
                position = i
                break
    if position is None:
        known = list(class_names) if class_names is not None else classes
        raise ValueError(
            f"positive={positive!r} is not a class of y ({short_repr(known)}); give one of them"
            + ("" if class_names is not None else " or pass class_names=")
        )
    return (decoded.indices == position).astype(np.int64)
