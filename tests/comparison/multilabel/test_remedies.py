"""The multi-label remedies: their losses equal the formulas they name, their grids and checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_imbalance.comparison.multilabel.remedies import (
    candidates,
    check_multilabel_grids,
    check_multilabel_strategies,
    make_loss,
)

Y = np.array([[1, 0, 1], [0, 0, 1], [0, 1, 1], [0, 0, 0], [1, 0, 1]])
LOGITS = np.array(
    [[0.5, -1.0, 2.0], [-0.3, 0.2, 1.0], [1.5, 0.7, -0.4], [0.0, -2.0, 0.3], [2.0, 0.1, 0.9]],
    dtype="float32",
)


def bce(y: np.ndarray, z: np.ndarray, pos_weight: np.ndarray | float = 1.0) -> float:
    p = 1.0 / (1.0 + np.exp(-z.astype(np.float64)))
    return float(np.mean(-(pos_weight * y * np.log(p) + (1 - y) * np.log(1 - p))))


def value(loss: keras.losses.Loss) -> float:
    return float(keras.ops.convert_to_numpy(loss(Y.astype("float32"), LOGITS)))


def test_none_is_binary_cross_entropy_on_logits() -> None:
    assert value(make_loss("none", {}, Y)) == pytest.approx(bce(Y, LOGITS), rel=1e-5)


def test_balanced_weighs_positives_by_negatives_over_positives_of_the_training_labels() -> None:
    pos_weight = (len(Y) - Y.sum(0)) / Y.sum(0)  # [1.5, 4, 0.25]
    loss = make_loss("balanced", {}, Y)
    assert value(loss) == pytest.approx(bce(Y, LOGITS, pos_weight), rel=1e-5)


def test_focal_is_the_sigmoid_focal_loss() -> None:
    p = 1.0 / (1.0 + np.exp(-LOGITS.astype(np.float64)))
    p_t = np.where(Y == 1, p, 1 - p)
    expected = np.mean(-((1 - p_t) ** 2) * np.log(p_t))
    assert value(make_loss("focal", {"gamma": 2.0}, Y)) == pytest.approx(expected, rel=1e-4)


def test_asymmetric_takes_its_gamma_neg_and_equals_focal_without_clip_at_equal_gammas() -> None:
    loss = make_loss("asymmetric", {"gamma_neg": 2.0}, Y)
    assert loss.gamma_neg == 2.0 and loss.from_logits
    assert value(make_loss("asymmetric", {"gamma_neg": 0.0}, Y)) != value(loss)


def test_candidates_tune_gamma_neg_and_grids_replace_it() -> None:
    assert candidates("asymmetric", None, tune=True) == [{"gamma_neg": 2.0}, {"gamma_neg": 4.0}]
    assert candidates("focal", {"focal": {"gamma": [1.0, 3.0]}}, tune=True) == [
        {"gamma": 1.0},
        {"gamma": 3.0},
    ]
    assert candidates("none", None, tune=True) == [{}]


def test_strategies_and_grids_are_checked() -> None:
    assert check_multilabel_strategies(["balanced"]) == ["none", "balanced"]
    with pytest.raises(ValueError, match="twice"):
        check_multilabel_strategies(["focal", "focal"])
    with pytest.raises(TypeError, match="strategies='focal'"):
        check_multilabel_strategies("focal")
    with pytest.raises(ValueError, match="takes \\['gamma'\\]"):
        check_multilabel_grids({"focal": {"alpha": [0.25]}})
    with pytest.raises(ValueError, match="not a multi-label strategy with knobs"):
        check_multilabel_grids({"balanced": {"x": [1]}})
    with pytest.raises(ValueError, match="non-empty list"):
        check_multilabel_grids({"asymmetric": {"gamma_neg": []}})
