"""K-fold cross-validation of a multi-label comparison: choose on out-of-fold scores.

The test split is held out first (iterative stratification, as with the holdout); the training
and validation splits are joined (the **pool**) and cut into ``K`` folds by
:func:`~keras_imbalance.comparison.multilabel.splits.multilabel_folds`. Every (remedy, knobs,
seed) trains once per fold on the other ``K - 1`` folds for all the epochs and predicts its
held-out fold after every epoch (float32). Laid side by side, the folds give the out-of-fold
probabilities ``S[e, i, l]``: sample ``i``'s score for label ``l`` after epoch ``e``, by the one
model that did not train on it. Then:

* **the epoch** of a knob setting is ``e* = argmax_e mean_seeds metric(y, S[e])`` (ties: the
  earlier epoch; an epoch with a non-finite score scores ``-inf``; ``keep="last"``: the last);
  ``metric`` is the comparison's (macro average precision by default; macro F1 at the per-label
  F1-best thresholds of ``S[e]``);
* **the knob setting** is the one with the highest ``mean_seeds metric(y, S[e*])`` (ties: the
  first in grid order);
* **the thresholds** of each seed are the per-label F1-best thresholds of ``S[e*]``.

Each remedy's chosen setting is then trained per seed on **all** the pool for ``e*`` epochs
(keeping the last); the test split is scored once by these final models, at the out-of-fold
thresholds. The test split chooses nothing.

Every fold's run, then every final model, is journaled the moment it ends (a fold's key names
its fold, a final model's adds ``"final_epochs"``; :mod:`~.journal`), and with an executor each
stage's runs train at once (:mod:`~.parallel`).

**When** (:func:`resolve_multilabel_cv`): ``cv=None`` keeps the holdout; ``cv=K`` uses ``K``
folds; ``cv="auto"`` follows the single-label rule
(:func:`~keras_imbalance.comparison.data.folds.resolve_cv`) with a label's positives for a class's
samples: cross-validation when the holdout's validation split would hold fewer than
:data:`~keras_imbalance.comparison.data.folds.MIN_VALIDATION` positives of some label, with
``K = min(5, the rarest label's positives in the pool)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from keras_imbalance.comparison.data.folds import DEFAULT_FOLDS, MIN_VALIDATION, check_cv
from keras_imbalance.comparison.multilabel.journal import RunLog
from keras_imbalance.comparison.multilabel.metrics import (
    MULTILABEL_METRICS,
    best_f1_thresholds,
    multilabel_scores,
)
from keras_imbalance.comparison.multilabel.parallel import (
    Job,
    MultiLabelTask,
    run_jobs,
    start_weights,
)
from keras_imbalance.comparison.multilabel.splits import multilabel_folds
from keras_imbalance.comparison.multilabel.training import MultiLabelData
from keras_imbalance.comparison.run_record import run_key

__all__ = [
    "FoldedData",
    "check_fold_positives",
    "choose_on_folds",
    "cross_validate_multilabel",
    "epoch_curve",
    "final_key",
    "fold_pool",
    "fold_seed",
    "out_of_fold_scores",
    "resolve_multilabel_cv",
]


def fold_seed(split_seed: int) -> int:
    """The folds' seed: after the test split's and the validation split's draws."""
    return split_seed + 2


def resolve_multilabel_cv(
    cv: Any, splits: MultiLabelData, names: Sequence[str]
) -> tuple[int | None, str]:
    """``(folds or None for the holdout, why)``: the rule of the module docstring.

    Example:
        >>> y = np.tile([[1, 0], [0, 1]], (10, 1))
        >>> data = MultiLabelData(y[:12], y[:12], y[12:16], y[12:16], y[16:], y[16:])
        >>> resolve_multilabel_cv("auto", data, ["a", "b"])[0]
        5
        >>> resolve_multilabel_cv(None, data, ["a", "b"])
        (None, 'the holdout split (cv=None)')
    """
    cv = check_cv(cv)
    pool = np.concatenate([splits.y_train, splits.y_val]).sum(axis=0).astype(int)
    rarest = int(pool.argmin())
    if cv is None:
        return None, "the holdout split (cv=None)"
    if cv == "auto":
        val = splits.y_val.sum(axis=0).astype(int)
        if int(val.min()) >= MIN_VALIDATION:
            return None, (
                f"the holdout split (its validation split holds at least {MIN_VALIDATION} "
                f"positives of every label)"
            )
        k = min(DEFAULT_FOLDS, int(pool[rarest]))
        if k < 2:
            return None, (
                f"the holdout split (cv='auto': label {names[rarest]!r} has {int(pool[rarest])} "
                f"positive(s) to share out, too few for 2 folds)"
            )
        return k, (
            f"{k}-fold cross-validation (cv='auto': a holdout would validate label "
            f"{names[int(val.argmin())]!r} on {int(val.min())} positive(s), fewer than "
            f"{MIN_VALIDATION})"
        )
    if int(pool[rarest]) < int(cv):
        raise ValueError(
            f"cv={cv} needs at least {cv} positives of every label in the training data, but "
            f"label {names[rarest]!r} has {int(pool[rarest])}; use cv={max(2, int(pool[rarest]))} "
            f"or fewer folds"
        )
    return int(cv), f"{cv}-fold cross-validation (cv={cv})"


def check_fold_positives(y: np.ndarray, folds: Sequence[np.ndarray], names: Sequence[str]) -> None:
    """Refuse folds where a label has no positive (nothing to validate it on), by name."""
    for fold, held in enumerate(folds):
        counts = y[held].sum(axis=0)
        for label in np.flatnonzero(counts == 0).tolist():
            raise ValueError(
                f"fold {fold} of {len(folds)} holds no positive of label {names[label]!r} "
                f"({int(y[:, label].sum())} in the training data): its out-of-fold scores could "
                f"not validate it; use fewer folds (cv={max(2, len(folds) - 1)}) or cv=None"
            )


@dataclass(frozen=True)
class FoldedData:
    """The pool (training and validation splits joined), its folds and the test split."""

    x: np.ndarray
    y: np.ndarray
    folds: tuple[np.ndarray, ...]
    seed: int
    x_test: np.ndarray
    y_test: np.ndarray

    def fold(self, index: int) -> MultiLabelData:
        """Fold ``index``: the other folds train, this one is held out (no test)."""
        held = self.folds[index]
        train = np.sort(np.concatenate([p for i, p in enumerate(self.folds) if i != index]))
        empty = self.x[:0]
        return MultiLabelData(
            self.x[train], self.y[train], self.x[held], self.y[held], empty, self.y[:0]
        )

    def test(self) -> tuple[np.ndarray, np.ndarray]:
        """The test split's inputs and labels."""
        return self.x_test, self.y_test

    def final(self) -> MultiLabelData:
        """All the pool trains; nothing validates; the test split is scored."""
        return MultiLabelData(self.x, self.y, self.x[:0], self.y[:0], self.x_test, self.y_test)


def out_of_fold_scores(
    per_fold: Sequence[np.ndarray], folds: Sequence[np.ndarray], num_labels: int
) -> np.ndarray:
    """``S[e, i, l]`` from each fold's ``(E, n_fold, L)`` held-out scores, float32.

    Example:
        >>> folds = [np.array([0, 2]), np.array([1])]
        >>> parts = [np.array([[[0.1], [0.3]]]), np.array([[[0.2]]])]
        >>> out_of_fold_scores(parts, folds, 1)[0, :, 0].round(2).tolist()
        [0.1, 0.2, 0.3]
    """
    epochs = {part.shape[0] for part in per_fold}
    if len(epochs) != 1:
        raise ValueError(f"the folds' runs kept different numbers of epochs: {sorted(epochs)}")
    size = int(sum(len(held) for held in folds))
    oof = np.full((epochs.pop(), size, num_labels), np.nan, dtype=np.float32)
    for held, part in zip(folds, per_fold, strict=True):
        oof[:, held] = part
    return oof


def epoch_curve(y: np.ndarray, oof: np.ndarray, metric: str) -> list[float]:
    """``metric(y, S[e])`` for every epoch, thresholds chosen on ``S[e]``; ``-inf`` where a
    score is not finite.

    Example:
        >>> y = np.array([[1], [0], [1], [0]])
        >>> oof = np.array([[[0.9], [0.1], [0.8], [0.2]], [[0.1], [0.9], [0.8], [0.2]]])
        >>> epoch_curve(y, oof, "macro_average_precision")
        [1.0, 0.5]
    """
    curve = []
    for scores in oof:
        if not np.isfinite(scores).all():
            curve.append(-math.inf)
            continue
        thresholds, _ = best_f1_thresholds(y, scores)
        value = multilabel_scores(y, scores, thresholds)[metric]
        curve.append(float(value) if math.isfinite(value) else -math.inf)
    return curve


def choose_on_folds(
    candidates: Sequence[dict[str, Any]], y: np.ndarray, metric: str, *, choose_epoch: bool
) -> dict[str, Any]:
    """The chosen candidate of one remedy, its epoch set in ``"epoch"``.

    ``candidates`` are one remedy's knob settings in grid order, each
    ``{"params", "curves": {seed: per-epoch metric}}``. The epoch maximises the mean over seeds
    (ties: earlier), the setting the mean at its epoch (ties: the first).
    """
    if metric not in MULTILABEL_METRICS:
        raise ValueError(f"metric must be one of {MULTILABEL_METRICS}, got {metric!r}")
    best: dict[str, Any] | None = None
    for candidate in candidates:
        mean = np.mean(np.asarray(list(candidate["curves"].values()), dtype=float), axis=0)
        index = int(np.argmax(mean)) if choose_epoch else len(mean) - 1
        candidate["epoch"], candidate["score"] = index + 1, float(mean[index])
        if best is None or candidate["score"] > best["score"]:
            best = candidate
    if best is None:
        raise ValueError("no candidates to choose from")
    return best


# Every candidate keeps its out-of-fold scores until the choice: at most this many bytes in all.
OOF_BUDGET = 2 * 1024**3


def check_oof_budget(runs: int, epochs: int, samples: int, labels: int) -> None:
    """Refuse a cross-validation whose kept out-of-fold scores would pass :data:`OOF_BUDGET`.

    They take ``runs x epochs x samples x labels x 4`` bytes (float32), ``runs`` being the
    candidates times the seeds.

    Example:
        >>> check_oof_budget(runs=8, epochs=30, samples=1000, labels=20)  # 19 MB: fine
    """
    size = runs * epochs * samples * labels * 4
    if size > OOF_BUDGET:
        raise ValueError(
            f"cross-validation would keep {size / 1024**3:.1f} GiB of out-of-fold scores "
            f"({runs} runs x {epochs} epochs x {samples} samples x {labels} labels, float32; the "
            f"limit is {OOF_BUDGET / 1024**3:.0f} GiB); pass cv=None (the holdout), or fewer "
            f"epochs, seeds or knob values"
        )


def fold_pool(splits: MultiLabelData, k: int, split_seed: int, names: Sequence[str]) -> FoldedData:
    """The pool (training and validation splits joined) cut into ``k`` folds, each holding
    positives of every label; the test split beside them."""
    x = np.concatenate([splits.x_train, splits.x_val])
    y = np.concatenate([splits.y_train, splits.y_val])
    folds = tuple(multilabel_folds(y, k, seed=fold_seed(split_seed)))
    check_fold_positives(y, folds, names)
    return FoldedData(x, y, folds, fold_seed(split_seed), splits.x_test, splits.y_test)


def cross_validate_multilabel(
    plan: Any, folded: FoldedData, num_labels: int, log: RunLog | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``(candidates, total)``: every candidate's out-of-fold scores and curves.

    Each candidate is ``{"strategy", "params", "oof": {seed: S}, "curves": {seed: [...]},
    "seconds": {seed: s}}``; ``S`` is ``(E, n_pool, L)`` float32. A fold's run journaled in
    ``log`` is read back instead of trained; the others train one by one, or on
    ``plan.executor`` all at once.
    """
    recipe = replace(plan.recipe, keep="last")
    k = len(folded.folds)
    per_fold = sum(len(c) for c in plan.candidates.values()) * len(plan.seeds)
    check_oof_budget(per_fold, recipe.epochs, len(folded.y), num_labels)
    total = {"done": 0, "all": per_fold * k + len(plan.strategies) * len(plan.seeds)}
    data = [folded.fold(index) for index in range(k)]
    initial = start_weights(plan.build, data[0], plan.seeds, plan.executor)
    jobs = [
        Job(
            run_key(name, params, seed, index),
            f"{name}-seed{seed}-fold{index}",
            MultiLabelTask(
                name, dict(params), seed, plan.build, data[index], recipe, True, initial[seed]
            ),
        )
        for name in plan.strategies
        for params in plan.candidates[name]
        for seed in plan.seeds
        for index in range(k)
    ]
    log = log if log is not None else RunLog(None)
    outputs = run_jobs(jobs, log, plan.executor, _say(plan, total))
    outputs.reverse()  # popped in plan order, so each seed's fold runs are freed once pooled
    total["done"] = len(jobs)
    found = []
    for name in plan.strategies:
        for params in plan.candidates[name]:
            candidate: dict[str, Any] = {"strategy": name, "params": dict(params)}
            candidate.update(oof={}, curves={}, seconds={})
            for seed in plan.seeds:
                parts = [outputs.pop() for _ in range(k)]
                if any(part.val_epochs is None for part in parts):
                    raise RuntimeError("a fold's run recorded no epochs")
                per_epoch = [p.val_epochs for p in parts if p.val_epochs is not None]
                oof = out_of_fold_scores(per_epoch, folded.folds, num_labels)
                candidate["oof"][seed] = oof
                candidate["curves"][seed] = epoch_curve(folded.y, oof, plan.metric)
                candidate["seconds"][seed] = sum(part.seconds for part in parts)
            found.append(candidate)
    return found, total


def _say(plan: Any, total: dict[str, Any]) -> Callable[[int, str], None] | None:
    """Progress of one batch of runs, counted after the ``total["done"]`` before it."""
    progress = plan.out.progress
    if progress is None:
        return None
    base = int(total["done"])
    return lambda done, label: progress(base + done, total["all"], label)


def cv_runs(
    plan: Any,
    candidates: list[dict[str, Any]],
    folded: FoldedData,
    total: dict[str, Any],
    log: RunLog | None = None,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """``(runs, epochs)``: every candidate's record per seed, the chosen ones with their final
    model's test scores (read back from ``log``'s journal when there); and each remedy's chosen
    epoch count."""
    choose_epoch = plan.recipe.keep == "best"
    chosen = {
        name: choose_on_folds(
            [c for c in candidates if c["strategy"] == name],
            folded.y,
            plan.metric,
            choose_epoch=choose_epoch,
        )
        for name in plan.strategies
    }
    log = log if log is not None else RunLog(None)
    tests = _final_runs(plan, list(chosen.values()), folded, total, log)
    runs: list[dict[str, Any]] = []
    for candidate in candidates:
        best = candidate is chosen[candidate["strategy"]]
        for seed in plan.seeds:
            test = tests[(candidate["strategy"], seed)] if best else None
            runs.append(_record(candidate, seed, folded, test, chosen=best))
    if plan.out.progress is not None:
        plan.out.progress(total["all"], total["all"], "")
    return runs, {name: int(c["epoch"]) for name, c in chosen.items()}


def _final_runs(
    plan: Any,
    chosen: list[dict[str, Any]],
    folded: FoldedData,
    total: dict[str, Any],
    log: RunLog,
) -> dict[tuple[str, int], tuple[np.ndarray, float]]:
    """Each chosen candidate trained per seed on all the pool for its epoch count, keeping the
    last: ``{(strategy, seed): (test probabilities, seconds)}``."""
    data = folded.final()
    initial = start_weights(plan.build, data, plan.seeds, plan.executor)
    jobs = [
        Job(
            final_key(candidate, seed),
            f"{candidate['strategy']}-seed{seed}-final",
            MultiLabelTask(
                candidate["strategy"],
                dict(candidate["params"]),
                seed,
                plan.build,
                data,
                replace(plan.recipe, keep="last", epochs=int(candidate["epoch"])),
                initial=initial[int(seed)],
            ),
        )
        for candidate in chosen
        for seed in plan.seeds
    ]
    outputs = run_jobs(jobs, log, plan.executor, _say(plan, total))
    return {
        (job.task.name, job.task.seed): (output.test_scores, output.seconds)
        for job, output in zip(jobs, outputs, strict=True)
    }


def final_key(candidate: dict[str, Any], seed: int) -> dict[str, Any]:
    """The journal key of a chosen candidate's final model: its run key and epoch count.

    Example:
        >>> final_key({"strategy": "focal", "params": {"gamma": 2.0}, "epoch": 3}, 0)
        {'strategy': 'focal', 'seed': 0, 'params': {'gamma': 2.0}, 'final_epochs': 3}
    """
    key = run_key(candidate["strategy"], candidate["params"], seed)
    return {**key, "final_epochs": int(candidate["epoch"])}


def _record(
    candidate: dict[str, Any],
    seed: int,
    folded: FoldedData,
    test: tuple[np.ndarray, float] | None,
    *,
    chosen: bool,
) -> dict[str, Any]:
    """One (remedy, knobs, seed)'s record: validation is out-of-fold at the chosen epoch (its
    thresholds too); test is the final model's (``nan`` for a setting not chosen)."""
    oof = candidate["oof"][seed]
    scores = oof[candidate["epoch"] - 1].astype(np.float64)
    test_scores = test[0] if test is not None else np.full(folded.y_test.shape, np.nan)
    finite = bool(np.isfinite(scores).all() and (test is None or np.isfinite(test[0]).all()))
    nan = {m: float("nan") for m in MULTILABEL_METRICS}
    if finite:
        thresholds, missing = best_f1_thresholds(folded.y, scores)
        validation = multilabel_scores(folded.y, scores, thresholds)
        tested = multilabel_scores(folded.y_test, test_scores, thresholds) if test else nan
    else:
        thresholds, missing = np.full(folded.y.shape[1], 0.5), []
        validation, tested = dict(nan), dict(nan)
    return {
        "strategy": candidate["strategy"],
        "params": dict(candidate["params"]),
        "seed": seed,
        "best_epoch": int(candidate["epoch"]),
        "validation_curve": list(candidate["curves"][seed]),
        "seconds": round(candidate["seconds"][seed] + (test[1] if test else 0.0), 3),
        "diverged": not finite,
        "chosen": chosen,
        "thresholds": [float(t) for t in thresholds],
        "default_thresholds": missing,
        "validation": validation,
        "test": tested,
        "_validation_scores": scores,
        "_test_scores": test_scores,
        "_oof_scores": oof,
    }
