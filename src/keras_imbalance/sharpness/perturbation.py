"""The math of sharpness-aware steps: the tail classes, the head/tail split, the ascent step.

* **Ascent step** (Foret et al., ICLR 2021, "Sharpness-Aware Minimization for Efficiently
  Improving Generalization"): ``eps = rho * g / ||g||_2``, ``g`` the gradient of the loss, the
  norm taken over all trainable variables together.
* **Tail classes** (Zhou et al., ICCV 2023, "ImbSAM"): the classes with fewer than a threshold
  of training samples (``n_c < threshold``; the authors use 20 on CIFAR-100-LT, whose largest
  class has 500).
* **Head/tail split**: the sample weights times the class masks, so that with Keras's
  ``"sum_over_batch_size"`` reduction (divide by the batch size) ``L_H + L_T`` is the plain
  loss, as in the authors' code (both parts summed and divided by the batch size).

:func:`tail_classes` is NumPy on the host; the others use ``keras.ops`` inside a train step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number

# Keeps the ascent step finite when the gradient is zero (no tail sample in the batch).
NORM_FLOOR = 1e-12


def tail_classes(
    counts: Any, threshold: float | None = None, *, share: float | None = None
) -> tuple[int, ...]:
    """The classes with fewer than ``threshold`` training samples: ``{c : n_c < threshold}``.

    Give ``threshold`` (a count, the authors' rule), or ``share`` for a threshold relative to
    the largest class, ``share * max(n)``. ``counts`` is a list, a dict or a
    :class:`~keras_imbalance.ClassCounts` (the classes' positions are their indices).

    Example:
        >>> tail_classes([500, 120, 30, 5], threshold=40)
        (2, 3)
        >>> tail_classes([500, 120, 30, 5], share=0.04)
        (3,)
        >>> tail_classes([10, 10], threshold=5)
        ()
    """
    from keras_imbalance.counting import as_counts

    values = np.asarray(as_counts(counts, "counts").counts, dtype="float64")
    if (threshold is None) == (share is None):
        raise TypeError(
            f"tail_classes got threshold={threshold!r} and share={share!r}; give exactly one: "
            f"threshold=20 (a count) or share=0.04 (of the largest class)"
        )
    if share is not None:
        threshold = check_number("share", share, low=0.0, high=1.0) * float(values.max())
    limit = check_number("threshold", threshold, low=0.0)
    return tuple(int(c) for c in np.flatnonzero(values < limit))


def global_norm(gradients: Sequence[Any]) -> Any:
    """``sqrt(sum_v ||g_v||^2)``: the L2 norm of all gradients as one vector (``keras.ops``).

    Example:
        >>> import numpy as np
        >>> float(global_norm([np.array([3.0]), np.array([[4.0]])]))
        5.0
    """
    from keras import ops

    return ops.sqrt(sum(ops.sum(ops.square(ops.convert_to_tensor(g))) for g in gradients))


def ascent_step(gradients: Sequence[Any], rho: float) -> list[Any]:
    """SAM's perturbation ``eps_v = rho * g_v / ||g||_2`` for every variable ``v``.

    A zero gradient gives a zero step (the norm is floored at ``1e-12``).

    Example:
        >>> import numpy as np
        >>> [np.asarray(e).tolist() for e in ascent_step([np.array([3.0]), np.array([4.0])], 0.5)]
        [[0.3], [0.4]]
    """
    from keras import ops

    tensors = [ops.convert_to_tensor(g) for g in gradients]
    scale = rho / (global_norm(tensors) + NORM_FLOOR)
    return [ops.multiply(g, ops.cast(scale, g.dtype)) for g in tensors]


def split_weights(labels: Any, sample_weight: Any, tail: Sequence[int] | None) -> tuple[Any, Any]:
    """``(w * (1 - m), w * m)``: the sample weights of the head part and of the tail part.

    ``labels`` are class indices ``(N,)``; ``m_i = 1`` when ``labels[i]`` is a tail class
    (every class when ``tail`` is ``None``: plain SAM); ``w`` is ``sample_weight`` (``None``:
    ones), of shape ``(N,)`` or ``(N, ...)``.

    Example:
        >>> import numpy as np
        >>> head, tail = split_weights(np.array([0, 2, 1]), np.array([1.0, 2.0, 3.0]), (2,))
        >>> np.asarray(head).tolist(), np.asarray(tail).tolist()
        ([1.0, 0.0, 3.0], [0.0, 2.0, 0.0])
    """
    from keras import ops

    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    if tail is None:
        mask = ops.ones_like(labels, dtype="float32")
    elif len(tail) == 0:
        mask = ops.zeros_like(labels, dtype="float32")
    else:
        hits = ops.equal(ops.expand_dims(labels, 1), ops.convert_to_tensor([list(tail)], "int32"))
        mask = ops.cast(ops.any(hits, axis=1), "float32")
    if sample_weight is None:
        weight = ops.ones_like(mask)
    else:
        weight = ops.cast(ops.convert_to_tensor(sample_weight), "float32")
        mask = ops.reshape(mask, (-1,) + (1,) * (len(weight.shape) - 1))
    return weight * (1.0 - mask), weight * mask
