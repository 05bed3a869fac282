"""The final multi-label model: the chosen remedy trained once more on all the training data.

Like the single-label refit (:mod:`~keras_imbalance.comparison.refit`): once the remedy, its
knobs and its epoch count are chosen, the validation split (or the folds) has done its work.
:func:`refit_multilabel` trains the remedy declared best (``"none"`` when none was) with its
chosen knobs on the training and validation data joined, from the first seed, for a fixed epoch
count keeping the last epoch: the count chosen by cross-validation, or with the holdout the
median over seeds of the chosen runs' best epochs, rounded half up
(:func:`~keras_imbalance.comparison.refit.refit_epochs`). Its per-label thresholds are those the
first seed's chosen run picked (on validation, or out-of-fold), so the test split still chooses
nothing; the test is scored once with them. The model is ``result.model`` and, with ``output``,
``<output>/model.keras``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance.comparison.multilabel.metrics import multilabel_scores
from keras_imbalance.comparison.multilabel.remedies import make_loss
from keras_imbalance.comparison.multilabel.result import MultiLabelComparison
from keras_imbalance.comparison.multilabel.training import MultiLabelData, fit_multilabel_run
from keras_imbalance.comparison.refit import MODEL_FILE, refit_epochs

__all__ = ["refit_multilabel"]


def refit_multilabel(plan: Any, splits: MultiLabelData, result: MultiLabelComparison) -> None:
    """Train the chosen remedy on all of ``splits``' training and validation data; set
    ``result.refit`` (what was trained, its test metrics at the chosen thresholds) and
    ``result.model``."""
    strategy = result.best or "none"
    seed = int(plan.seeds[0])
    chosen = [r for r in result.runs if r["strategy"] == strategy and r["chosen"]]
    first = next(r for r in chosen if r["seed"] == seed)
    selection = result.settings.get("selection") or {}
    if selection.get("scheme") == "cross-validation":
        epochs = int(selection["epochs"][strategy])
    else:
        epochs = refit_epochs([int(r["best_epoch"]) for r in chosen])
    x = np.concatenate([splits.x_train, splits.x_val])
    y = np.concatenate([splits.y_train, splits.y_val])
    data = MultiLabelData(x, y, x[:0], y[:0], splits.x_test, splits.y_test)
    recipe = replace(plan.recipe, keep="last", epochs=epochs)
    loss = make_loss(strategy, first["params"], y)
    output = fit_multilabel_run(plan.build, loss, data=data, recipe=recipe, seed=seed)
    thresholds = np.asarray(first["thresholds"], dtype=float)
    finite = bool(np.isfinite(output.test_scores).all())
    saved = None
    if plan.out.folder is not None:
        Path(plan.out.folder).mkdir(parents=True, exist_ok=True)
        output.network.save(Path(plan.out.folder) / MODEL_FILE)
        saved = MODEL_FILE
    result.model = output.network
    result.refit = {
        "strategy": strategy,
        "params": dict(first["params"]),
        "epochs": epochs,
        "seed": seed,
        "samples": len(y),
        "thresholds": [float(t) for t in thresholds],
        "test": multilabel_scores(splits.y_test, output.test_scores, thresholds)
        if finite
        else None,
        "model": saved,
        "seconds": output.seconds,
    }
