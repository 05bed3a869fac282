"""Losses against NumPy references, Keras identities, finite differences and round trips."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import pytest

from keras_imbalance import losses
from keras_imbalance.counting import ClassCounts
from keras_imbalance.labels import decode_labels
from tests.conftest import BACKEND
from tests.serialization import check_config_round_trip, check_keras_file_round_trip

EPS = 1e-7  # keras.backend.epsilon()
C = 4
WEIGHTS = np.array([0.5, 1.0, 2.0, 4.0])
COUNTS = np.array([400, 100, 25, 5])
COST = np.array(
    [[0.0, 1.0, 2.0, 3.0], [4.0, 0.5, 1.0, 1.5], [2.0, 2.0, 1.0, 8.0], [5.0, 1.0, 3.0, 0.0]]
)

# --- Independent NumPy references (float64) -------------------------------------------------------


def np_log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def np_sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def np_log_probs(y_pred: np.ndarray, from_logits: bool) -> np.ndarray:
    if from_logits:
        return np_log_softmax(y_pred)
    p = y_pred / y_pred.sum(axis=-1, keepdims=True)
    return np.log(np.clip(p, EPS, 1 - EPS))


def np_binary_logs(y_pred: np.ndarray, from_logits: bool) -> tuple[np.ndarray, np.ndarray]:
    if from_logits:
        return -np.logaddexp(0, -y_pred), -np.logaddexp(0, y_pred)
    p = np.clip(y_pred, EPS, 1 - EPS)
    return np.log(p), np.log(1 - p)


def np_ce(t: np.ndarray, y_pred: np.ndarray, from_logits: bool) -> np.ndarray:
    return -(t * np_log_probs(y_pred, from_logits)).sum(axis=-1)


def ref_weighted_ce(t, y_pred, from_logits):
    return WEIGHTS[t.argmax(-1)] * np_ce(t, y_pred, from_logits)


def ref_weighted_bce(y, y_pred, from_logits):
    log_p, log_q = np_binary_logs(y_pred, from_logits)
    return -(WEIGHTS * y * log_p + (1 - y) * log_q).mean(axis=-1)


def ref_cost_argmax(t, y_pred, from_logits):
    return COST[t.argmax(-1), y_pred.argmax(-1)] * np_ce(t, y_pred, from_logits)


def ref_cost_expected(t, y_pred, from_logits):
    p = np.exp(np_log_probs(y_pred, from_logits))
    return (COST[t.argmax(-1)] * p).sum(-1) * np_ce(t, y_pred, from_logits)


def ref_logit_adjusted(tau):
    def reference(t, y_pred, from_logits):
        z = y_pred if from_logits else np_log_probs(y_pred, False)
        return -(t * np_log_softmax(z + tau * np.log(COUNTS / COUNTS.sum()))).sum(-1)

    return reference


def ldam_margins_reference(counts, max_margin):
    raw = counts.astype(float) ** -0.25
    return raw / raw.max() * max_margin


def ref_ldam(t, y_pred, from_logits):
    margins = ldam_margins_reference(COUNTS, 0.5)
    z = 30.0 * (y_pred - t * margins)
    return WEIGHTS[t.argmax(-1)] * -(t * np_log_softmax(z)).sum(-1)


def cb_weights(beta):
    w = (1 - beta) / (1 - beta ** COUNTS.astype(float))
    return w * len(w) / w.sum()


def ref_class_balanced(base, gamma=1.0, beta=0.99):
    def reference(t, y_pred, from_logits):
        w = cb_weights(beta)[t.argmax(-1)]
        if base == "softmax":
            return w * np_ce(t, y_pred, from_logits)
        log_p, log_q = np_binary_logs(y_pred, from_logits)
        bce = -(t * log_p + (1 - t) * log_q)
        if base == "focal":
            pt = np.where(t == 1, np.exp(log_p), np.exp(log_q))
            bce = (1 - pt) ** gamma * bce
        return w * bce.sum(-1)

    return reference


@dataclass(frozen=True)
class Case:
    id: str
    loss: Callable[[], keras.losses.Loss]
    function: Callable[[Any, Any], Any]
    reference: Callable[[np.ndarray, np.ndarray, bool], np.ndarray]
    from_logits: bool
    binary: bool = False  # multi-label targets and sigmoid predictions


def _case(id, cls, fn, reference, from_logits, binary=False, **kwargs):
    """A case whose class and function get the same arguments (``from_logits`` where taken)."""
    fn_kwargs = dict(kwargs)
    cls_kwargs = dict(kwargs)
    positional = fn_kwargs.pop("_arg")
    cls_kwargs.pop("_arg")
    if fn not in (losses.ldam_loss,):
        fn_kwargs["from_logits"] = from_logits
        cls_kwargs["from_logits"] = from_logits
    return Case(
        id,
        lambda: cls(positional, **cls_kwargs),
        lambda y, p: fn(y, p, positional, **fn_kwargs),
        reference,
        from_logits,
        binary,
    )


CASES = [
    case
    for from_logits in (False, True)
    for case in (
        _case(
            f"wcce-{from_logits}",
            losses.WeightedCategoricalCrossentropy,
            losses.weighted_categorical_crossentropy,
            ref_weighted_ce,
            from_logits,
            _arg=WEIGHTS.tolist(),
        ),
        _case(
            f"wscce-{from_logits}",
            losses.WeightedSparseCategoricalCrossentropy,
            losses.weighted_sparse_categorical_crossentropy,
            ref_weighted_ce,
            from_logits,
            _arg={i: w for i, w in enumerate(WEIGHTS)},
        ),
        _case(
            f"wbce-{from_logits}",
            losses.WeightedBinaryCrossentropy,
            losses.weighted_binary_crossentropy,
            ref_weighted_bce,
            from_logits,
            binary=True,
            _arg=WEIGHTS.tolist(),
        ),
        _case(
            f"cost-argmax-{from_logits}",
            losses.CostSensitiveCategoricalCrossentropy,
            losses.cost_sensitive_categorical_crossentropy,
            ref_cost_argmax,
            from_logits,
            _arg=COST,
            mode="argmax",
        ),
        _case(
            f"cost-expected-{from_logits}",
            losses.CostSensitiveCategoricalCrossentropy,
            losses.cost_sensitive_categorical_crossentropy,
            ref_cost_expected,
            from_logits,
            _arg=COST,
            mode="expected",
        ),
        _case(
            f"logit-adjusted-{from_logits}",
            losses.LogitAdjustedLoss,
            losses.logit_adjusted_crossentropy,
            ref_logit_adjusted(1.5),
            from_logits,
            _arg=COUNTS.tolist(),
            tau=1.5,
        ),
        _case(
            f"cb-softmax-{from_logits}",
            losses.ClassBalancedLoss,
            losses.class_balanced_loss,
            ref_class_balanced("softmax"),
            from_logits,
            _arg=COUNTS.tolist(),
            beta=0.99,
        ),
        _case(
            f"cb-sigmoid-{from_logits}",
            losses.ClassBalancedLoss,
            losses.class_balanced_loss,
            ref_class_balanced("sigmoid"),
            from_logits,
            _arg=COUNTS.tolist(),
            beta=0.99,
            base="sigmoid",
        ),
        _case(
            f"cb-focal-{from_logits}",
            losses.ClassBalancedLoss,
            losses.class_balanced_loss,
            ref_class_balanced("focal", gamma=2.0),
            from_logits,
            _arg=COUNTS.tolist(),
            beta=0.99,
            base="focal",
            gamma=2.0,
        ),
    )
] + [
    Case(
        "ldam",
        lambda: losses.LDAMLoss(COUNTS.tolist(), class_weight=WEIGHTS.tolist()),
        lambda y, p: losses.ldam_loss(y, p, COUNTS.tolist(), class_weight=WEIGHTS.tolist()),
        ref_ldam,
        True,
    )
]
CATEGORICAL_BASES = ("cb-sigmoid", "cb-focal")  # sigmoid per class, one-hot targets


def _inputs(case: Case, shape: tuple[int, ...], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return (targets, predictions): multi-hot/one-hot float64 targets and float64 predictions."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=(*shape, C))
    if case.binary:
        targets = rng.integers(0, 2, size=(*shape, C)).astype(float)
        return targets, logits if case.from_logits else np_sigmoid(logits)
    targets = np.eye(C)[rng.integers(0, C, size=shape)]
    if case.from_logits:
        return targets, logits
    if case.id.startswith(CATEGORICAL_BASES):
        return targets, np_sigmoid(logits)
    return targets, np.exp(np_log_softmax(logits))


def _labels(case: Case, targets: np.ndarray, form: str) -> np.ndarray:
    if case.binary or form == "one_hot":
        return targets
    return targets.argmax(-1)


def _numpy(x: Any) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)


# --- Values against the references ----------------------------------------------------------------


@pytest.mark.parametrize("shape", [(6,), (3, 5)], ids=["flat", "sequence"])
@pytest.mark.parametrize(
    ("case", "form"),
    # multi-label (binary) targets have no sparse form
    [(c, f) for c in CASES for f in ("sparse", "one_hot") if not (c.binary and f == "sparse")],
    ids=lambda v: v.id if isinstance(v, Case) else v,
)
def test_function_matches_numpy_reference(case: Case, form: str, shape: tuple[int, ...]) -> None:
    targets, y_pred = _inputs(case, shape)
    y = _labels(case, targets, form)
    got = _numpy(case.function(y, y_pred.astype("float32")))
    expected = case.reference(targets, y_pred, case.from_logits)
    assert got.shape == shape
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_class_applies_keras_reduction_and_sample_weight(case: Case) -> None:
    targets, y_pred = _inputs(case, (3, 5), seed=1)
    y = _labels(case, targets, "sparse")
    sample_weight = np.random.default_rng(2).uniform(0, 2, size=(3, 5))
    per_element = case.reference(targets, y_pred, case.from_logits)
    loss = case.loss()
    got = float(loss(y, y_pred.astype("float32"), sample_weight=sample_weight))
    np.testing.assert_allclose(
        got, (per_element * sample_weight).sum() / per_element.size, rtol=2e-5
    )


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        (losses.WeightedCategoricalCrossentropy, "weighted_categorical_crossentropy"),
        (losses.WeightedSparseCategoricalCrossentropy, "weighted_sparse_categorical_crossentropy"),
        (losses.WeightedBinaryCrossentropy, "weighted_binary_crossentropy"),
        (losses.CostSensitiveCategoricalCrossentropy, "cost_sensitive_categorical_crossentropy"),
        (losses.LogitAdjustedLoss, "logit_adjusted_crossentropy"),
        (losses.LDAMLoss, "ldam_loss"),
        (losses.ClassBalancedLoss, "class_balanced_loss"),
    ],
)
def test_default_name_is_the_function_name(cls: type, name: str) -> None:
    argument = COST if cls is losses.CostSensitiveCategoricalCrossentropy else COUNTS.tolist()
    assert cls(argument).name == name
    assert callable(getattr(losses, name))


# --- Identities with Keras's own losses -----------------------------------------------------------


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_uniform_weights_equal_keras_categorical_crossentropy(from_logits, label_smoothing) -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(2, 5, C)).astype("float32")
    y_pred = logits if from_logits else keras.ops.convert_to_numpy(keras.ops.softmax(logits))
    y = np.eye(C, dtype="float32")[rng.integers(0, C, size=(2, 5))]
    sample_weight = rng.uniform(size=(2, 5))
    ours = losses.WeightedCategoricalCrossentropy(
        [1.0] * C, from_logits=from_logits, label_smoothing=label_smoothing
    )
    theirs = keras.losses.CategoricalCrossentropy(
        from_logits=from_logits, label_smoothing=label_smoothing
    )
    for kwargs in ({}, {"sample_weight": sample_weight}):
        np.testing.assert_allclose(
            float(ours(y, y_pred, **kwargs)), float(theirs(y, y_pred, **kwargs)), rtol=1e-6
        )


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("shape", [(6,), (6, 1), (2, 5)], ids=["flat", "column", "sequence"])
def test_uniform_weights_equal_keras_sparse_categorical_crossentropy(from_logits, shape) -> None:
    rng = np.random.default_rng(4)
    pred_shape = (*shape[:-1], C) if shape[-1] == 1 else (*shape, C)
    logits = rng.normal(size=pred_shape).astype("float32")
    y_pred = logits if from_logits else keras.ops.convert_to_numpy(keras.ops.softmax(logits))
    y = rng.integers(0, C, size=shape)
    ours = losses.WeightedSparseCategoricalCrossentropy([1.0] * C, from_logits=from_logits)
    theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    np.testing.assert_allclose(float(ours(y, y_pred)), float(theirs(y, y_pred)), rtol=1e-6)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("shape", [(6, 3), (6, 1), (6,)], ids=["multi-label", "column", "flat"])
def test_unit_pos_weight_equals_keras_binary_crossentropy(from_logits, shape) -> None:
    rng = np.random.default_rng(5)
    pred_shape = (*shape, 1) if len(shape) == 1 else shape
    logits = rng.normal(size=pred_shape).astype("float32")
    y_pred = logits if from_logits else np_sigmoid(logits).astype("float32")
    y = rng.integers(0, 2, size=shape).astype("float32")
    for label_smoothing in (0.0, 0.1):
        ours = losses.WeightedBinaryCrossentropy(
            1.0, from_logits=from_logits, label_smoothing=label_smoothing
        )
        theirs = keras.losses.BinaryCrossentropy(
            from_logits=from_logits, label_smoothing=label_smoothing
        )
        np.testing.assert_allclose(float(ours(y, y_pred)), float(theirs(y, y_pred)), rtol=1e-5)


def test_all_ones_cost_and_zero_margin_and_zero_beta_reduce_to_crossentropy() -> None:
    rng = np.random.default_rng(6)
    logits = rng.normal(size=(8, C)).astype("float32")
    y = rng.integers(0, C, size=8)
    plain = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits))
    reduced = [
        losses.CostSensitiveCategoricalCrossentropy(np.ones((C, C)), from_logits=True),
        losses.CostSensitiveCategoricalCrossentropy(
            np.ones((C, C)), mode="expected", from_logits=True
        ),
        losses.LDAMLoss(COUNTS.tolist(), max_margin=0.0, scale=1.0),
        losses.LogitAdjustedLoss(COUNTS.tolist(), tau=0.0),
        losses.ClassBalancedLoss(COUNTS.tolist(), beta=0.0, from_logits=True),
    ]
    for loss in reduced:
        np.testing.assert_allclose(float(loss(y, logits)), plain, rtol=1e-6, err_msg=loss.name)


def test_logit_adjustment_at_tau_one_is_balanced_softmax() -> None:
    """Ren et al. 2020, Eq. 4: -log(n_y exp(z_y) / sum_j n_j exp(z_j)), written out by hand."""
    rng = np.random.default_rng(7)
    z = rng.normal(scale=3.0, size=(10, C))
    y = rng.integers(0, C, size=10)
    numerator = COUNTS[y] * np.exp(z[np.arange(10), y])
    denominator = (COUNTS * np.exp(z)).sum(axis=1)
    balanced_softmax = -np.log(numerator / denominator)
    for prior in (
        COUNTS.tolist(),
        (COUNTS / COUNTS.sum()).tolist(),
        ClassCounts.from_counts(COUNTS),
    ):
        got = _numpy(losses.logit_adjusted_crossentropy(y, z.astype("float32"), prior, tau=1.0))
        np.testing.assert_allclose(got, balanced_softmax, rtol=1e-5)


def test_class_balanced_focal_at_gamma_zero_is_sigmoid() -> None:
    rng = np.random.default_rng(8)
    logits = rng.normal(size=(8, C)).astype("float32")
    y = rng.integers(0, C, size=8)
    focal = losses.ClassBalancedLoss(COUNTS.tolist(), base="focal", gamma=0.0, from_logits=True)
    sigmoid = losses.ClassBalancedLoss(COUNTS.tolist(), base="sigmoid", from_logits=True)
    np.testing.assert_allclose(float(focal(y, logits)), float(sigmoid(y, logits)), rtol=1e-6)


def test_class_balanced_weights_are_the_effective_number_weights() -> None:
    # Cui et al. 2019, Eq. 3 normalised to sum to C, as written in cb_weights above.
    loss = losses.ClassBalancedLoss(COUNTS.tolist(), beta=0.99)
    np.testing.assert_allclose(loss.weights, cb_weights(0.99), rtol=1e-12)
    np.testing.assert_allclose(loss.weights.sum(), C, rtol=1e-12)


def test_ldam_margins_follow_the_fourth_root_rule() -> None:
    margins = losses.ldam_margins(COUNTS.tolist(), max_margin=0.5)
    np.testing.assert_allclose(margins, ldam_margins_reference(COUNTS, 0.5), rtol=1e-12)
    assert margins.max() == 0.5 and margins.argmax() == COUNTS.argmin()
    # m_c * n_c**(1/4) is the same constant for every class.
    np.testing.assert_allclose(margins * COUNTS**0.25, (margins * COUNTS**0.25)[0], rtol=1e-12)


# --- Focal loss: Keras's own class with per-class alpha -------------------------------------------


@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_focal_alpha_feeds_keras_categorical_focal_crossentropy(gamma: float) -> None:
    counts = ClassCounts.from_counts(COUNTS)
    alpha = losses.focal_alpha(counts)
    # scikit-learn's "balanced": N / (C * n_c), as Keras's docstring suggests.
    np.testing.assert_allclose(alpha, COUNTS.sum() / (C * COUNTS), rtol=1e-12)
    rng = np.random.default_rng(9)
    p = np.exp(np_log_softmax(rng.normal(size=(8, C))))
    t = np.eye(C)[rng.integers(0, C, size=8)]
    keras_loss = keras.losses.CategoricalFocalCrossentropy(alpha=alpha, gamma=gamma, reduction=None)
    got = _numpy(keras_loss(t.astype("float32"), p.astype("float32")))
    pc = np.clip(p, EPS, 1 - EPS)
    expected = -(np.asarray(alpha) * (1 - pc) ** gamma * t * np.log(pc)).sum(-1)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    if gamma == 0.0:
        weighted = _numpy(losses.weighted_categorical_crossentropy(t, p.astype("float32"), alpha))
        np.testing.assert_allclose(got, weighted, rtol=1e-5)


# --- The seed's cost-matrix loss ------------------------------------------------------------------


def seed_w_categorical_crossentropy(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray):
    """The seed's loop, transcribed to NumPy (with Keras's clipped categorical CE)."""
    nb_cl = len(weights)
    final_mask = np.zeros_like(y_pred[:, 0])
    y_pred_max = np.max(y_pred, axis=1).reshape(y_pred.shape[0], 1)
    y_pred_max_mat = np.equal(y_pred, y_pred_max).astype(float)
    for c_p in range(nb_cl):
        for c_t in range(nb_cl):
            final_mask += weights[c_t, c_p] * y_pred_max_mat[:, c_p] * y_true[:, c_t]
    p = np.clip(y_pred / y_pred.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -(y_true * np.log(p)).sum(-1) * final_mask


def test_argmax_mode_reproduces_the_seed_loop() -> None:
    rng = np.random.default_rng(10)
    cost = rng.uniform(0.5, 5.0, size=(3, 3))
    y_pred = np.exp(np_log_softmax(rng.normal(size=(20, 3)))).astype("float32")
    y_true = np.eye(3, dtype="float32")[rng.integers(0, 3, size=20)]
    expected = seed_w_categorical_crossentropy(y_true, y_pred.astype(np.float64), cost)
    got = _numpy(losses.cost_sensitive_categorical_crossentropy(y_true, y_pred, cost))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


# --- Gradients against central finite differences -------------------------------------------------


def autodiff_gradient(fn: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """Gradient of ``sum(fn(x))`` by the backend's own autodiff."""
    x = x.astype("float32")
    if BACKEND == "tensorflow":
        import tensorflow as tf

        tensor = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(tensor)
            total = tf.reduce_sum(fn(tensor))
        return tape.gradient(total, tensor).numpy().astype(np.float64)
    if BACKEND == "jax":
        import jax
        import jax.numpy as jnp

        return np.asarray(jax.grad(lambda v: jnp.sum(fn(v)))(jnp.asarray(x)), dtype=np.float64)
    import torch

    tensor = torch.tensor(x, requires_grad=True)
    fn(tensor).sum().backward()
    return tensor.grad.detach().numpy().astype(np.float64)


def central_difference(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (fn(x + step).sum() - fn(x - step).sum()) / (2 * h)
    return grad


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_gradient_matches_finite_differences(case: Case) -> None:
    targets, y_pred = _inputs(case, (4,), seed=11)
    y = _labels(case, targets, "sparse")
    y_pred = y_pred.astype("float32").astype(np.float64)  # the point both sides evaluate at
    got = autodiff_gradient(lambda v: case.function(y, v), y_pred)
    expected = central_difference(lambda v: case.reference(targets, v, case.from_logits), y_pred)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4 * scale)


def test_expected_cost_has_a_gradient_through_the_weight_and_argmax_does_not() -> None:
    case_argmax = next(c for c in CASES if c.id == "cost-argmax-True")
    case_expected = next(c for c in CASES if c.id == "cost-expected-True")
    targets, z = _inputs(case_argmax, (4,), seed=12)
    y = targets.argmax(-1)
    ce_grad = autodiff_gradient(
        lambda v: losses.weighted_categorical_crossentropy(y, v, [1.0] * C, from_logits=True), z
    )
    argmax_grad = autodiff_gradient(lambda v: case_argmax.function(y, v), z)
    weight = COST[y, z.argmax(-1)][:, None]
    np.testing.assert_allclose(argmax_grad, weight * ce_grad, rtol=1e-4, atol=1e-6)
    expected_grad = autodiff_gradient(lambda v: case_expected.function(y, v), z)
    p = np.exp(np_log_softmax(z))
    expected_weight = (COST[y] * p).sum(-1, keepdims=True)
    assert not np.allclose(expected_grad, expected_weight * ce_grad, rtol=1e-3)


# --- Numerical stability --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_finite_at_saturated_inputs(case: Case) -> None:
    """Logits of +-1e4, or probabilities of exactly 0 and 1, with the true class the wrong one."""
    if case.from_logits:
        y_pred = np.array([[1e4, -1e4, -1e4, 0.0], [-1e4, 1e4, 1e4, -1e4]])
    else:
        y_pred = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    targets = np.eye(C)[[3, 0]] if not case.binary else np.array([[0, 0, 0, 1], [1, 0, 0, 1.0]])
    y = _labels(case, targets, "sparse")
    value = _numpy(case.function(y, y_pred.astype("float32")))
    grad = autodiff_gradient(lambda v: case.function(y, v), y_pred)
    assert np.isfinite(value).all() and np.isfinite(grad).all()
    assert (value > 0).any()
    correct = _numpy(
        case.function(_labels(case, np.eye(C)[[0, 1]], "sparse"), y_pred.astype("float32"))
    )
    assert np.isfinite(correct).all()


# --- Serialisation --------------------------------------------------------------------------------

SERIALIZED = [
    losses.WeightedCategoricalCrossentropy([1.0, 2.0, 3.0], label_smoothing=0.1),
    losses.WeightedSparseCategoricalCrossentropy({0: 1.0, 1: 2.0, 2: 3.0}, from_logits=True),
    losses.WeightedBinaryCrossentropy([1.0, 2.0, 3.0]),
    losses.CostSensitiveCategoricalCrossentropy(COST[:3, :3], mode="expected"),
    losses.LogitAdjustedLoss([5, 3, 1], tau=0.5),
    losses.LDAMLoss([5, 3, 1], class_weight=[1.0, 2.0, 3.0], scale=10.0),
    losses.ClassBalancedLoss([5, 3, 1], base="focal", gamma=2.0, beta=0.9),
]


@pytest.mark.parametrize("loss", SERIALIZED, ids=lambda loss: type(loss).__name__)
def test_config_round_trip(loss: keras.losses.Loss) -> None:
    rebuilt = check_config_round_trip(loss)
    assert set(loss.get_config()) == set(inspect.signature(type(loss).__init__).parameters) - {
        "self"
    }
    rng = np.random.default_rng(13)
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    y_pred = rng.uniform(0.1, 1.0, size=(5, 3)).astype("float32")
    assert float(rebuilt(y, y_pred)) == pytest.approx(float(loss(y, y_pred)), rel=1e-6)


@pytest.mark.parametrize("loss", SERIALIZED, ids=lambda loss: type(loss).__name__)
def test_keras_file_round_trip(loss: keras.losses.Loss, tmp_path) -> None:
    rng = np.random.default_rng(14)
    x = rng.normal(size=(16, 4)).astype("float32")
    logits = isinstance(loss, losses.LDAMLoss | losses.LogitAdjustedLoss) or getattr(
        loss, "from_logits", False
    )
    binary = isinstance(loss, losses.WeightedBinaryCrossentropy)
    activation = None if logits else ("sigmoid" if binary else "softmax")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation=activation)])
    model.compile(optimizer="sgd", loss=loss)
    if binary:
        y = rng.integers(0, 2, size=(16, 3)).astype("float32")
    elif isinstance(loss, losses.WeightedSparseCategoricalCrossentropy):
        y = rng.integers(0, 3, size=16)
    else:
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, size=16)]
    loaded = check_keras_file_round_trip(model, tmp_path, x, y)
    assert type(loaded.loss) is type(loss)
    assert loaded.loss.get_config() == loss.get_config()


def test_class_weight_variable_state_is_what_get_config_saves() -> None:
    loss = losses.WeightedSparseCategoricalCrossentropy([1.0, 1.0, 1.0])
    loss.set_class_weight({0: 2.0, 1: 0.5, 2: 1.0})
    assert loss.get_config()["class_weight"] == [2.0, 0.5, 1.0]
    y_pred = np.full((2, 3), 1 / 3, dtype="float32")
    np.testing.assert_allclose(float(loss([0, 1], y_pred)), (2.0 + 0.5) / 2 * np.log(3), rtol=1e-6)


# --- Helpers built from counts --------------------------------------------------------------------


def test_pos_weight_from_counts() -> None:
    y = np.array([[1, 0, 1], [0, 0, 1], [0, 1, 1], [0, 0, 0], [1, 0, 1]])
    counts = ClassCounts(
        decode_labels(y, label_mode="multi_label").counts(), (0, 1, 2), "multi_label", 5
    )
    pos = y.sum(0)
    assert losses.pos_weight_from_counts(counts) == pytest.approx((5 - pos) / pos)
    assert losses.pos_weight_from_counts([45000, 5000]) == pytest.approx([9.0])


def test_pos_weight_from_counts_errors_name_the_label() -> None:
    counts = ClassCounts(np.array([2, 0]), ("cat", "dog"), "multi_label", 4)
    with pytest.raises(ValueError, match="label 'dog' has no positive samples"):
        losses.pos_weight_from_counts(counts)
    with pytest.raises(ValueError, match="3 classes"):
        losses.pos_weight_from_counts([1, 2, 3])


# --- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: losses.CostSensitiveCategoricalCrossentropy(np.ones((3, 2))),
            ValueError,
            r"cost_matrix has shape \(3, 2\); it must be a square",
        ),
        (
            lambda: losses.CostSensitiveCategoricalCrossentropy([[0, 1], [-1, 0]]),
            ValueError,
            r"cost_matrix\[1, 0\] is -1.0; costs must be >= 0",
        ),
        (
            lambda: losses.CostSensitiveCategoricalCrossentropy([[0, np.inf], [1, 0]]),
            ValueError,
            "costs must be finite",
        ),
        (
            lambda: losses.CostSensitiveCategoricalCrossentropy(COST, mode="max"),
            ValueError,
            "mode='max' is not supported",
        ),
        (lambda: losses.LDAMLoss([10, 0, 3]), ValueError, r"counts for class 1 \(index 1\) is 0"),
        (
            lambda: losses.ClassBalancedLoss(ClassCounts.from_counts({"a": 5, "b": 0})),
            ValueError,
            r"counts for class 'b' \(index 1\) is 0",
        ),
        (
            lambda: losses.LogitAdjustedLoss([10, 0, 3]),
            ValueError,
            "prior_or_counts for class 1 is 0",
        ),
        (lambda: losses.LogitAdjustedLoss([10, 3], tau=-0.5), ValueError, "tau=-0.5 is negative"),
        (
            lambda: losses.ClassBalancedLoss([10, 3], base="hinge"),
            ValueError,
            "base='hinge' is not supported",
        ),
        (
            lambda: losses.ClassBalancedLoss([10, 3], beta=1.0),
            ValueError,
            "beta=1.0 is out of range",
        ),
        (
            lambda: losses.LDAMLoss([10, 3], class_weight=[1.0, 2.0, 3.0]),
            ValueError,
            "class_weight has 3 weights but there are 2 classes",
        ),
        (
            lambda: losses.WeightedCategoricalCrossentropy({0: 1.0, 2: 1.0}),
            ValueError,
            r"class_weight has the key 2, which is not a class \(classes are 0..1\)",
        ),
        (
            lambda: losses.WeightedSparseCategoricalCrossentropy([1.0, -2.0]),
            ValueError,
            "class_weight for class 1 is -2.0; weights must be finite and >= 0",
        ),
        (
            lambda: losses.WeightedSparseCategoricalCrossentropy("balanced"),
            TypeError,
            "class_weight must be a dict",
        ),
        (
            lambda: losses.WeightedBinaryCrossentropy([1.0, -1.0]),
            ValueError,
            "pos_weight for label 1 is -1.0",
        ),
    ],
)
def test_bad_arguments_fail_at_construction(make, error, match) -> None:
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("loss", "match"),
    [
        (
            losses.WeightedSparseCategoricalCrossentropy([1.0, 2.0, 3.0]),
            r"class_weight has shape \(3,\) but y_pred has 4 classes",
        ),
        (
            losses.CostSensitiveCategoricalCrossentropy(np.ones((3, 3))),
            r"cost_matrix has shape \(3, 3\) but y_pred has 4 classes",
        ),
        (losses.LDAMLoss([1, 2, 3]), r"counts has shape \(3,\) but y_pred has 4 classes"),
    ],
)
def test_wrong_number_of_classes_fails_at_the_first_batch(loss, match) -> None:
    with pytest.raises(ValueError, match=match):
        loss(np.array([0, 1]), np.full((2, 4), 0.25, dtype="float32"))


def test_set_class_weight_validates() -> None:
    loss = losses.LDAMLoss([10, 3])
    with pytest.raises(ValueError, match="class_weight has no weight for class 1"):
        loss.set_class_weight({0: 1.0})
    np.testing.assert_array_equal(loss.class_weight, [1.0, 1.0])


def test_argmax_mode_ties_take_the_first_class() -> None:
    """Documented difference from the seed, whose loop adds the costs of every tied class."""
    cost = np.arange(9, dtype=float).reshape(3, 3) + 1.0
    y_pred = np.array([[0.4, 0.4, 0.2], [0.2, 0.4, 0.4]], dtype="float32")
    got = _numpy(losses.cost_sensitive_categorical_crossentropy([2, 0], y_pred, cost))
    ce = -np.log(np.array([0.2, 0.2]))
    np.testing.assert_allclose(got, [cost[2, 0], cost[0, 1]] * ce, rtol=1e-6)
    seed = seed_w_categorical_crossentropy(np.eye(3)[[2, 0]], y_pred.astype(float), cost)
    np.testing.assert_allclose(
        seed, [cost[2, 0] + cost[2, 1], cost[0, 1] + cost[0, 2]] * ce, rtol=1e-6
    )
