"""Compare imbalance remedies side by side on the user's data: :func:`compare`.

Every strategy trains the same model from the same initial weights, with the same training
recipe (:mod:`~keras_imbalance.comparison.training`: cosine learning rate, best validation epoch)
and the same number of gradient steps, once per seed. Each strategy's knob is tuned on the
validation split (:data:`~keras_imbalance.comparison.strategies.DEFAULT_GRIDS`); the strategies
are ranked, and the best one named, on validation; the test split is scored once and reported
with the noise of seeds and samples (:mod:`~keras_imbalance.comparison.verdict`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np

import keras_imbalance.comparison.heads as heads
from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.comparison.distribution import (
    check_distribution,
    distribution_name,
    distribution_scope,
)
from keras_imbalance.comparison.images import ImageFiles
from keras_imbalance.comparison.journal import check_output_folder
from keras_imbalance.comparison.models import _check_model, default_model
from keras_imbalance.comparison.recipe_templates import optimizer_config
from keras_imbalance.comparison.result import Comparison
from keras_imbalance.comparison.scores import METRICS
from keras_imbalance.comparison.session import Session, data_fingerprint, splits_fingerprint
from keras_imbalance.comparison.splits import is_folder, make_splits
from keras_imbalance.comparison.strategies import (
    DEFAULT_STRATEGIES,
    Strategy,
    candidates,
    check_grids,
    check_strategies,
)
from keras_imbalance.comparison.streams import Stream
from keras_imbalance.comparison.training import (
    KEEP_OPTIONS,
    SCHEDULES,
    Recipe,
    check_training_kwargs,
)
from keras_imbalance.comparison.verdict import choose_params, summarize

ModelBuilder = Callable[[tuple[int, ...], int], Any]
ProgressCallback = Callable[[int, int, str], None]


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
    metric: str = "balanced_accuracy",
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
) -> Comparison:
    """Train the same model once per strategy, knob value and seed; choose on validation.

    Args:
        data: ``(x, y)`` (split three ways, stratified: ``test_size`` for test,
            ``validation_size`` for validation), ``((x_train, y_train), (x_test, y_test))``, or a
            dataset from :mod:`keras_imbalance.datasets` (validation carved from the training
            data, stratified). Labels are class indices or one-hot rows. Or the path of an
            image folder (one sub-folder per class): it is listed, split three ways by file
            list like ``(x, y)``, and streamed a batch at a time at ``image_size``, never
            loaded whole (:mod:`~keras_imbalance.comparison.images`); or the path of a
            ``.npz`` or ``.csv`` file (:func:`~keras_imbalance.datasets.load_arrays`). Or a
            ``tf.data.Dataset`` or ``keras.utils.PyDataset`` of ``(x, y)`` batches, or a pair
            ``(train, test)`` of them, with ``validation_data`` (and ``test_data``) streams,
            or without: the missing splits are carved out of a finite, unshuffled
            ``tf.data.Dataset`` like ``(x, y)`` (a ``PyDataset`` needs both); validation and
            test streams must keep a fixed order (:mod:`~keras_imbalance.comparison.streams`).
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
        metric: the metric that chooses epochs and knobs and ranks strategies, from
            :data:`METRICS`; always measured on validation.
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
            :mod:`~keras_imbalance.comparison.distribution`). Not combined with ``executor``.
        compile_kwargs: passed to ``Model.compile`` for every run: ``optimizer`` (a name, config
            or instance, cloned per run; its learning rate becomes the schedule), ``jit_compile``,
            ``steps_per_execution``... Not ``loss`` or ``metrics``: they are compare's.
        fit_kwargs: passed to ``Model.fit`` for every run: ``callbacks``, ``verbose``... Not the
            data, epochs, batch size or weights: they are compare's.
        progress: called as ``progress(done, total, run)`` before each run that trains
            (``run`` names it) and once at the end with ``run=""``.
        image_size: ``side`` or ``(height, width)`` the images of a folder are resized to.
        skip_corrupt: for a folder, skip the empty or corrupt images (a warning lists them)
            instead of raising :class:`~keras_imbalance.comparison.images.CorruptImageError`
            before any training.

    Returns:
        A :class:`Comparison`.

    Example:
        >>> from keras_imbalance.datasets import load_digits_lt
        >>> result = compare(load_digits_lt(ratio=10), ["none", "posthoc"], epochs=2, seeds=[0])
        >>> [row["strategy"] for row in result.summary()].count("posthoc")
        1
    """
    remedies = check_strategies(strategies)
    names = [remedy.name for remedy in remedies]
    folder = check_output_folder(output) if output is not None else None
    check_option("metric", metric, METRICS)
    check_option("schedule", schedule, SCHEDULES)
    check_option("keep", keep, KEEP_OPTIONS)
    epochs = int(check_number("epochs", epochs, low=1, integer=True))
    batch_size = int(check_number("batch_size", batch_size, low=1, integer=True))
    check_number("learning_rate", learning_rate, low=0, low_inclusive=False)
    n_boot = int(check_number("n_boot", n_boot, low=1, integer=True))
    if not isinstance(tune, bool):
        raise TypeError(f"tune={short_repr(tune)} must be True or False")
    if not tune and grids:
        raise ValueError(
            "grids was given with tune=False, so it would be ignored; drop grids or set tune=True"
        )
    merged_grids = check_grids(remedies, grids)
    compile_options, fit_options = check_training_kwargs(compile_kwargs, fit_kwargs)
    check_distribution(distribution, executor=executor)
    if isinstance(seeds, int | str) or not isinstance(seeds, Sequence) or not list(seeds):
        raise ValueError(
            f"seeds={short_repr(seeds)} must be a non-empty list of seeds, e.g. [0, 1, 2]"
        )
    seed_list = [int(check_number("seeds", s, low=0, integer=True)) for s in seeds]
    if len(set(seed_list)) != len(seed_list):
        raise ValueError(f"seeds={seed_list!r} lists a seed twice; list each once")

    if isinstance(data, str | os.PathLike) and not is_folder(data):
        from keras_imbalance.datasets import load_arrays

        data = load_arrays(data)
    splits = make_splits(
        data,
        validation_data=validation_data,
        validation_size=validation_size,
        test_size=test_size,
        class_names=class_names,
        seed=seed_list[0],
        image_size=image_size,
        skip_corrupt=skip_corrupt,
        test_data=test_data,
    )
    if executor is not None and isinstance(splits.x_train, Stream):
        raise ValueError(
            "executor was given with a tf.data.Dataset or PyDataset, which cannot be sent to "
            "other processes; drop executor, or give an image folder or arrays"
        )
    num_classes = splits.num_classes
    if num_classes < 2:
        raise ValueError(
            f"the training labels hold {num_classes} class; compare needs at least 2 classes"
        )
    counts = splits.counts("train")
    tail_count = check_tail_classes(tail_classes, num_classes)
    tail = sorted(np.argsort(counts, kind="stable")[:tail_count].tolist())
    recipe = Recipe(
        epochs,
        batch_size,
        float(learning_rate),
        schedule,
        keep,
        metric,
        tail,
        compile_options,
        fit_options,
    )
    arrays = {
        name: x if isinstance(x, ImageFiles | Stream) else np.asarray(x, dtype="float32")
        for name, x in (("train", splits.x_train), ("val", splits.x_val), ("test", splits.x_test))
    }
    input_shape = tuple(int(d) for d in arrays["train"].shape[1:])
    build = model or default_model
    with distribution_scope(distribution):
        _check_model(build(input_shape, num_classes), num_classes, input_shape)

    plan = {remedy.name: candidates(remedy, merged_grids, tune=tune) for remedy in remedies}
    # What every run shares: part of the journal's configuration, and of the result's settings.
    training = {
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": float(learning_rate),
        "optimizer": repr(compile_options.get("optimizer", "adam")),
        "schedule": schedule,
        "keep": keep,
        "metric": metric,
        "head_epochs": heads.HEAD_EPOCHS,
        "model": getattr(build, "__qualname__", repr(build)),
        "compile_kwargs": {k: repr(v) for k, v in compile_options.items()},
        "fit_kwargs": {k: repr(v) for k, v in fit_options.items()},
    }
    session = Session(
        splits=splits,
        arrays=arrays,
        recipe=recipe,
        build=build,
        remedies=remedies,
        plan=plan,
        seeds=seed_list,
        folder=folder,
        config={
            "data": splits_fingerprint(arrays, splits),
            "test_labels": data_fingerprint(splits.y_test),
            "class_names": splits.class_names,
            "plan": {name: plan[name] for name in names},
            "seeds": seed_list,
            "tail": tail,
            "training": training,
        },
        tensorboard_dir=tensorboard_dir,
        progress=progress,
        executor=executor,
    )
    with distribution_scope(distribution):
        runs = session.run()
    choose_params(runs, names, metric)
    summary, best, verdict, notes = summarize(
        runs,
        names,
        metric=metric,
        num_classes=num_classes,
        tail=tail,
        y_val=splits.y_val,
        y_test=splits.y_test,
        n_boot=n_boot,
    )
    settings = {
        **training,
        "tune": tune,
        "grids": merged_grids if tune else {},
        "validation_size": validation_size,
        "test_size": test_size,
        "n_boot": n_boot,
        "runs_trained": session.trained,
        "optimizer_config": optimizer_config(compile_options.get("optimizer")),
    }
    if distribution is not None:
        settings["distribution"] = distribution_name(distribution)
    if isinstance(splits.x_train, ImageFiles):
        settings["image_size"] = list(splits.x_train.image_size)
    return Comparison(
        metric=metric,
        strategies=names,
        seeds=seed_list,
        class_names=splits.class_names,
        splits={
            split: {"counts": splits.counts(split).tolist(), "source": splits.sources[split]}
            for split in ("train", "validation", "test")
        },
        tail_classes=tail,
        settings=settings,
        runs=runs,
        rows=summary,
        best=best,
        verdict=verdict,
        notes=notes,
    )
