"""Choices on out-of-fold predictions, checked against scikit-learn on exact numbers."""

import math

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, log_loss

from keras_imbalance.comparison.cross_validation import (
    FoldScoring,
    balanced_log_loss,
    choose_on_folds,
    cv_record,
    epoch_scores,
    out_of_fold,
)
from keras_imbalance.comparison.data.folds import stratified_folds
from keras_imbalance.comparison.run.logits import class_nll
from keras_imbalance.comparison.run_record import encode_classes

RNG = np.random.default_rng(0)
Y = np.repeat([0, 1, 2], [30, 12, 6])
FOLDS = stratified_folds(Y, 3, seed=0)
SCORING = FoldScoring(Y, FOLDS, "balanced_accuracy", 3, (2,), epochs=3)


def _runs(strategy, params, seed, per_epoch_oof, nll=None):
    """One run per fold whose per-epoch held-out predictions are ``per_epoch_oof[:, held]``."""
    runs = []
    for k, held in enumerate(FOLDS.held_out):
        part = per_epoch_oof[:, held]
        epochs = part.shape[0]
        rows = nll if nll is not None else np.ones((epochs, 3))
        runs.append(
            {
                "strategy": strategy,
                "params": params,
                "seed": seed,
                "fold": k,
                "diverged": bool((part < 0).any()),
                "seconds": 1.0,
                "predictions": {"validation": part[-1].tolist()},
                "validation_nll": rows[-1].tolist(),
                "epochs_validation": {
                    "predictions": encode_classes(part),
                    "nll": rows.tolist(),
                },
            }
        )
    return runs


def _noisy(accuracy, epochs):
    """Predictions right with probability ``accuracy[e]`` after epoch ``e``."""
    wrong = (Y[None, :] + 1) % 3
    right = RNG.random((epochs, len(Y))) < np.asarray(accuracy)[:, None]
    return np.where(right, Y[None, :], wrong)


def test_out_of_fold_puts_each_fold_back_in_place():
    oof = _noisy([0.5, 0.7], 2)
    np.testing.assert_array_equal(out_of_fold(_runs("none", {}, 0, oof), FOLDS), oof)


def test_out_of_fold_needs_every_fold():
    runs = _runs("none", {}, 0, _noisy([0.5], 1))[:-1]
    with pytest.raises(ValueError, match=r"one run per fold 0\.\.2"):
        out_of_fold(runs, FOLDS)


def test_epoch_scores_equal_scikit_learn():
    oof = _noisy([0.3, 0.6, 0.9], 3)
    expected = [balanced_accuracy_score(Y, row) for row in oof]
    np.testing.assert_allclose(epoch_scores(Y, oof, "balanced_accuracy", 3, ()), expected)


def test_balanced_log_loss_equals_scikit_learn_with_class_weights():
    logits = RNG.normal(size=(len(Y), 3))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    counts = np.bincount(Y)
    weights = 1.0 / counts[Y]
    expected = log_loss(Y, probs, sample_weight=weights, labels=[0, 1, 2])
    assert balanced_log_loss(class_nll(Y, logits, 3), counts) == pytest.approx(expected, rel=1e-12)


def test_the_epoch_and_knob_are_chosen_on_the_pooled_out_of_fold_score():
    # knob a=1 peaks at epoch 2; knob a=2 is better at its best epoch 3
    runs = [
        *_runs("drw", {"a": 1}, 0, _noisy([0.4, 0.8, 0.5], 3)),
        *_runs("drw", {"a": 2}, 0, _noisy([0.3, 0.6, 0.95], 3)),
        *_runs("none", {}, 0, _noisy([0.5, 0.6, 0.7], 3)),
    ]
    choices = choose_on_folds(runs, {"none": "trained", "drw": "trained"}, SCORING)
    curves = {
        a: epoch_scores(
            Y,
            out_of_fold([r for r in runs if r["params"] == {"a": a}], FOLDS),
            "balanced_accuracy",
            3,
            (2,),
        )
        for a in (1, 2)
    }
    best = max((1, 2), key=lambda a: curves[a].max())
    assert choices["drw"].params == {"a": best}
    assert choices["drw"].epoch == int(np.argmax(curves[best])) + 1
    assert choices["drw"].score == pytest.approx(curves[best].max())
    assert list(choices) == ["none", "drw"]


def test_keep_last_chooses_no_epoch():
    oof = _noisy([0.5, 0.99, 0.4], 3)
    scoring = FoldScoring(Y, FOLDS, "balanced_accuracy", 3, (2,), epochs=3, choose_epoch=False)
    choices = choose_on_folds(_runs("none", {}, 0, oof), {"none": "trained"}, scoring)
    assert choices["none"].epoch == 3


def test_heads_sit_on_none_after_every_epoch():
    none = _noisy([0.5, 0.9, 0.6], 3)
    head = _noisy([0.8], 1)
    head_runs = _runs("posthoc", {"tau": 1.0}, 0, head)
    for run in head_runs:
        del run["epochs_validation"]
    runs = [*_runs("none", {}, 0, none), *head_runs]
    choices = choose_on_folds(runs, {"none": "trained", "posthoc": "head"}, SCORING)
    assert choices["none"].epoch == 2 and choices["posthoc"].epoch == 3
    np.testing.assert_array_equal(choices["posthoc"].oof[0], head[0])


def test_a_diverged_fold_epoch_is_never_chosen():
    oof = _noisy([0.5, 0.99], 2)
    oof[1, FOLDS.held_out[0][0]] = -1
    choices = choose_on_folds(_runs("none", {}, 0, oof), {"none": "trained"}, SCORING)
    assert choices["none"].epoch == 1


def test_cv_record_scores_out_of_fold_validation_and_the_final_test():
    oof = _noisy([0.5, 0.8], 2)
    choices = choose_on_folds(_runs("none", {}, 0, oof), {"none": "trained"}, SCORING)
    y_test = np.array([0, 1, 2, 2])
    logits = np.eye(3)[[0, 1, 1, 2]]
    record = cv_record(choices["none"], 0, logits, SCORING, y_test, 2.0)
    chosen = oof[choices["none"].epoch - 1]
    assert record["validation"]["balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(Y, chosen)
    )
    assert record["test"]["balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(y_test, [0, 1, 1, 2])
    )
    assert record["chosen"] and not record["diverged"] and record["seconds"] == 5.0
    nan = cv_record(choices["none"], 0, logits * math.nan, SCORING, y_test, 0.0)
    assert nan["diverged"]


def test_log_loss_statistic_chooses_the_lowest_out_of_fold_log_loss():
    counts = np.bincount(Y)
    # knob a=1: better metric, worse log loss; knob a=2: the opposite
    good_metric = _runs("drw", {"a": 1}, 0, _noisy([0.9, 0.9], 2), nll=np.full((2, 3), 9.0))
    low_loss = np.array([[6.0, 6.0, 6.0], [3.0, 3.0, 3.0]])  # summed per fold: x3 over 3 folds
    good_loss = _runs("drw", {"a": 2}, 0, _noisy([0.4, 0.4], 2), nll=low_loss)
    runs = [*good_metric, *good_loss]
    by_metric = choose_on_folds(runs, {"drw": "trained"}, SCORING)
    by_loss = choose_on_folds(runs, {"drw": "trained"}, SCORING, statistic="log_loss")
    assert by_metric["drw"].params == {"a": 1}
    assert by_loss["drw"].params == {"a": 2} and by_loss["drw"].epoch == 2
    assert by_loss["drw"].log_loss[0] == pytest.approx(np.mean(3 * low_loss[1] / counts))
    with pytest.raises(ValueError, match="statistic must be one of"):
        choose_on_folds(runs, {"drw": "trained"}, SCORING, statistic="auc")
