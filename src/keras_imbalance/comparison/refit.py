"""The final model: the chosen strategy trained again on all the training data.

The comparison holds a validation split back to choose the strategy, its knobs and its epoch
count. Once they are chosen, the split has done its work: :func:`refit_chosen` trains the chosen
strategy (``"none"`` when no remedy was declared best) once more, on training plus validation
data, with the chosen knobs and a fixed epoch count, keeping the last epoch. The epoch count is
the median over seeds of the chosen runs' best epochs, rounded half up (for a head remedy, those
of ``"none"``, whose model the head sits on), unless the caller gives it (the count chosen by
cross-validation).

A head remedy is baked in: ``"none"`` is refitted, the head is fitted on its features of all the
data (trained for :data:`~keras_imbalance.comparison.run.heads.HEAD_EPOCHS`, or in closed form via
:meth:`~keras_imbalance.remedies.HeadRemedy.head_weights`), and its kernel and bias replace those
of the model's last ``Dense`` layer, so the final model is one plain Keras model. It is saved as
``<output>/model.keras`` and scored once on the test split, with the runs' metrics.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import keras_imbalance.comparison.run.heads as heads
from keras_imbalance._validation import short_repr
from keras_imbalance.comparison.data.splits import join_inputs
from keras_imbalance.comparison.data.streams import Stream
from keras_imbalance.comparison.parallel import initial_weights
from keras_imbalance.comparison.progress_count import announce, final_model_label
from keras_imbalance.comparison.report.operating_table import median_threshold
from keras_imbalance.comparison.run.logits import predict_logits
from keras_imbalance.comparison.run.run_plan import RunPlan
from keras_imbalance.comparison.run.training import RunData, fit_run
from keras_imbalance.comparison.run_record import add_split_scores
from keras_imbalance.comparison.scoring.costs import decide
from keras_imbalance.comparison.scoring.operating_points import positive_scores, predict_at
from keras_imbalance.remedies import Context, FrozenClassifier, HeadRemedy, Remedy, get_remedy

if TYPE_CHECKING:
    from keras_imbalance.comparison.options import OutputOptions
    from keras_imbalance.comparison.record import ComparisonRecord

MODEL_FILE = "model.keras"

__all__ = [
    "MODEL_FILE",
    "Refit",
    "RefitUnsupportedError",
    "all_training_data",
    "check_refit",
    "refit_chosen",
    "refit_epochs",
    "refit_run",
]


def check_refit(refit: Any) -> bool:
    """``refit`` when it is ``True`` or ``False``, else a named error."""
    if not isinstance(refit, bool):
        raise TypeError(
            f"refit={short_repr(refit)} must be True (train the chosen strategy on all the "
            f"training data and save it) or False"
        )
    return refit


class RefitUnsupportedError(ValueError):
    """The training data cannot be joined for a refit (a stream): the refit is skipped."""


@dataclass(frozen=True)
class Refit:
    """A model trained on all the training data: the network (logits out) and its test logits."""

    network: Any
    test_logits: np.ndarray
    epochs: int
    seconds: float
    samples: int


def all_training_data(plan: RunPlan) -> tuple[Any, np.ndarray]:
    """``(x, y)``: the training split followed by the validation split.

    Arrays are concatenated; image files give one file list (a validation file under another
    root keeps its full path). A stream cannot be joined: :class:`RefitUnsupportedError`.
    """
    splits, train, val = plan.splits, plan.arrays["train"], plan.arrays["val"]
    y = np.concatenate([splits.y_train, splits.y_val]).astype("int64")
    if isinstance(train, Stream) or isinstance(val, Stream):
        raise RefitUnsupportedError(
            "the training data is a tf.data.Dataset or PyDataset stream, which cannot be joined "
            "with the validation stream; train the final model with the recipe"
        )
    try:
        return join_inputs(train, val), y
    except ValueError as error:
        raise RefitUnsupportedError(str(error)) from error


def refit_epochs(best_epochs: list[int]) -> int:
    """The median of ``best_epochs``, rounded half up, at least 1.

    Example:
        >>> refit_epochs([3, 8, 4]), refit_epochs([2, 3]), refit_epochs([7])
        (4, 3, 7)
    """
    if not best_epochs:
        raise ValueError("best_epochs is empty; the refit needs the chosen runs' best epochs")
    return max(1, math.floor(float(np.median(best_epochs)) + 0.5))


def _trained(
    plan: RunPlan, remedy: Remedy, params: Any, x: Any, y: np.ndarray, *, epochs: int, seed: int
) -> Any:
    """``remedy`` trained on ``(x, y)`` from the seed's initial weights, last epoch kept."""
    import keras

    shape = tuple(int(d) for d in plan.arrays["train"].shape[1:])
    num_classes = plan.splits.num_classes
    start = initial_weights(plan.build, shape, num_classes, seed)
    keras.utils.set_random_seed(seed)
    network = plan.build(shape, num_classes)
    network.set_weights(start)
    counts = np.bincount(y, minlength=num_classes)
    data = RunData(x, y, None, None, plan.arrays["test"], num_classes)
    recipe = replace(plan.recipe, epochs=epochs, keep="last")
    setup = remedy.setup(params, Context.of(counts, epochs))
    fit_run(network, setup, data=data, recipe=recipe, seed=seed)
    # A fresh, uncompiled copy: it saves and loads without the run's loss or optimizer.
    plain = plan.build(shape, num_classes)
    plain.set_weights(network.get_weights())
    return plain


def refit_run(
    plan: RunPlan,
    remedy: Remedy,
    params: Any,
    *,
    epochs: int,
    seed: int,
    none_epochs: int | None = None,
    base_weights: list[np.ndarray] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Refit:
    """Train ``remedy`` with ``params`` on all the training data (:func:`all_training_data`).

    A trained remedy trains for ``epochs`` from ``seed``'s initial weights (as the comparison's
    runs do) and keeps its last epoch. A head remedy refits ``"none"`` for ``none_epochs`` (or
    starts from ``base_weights``, such a ``"none"`` already trained, which several heads of one
    seed can share), fits its head on the features of all the data and bakes it into the last
    layer (``epochs`` is then unused: a trained head trains for ``HEAD_EPOCHS``).
    ``on_start(samples)`` is called once the data is joined, before the training.
    """
    started = time.perf_counter()
    x, y = all_training_data(plan)
    if on_start is not None:
        on_start(len(y))
    if remedy.kind == "head":
        if none_epochs is None:
            raise ValueError(f"none_epochs is needed to refit the head remedy {remedy.name!r}")
        if base_weights is None:
            base = _trained(plan, get_remedy("none"), {}, x, y, epochs=none_epochs, seed=seed)
        else:
            shape = tuple(int(d) for d in plan.arrays["train"].shape[1:])
            base = plan.build(shape, plan.splits.num_classes)
            base.set_weights(base_weights)
        network = _bake_head(plan, remedy, params, base, (x, y), seed)
        used = none_epochs
    else:
        network = _trained(plan, remedy, params, x, y, epochs=epochs, seed=seed)
        used = epochs
    return Refit(
        network=network,
        test_logits=predict_logits(network, plan.arrays["test"]),
        epochs=int(used),
        seconds=round(time.perf_counter() - started, 3),
        samples=len(y),
    )


def _bake_head(
    plan: RunPlan,
    remedy: Remedy,
    params: Any,
    network: Any,
    data: tuple[Any, np.ndarray],
    seed: int,
) -> Any:
    """``network`` with its last layer replaced by ``remedy``'s head, fitted on all the data."""
    if not isinstance(remedy, HeadRemedy):
        raise TypeError(f"{remedy!r} has kind 'head' but is not a HeadRemedy")
    x, y = data
    num_classes = plan.splits.num_classes
    counts = tuple(int(n) for n in np.bincount(y, minlength=num_classes))
    checked = remedy.check_params(params)
    (features,) = heads.features_of(network, x)
    kernel, bias = heads.classifier_weights(network)
    head_setup = remedy.head_setup(checked, Context(counts, heads.HEAD_EPOCHS))
    if head_setup is None:
        frozen = FrozenClassifier(features.astype("float64"), kernel, bias, counts)
        kernel, bias = remedy.head_weights(checked, frozen)
    else:
        head = heads.head_model(features.shape[1], num_classes, seed, head_setup.max_norm)
        recipe = replace(plan.recipe, keep="last")
        head_data = RunData(features, y, None, None, features[:1], num_classes)
        fit_run(
            head, head_setup, data=head_data, recipe=recipe, seed=seed, epochs=heads.HEAD_EPOCHS
        )
        kernel, bias = heads.classifier_weights(head)
    layer = heads.classifier_layer(network)
    current = layer.get_weights()
    if len(current) < 2 and np.any(bias != 0):
        raise ValueError(
            f"the head of {remedy.name} has a bias, but the model's last layer {layer.name!r} "
            f"has none; give the model a Dense(num_classes) with use_bias=True, or refit=False"
        )
    baked = [np.asarray(kernel, current[0].dtype), np.asarray(bias, current[-1].dtype)]
    layer.set_weights(baked[: len(current)])
    return network


def _basis(result: ComparisonRecord, strategy: str) -> list[int]:
    """The best epochs over seeds of ``strategy``'s chosen runs."""
    return [int(r["best_epoch"]) for r in result.runs if r["chosen"] and r["strategy"] == strategy]


def _score(
    plan: RunPlan, logits: np.ndarray, threshold: float | None = None
) -> tuple[dict[str, float], list[float]]:
    """The test metrics and per-class recall of ``logits`` (``nan`` when not finite): at the
    binary ``threshold`` when given, else the argmax (the Bayes decision with costs)."""
    scored: dict[str, Any] = {}
    finite = bool(np.isfinite(logits).all())
    costs = plan.recipe.costs if plan.splits.num_classes > 2 else None
    predicted = decide(logits, costs) if finite else None
    if finite and threshold is not None:
        predicted = predict_at(positive_scores(logits), threshold)
    add_split_scores(
        scored, "test", plan.splits.y_test, predicted, plan.splits.num_classes, plan.recipe.tail
    )
    return scored["test"], scored["per_class_recall"]["test"]


def refit_chosen(
    plan: RunPlan,
    result: ComparisonRecord,
    out: OutputOptions | str | Path | None,
    *,
    epochs: int | None = None,
) -> None:
    """Refit the chosen strategy on all the training data; set ``result.refit`` and ``.model``.

    The strategy is ``result.best``; without one, ``"none"``, or the first-ranked strategy when
    ``"none"`` was not compared; with its chosen knobs and seed
    ``plan.seeds[0]``; ``epochs`` (default: :func:`refit_epochs` of the chosen runs' best
    epochs, ``"none"``'s for a head remedy). With an output folder (``out``: compare's
    :class:`~keras_imbalance.comparison.options.OutputOptions`, or the folder itself) the model
    is saved there as ``model.keras``. ``out``'s progress callback hears ``"final model:
    <strategy>, N epochs on all M training samples"`` as the training starts. Data that cannot
    be refitted (a stream) gives ``result.refit = {"skipped": reason}``.
    """
    strategy = result.best or "none"
    if strategy not in result.strategies and result.rows:
        strategy = result.rows[0]["strategy"]  # "none" was not compared: the first-ranked
    by_name = {remedy.name: remedy for remedy in plan.remedies}
    remedy = by_name.get(strategy) or get_remedy(strategy)
    params = dict(result.row(strategy)["params"]) if strategy in result.strategies else {}
    # a binary strategy's threshold: the median of its chosen runs' ("none": the argmax)
    known = strategy in result.strategies and strategy != "none"
    threshold = median_threshold(result.row(strategy)) if known else None
    trained_params = {} if strategy == "threshold" else params  # its one knob is the threshold
    if epochs is not None:
        epochs = max(1, int(epochs))
    basis = "none" if remedy.kind == "head" else strategy
    count = epochs if epochs is not None else refit_epochs(_basis(result, basis))
    seed = int(plan.seeds[0])
    progress = getattr(out, "progress", None)  # announced with the runs' last counter
    try:
        refit = refit_run(
            plan,
            remedy,
            trained_params,
            epochs=count,
            seed=seed,
            none_epochs=count,
            on_start=lambda n: announce(progress, final_model_label(strategy, count, n)),
        )
    except RefitUnsupportedError as reason:
        result.refit, result.model = {"skipped": str(reason)}, None
        return
    saved = None
    folder: Any = getattr(out, "folder", out)
    if folder is not None:
        refit.network.save(Path(folder) / MODEL_FILE)
        saved = MODEL_FILE
    test, recall = _score(plan, refit.test_logits, threshold)
    result.model = refit.network
    result.refit = {
        "strategy": strategy,
        "params": params,
        "epochs": refit.epochs,
        "seed": seed,
        "samples": refit.samples,
        "test": test,
        "per_class_recall": recall,
        "model": saved,
        "seconds": refit.seconds,
        **({} if threshold is None else {"threshold": threshold}),
    }
