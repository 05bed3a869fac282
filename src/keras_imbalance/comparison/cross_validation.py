"""Choose on out-of-fold predictions: the epoch, the knobs and the ranking of a cross-validation.

Each (strategy, knobs, seed) trains once per fold (:mod:`~keras_imbalance.comparison.data.folds`)
and keeps, for every epoch, the predicted class of each held-out sample
(``Recipe.epoch_predictions``). Laid side by side, the folds give the **out-of-fold**
predictions ``P[e, i]``: sample ``i``'s class predicted after epoch ``e`` by the one model that
did not train on it. So every training sample is validated exactly once, and:

* **the epoch** of a strategy's knob setting is ``e* = argmax_e mean_seeds metric(y, P[e])``
  (ties to the earlier epoch; an epoch where any fold diverged scores ``-inf``);
* **the knob setting** is the one with the highest ``mean_seeds metric(y, P[e*])`` (ties to the
  first in grid order);
* **the ranking** of the strategies uses the same score
  (:mod:`~keras_imbalance.comparison.verdict`).

The fold runs keep their **last** epoch (nothing is chosen on a fold's own held-out part). The
decoupled heads (``kind="head"``) are fitted on each fold's training part, on the features of
that fold's ``"none"`` model after all its epochs, and predict its held-out part once: they have
one "epoch", and their final model sits on a ``"none"`` trained for all the epochs too. With
``keep="last"`` no epoch is chosen: ``e*`` is the last for every strategy.

A **binary** problem's fold runs also keep every epoch's positive-class probabilities
``softmax(z)[:, 1]``, pooled the same way into out-of-fold scores ``S[e, i]``
(:func:`out_of_fold_scores`). Then:

* ``average_precision`` and ``roc_auc`` score ``S[e]`` (pooled, not averaged over the folds), and
  ``recall_at_precision`` is the recall at the lowest threshold whose out-of-fold precision
  reaches ``min_precision``: the epoch is chosen on them;
* a threshold metric (``f1``, ``balanced_accuracy``, ``expected_cost``...) chooses the epoch
  (and the knobs) at each epoch's own best out-of-fold threshold (:func:`threshold_curve`),
  except for ``"none"``, which stays at the argmax;
* at the chosen epoch, ``S[e*]`` is the summary record's validation scores
  (:func:`cv_record`): each strategy's threshold is chosen on them, as the holdout chooses it
  on its validation split (:func:`~keras_imbalance.comparison.thresholded.apply_thresholds`),
  and the final model's test scores are cut there. The test split chooses nothing.

Beside the metric, the **class-balanced log loss** of the out-of-fold predictions at ``e*`` is
recorded: ``(1/C) sum_c (1/n_c) sum_{i: y_i = c} -log p_i[y_i]``, a proper score that sees
differences the thresholded metric rounds away.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from keras_imbalance.comparison.config_json import canonical
from keras_imbalance.comparison.data.folds import Folds
from keras_imbalance.comparison.run_record import (
    add_split_scores,
    decode_classes,
    decode_scores,
    encode_scores,
)
from keras_imbalance.comparison.scoring.operating_points import (
    choose_threshold,
    positive_scores,
    precision_threshold,
    predict_at,
    score_metrics,
)
from keras_imbalance.comparison.scoring.scores import (
    SCORE_METRICS,
    confusion_matrices,
    metric_from_confusion,
    ranked,
)

# What chooses the epoch and the knobs: the metric itself, or the class-balanced log loss.
STATISTICS: tuple[str, ...] = ("metric", "log_loss")
# What a binary problem chooses its epoch on from the out-of-fold scores, not the classes.
SCORED_METRICS: tuple[str, ...] = (*SCORE_METRICS, "recall_at_precision")


@dataclass(frozen=True)
class FoldChoice:
    """One strategy's choice on the out-of-fold predictions.

    ``oof[seed]`` is the out-of-fold predicted class of every training sample at ``epoch``
    (``None`` when a fold diverged); ``curve[seed]`` the out-of-fold metric after every epoch;
    ``scores[seed]`` a binary problem's out-of-fold positive-class probabilities at ``epoch``
    (``None`` when a fold diverged or kept none).
    """

    strategy: str
    params: dict[str, Any]
    epoch: int
    score: float
    oof: dict[int, np.ndarray | None]
    log_loss: dict[int, float]
    curve: dict[int, list[float]]
    seconds: dict[int, float]
    scores: dict[int, np.ndarray | None] = field(default_factory=dict)


def out_of_fold(
    records: Sequence[Mapping[str, Any]], folds: Folds, *, per_epoch: bool = True
) -> np.ndarray:
    """``P[e, i]``: the out-of-fold class of sample ``i`` after epoch ``e`` (``-1``: diverged).

    ``records`` are one (strategy, knobs, seed)'s runs, one per fold. A run with per-epoch
    predictions gives every epoch; one without (a head) gives its final predictions as one
    epoch, as does every run when ``per_epoch`` is false.

    Example:
        >>> folds = Folds((np.array([0, 2]), np.array([1, 3])), seed=0)
        >>> runs = [{"fold": 0, "diverged": False, "predictions": {"validation": [1, 0]}},
        ...         {"fold": 1, "diverged": False, "predictions": {"validation": [2, 2]}}]
        >>> out_of_fold(runs, folds).tolist()
        [[1, 2, 0, 2]]
    """
    parts = {int(r["fold"]): _fold_epochs(r, per_epoch) for r in records}
    if sorted(parts) != list(range(folds.k)):
        raise ValueError(f"expected one run per fold 0..{folds.k - 1}, got folds {sorted(parts)}")
    epochs = {part.shape[0] for part in parts.values()}
    if len(epochs) != 1:
        raise ValueError(f"the folds' runs kept different numbers of epochs: {sorted(epochs)}")
    oof = np.full((epochs.pop(), folds.size), -1, dtype=int)
    for fold, part in parts.items():
        oof[:, folds.held_out[fold]] = part
    return oof


def _fold_epochs(record: Mapping[str, Any], per_epoch: bool) -> np.ndarray:
    epochs = record.get("epochs_validation") if per_epoch else None
    if epochs is not None:
        return decode_classes(epochs["predictions"])
    predicted = np.asarray(record["predictions"]["validation"], dtype=int)[None, :]
    return np.full_like(predicted, -1) if record["diverged"] else predicted


def out_of_fold_scores(
    records: Sequence[Mapping[str, Any]], folds: Folds, *, per_epoch: bool = True
) -> np.ndarray | None:
    """``S[e, i]``: sample ``i``'s out-of-fold positive-class probability after epoch ``e``
    (``nan``: diverged), laid out as :func:`out_of_fold`; ``None`` when a run kept no scores
    (not binary, or journaled before the scores were kept).

    Example:
        >>> from keras_imbalance.comparison.run_record import encode_scores
        >>> folds = Folds((np.array([0, 2]), np.array([1, 3])), seed=0)
        >>> runs = [{"fold": f, "diverged": False,
        ...          "scores": {"validation": encode_scores(np.array(p))}}
        ...         for f, p in ((0, [0.25, 0.5]), (1, [0.75, 1.0]))]
        >>> out_of_fold_scores(runs, folds).tolist()
        [[0.25, 0.75, 0.5, 1.0]]
    """
    parts: dict[int, np.ndarray] = {}
    for record in records:
        part = _fold_scores(record, per_epoch)
        if part is None:
            return None
        parts[int(record["fold"])] = part
    if sorted(parts) != list(range(folds.k)):
        raise ValueError(f"expected one run per fold 0..{folds.k - 1}, got folds {sorted(parts)}")
    epochs = {part.shape[0] for part in parts.values()}
    if len(epochs) != 1:
        raise ValueError(f"the folds' runs kept different numbers of epochs: {sorted(epochs)}")
    pooled = np.full((epochs.pop(), folds.size), np.nan)
    for fold, part in parts.items():
        pooled[:, folds.held_out[fold]] = part
    return pooled


def _fold_scores(record: Mapping[str, Any], per_epoch: bool) -> np.ndarray | None:
    kept = record.get("epochs_validation") if per_epoch else None
    if kept is not None:
        return decode_scores(kept["scores"]) if "scores" in kept else None
    if "scores" not in record:
        return None
    scores = decode_scores(record["scores"]["validation"])[None, :]
    return np.full_like(scores, np.nan) if record["diverged"] else scores


def score_curve(y: np.ndarray, scores: np.ndarray, metric: str, min_precision: float) -> np.ndarray:
    """A :data:`SCORED_METRICS` metric of the out-of-fold scores ``S[e]`` for every epoch
    ``e``; ``-inf`` where a score is missing or the metric undefined.

    ``recall_at_precision`` is the recall at the lowest threshold whose precision on these
    scores reaches ``min_precision``.

    Example:
        >>> y = np.array([0, 1, 1])
        >>> score_curve(y, np.array([[0.2, 0.9, 0.4], [0.5, 0.4, np.nan]]), "roc_auc", 0.9)
        array([  1., -inf])
    """
    values = np.full(len(scores), -math.inf)
    for epoch, row in enumerate(scores):
        if not np.isfinite(row).all():
            continue
        if metric == "recall_at_precision":
            reached = predict_at(row, precision_threshold(y, row, min_precision))
            value = float(np.sum((reached == 1) & (y == 1)) / max(1, int(np.sum(y == 1))))
        else:
            value = score_metrics(y, row)[metric]
        values[epoch] = value if math.isfinite(value) else -math.inf
    return values


def fold_nll(
    records: Sequence[Mapping[str, Any]], epochs: int, *, per_epoch: bool = True
) -> np.ndarray:
    """Each class's summed cross-entropy over all held-out samples, after every epoch: ``(E, C)``.

    ``nan`` where a fold diverged or did not record it.
    """
    total: np.ndarray | None = None
    for record in records:
        kept = record.get("epochs_validation") if per_epoch else None
        rows = kept["nll"] if kept is not None else [record["validation_nll"]] * epochs
        values = np.asarray([[np.nan if v is None else v for v in row] for row in rows], float)
        total = values if total is None else total + values
    if total is None:
        raise ValueError("no runs to sum the log loss of")
    return total


def epoch_scores(
    y: np.ndarray, oof: np.ndarray, metric: str, num_classes: int, tail: Sequence[int]
) -> np.ndarray:
    """``metric(y, P[e])`` for every epoch ``e``; ``-inf`` where a prediction is missing.

    Example:
        >>> epoch_scores(np.array([0, 1]), np.array([[0, 0], [0, 1], [-1, 1]]), "accuracy", 2, ())
        array([ 0.5,  1. , -inf])
    """
    missing = (oof < 0).any(axis=1)
    confusion = confusion_matrices(y, np.where(oof < 0, 0, oof), num_classes)
    scores = np.asarray(metric_from_confusion(confusion, metric, tail=tail), dtype=float)
    return np.where(missing | ~np.isfinite(scores), -math.inf, scores)


def balanced_log_loss(nll: np.ndarray, counts: np.ndarray) -> float:
    """``(1/C) sum_c nll_c / n_c`` over the classes with samples: the class-balanced log loss.

    Example:
        >>> balanced_log_loss(np.array([2.0, 1.0]), np.array([4, 1]))
        0.75
    """
    present = counts > 0
    return float(np.mean(nll[present] / counts[present]))


@dataclass(frozen=True)
class FoldScoring:
    """What every choice is scored with: the pooled labels, the folds, the metric."""

    y: np.ndarray
    folds: Folds
    metric: str
    num_classes: int
    tail: Sequence[int]
    epochs: int  # what every fold trained, and what the heads' "none" model trains
    choose_epoch: bool = True  # keep="last": every strategy keeps its last epoch
    min_precision: float = 0.9  # what recall_at_precision wants

    def curve(
        self, classes: np.ndarray, scores: np.ndarray | None, strategy: str = "none"
    ) -> np.ndarray:
        """The out-of-fold metric after every epoch: of the ``scores`` for a
        :data:`SCORED_METRICS` metric; for a binary ``strategy`` other than ``"none"``, of the
        ``scores`` at each epoch's own out-of-fold threshold (:func:`threshold_curve`); else of
        the predicted ``classes`` (the argmax)."""
        if self.metric in SCORED_METRICS:
            if scores is None:
                raise ValueError(
                    f"metric={self.metric!r} needs the folds' positive-class scores, which "
                    f"these runs did not keep; start the comparison afresh (another folder)"
                )
            return score_curve(self.y, scores, self.metric, self.min_precision)
        if scores is not None and strategy != "none":
            return threshold_curve(self.y, scores, self.metric, self.tail)
        return epoch_scores(self.y, classes, self.metric, self.num_classes, self.tail)


def threshold_curve(
    y: np.ndarray, scores: np.ndarray, metric: str, tail: Sequence[int]
) -> np.ndarray:
    """A threshold metric of the out-of-fold scores ``S[e]`` at each epoch's best threshold
    (:func:`~keras_imbalance.comparison.scoring.operating_points.choose_threshold`, one sort an
    epoch), what the threshold chosen at that epoch would reach; ``-inf`` where a score is missing.

    Example:
        >>> y = np.array([0, 0, 1, 1, 0, 1])
        >>> s = np.array([[0.1, 0.4, 0.35, 0.8, 0.2, 0.7], [0.1, 0.4, 0.35, 0.8, 0.2, np.nan]])
        >>> threshold_curve(y, s, "f1", ()).round(3).tolist()  # t = 0.35: F1 = 6/7
        [0.857, -inf]
    """
    values = np.full(len(scores), -math.inf)
    for epoch, row in enumerate(scores):
        if np.isfinite(row).all():
            predicted = predict_at(row, choose_threshold(y, row, metric, tail=tail))
            confusion = confusion_matrices(y, predicted, 2)
            value = float(metric_from_confusion(confusion, metric, tail=tail))
            values[epoch] = value if math.isfinite(value) else -math.inf
    return values


def pooled_curve(runs: Sequence[Mapping[str, Any]], scoring: FoldScoring) -> np.ndarray:
    """One (strategy, knobs, seed)'s out-of-fold metric after every epoch
    (:meth:`FoldScoring.curve`), its ``runs`` one per fold."""
    binary = scoring.num_classes == 2
    scores = out_of_fold_scores(runs, scoring.folds) if binary else None
    strategy = str(runs[0].get("strategy", "none")) if runs else "none"
    return scoring.curve(out_of_fold(runs, scoring.folds), scores, strategy)


def _group(
    runs: Sequence[Mapping[str, Any]], strategy: str
) -> dict[str, dict[int, list[Mapping[str, Any]]]]:
    """``{knobs key: {seed: [runs, one per fold]}}`` of one strategy, in plan order."""
    groups: dict[str, dict[int, list[Mapping[str, Any]]]] = {}
    for run in runs:
        if run["strategy"] == strategy:
            by_seed = groups.setdefault(canonical(dict(run["params"])), {})
            by_seed.setdefault(int(run["seed"]), []).append(run)
    return groups


def _candidate(
    strategy: str,
    by_seed: Mapping[int, list[Mapping[str, Any]]],
    scoring: FoldScoring,
    epoch: int | None,
    statistic: str = "metric",
) -> FoldChoice:
    """One knob setting's out-of-fold scores. The epoch is chosen (by ``statistic``), or for a
    head (``epoch`` given) its one set of predictions is used."""
    per_epoch = epoch is None
    oofs = {
        seed: out_of_fold(runs, scoring.folds, per_epoch=per_epoch)
        for seed, runs in by_seed.items()
    }
    pooled = {
        seed: out_of_fold_scores(runs, scoring.folds, per_epoch=per_epoch)
        if scoring.num_classes == 2
        else None
        for seed, runs in by_seed.items()
    }
    curves = {seed: scoring.curve(oof, pooled[seed], strategy) for seed, oof in oofs.items()}
    mean = np.mean(np.stack(list(curves.values())), axis=0)
    counts = np.bincount(scoring.y, minlength=scoring.num_classes)
    losses = {
        seed: _loss_curve(fold_nll(runs, len(mean), per_epoch=per_epoch), counts)
        for seed, runs in by_seed.items()
    }
    mean_loss = np.mean(np.stack(list(losses.values())), axis=0)
    if not scoring.choose_epoch:
        index = mean.size - 1
    elif statistic == "log_loss":
        index = int(np.argmin(np.where(np.isfinite(mean_loss), mean_loss, math.inf)))
    else:
        index = int(np.argmax(ranked(mean, scoring.metric)))  # the lowest for a cost
    first = next(iter(by_seed.values()))[0]
    return FoldChoice(
        strategy=strategy,
        params=dict(first["params"]),
        epoch=epoch if epoch is not None else index + 1,
        score=float(mean[index]),
        oof={s: None if (o[index] < 0).any() else o[index] for s, o in oofs.items()},
        log_loss={s: float(curve[index]) for s, curve in losses.items()},
        curve={s: [float(v) for v in c] for s, c in curves.items()},
        seconds={s: float(sum(r["seconds"] for r in runs)) for s, runs in by_seed.items()},
        scores={s: _at(p, index) for s, p in pooled.items()},
    )


def _at(scores: np.ndarray | None, index: int) -> np.ndarray | None:
    """Row ``index`` of out-of-fold scores, or ``None`` when missing or not finite."""
    if scores is None or not np.isfinite(scores[index]).all():
        return None
    return scores[index]


def _loss_curve(nll: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The class-balanced log loss after every epoch; ``nan`` where a fold diverged."""
    return np.asarray(
        [balanced_log_loss(row, counts) if np.isfinite(row).all() else math.nan for row in nll]
    )


def mean_log_loss(choice: FoldChoice) -> float:
    """The choice's class-balanced log loss over its seeds; ``inf`` when it diverged."""
    values = np.asarray(list(choice.log_loss.values()), dtype=float)
    return float(values.mean()) if np.isfinite(values).all() else math.inf


def choose_on_folds(
    runs: Sequence[Mapping[str, Any]],
    kinds: Mapping[str, str],
    scoring: FoldScoring,
    statistic: str = "metric",
) -> dict[str, FoldChoice]:
    """Each strategy's chosen knobs and epoch on the out-of-fold predictions of ``runs``.

    ``kinds`` maps each strategy, in plan order, to its kind (``"trained"`` or ``"head"``); the
    heads sit on a ``"none"`` model trained for all ``scoring.epochs``. ``statistic`` is
    ``"metric"`` (the highest out-of-fold metric) or ``"log_loss"`` (the lowest class-balanced
    out-of-fold log loss).
    """
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS}, got {statistic!r}")
    choices: dict[str, FoldChoice] = {}
    for strategy in kinds:
        epoch = scoring.epochs if kinds[strategy] == "head" else None
        candidates = [
            _candidate(strategy, by_seed, scoring, epoch, statistic)
            for by_seed in _group(runs, strategy).values()
        ]
        # max and min keep the first of equal values: the grid's order
        if statistic == "log_loss":
            choices[strategy] = min(candidates, key=mean_log_loss)
        else:
            choices[strategy] = max(candidates, key=lambda c: ranked(c.score, scoring.metric))
    return choices


def log_loss_ranking(choices: Mapping[str, FoldChoice]) -> list[str]:
    """The strategies by class-balanced out-of-fold log loss, lowest first (stable)."""
    return sorted(choices, key=lambda name: mean_log_loss(choices[name]))


def cv_record(
    choice: FoldChoice,
    seed: int,
    test_logits: np.ndarray,
    scoring: FoldScoring,
    y_test: np.ndarray,
    seconds: float,
) -> dict[str, Any]:
    """The summary record of one strategy's choice and seed: validation is out-of-fold at the
    chosen epoch, test is the model trained on all the training data.

    A binary record also keeps both splits' positive-class probabilities (``record["scores"]``:
    the out-of-fold ones at the chosen epoch, the final model's on test), from which its
    threshold is chosen on validation alone
    (:func:`~keras_imbalance.comparison.thresholded.apply_thresholds`)."""
    oof = choice.oof[seed]
    finite = bool(np.isfinite(test_logits).all())
    record: dict[str, Any] = {
        "strategy": choice.strategy,
        "seed": int(seed),
        "params": dict(choice.params),
        "chosen": True,
        "best_epoch": choice.epoch,
        "seconds": round(choice.seconds[seed] + seconds, 3),
        "history": {f"val_{scoring.metric}": choice.curve[seed]}
        if len(choice.curve[seed]) > 1
        else {},
        "validation_log_loss": choice.log_loss[seed],
    }
    add_split_scores(record, "validation", scoring.y, oof, scoring.num_classes, scoring.tail)
    add_split_scores(
        record,
        "test",
        y_test,
        test_logits.argmax(axis=-1) if finite else None,
        scoring.num_classes,
        scoring.tail,
    )
    record["diverged"] = oof is None or not finite
    pooled = choice.scores.get(seed)
    if scoring.num_classes == 2 and pooled is not None:
        record["scores"] = {
            "validation": encode_scores(pooled),
            "test": encode_scores(positive_scores(test_logits)),
        }
    return record


__all__ = [
    "SCORED_METRICS",
    "STATISTICS",
    "FoldChoice",
    "FoldScoring",
    "balanced_log_loss",
    "choose_on_folds",
    "cv_record",
    "epoch_scores",
    "fold_nll",
    "log_loss_ranking",
    "mean_log_loss",
    "out_of_fold",
    "out_of_fold_scores",
    "pooled_curve",
    "score_curve",
    "threshold_curve",
]
