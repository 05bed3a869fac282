"""Compare imbalance remedies side by side on the user's data: :func:`compare`.

Every strategy trains the same model from the same initial weights, with the same training
recipe (:mod:`~keras_imbalance.comparison.run.training`: cosine learning rate, best validation
epoch) and the same number of gradient steps, once per seed. Each strategy's knob is tuned on the
validation split (:data:`~keras_imbalance.comparison.strategies.DEFAULT_GRIDS`); the strategies
are ranked, and the best one named, on validation; the test split is scored once and reported
with the noise of seeds and samples (:mod:`~keras_imbalance.comparison.verdict`).

:func:`compare` reads as its steps: check the options (:mod:`~keras_imbalance.comparison.options`),
:func:`build_splits`, :func:`plan_runs`, :func:`select` (:func:`run_plan` or the folds),
:func:`~keras_imbalance.comparison.summary.summarise`; the caller's global
random state is saved and restored around them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np

import keras_imbalance.comparison.run.heads as heads
from keras_imbalance._validation import check_number
from keras_imbalance.comparison.cv_runs import (
    CrossValidated,
    cross_validate,
    folds_fingerprint,
    folds_settings,
)
from keras_imbalance.comparison.data.augment import augmented
from keras_imbalance.comparison.data.folds import resolve_cv
from keras_imbalance.comparison.data.image_cache import image_cache
from keras_imbalance.comparison.data.splits import Splits, is_folder, make_splits
from keras_imbalance.comparison.data.streams import Stream
from keras_imbalance.comparison.detector_setup import DetectorOptions, detector_plan, with_detector
from keras_imbalance.comparison.halving_runs import halve_holdout
from keras_imbalance.comparison.multilabel.compare import check_label_mode, compare_multilabel
from keras_imbalance.comparison.multilabel.result import MultiLabelComparison
from keras_imbalance.comparison.options import (
    DataOptions,
    ExecutionOptions,
    OutputOptions,
    PlanOptions,
    ProgressCallback,
    TrainingOptions,
)
from keras_imbalance.comparison.refit import check_refit, refit_chosen
from keras_imbalance.comparison.report.recipe_templates import optimizer_config
from keras_imbalance.comparison.result import Comparison
from keras_imbalance.comparison.run.distribution import distribution_scope
from keras_imbalance.comparison.run.models import _check_model, check_decoupled, default_model
from keras_imbalance.comparison.run.random_state import preserved_random_state
from keras_imbalance.comparison.run.run_overhead import xla_cache
from keras_imbalance.comparison.run.run_plan import ModelBuilder, RunPlan, split_arrays
from keras_imbalance.comparison.run.weight_decay import check_decay_grids
from keras_imbalance.comparison.scoring.costs import cost_scope
from keras_imbalance.comparison.session import Session, data_fingerprint, splits_fingerprint
from keras_imbalance.comparison.strategies import (
    DEFAULT_STRATEGIES,
    Strategy,
    candidates,
    check_strategies,
)
from keras_imbalance.comparison.summary import settings_of, summarise
from keras_imbalance.remedies.cutmix import check_image_remedies

__all__ = ["ProgressCallback", "check_strategies", "check_tail_classes", "compare"]


def check_tail_classes(tail_classes: int | None, num_classes: int) -> int:
    """How many of the rarest training classes form the tail (default: a third, at least 1)."""
    if tail_classes is None:
        return max(1, num_classes // 3)
    return int(
        check_number(
            "tail_classes", tail_classes, low=1, high=max(1, num_classes - 1), integer=True
        )
    )


def compare(
    data: Any,
    strategies: Sequence[Strategy] = DEFAULT_STRATEGIES,
    *,
    model: ModelBuilder | None = None,
    validation_data: Any = None,
    epochs: int = 30,
    seeds: Sequence[int] = (0, 1, 2),
    batch_size: int = 32,
    learning_rate: float = 3e-3,
    schedule: str = "cosine",
    keep: str = "best",
    metric: str | None = None,
    validation_size: float = 0.2,
    test_size: float = 0.2,
    grids: Mapping[str, Mapping[str, Sequence[Any]]] | None = None,
    tune: bool = True,
    tail_classes: int | None = None,
    class_names: Sequence[str] | None = None,
    n_boot: int = 1000,
    tensorboard_dir: str | Path | None = None,
    output: str | Path | None = None,
    executor: Executor | None = None,
    distribution: Any = None,
    compile_kwargs: Mapping[str, Any] | None = None,
    fit_kwargs: Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
    image_size: int | tuple[int, int] = 32,
    skip_corrupt: bool = False,
    test_data: Any = None,
    split_seed: int = 0,
    refit: bool = True,
    cv: int | str | None = "auto",
    cache_dir: str | Path | None = None,
    weight_decay: float | None = None,
    halving: bool | int = False,
    augment: Sequence[str] | str | None = None,
    costs: Mapping[str, float] | Sequence[Sequence[float]] | None = None,
    min_precision: float = 0.9,
    label_mode: str = "single_label",
) -> Comparison | MultiLabelComparison:
    """Train the same model once per strategy, knob value and seed; choose on validation.

    Args:
        data: ``(x, y)`` (split three ways, stratified: ``test_size`` for test,
            ``validation_size`` for validation), ``((x_train, y_train), (x_test, y_test))``, or a
            dataset from :mod:`keras_imbalance.datasets` (validation carved from the training
            data, stratified). Labels are class indices or one-hot rows. Or the path of an
            image folder (one sub-folder per class): it is listed, split three ways by file
            list like ``(x, y)``, and streamed a batch at a time at ``image_size``, never
            loaded whole (:mod:`~keras_imbalance.comparison.data.images`); or the path of a
            ``.npz`` or ``.csv`` file (:func:`~keras_imbalance.datasets.load_arrays`). Or a
            ``tf.data.Dataset`` or ``keras.utils.PyDataset`` of ``(x, y)`` batches, or a pair
            ``(train, test)`` of them, with ``validation_data`` (and ``test_data``) streams,
            or without: the missing splits are carved out of a finite, unshuffled
            ``tf.data.Dataset`` like ``(x, y)`` (a ``PyDataset`` needs both); validation and
            test streams must keep a fixed order (:mod:`~keras_imbalance.comparison.data.streams`).
        strategies: names from :data:`COMPARE_STRATEGIES` (see
            :mod:`keras_imbalance.comparison.strategies`), or
            :class:`~keras_imbalance.remedies.Remedy` objects, your own subclasses included
            (:mod:`keras_imbalance.remedies`). The decoupled strategies add ``"none"``, whose
            model they reuse.
        model: ``build(input_shape, num_classes) -> keras.Model`` returning an *uncompiled*
            model whose last layer is ``Dense(num_classes)`` with no activation (logits).
            Default: :func:`default_model`.
        validation_data: ``(x_val, y_val)``: use this validation split instead of carving one
            (for a stream: the validation stream).
        test_data: ``(x_test, y_test)`` (or the test stream): the test split, when ``data``
            holds only the training data.
        epochs: training epochs for every trained strategy.
        seeds: one run per seed; a seed fixes the initial weights and the batch order.
        batch_size, learning_rate: Adam's settings, the same for every strategy.
        schedule: ``"cosine"`` (default) or ``"constant"`` learning rate.
        keep: ``"best"`` (default): keep the weights of the best validation epoch; ``"last"``.
        metric: the metric that chooses epochs, knobs and thresholds and ranks strategies, from
            :data:`~keras_imbalance.comparison.scoring.scores.SELECTION_METRICS`; always measured on
            validation. Default: ``"expected_cost"`` with ``costs``, else
            ``"balanced_accuracy"``. ``f1``, ``recall_at_precision``, ``average_precision`` and
            ``roc_auc`` are for binary problems (:mod:`~keras_imbalance.comparison.thresholded`).
        validation_size, test_size: the shares described under ``data``.
        grids: ``{strategy: {knob: [values]}}`` replacing the default grids
            (:data:`~keras_imbalance.comparison.strategies.DEFAULT_GRIDS`) of the knobs named.
        tune: ``False`` trains each strategy once with its default knob values.
        tail_classes: how many of the rarest training classes count as the tail (1..C-1;
            default a third of the classes, at least 1).
        class_names: class names in label order (default: from ``data`` or the labels).
        n_boot: bootstrap replicates of the noise intervals.
        tensorboard_dir: a folder for TensorBoard logs: one run folder per trained (strategy,
            knobs, seed), named like ``logit_adjusted-tau=1.0-seed0``, with the training loss
            and the validation metric of every epoch (``tensorboard --logdir DIR`` shows them
            side by side). Needs TensorBoard (it comes with TensorFlow).
        output: a folder to journal the runs in (``runs.jsonl``, see
            :mod:`~keras_imbalance.comparison.session`). It is checked (a writable folder, not a
            file) before anything else. Each finished run is appended the moment it ends; run
            again with the same folder and configuration to resume (finished runs are not
            trained again); a different configuration there is an error.
        executor: a ``concurrent.futures.Executor`` to train the runs in parallel, e.g.
            :func:`~keras_imbalance.comparison.parallel.process_pool` or a Dask cluster's
            ``Client(address).get_executor()``. The model builder must then be picklable. The
            results equal the sequential ones: each run starts from its seed alone.
        distribution: a ``keras.distribution`` layout (JAX, e.g.
            ``keras.distribution.DataParallel()``) or a ``tf.distribute`` strategy (TensorFlow,
            e.g. ``tf.distribute.MirroredStrategy()``): every run is built, compiled and trained
            in its scope, so one run spreads over its devices (see
            :mod:`~keras_imbalance.comparison.run.distribution`). Not combined with ``executor``.
        compile_kwargs: passed to ``Model.compile`` for every run: ``optimizer`` (a name, config
            or instance, cloned per run; its learning rate becomes the schedule), ``jit_compile``,
            ``steps_per_execution``... Not ``loss`` or ``metrics``: they are compare's.
        fit_kwargs: passed to ``Model.fit`` for every run: ``callbacks``, ``verbose``... Not the
            data, epochs, batch size or weights: they are compare's.
        progress: called as ``progress(done, total, run)`` before each run that trains
            (``run`` names it), once at the end with ``run=""``, and with ``refit`` once more,
            ``run="final model: <strategy>, N epochs on all M training samples"``. An image
            folder decoded into its cache reports first, ``done`` of ``total`` images, with
            ``run="decoding images into the cache"`` (at most about once a second).
        image_size: ``side`` or ``(height, width)`` the images of a folder are resized to.
        split_seed: seeds the stratified draws of the validation and test splits (default 0),
            independently of ``seeds``: the same data gives the same splits whatever the training
            seeds. Recorded in the result's settings.
        refit: train the chosen strategy (``"none"`` without one) once more on all the training
            data, train plus validation, with its chosen knobs and a fixed epoch count (the
            median best epoch of its runs), and score it on test
            (:mod:`~keras_imbalance.comparison.refit`): ``result.refit`` records it,
            ``result.model`` is the Keras model, saved as ``<output>/model.keras``.
        cv: how the strategies, knobs and epochs are chosen. ``"auto"`` (the default):
            ``5``-fold cross-validation when a holdout validation split would hold fewer than 50
            samples of some class, else the holdout (the rule and why:
            :mod:`~keras_imbalance.comparison.data.folds`). A number of folds ``K`` (2-20):
            stratified ``K``-fold cross-validation of the training data; every training sample is
            validated once, the choices are made on the out-of-fold predictions
            (:mod:`~keras_imbalance.comparison.cross_validation`), and each strategy's choice is
            then trained on all the training data for the chosen epochs, the models the test
            split scores. ``None``: the holdout validation split. ``validation_data=`` and
            streams keep the holdout. The result's ``settings["selection"]`` says which ran.
        skip_corrupt: for a folder, skip the empty or corrupt images (a warning lists them)
            instead of raising :class:`~keras_imbalance.comparison.data.images.CorruptImageError`
            before any training.
        cache_dir: where an image folder's decoded images are cached (default ``<output>/cache``,
            else a temporary folder removed at the end): each image is decoded once, in
            parallel, into a ``uint8`` file of ``N * height * width * 3`` bytes that a resume or
            another compare of the same files reuses
            (:mod:`~keras_imbalance.comparison.data.image_cache`).
        weight_decay: decoupled weight decay of every trained run whose grid does not tune it
            (``None``: 0, or your optimizer's own); a knob of every trained remedy
            (:mod:`~keras_imbalance.comparison.run.weight_decay`). Recorded in the settings.
        halving: ``True`` (or ``eta`` 2-8): successive halving of the knobs on validation
            (:mod:`~keras_imbalance.comparison.halving`); ``settings["halving"]``: who stopped.
        augment: image augmentation for every strategy alike, e.g. ``("flip", "translate",
            "crop")``, active only in training (:mod:`~keras_imbalance.comparison.data.augment`);
            needs images ``(N, H, W, C)``. Default ``None``: none. In ``settings["augment"]``.
        costs: misclassification costs: ``{"fn": a, "fp": b}`` for a binary problem, or a
            ``C x C`` matrix (rows true, columns predicted). They give the metric
            ``expected_cost = sum(M * Cost) / N`` (lower is better; the default metric then),
            cost-optimal thresholds, and for more than 2 classes every strategy's predictions
            are the Bayes decision ``argmin_j sum_i p_i Cost_ij``
            (:mod:`~keras_imbalance.comparison.scoring.costs`). In ``settings["costs"]``.
        min_precision: the validation precision ``recall_at_precision`` wants (default 0.9).
        label_mode: ``"single_label"`` (default) or ``"multi_label"``: multi-hot ``y`` of shape
            ``(n, L)``, compared by :mod:`~keras_imbalance.comparison.multilabel.compare` (remedies
            ``none``, ``balanced``, ``focal``, ``asymmetric``; per-label thresholds chosen on
            validation; macro/micro average precision and macro F1). It returns a
            :class:`~keras_imbalance.comparison.multilabel.result.MultiLabelComparison`.

    For a binary problem every run of every strategy but ``"none"`` is scored at its own
    decision threshold, chosen on its validation scores for ``metric``; ``"threshold"`` (added to
    the default strategies) is the ``"none"`` model with only that threshold moved
    (:mod:`~keras_imbalance.comparison.thresholded`). Each run records its ``threshold``.

    The caller's global random state (Python's ``random``, NumPy's global generator, the
    backend's and Keras's global seed generators) is left as it was: ``compare`` seeds each run
    itself and puts the state back when it returns
    (:mod:`~keras_imbalance.comparison.run.random_state`).

    Returns:
        A :class:`Comparison`. Its verdict names a tie at the top on validation (ties keep the
        order of ``strategies``, ``"none"`` first) and says which strategies diverged; its notes
        name every class with fewer than 10 samples in the validation or test split
        (:mod:`~keras_imbalance.comparison.verdict`).

    Example:
        >>> from keras_imbalance.datasets import load_digits_lt
        >>> result = compare(load_digits_lt(ratio=10), ["none", "posthoc"], epochs=2, seeds=[0])
        >>> [row["strategy"] for row in result.summary()].count("posthoc")
        1
    """
    if check_label_mode(label_mode) == "multi_label":
        given = {k: v for k, v in locals().items() if k not in ("data", "strategies", "label_mode")}
        return compare_multilabel(data, strategies, given)
    remedies = check_strategies(strategies)
    refit = check_refit(refit)
    detector = DetectorOptions(costs, min_precision).checked()
    metric = detector.metric(metric)
    out = OutputOptions.checked(output, tensorboard_dir, progress, n_boot)
    training = TrainingOptions(
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        schedule=schedule,
        keep=keep,
        metric=metric,
        compile_kwargs=compile_kwargs,
        fit_kwargs=fit_kwargs,
        weight_decay=weight_decay,
        augment=augment,
    ).checked()
    plan = PlanOptions(
        remedies, seeds, grids, tune=tune, tail_classes=tail_classes, halving=halving
    ).checked()
    check_decay_grids(plan.merged_grids, plan.remedies, training.compile_kwargs, training)
    execution = ExecutionOptions(executor, distribution).checked()
    data_options = DataOptions(
        validation_data=validation_data,
        test_data=test_data,
        validation_size=validation_size,
        test_size=test_size,
        class_names=class_names,
        image_size=image_size,
        skip_corrupt=skip_corrupt,
        split_seed=split_seed,
        cv=cv,
        cache_dir=cache_dir,
    ).checked()
    with (
        preserved_random_state(),
        cost_scope(detector.matrix),
        image_cache(data_options.cache_dir, out.folder, out.progress) as cached,
        xla_cache(),
    ):
        splits = cached(build_splits(data, data_options, execution))
        defaults = strategies is DEFAULT_STRATEGIES
        plan = detector_plan(
            plan, strategies, splits, data_options, metric, detector, defaults=defaults
        )
        runs_plan = with_detector(
            plan_runs(splits, plan, training, model or default_model, execution), detector
        )
        runs, trained, halved, selection, validated = select(
            runs_plan, data_options, out, execution
        )
        settings = settings_of(plan, data_options, out, execution, trained)
        settings.update({"halving": halved} if halved is not None else {})
        settings["selection"] = selection
        settings["optimizer_config"] = optimizer_config(
            dict(training.compile_kwargs or {}).get("optimizer")
        )
        settings["augment"] = list(training.augment or ())
        settings.update(detector.settings())
        result = summarise(runs, runs_plan, out, settings, validated)
        if refit:
            refit_step(runs_plan, result, out, execution, validated)
        return result


def refit_step(
    plan: RunPlan,
    result: Comparison,
    out: OutputOptions,
    execution: ExecutionOptions,
    validated: CrossValidated | None,
) -> None:
    """Train the chosen strategy on all the training data (:func:`refit_chosen`): for the epochs
    chosen on the out-of-fold predictions when cross-validated."""
    count = None
    if validated is not None:
        count = validated.epochs.get(result.best or "none", plan.recipe.epochs)
    with distribution_scope(execution.distribution):
        refit_chosen(plan, result, out, epochs=count)


def build_splits(data: Any, options: DataOptions, execution: ExecutionOptions) -> Splits:
    """Train, validation and test splits of ``data`` (a file is loaded first), checked for
    compare: at least 2 classes, and no stream with an executor."""
    if isinstance(data, str | os.PathLike) and not is_folder(data):
        from keras_imbalance.datasets import load_arrays

        data = load_arrays(data)
    splits = make_splits(
        data,
        validation_data=options.validation_data,
        validation_size=options.validation_size,
        test_size=options.test_size,
        class_names=options.class_names,
        seed=options.split_seed,
        image_size=options.image_size,
        skip_corrupt=options.skip_corrupt,
        test_data=options.test_data,
    )
    if execution.executor is not None and isinstance(splits.x_train, Stream):
        raise ValueError(
            "executor was given with a tf.data.Dataset or PyDataset, which cannot be sent to "
            "other processes; drop executor, or give an image folder or arrays"
        )
    if splits.num_classes < 2:
        raise ValueError(
            f"the training labels hold {splits.num_classes} class; compare needs at least 2 classes"
        )
    return splits


def check_builder(
    build: ModelBuilder, splits: Splits, arrays: Mapping[str, Any], plan: PlanOptions
) -> None:
    """Build the model once and check it, before any training: logits of the right width, and
    for the decoupled strategies a classifier they can reach."""
    input_shape = tuple(int(d) for d in arrays["train"].shape[1:])
    network = build(input_shape, splits.num_classes)
    _check_model(network, splits.num_classes, input_shape)
    check_image_remedies(plan.remedies, input_shape)
    if any(remedy.kind == "head" for remedy in plan.remedies):
        check_decoupled(network, splits.num_classes)


def plan_runs(
    splits: Splits,
    plan: PlanOptions,
    training: TrainingOptions,
    build: ModelBuilder,
    execution: ExecutionOptions,
) -> RunPlan:
    """The runs to train: the tail classes, the shared recipe, the checked model and the knobs."""
    counts = splits.counts("train")
    tail_count = check_tail_classes(plan.tail_classes, splits.num_classes)
    tail = sorted(np.argsort(counts, kind="stable")[:tail_count].tolist())
    arrays = split_arrays(splits)
    settings = training.settings(build, heads.HEAD_EPOCHS)  # names the user's builder
    build = augmented(build, training.augment or (), arrays["train"].shape[1:])
    with distribution_scope(execution.distribution):
        check_builder(build, splits, arrays, plan)
    return RunPlan(
        splits=splits,
        arrays=arrays,
        build=build,
        remedies=list(plan.remedies),
        candidates={
            r.name: candidates(r, plan.merged_grids, tune=plan.tune) for r in plan.remedies
        },
        seeds=list(plan.seeds),
        recipe=training.recipe(tail),
        training=settings,
        halving=plan.halving,
    )


def journal_config(plan: RunPlan) -> dict[str, Any]:
    """What a resumed comparison must share with the journal it resumes."""
    return {
        "data": splits_fingerprint(plan.arrays, plan.splits),
        "test_labels": data_fingerprint(plan.splits.y_test),
        "class_names": plan.splits.class_names,
        "plan": {name: plan.candidates[name] for name in plan.names},
        "seeds": plan.seeds,
        "tail": list(plan.recipe.tail),
        "training": dict(plan.training),
        **({"halving": plan.halving} if plan.halving else {}),
    }


def run_plan(
    plan: RunPlan, out: OutputOptions, execution: ExecutionOptions
) -> tuple[list[dict[str, Any]], int, dict[str, Any] | None]:
    """Every run, trained or from the journal, halved if on: ``(runs, trained, halving report)``."""
    with distribution_scope(execution.distribution):
        halved = halve_holdout(plan, journal_config(plan), out, execution)
    session = Session(
        splits=plan.splits,
        arrays=plan.arrays,
        recipe=plan.recipe,
        build=plan.build,
        remedies=plan.remedies,
        plan=halved.candidates,
        seeds=plan.seeds,
        folder=out.folder,
        config=journal_config(plan),
        tensorboard_dir=out.tensorboard_dir,
        progress=out.progress,
        executor=execution.executor,
        preset=halved.preset,
    )
    with distribution_scope(execution.distribution):
        runs = session.run()
    return runs, session.trained + halved.trained, halved.report


def select(
    plan: RunPlan, data: DataOptions, out: OutputOptions, execution: ExecutionOptions
) -> tuple[list[dict[str, Any]], int, dict[str, Any] | None, dict[str, Any], CrossValidated | None]:
    """Train every run on the holdout or the folds: ``(runs, trained, halving, selection, cv)``."""
    splits = plan.splits
    folds, why = resolve_cv(
        data.cv,
        splits,
        validation_given=data.validation_data is not None,
        class_names=splits.class_names,
    )
    validated: CrossValidated | None = None
    if folds is None:
        runs, trained, halved = run_plan(plan, out, execution)
        selection: dict[str, Any] = {"scheme": "holdout", "why": why}
    else:
        config = {
            **journal_config(plan),
            "cv": folds_fingerprint(folds, data.split_seed),
        }
        validated = cross_validate(plan, folds, data.split_seed, config, out, execution)
        runs, trained, halved = validated.runs, validated.trained, validated.halving
        selection = folds_settings(validated, why)
    return runs, trained, halved, selection, validated
