"""Issue 11: the bad-input sweep, table-driven, over every public entry point and CLI command.

Each case either raises a named error whose message names the argument (or the CLI flag), or
gives the correct result, checked against an independent formula. The CLI cases exit with code
2 and print one line on stderr, never a traceback. A mutation check runs every valid call on
deep copies and asserts the caller's inputs are left as they were.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

import keras_imbalance as ki
from keras_imbalance import callbacks, datasets, losses, metrics, plotting
from keras_imbalance.cli import main as cli_main

Y = np.array([0, 0, 0, 1, 1, 2])
PRED3 = np.array(
    [[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.8, 0.1], [0.3, 0.4, 0.3]] * 1,
    dtype="float32",
)
Y5 = np.array([0, 0, 1, 1, 2])


def _raises(error: type[BaseException] | tuple[type[BaseException], ...], match: str) -> Any:
    return ("raises", error, match)


def _equals(expected: Callable[[Any], bool], what: str) -> Any:
    return ("ok", expected, what)


VE, TE = ValueError, TypeError
EITHER = (ValueError, TypeError)

# (id, call, expectation). Messages must name the argument the user got wrong.
CASES: list[tuple[str, Callable[[], Any], Any]] = []


def case(name: str, call: Callable[[], Any], expectation: Any) -> None:
    CASES.append((name, call, expectation))


# --- decode_labels / count_labels ----------
for label_mode in ["binary", "sparse", 1, ""]:
    case(
        f"decode_labels-label_mode={label_mode!r}",
        lambda m=label_mode: ki.decode_labels(Y, label_mode=m),
        _raises(VE, r"label_mode=.* is not supported"),
    )
    case(
        f"count_labels-label_mode={label_mode!r}",
        lambda m=label_mode: ki.count_labels(Y, label_mode=m),
        _raises(VE, r"label_mode=.* is not supported"),
    )
for bad, match in [
    ([0.5, 1.0], r"y contains the non-integral value 0.5"),
    ([1.5, 2.9], r"non-integral value 1.5"),
    ([0, np.nan], r"y contains nan"),
    ([0, np.inf], r"y contains inf"),
    ([0, -1], r"negative class index -1"),
    ([], r"y is empty"),
    (3, r"y is a scalar"),
    ([[0, 1], [1]], r"y is ragged"),
    ([0, "cat"], r"y mixes types"),
    ([0, 10**9], r"class index 1000000000.*max_classes=100000"),
    ([0, 10**7], r"class index 10000000.*max_classes"),
    ([[1, 0, 0], [0, 1, 0], [1, 1, 0]], r"y looks one-hot .* row 2 sums to 2.*label_mode"),
    ([[1, 0, 0], [0, 0, 0], [0, 1, 0]], r"y looks one-hot .* row 1 sums to 0.*label_mode"),
]:
    tag = f"{len(CASES)}-{bad!r}"[:50]
    case(f"decode_labels-{tag}", lambda b=bad: ki.decode_labels(b), _raises(EITHER, match))
    case(
        f"count_labels-{tag}",
        lambda b=bad: ki.count_labels(b),
        _raises(EITHER, f"(?:{match})|count_labels cannot read source={re.escape(repr(bad))}"),
    )
case(
    "count_labels-max_classes-raised",
    lambda: ki.count_labels([0, 10**6], max_classes=2 * 10**6).num_classes,
    _equals(lambda n: n == 10**6 + 1, "the limit is the user's to raise"),
)
case(
    "count_labels-max_classes=0",
    lambda: ki.count_labels(Y, max_classes=0),
    _raises(VE, "max_classes=0"),
)
case(
    "decode_labels-classes=0",
    lambda: ki.decode_labels(Y, classes=0),
    _raises(VE, r"classes=0 must be"),
)
case(
    "decode_labels-classes-dup",
    lambda: ki.decode_labels(Y, classes=[0, 0, 1]),
    _raises(VE, "duplicates"),
)
case(
    "decode_labels-classes-too-few",
    lambda: ki.decode_labels(Y, classes=2),
    _raises(VE, r"class index 2, but classes declares 2"),
)
case(
    "decode_labels-multi-hot-ok",
    lambda: ki.decode_labels([[1, 1, 0], [0, 1, 1], [0, 0, 0]]).counts().tolist(),
    _equals(lambda c: c == [1, 2, 1], "clearly multi-hot rows stay multi-label"),
)
case(
    "decode_labels-one-hot-explicit-bad-row",
    lambda: ki.decode_labels([[1, 0], [1, 1]], label_mode="categorical"),
    _raises(VE, r"y row 1 sums to 2"),
)
case("count_labels-source=None", lambda: ki.count_labels(None), _raises(TE, r"source=None"))
case("count_labels-source=3.5", lambda: ki.count_labels(3.5), _raises(TE, r"source=3.5"))
case("count_labels-column=3", lambda: ki.count_labels(Y, column=3), _raises(TE, "column=3"))
case(
    "count_labels-column-on-array",
    lambda: ki.count_labels(Y, column="y"),
    _raises(VE, r"column='y' applies"),
)
case(
    "count_labels-missing-path",
    lambda: ki.count_labels(Path("/nonexistent/labels.npy")),
    _raises(VE, r"source='/nonexistent/labels.npy' does not exist"),
)

# --- count dicts ----------
case(
    "class_weights-dict-keys-1-2",
    lambda: ki.class_weights({1: 10, 2: 20}),
    _raises(VE, r"class 0 \(index 0\) has no samples"),
)
case(
    "class_weights-dict-keys-1-2-manual",
    lambda: dict(ki.class_weights({1: 10, 2: 20}, {0: 0.0, 1: 2.0, 2: 1.0})),
    _equals(lambda w: w == {0: 0.0, 1: 2.0, 2: 1.0}, "integer keys keep their class index"),
)
case(
    "count_labels-dict-keys-1-2",
    lambda: ki.count_labels({1: 10, 2: 20}).as_dict(),
    _equals(lambda d: d == {0: 0, 1: 10, 2: 20}, "keys 1 and 2 stay classes 1 and 2"),
)
case(
    "class_weights-dict-classes=3",
    lambda: ki.class_weights({0: 10, 1: 20}, classes=3),
    _raises(VE, r"class 2 \(index 2\) has no samples"),
)
case(
    "class_weights-dict-classes=3-honoured",
    lambda: ki.class_weights({0: 10, 1: 20, 2: 30}, classes=3).to_array().tolist(),
    _equals(lambda w: np.allclose(w, [60 / 30, 60 / 60, 60 / 90]), "balanced N/(C n_c)"),
)
case(
    "class_weights-dict-key-not-in-classes",
    lambda: ki.class_weights({0: 10, 5: 20}, classes=3),
    _raises(VE, r"counts has the key 5, which is not in classes"),
)
case(
    "class_weights-dict-names-classes",
    lambda: ki.class_weights({"cat": 1, "dog": 3}, classes=["dog", "cat"]).class_names,
    _equals(lambda n: n == ["dog", "cat"], "classes= fixes the order"),
)
case(
    "class_weights-dict-multi_label",
    lambda: ki.class_weights({0: 1, 1: 2}, label_mode="multi_label"),
    _raises(VE, r"label_mode='multi_label' needs the number of samples"),
)
case(
    "class_weights-dict-negative-key",
    lambda: ki.class_weights({-1: 5, 1: 5}),
    _raises(VE, r"negative class index key -1"),
)
case(
    "class_weights-dict-huge-key",
    lambda: ki.class_weights({0: 5, 10**9: 5}),
    _raises(VE, r"counts contains the class index 1000000000.*max_classes"),
)
case("class_weights-dict-empty", lambda: ki.class_weights({}), _raises(VE, r"counts=\{\} is empty"))
case(
    "class_weights-dict-negative-count",
    lambda: ki.class_weights({0: 5, 1: -2}),
    _raises(VE, "counts must not be negative"),
)
case(
    "class_weights-dict-float-count",
    lambda: ki.class_weights({0: 5, 1: 2.5}),
    _raises(VE, "counts must be whole numbers"),
)

# --- class_weights options ----------
for kwargs, match in [
    ({"strategy": "foo"}, r"strategy='foo' is not supported"),
    ({"strategy": None}, r"class_weight must be a dict"),
    ({"normalize": "median"}, r"normalize='median' is not supported"),
    ({"mu": 0.0, "strategy": "log"}, r"mu=0.0 is out of range"),
    ({"mu": "big", "strategy": "log"}, r"mu must be a number"),
    ({"beta": 1.0, "strategy": "effective_number"}, r"beta=1.0 is out of range"),
    ({"beta": -0.1, "strategy": "effective_number"}, r"beta=-0.1 is out of range"),
    ({"clip": (2.0, 1.0)}, r"clip=\(2.0, 1.0\) has low > high"),
    ({"clip": 3}, r"clip=3 must be a pair"),
    ({"clip": (-1.0, 1.0)}, r"clip\[0\]=-1.0 is out of range"),
    ({"strategy": [1.0, -1.0, 1.0]}, r"class_weight|weight"),
    ({"strategy": [1.0, 1.0]}, r"class_weight"),
    ({"strategy": {0: 1.0, 1: 1.0}}, r"class_weight has no weight for class 2"),
    ({"strategy": {0: 1, 1: 1, 2: float("nan")}}, r"nan"),
    ({"max_classes": -5}, r"max_classes=-5"),
]:
    case(
        f"class_weights-{sorted(kwargs)}-{list(kwargs.values())!r}"[:70],
        lambda k=kwargs: ki.class_weights(
            Y, k.get("strategy", "balanced"), **{a: v for a, v in k.items() if a != "strategy"}
        ),
        _raises(EITHER, match),
    )
case(
    "class_weights-balanced-ok",
    lambda: ki.class_weights(Y).to_array(),
    _equals(lambda w: np.allclose(w, 6 / (3 * np.array([3, 2, 1]))), "N / (C n_c)"),
)

# --- check_class_weight / ClassWeights ----------
for weights, n, match in [
    ({0: 1.0}, 2, r"class_weight has no weight for class 1"),
    ({0: 1.0, 1: 2.0, 7: 1.0}, 2, r"class_weight has the key 7"),
    ({0: -1.0, 1: 2.0}, 2, r"-1.0"),
    ({"a": 1.0, "b": 2.0}, 2, r"class_weight has the key 'a'"),
    ([1.0, 2.0, 3.0], 2, r"class_weight"),
    ("balanced", 2, r"class_weight must be"),
    ({0: 1.0, 1: 2.0}, 0, r"num_classes=0"),
    ({0: True, 1: 2.0}, 2, r"weight"),
]:
    case(
        f"check_class_weight-{weights!r}-{n}"[:60],
        lambda w=weights, k=n: ki.check_class_weight(w, k),
        _raises(EITHER, match),
    )

# --- sample_weights ----------
for kwargs, match in [
    ({"multi_label_reduce": "min"}, r"multi_label_reduce='min' is not supported"),
    ({"negative_weight": -1.0}, r"negative_weight=-1.0 is out of range"),
    ({"negative_weight": float("nan")}, r"negative_weight=nan must be finite"),
    ({"normalize": "sum"}, r"normalize='sum' is not supported"),
    ({"label_mode": "binary"}, r"label_mode='binary' is not supported"),
    ({"combine": np.ones(5)}, r"combine has shape \(5,\)"),
    ({"combine": -np.ones(6)}, r"combine|weight"),
]:
    case(
        f"sample_weights-{len(CASES)}-{sorted(kwargs)}"[:60],
        lambda k=kwargs: ki.sample_weights(Y, [1.0, 2.0, 3.0], **k),
        _raises(EITHER, match),
    )
case(
    "sample_weights-float-labels",
    lambda: ki.sample_weights([0.0, 1.5], [1.0, 2.0, 3.0]),
    _raises(VE, r"non-integral value 1.5"),
)
case(
    "sample_weights-label-out-of-weights",
    lambda: ki.sample_weights([0, 3], [1.0, 2.0, 3.0]),
    _raises(EITHER, r"class"),
)
case(
    "sample_weights-ok",
    lambda: ki.sample_weights(Y, [1.0, 2.0, 4.0]),
    _equals(lambda w: w.tolist() == [1.0, 1.0, 1.0, 2.0, 2.0, 4.0], "w[y]"),
)

# --- losses: bad options, functions and classes alike ----------
for name, make, match in [
    ("WCCE-weights-neg", lambda: losses.WeightedCategoricalCrossentropy([1.0, -1.0]), r"-1.0"),
    (
        "WCCE-weights-str",
        lambda: losses.WeightedCategoricalCrossentropy("balanced"),
        r"class_weight must be",
    ),
    (
        "WCCE-smoothing",
        lambda: losses.WeightedCategoricalCrossentropy([1.0, 1.0], label_smoothing=-0.1),
        r"label_smoothing=-0.1",
    ),
    (
        "WSCCE-ignore_class",
        lambda: losses.WeightedSparseCategoricalCrossentropy([1.0, 1.0], ignore_class="x"),
        r"ignore_class must be an int",
    ),
    ("WBCE-pos_weight-neg", lambda: losses.WeightedBinaryCrossentropy(-1.0), r"pos_weight=-1.0"),
    (
        "WBCE-pos_weight-nan",
        lambda: losses.WeightedBinaryCrossentropy([np.nan]),
        r"pos_weight for label 0 is nan",
    ),
    (
        "WBCE-pos_weight-str",
        lambda: losses.WeightedBinaryCrossentropy("x"),
        r"pos_weight='x' must be",
    ),
    (
        "CS-cost-shape",
        lambda: losses.CostSensitiveCategoricalCrossentropy([[1.0, 2.0]]),
        r"cost_matrix has shape \(1, 2\)",
    ),
    (
        "CS-cost-neg",
        lambda: losses.CostSensitiveCategoricalCrossentropy([[0, -1], [1, 0]]),
        r"cost_matrix\[0, 1\] is -1.0",
    ),
    (
        "CS-cost-inf",
        lambda: losses.CostSensitiveCategoricalCrossentropy([[0, np.inf], [1, 0]]),
        r"cost_matrix\[0, 1\] is inf",
    ),
    (
        "CS-mode",
        lambda: losses.CostSensitiveCategoricalCrossentropy(np.ones((2, 2)), mode="max"),
        r"mode='max' is not supported",
    ),
    ("LA-tau-neg", lambda: losses.LogitAdjustedLoss([3, 1], tau=-0.5), r"tau=-0.5 is negative"),
    (
        "LA-tau-nan",
        lambda: losses.LogitAdjustedLoss([3, 1], tau=float("nan")),
        r"tau=nan must be finite",
    ),
    (
        "LA-prior-zero",
        lambda: losses.LogitAdjustedLoss([3, 0]),
        r"prior_or_counts for class 1 is 0.0",
    ),
    ("LA-prior-one-class", lambda: losses.LogitAdjustedLoss([3]), r"prior_or_counts has shape"),
    (
        "LA-class_weight-neg",
        lambda: losses.LogitAdjustedLoss([3, 1], class_weight=[1.0, -1.0]),
        r"-1.0",
    ),
    ("LDAM-scale-zero", lambda: losses.LDAMLoss([3, 1], scale=0.0), r"scale=0.0 is out of range"),
    ("LDAM-margin-neg", lambda: losses.LDAMLoss([3, 1], max_margin=-1.0), r"max_margin=-1.0"),
    ("LDAM-count-zero", lambda: losses.LDAMLoss([3, 0]), r"counts for class 1 \(index 1\) is 0"),
    ("CB-beta", lambda: losses.ClassBalancedLoss([3, 1], beta=1.0), r"beta=1.0 is out of range"),
    (
        "CB-gamma",
        lambda: losses.ClassBalancedLoss([3, 1], gamma=-2.0),
        r"gamma=-2.0 is out of range",
    ),
    (
        "CB-base",
        lambda: losses.ClassBalancedLoss([3, 1], base="hinge"),
        r"base='hinge' is not supported",
    ),
    (
        "ldam_loss-scale",
        lambda: losses.ldam_loss([0], [[0.0, 0.0]], [3, 1], scale=-1.0),
        r"scale=-1.0",
    ),
    (
        "ldam_loss-margin",
        lambda: losses.ldam_loss([0], [[0.0, 0.0]], [3, 1], max_margin=-1.0),
        r"max_margin=-1.0",
    ),
    (
        "la-fn-tau",
        lambda: losses.logit_adjusted_crossentropy([0], [[0.0, 0.0]], [3, 1], tau=-1.0),
        r"tau=-1.0 is negative",
    ),
    (
        "cb-fn-gamma",
        lambda: losses.class_balanced_loss([0], [[0.5, 0.5]], [3, 1], gamma=-1.0),
        r"gamma=-1.0",
    ),
    (
        "cb-fn-base",
        lambda: losses.class_balanced_loss([0], [[0.5, 0.5]], [3, 1], base="x"),
        r"base='x'",
    ),
    (
        "cs-fn-cost",
        lambda: losses.cost_sensitive_categorical_crossentropy(
            [0], [[0.5, 0.5]], [[0, -2], [1, 0]]
        ),
        r"cost_matrix\[0, 1\] is -2.0",
    ),
    (
        "cs-fn-cost-nan",
        lambda: losses.cost_sensitive_categorical_crossentropy(
            [0], [[0.5, 0.5]], [[0, np.nan], [1, 0]]
        ),
        r"cost_matrix\[0, 1\] is nan",
    ),
    (
        "cs-fn-cost-width",
        lambda: losses.cost_sensitive_categorical_crossentropy([0], [[0.5, 0.5]], np.ones((3, 3))),
        r"cost_matrix has shape \(3, 3\) but y_pred has 2",
    ),
    (
        "wbce-fn-pos",
        lambda: losses.weighted_binary_crossentropy([[1.0]], [[0.5]], -1.0),
        r"pos_weight=-1.0",
    ),
    (
        "wcce-fn-weights",
        lambda: losses.weighted_categorical_crossentropy([0], [[0.5, 0.5]], [np.nan, 1.0]),
        r"class 0 is nan",
    ),
    (
        "wcce-fn-width",
        lambda: losses.weighted_categorical_crossentropy([0], [[0.5, 0.5]], [1.0, 1.0, 1.0]),
        r"class_weight has shape \(3,\)",
    ),
    ("focal_alpha-strategy", lambda: losses.focal_alpha([3, 1], "log"), r"strategy='log'"),
    ("focal_alpha-zero", lambda: losses.focal_alpha([3, 0]), r"class 1|no samples"),
    ("pos_weight_from_counts-zero", lambda: losses.pos_weight_from_counts([0, 4]), r"class|label"),
    (
        "ldam_margins-margin",
        lambda: losses.ldam_margins([3, 1], max_margin=-0.1),
        r"max_margin=-0.1",
    ),
]:
    case(f"losses-{name}", make, _raises(EITHER, match))

for name, loss in [
    ("LDAMLoss", losses.LDAMLoss([3, 2, 1])),
    ("LogitAdjustedLoss", losses.LogitAdjustedLoss([3, 2, 1])),
    ("ClassBalancedLoss-focal", losses.ClassBalancedLoss([3, 2, 1], base="focal")),
    ("WSCCE", losses.WeightedSparseCategoricalCrossentropy([1.0, 1.0, 1.0])),
    ("CostSensitive", losses.CostSensitiveCategoricalCrossentropy(np.ones((3, 3)))),
]:
    for bad in (3, -1):
        case(
            f"losses-{name}-label-{bad}",
            lambda loss=loss, b=bad: loss(np.array([0, b, 1, 2, 0]), PRED3),
            _raises(VE, rf"y_true contains the class index {bad}\b"),
        )
    case(
        f"losses-{name}-one-hot-width",
        lambda loss=loss: loss(np.eye(4, dtype="float32")[[0, 1, 2, 3, 0]], PRED3),
        _raises(VE, r"y_true has shape \(5, 4\): one-hot rows of width 4, but y_pred has 3"),
    )
case(
    "losses-WSCCE-uniform-equals-keras",
    lambda: float(losses.WeightedSparseCategoricalCrossentropy([1.0, 1.0, 1.0])(Y5, PRED3)),
    _equals(
        lambda v: math.isclose(
            v, float(np.mean(-np.log(PRED3[np.arange(5), Y5] / PRED3.sum(1)))), rel_tol=1e-5
        ),
        "uniform weights give plain cross-entropy",
    ),
)

# --- metrics ----------
for cls in [
    metrics.BalancedAccuracy,
    metrics.MacroF1,
    metrics.GeometricMean,
    metrics.MatthewsCorrelation,
    metrics.PerClassRecall,
    metrics.PerClassPrecision,
]:
    case(
        f"metrics-{cls.__name__}-num_classes=1",
        lambda c=cls: c(1),
        _raises(VE, r"num_classes=1 is too small"),
    )
    case(
        f"metrics-{cls.__name__}-num_classes=2.5",
        lambda c=cls: c(2.5),
        _raises(TE, r"num_classes must be an int"),
    )
    case(
        f"metrics-{cls.__name__}-label-5",
        lambda c=cls: c(3).update_state(np.array([0, 1, 5, 5, 0]), PRED3),
        _raises(VE, r"y_true contains the class index 5"),
    )
    case(
        f"metrics-{cls.__name__}-width",
        lambda c=cls: c(4).update_state(Y5, PRED3),
        _raises(VE, r"y_pred has 3 columns but num_classes=4"),
    )
case(
    "metrics-BalancedAccuracy-threshold",
    lambda: metrics.BalancedAccuracy(2, threshold=1.5),
    _raises(VE, r"threshold=1.5 is out of range"),
)
case(
    "metrics-confusion_matrix_update-width",
    lambda: metrics.confusion_matrix_update(Y5, PRED3, 2),
    _raises(VE, r"y_pred has 3 columns but num_classes=2"),
)
case(
    "metrics-BalancedAccuracy-ok",
    lambda: float(_result(metrics.BalancedAccuracy(3), Y5, PRED3)),
    # argmax of PRED3 is [0, 0, 1, 1, 1]: recalls 1, 1 and 0
    _equals(lambda v: math.isclose(v, (1.0 + 1.0 + 0.0) / 3, rel_tol=1e-6), "mean recall"),
)


def _result(metric: keras.metrics.Metric, y: Any, p: Any) -> Any:
    metric.update_state(y, p)
    return keras.ops.convert_to_numpy(metric.result())


# --- bias ----------
for name, call, match in [
    (
        "adjust_logits-tau",
        lambda: ki.adjust_logits(np.zeros((1, 2)), [3, 1], tau=-1.0),
        r"tau=-1.0 is negative",
    ),
    (
        "adjust_logits-width",
        lambda: ki.adjust_logits(np.zeros((1, 3)), [3, 1]),
        r"logits have 3 classes",
    ),
    (
        "adjust_logits-prior",
        lambda: ki.adjust_logits(np.zeros((1, 2)), [3, -1]),
        r"prior for class 1 is -1.0",
    ),
    (
        "initial_bias-activation",
        lambda: ki.initial_bias([3, 1], activation="relu"),
        r"activation='relu'",
    ),
    ("initial_bias-zero", lambda: ki.initial_bias([3, 0]), r"class 1 has no positive samples"),
    ("initial_bias-counts", lambda: ki.initial_bias("3,1"), r"counts must be a ClassCounts"),
]:
    case(f"bias-{name}", call, _raises(EITHER, match))
case(
    "bias-initial_bias-ok",
    lambda: ki.initial_bias([9, 1]),
    _equals(lambda b: np.allclose(b, [math.log(1 / 9)]), "log(n_pos / n_neg)"),
)

# --- pipelines ----------
for name, call, match in [
    (
        "BalancedBatches-seed",
        lambda: ki.BalancedBatches(np.zeros((6, 1)), Y, seed=-1),
        r"seed=-1 is negative",
    ),
    (
        "BalancedBatches-seed-float",
        lambda: ki.BalancedBatches(np.zeros((6, 1)), Y, seed=0.5),
        r"seed=0.5 must be an int",
    ),
    (
        "BalancedBatches-sampling",
        lambda: ki.BalancedBatches(np.zeros((6, 1)), Y, sampling="smote"),
        r"sampling='smote'",
    ),
    (
        "BalancedBatches-batch_size",
        lambda: ki.BalancedBatches(np.zeros((6, 1)), Y, batch_size=0),
        r"batch_size=0",
    ),
    (
        "BalancedBatches-length",
        lambda: ki.BalancedBatches(np.zeros((5, 1)), Y),
        r"y has 6 labels but x has 5",
    ),
    ("BalancedBatches-x", lambda: ki.BalancedBatches("x", Y), r"x must be an array"),
    ("weighted_generator-weights", lambda: ki.weighted_generator(iter([]), [1.0, -2.0]), r"-2.0"),
    (
        "weighted_generator-reduce",
        lambda: ki.weighted_generator(iter([]), [1.0], multi_label_reduce="x"),
        r"multi_label_reduce='x'",
    ),
    (
        "weighted_generator-not-iterable",
        lambda: ki.weighted_generator(3, [1.0]),
        r"generator must be",
    ),
    (
        "WeightedPyDataset-not-pydataset",
        lambda: ki.WeightedPyDataset(3, [1.0]),
        r"dataset must be a keras.utils.PyDataset",
    ),
    (
        "WeightedPyDataset-negative_weight",
        lambda: ki.WeightedPyDataset(_EmptyPyDataset(), [1.0], negative_weight=-1.0),
        r"negative_weight=-1.0",
    ),
]:
    case(f"pipelines-{name}", call, _raises(EITHER, match))


class _EmptyPyDataset(keras.utils.PyDataset):
    def __len__(self) -> int:
        return 0

    def __getitem__(self, index: int) -> Any:
        raise IndexError(index)


# --- callbacks ----------
for name, call, match in [
    (
        "DeferredReweighting-start",
        lambda: callbacks.DeferredReweighting([1.0, 2.0], start_epoch=-1),
        r"start_epoch=-1",
    ),
    (
        "DeferredReweighting-weights",
        lambda: callbacks.DeferredReweighting([1.0, -2.0], start_epoch=1),
        r"-2.0",
    ),
]:
    case(f"callbacks-{name}", call, _raises(EITHER, match))

# --- datasets ----------
for name, call, match in [
    (
        "make_long_tailed-ratio",
        lambda: datasets.make_long_tailed(np.zeros((6, 1)), Y, 0.5),
        r"ratio=0.5",
    ),
    (
        "make_long_tailed-profile",
        lambda: datasets.make_long_tailed(np.zeros((6, 1)), Y, 2.0, profile="zipf"),
        r"profile='zipf'",
    ),
    (
        "long_tailed_counts-classes",
        lambda: datasets.long_tailed_counts(100, 0, 10.0),
        r"num_classes=0",
    ),
    ("long_tailed_counts-n_max", lambda: datasets.long_tailed_counts(0, 3, 10.0), r"n_max=0"),
    (
        "make_detector-positive",
        lambda: datasets.make_detector(["cat", "dog"], "bird"),
        r"positive='bird'",
    ),
    ("load_digits_lt-ratio", lambda: datasets.load_digits_lt(ratio=0.1), r"ratio=0.1"),
    ("load_digits_lt-test_size", lambda: datasets.load_digits_lt(test_size=1.5), r"test_size=1.5"),
    (
        "load_arrays-missing",
        lambda: datasets.load_arrays("/nonexistent.npz"),
        r"path '/nonexistent.npz' does not exist",
    ),
    ("load_arrays-suffix", lambda: datasets.load_arrays(__file__), r"unsupported suffix '.py'"),
    (
        "load_arrays-image_size",
        lambda: datasets.load_arrays(Path(__file__).parent, image_size=0),
        r"image_size=0",
    ),
    ("read_idx-not-idx", lambda: datasets.read_idx(__file__), r"idx|IDX|magic"),
]:
    case(f"datasets-{name}", call, _raises((ValueError, TypeError, FileNotFoundError), match))
case(
    "callbacks-reweightable_losses-plain",
    lambda: callbacks.reweightable_losses("mse"),
    _equals(lambda found: found == [], "a plain loss has no class weights to change"),
)
case(
    "datasets-make_detector-ok",
    lambda: datasets.make_detector(["cat", "dog", "cat"], "dog").tolist(),
    _equals(lambda v: v == [0, 1, 0], "the positive class is 1"),
)

# --- plotting ----------
for name, call, match in [
    (
        "plot_class_distribution-source",
        lambda: plotting.plot_class_distribution(None),
        r"source=None|counts",
    ),
    (
        "plot_confusion_matrix-shape",
        lambda: plotting.plot_confusion_matrix(np.ones((2, 3))),
        r"confusion|square|shape",
    ),
]:
    case(f"plotting-{name}", call, _raises(EITHER, match))

# --- report ----------
for name, call, match in [
    ("report-length", lambda: ki.report([0, 1, 1], [0, 1]), r"y_pred|length|samples"),
    ("report-empty", lambda: ki.report([], []), r"y_true is empty|empty"),
]:
    case(f"report-{name}", call, _raises(EITHER, match))


def _check(expectation: Any, call: Callable[[], Any]) -> None:
    if expectation[0] == "raises":
        _, error, match = expectation
        with pytest.raises(error, match=match) as info:
            call()
        assert "Traceback" not in str(info.value)
        return
    _, predicate, what = expectation
    assert predicate(call()), what


@pytest.mark.parametrize(("call", "expectation"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(call: Callable[[], Any], expectation: Any) -> None:
    _check(expectation, call)


def test_the_sweep_is_large_enough() -> None:
    assert len(CASES) + len(CLI_CASES) >= 200
    assert len({c[0] for c in CASES}) == len(CASES), "case ids are unique"


# --- CLI ----------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    (folder / "empty.npy").write_bytes(b"")
    (folder / "empty.npz").write_bytes(b"")
    (folder / "random.npy").write_bytes(bytes(range(256)) * 3)
    (folder / "random.npz").write_bytes(bytes(range(256)) * 3)
    np.save(folder / "objects.npy", np.array([{"a": 1}, 2], dtype=object))
    np.savez(folder / "objects.npz", x=np.zeros((2, 1)), y=np.array([{"a": 1}, 2], dtype=object))
    np.save(folder / "huge.npy", np.array([0, 1, 10**9]))
    np.save(folder / "negative.npy", np.array([-1, 1, 1]))
    np.save(folder / "floats.npy", np.array([0.0, 1.5]))
    np.save(folder / "ok.npy", np.array([0, 0, 1]))
    np.save(folder / "one_class.npy", np.array([0, 0, 0]))
    (folder / "truncated.npy").write_bytes((folder / "ok.npy").read_bytes()[:-4])
    np.savez(folder / "ok.npz", x=np.zeros((3, 2)), y=np.array([0, 0, 1]))
    np.savez(folder / "no_y.npz", a=np.zeros(3))
    (folder / "labels.csv").write_text("f,label\n1,0\n2,1\n3,NaN\n")
    (folder / "good.csv").write_text("f,label\n1,0\n2,1\n3,1\n")
    (folder / "nan_features.csv").write_text("f,label\nnan,a\n2,b\n3,b\n")
    (folder / "binary.csv").write_bytes(b"\xff\xfe\x00\x01" * 10)
    (folder / "labels.txt").write_text("0\n1\n")
    (folder / "results.json").write_text("{not json")
    images = folder / "images"
    (images / "a").mkdir(parents=True)
    (images / "b").mkdir()
    (images / "a" / "one.png").write_bytes(b"")  # an empty image
    (images / "b" / "two.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (folder / "out_dir").mkdir()
    return folder


CLI_CASES: list[tuple[str, list[str], str]] = [
    ("inspect-empty-npy", ["inspect", "{f}/empty.npy"], r"empty \(0 bytes\)"),
    ("inspect-empty-npz", ["inspect", "{f}/empty.npz"], r"empty \(0 bytes\)"),
    ("inspect-random-npy", ["inspect", "{f}/random.npy"], r"is not a NumPy \.npy file"),
    ("inspect-random-npz", ["inspect", "{f}/random.npz"], r"is not a NumPy \.npz file"),
    ("inspect-objects-npy", ["inspect", "{f}/objects.npy"], r"holds Python objects"),
    ("inspect-objects-npz", ["inspect", "{f}/objects.npz"], r"holds Python objects"),
    ("inspect-truncated-npy", ["inspect", "{f}/truncated.npy"], r"damaged \.npy file"),
    ("inspect-huge-label", ["inspect", "{f}/huge.npy"], r"--max-classes 100000"),
    ("inspect-negative", ["inspect", "{f}/negative.npy"], r"negative class index -1"),
    ("inspect-floats", ["inspect", "{f}/floats.npy"], r"non-integral value 1.5"),
    ("inspect-csv-no-column", ["inspect", "{f}/labels.csv"], r"needs --column to name"),
    (
        "inspect-csv-bad-column",
        ["inspect", "{f}/labels.csv", "--column", "x"],
        r"--column 'x' is not a column",
    ),
    (
        "inspect-csv-nan",
        ["inspect", "{f}/labels.csv", "--column", "label"],
        r"holds 'NaN' \(a missing value\)",
    ),
    ("inspect-txt", ["inspect", "{f}/labels.txt"], r"\.txt file"),
    ("inspect-missing", ["inspect", "{f}/nope.npy"], r"SOURCE .* does not exist"),
    ("inspect-npz-no-y", ["inspect", "{f}/no_y.npz"], r"name the label array with --column"),
    (
        "inspect-plot-missing-folder",
        ["inspect", "{f}/ok.npy", "--plot", "{f}/no/p.png"],
        r"--plot: ",
    ),
    (
        "inspect-label-mode",
        ["inspect", "{f}/ok.npy", "--label-mode", "categorical"],
        r"--label-mode",
    ),
    ("weights-empty-npz", ["weights", "{f}/empty.npz"], r"empty \(0 bytes\)"),
    (
        "weights-output-dir",
        ["weights", "{f}/ok.npy", "--output", "{f}/out_dir"],
        r"--output: .* is a directory",
    ),
    (
        "weights-output-missing-folder",
        ["weights", "{f}/ok.npy", "--output", "{f}/no/w.json"],
        r"--output: cannot save class weights to .*w\.json",
    ),
    ("weights-negative", ["weights", "{f}/negative.npy"], r"negative class index -1"),
    (
        "weights-max-classes",
        ["weights", "{f}/ok.npy", "--max-classes", "1"],
        r"more than --max-classes 1",
    ),
    (
        "weights-beta",
        ["weights", "{f}/ok.npy", "--strategy", "effective_number", "--beta", "1.0"],
        r"--strategy effective_number: --beta 1.0 is out of range",
    ),
    (
        "weights-mu",
        ["weights", "{f}/ok.npy", "--strategy", "log", "--mu", "-1"],
        r"--mu -1.0 is out of range",
    ),
    (
        "weights-clip",
        ["weights", "{f}/ok.npy", "--clip", "3", "1"],
        r"--clip \(3.0, 1.0\) has low > high",
    ),
    ("weights-huge", ["weights", "{f}/huge.npy"], r"--max-classes"),
    ("compare-empty-npz", ["compare", "{f}/empty.npz"], r"empty \(0 bytes\)"),
    ("compare-random-npz", ["compare", "{f}/random.npz"], r"is not a NumPy \.npz file"),
    ("compare-objects-npz", ["compare", "{f}/objects.npz"], r"holds Python objects"),
    ("compare-csv-no-label-column", ["compare", "{f}/good.csv"], r"--label-column"),
    (
        "compare-csv-bad-label-column",
        ["compare", "{f}/good.csv", "--label-column", "x"],
        r"--label-column 'x' is not a column",
    ),
    (
        "compare-csv-nan-label",
        ["compare", "{f}/labels.csv", "--label-column", "label"],
        r"no label \('NaN'\)",
    ),
    (
        "compare-csv-nan-feature",
        ["compare", "{f}/nan_features.csv", "--label-column", "label"],
        r"feature 'f' = nan",
    ),
    (
        "compare-binary-csv",
        ["compare", "{f}/binary.csv", "--label-column", "label"],
        r"not a text CSV file",
    ),
    (
        "compare-corrupt-images",
        ["compare", "{f}/images"],
        r"the image .*images.* cannot be read .*pass --skip-corrupt to skip",
    ),
    ("report-not-json", ["report", "{f}/results.json"], r"RESULTS_JSON .* is not valid JSON"),
    ("report-missing", ["report", "{f}/missing.json"], r"RESULTS_JSON|does not exist"),
]


@pytest.mark.parametrize(
    ("argv", "match"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_cli_user_errors_are_one_line(
    argv: list[str], match: str, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.replace("{f}", str(files)) for a in argv]
    code = cli_main(args)
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == 2, captured.err
    assert "Traceback" not in captured.err
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("keras-imbalance: error: ")
    assert re.search(match, lines[0]), lines[0]
    assert "allow_pickle" not in lines[0] and "pickle.load" not in lines[0]
    assert "label_column=" not in lines[0] and "max_classes=" not in lines[0]
    assert "classes=" not in lines[0].replace("--max-classes", "")
    assert "/." not in lines[0], "a save error names the hidden temporary file"


def test_cli_debug_shows_the_traceback(files: Path) -> None:
    from keras_imbalance.cli import UserError

    with pytest.raises(UserError, match="--max-classes 100000") as info:
        cli_main(["--debug", "inspect", str(files / "huge.npy")])
    assert isinstance(info.value.__cause__, ValueError)  # the library's error, chained


def test_cli_library_bug_is_not_hidden(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A TypeError from inside the library (a bug) is not reported as a user error."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    import sys

    monkeypatch.setattr(sys.modules["keras_imbalance.cli.main"], "inspect_summary", broken)
    with pytest.raises(TypeError, match="unsupported operand"):
        cli_main(["inspect", str(files / "ok.npy")])


def test_cli_inspect_reads_npz_and_weights_names_its_strategy(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["inspect", str(files / "ok.npz"), "--json"]) == 0
    import json

    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"]["counts"] == [2, 1]
    assert cli_main(["weights", str(files / "ok.npz"), "--strategy", "inverse"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "strategy: inverse  (w_c = 1 / n_c)"


# --- Mutation check: every valid call leaves its inputs as they were ----------

VALID_CALLS: list[tuple[str, Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = [
    ("decode_labels", ki.decode_labels, (np.array([[0, 1], [1, 0]]),), {}),
    ("count_labels", ki.count_labels, ([0, 1, 1],), {}),
    ("count_labels-dict", ki.count_labels, ({1: 10, 2: 20},), {}),
    ("class_weights", ki.class_weights, (np.array([0, 1, 1]),), {"normalize": "mean"}),
    ("class_weights-dict", ki.class_weights, ({0: 3, 1: 1},), {"classes": 2}),
    ("class_weights-manual", ki.class_weights, (Y, {0: 1.0, 1: 2.0, 2: 3.0}), {}),
    ("check_class_weight", ki.check_class_weight, ({"0": 1, "1": 2.5},), {"num_classes": 2}),
    ("sample_weights", ki.sample_weights, (Y, [1.0, 2.0, 3.0]), {"combine": np.ones(6)}),
    (
        "sample_weights-multi-hot",
        ki.sample_weights,
        (np.array([[1, 1, 0], [0, 1, 1]]), [1.0, 2.0, 3.0]),
        {},
    ),
    ("initial_bias", ki.initial_bias, ([9, 1],), {}),
    ("adjust_logits", ki.adjust_logits, (np.zeros((2, 2)), [3, 1]), {"tau": 0.5}),
    ("focal_alpha", ki.focal_alpha, ([9, 1],), {}),
    ("pos_weight_from_counts", ki.pos_weight_from_counts, ([9, 1],), {}),
    ("ldam_margins", losses.ldam_margins, ([9, 1],), {}),
    (
        "weighted_cce",
        losses.weighted_categorical_crossentropy,
        (np.eye(3)[Y5], PRED3, [1.0, 2.0, 3.0]),
        {},
    ),
    (
        "weighted_scce",
        losses.weighted_sparse_categorical_crossentropy,
        (Y5, PRED3, np.ones(3)),
        {"ignore_class": 2},
    ),
    (
        "weighted_bce",
        losses.weighted_binary_crossentropy,
        (np.array([[1.0, 0.0]]), np.array([[0.3, 0.6]]), [2.0, 1.0]),
        {},
    ),
    ("ldam_loss", losses.ldam_loss, (Y5, PRED3, [5, 3, 1]), {}),
    ("logit_adjusted", losses.logit_adjusted_crossentropy, (Y5, PRED3, [5, 3, 1]), {}),
    ("class_balanced", losses.class_balanced_loss, (Y5, PRED3, [5, 3, 1]), {"base": "focal"}),
    (
        "cost_sensitive",
        losses.cost_sensitive_categorical_crossentropy,
        (Y5, PRED3, np.ones((3, 3))),
        {},
    ),
    ("confusion_matrix_update", metrics.confusion_matrix_update, (Y5, PRED3, 3), {}),
    (
        "balanced_accuracy_from_confusion",
        metrics.balanced_accuracy_from_confusion,
        (np.eye(3),),
        {},
    ),
    (
        "make_long_tailed",
        datasets.make_long_tailed,
        (np.zeros((12, 1)), np.repeat([0, 1, 2], 4), 2.0),
        {},
    ),
    ("make_detector", datasets.make_detector, (np.array(["a", "b", "a"]), "b"), {}),
    ("BalancedBatches", ki.BalancedBatches, (np.zeros((6, 1)), Y), {"batch_size": 2, "seed": 0}),
]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        floats = a.dtype.kind in "fc"
        return (
            isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=floats)
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    return bool(a == b)


@pytest.mark.parametrize(
    ("function", "args", "kwargs"), [c[1:] for c in VALID_CALLS], ids=[c[0] for c in VALID_CALLS]
)
def test_public_functions_leave_their_inputs_unmodified(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    before_args, before_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    call_args, call_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    function(*call_args, **call_kwargs)
    assert _same(call_args, before_args)
    assert _same(call_kwargs, before_kwargs)


# --- The rest of the bad-input sweep (issue 16) ---------------------------------------------------


def _comparison_data() -> dict[str, Any]:
    """The fields of a results.json, without a training run (from_dict reads them as is)."""
    return {
        "schema_version": 2,
        "metric": "balanced_accuracy",
        "strategies": ["none"],
        "seeds": [0],
        "class_names": ["a", "b"],
        "tail_classes": [1],
        "splits": {},
        "settings": {},
        "runs": [],
        "summary": [],
        "best": None,
        "verdict": "",
        "notes": [],
    }


@pytest.mark.parametrize(
    "drop",
    [("metric",), ("summary",), ("seeds", "settings"), ("strategies", "class_names", "splits")],
)
def test_comparison_from_dict_lists_the_missing_fields(drop: tuple[str, ...]) -> None:
    """It raised the dataclass's TypeError (or a KeyError for "summary")."""
    from keras_imbalance.comparison import Comparison

    data = {k: v for k, v in _comparison_data().items() if k not in drop}
    listed = ", ".join(repr(name) for name in drop)
    with pytest.raises(ValueError, match=re.escape(f"lacks a field (missing: {listed});")):
        Comparison.from_dict(data)
    # The optional fields may be absent; the full set reads back.
    optional = ("runs", "best", "verdict", "notes")
    minimal = {k: v for k, v in _comparison_data().items() if k not in optional}
    assert Comparison.from_dict(minimal).class_names == ["a", "b"]
