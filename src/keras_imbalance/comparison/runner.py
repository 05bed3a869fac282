"""Compare imbalance remedies side by side on the user's data: :func:`compare`.

Every strategy trains the same model, from the same initial weights, for the same number of
gradient steps (``epochs`` passes over the training data), once per seed, and is scored on the
same held-out split. The result, a :class:`Comparison`, ranks the strategies by one metric
(balanced accuracy by default) and shows the recall of the tail classes, where imbalance does its
damage.

Strategies:

====================  ===========================================================================
``"none"``            plain cross-entropy: the baseline
``"balanced"``, ...   ``fit(class_weight=class_weights(y, strategy, normalize="mean"))`` for each
                      of :data:`keras_imbalance.STRATEGIES`
``"resample"``        :class:`~keras_imbalance.BalancedBatches` oversampling: every batch balanced;
                      as many batches in all as the other strategies train on
``"logit_adjusted"``  :class:`~keras_imbalance.losses.LogitAdjustedLoss` (Menon et al. 2021)
``"drw"``             cross-entropy with deferred re-weighting: uniform weights, then
                      effective-number weights from 80% of the epochs on (Cao et al. 2019)
``"ldam_drw"``        :class:`~keras_imbalance.losses.LDAMLoss` with the same deferred
                      re-weighting (Cao et al. 2019)
``"focal"``           Keras's ``CategoricalFocalCrossentropy`` with ``gamma=2`` and per-class
                      ``alpha`` from :func:`~keras_imbalance.losses.focal_alpha` ("balanced")
``"posthoc"``         the ``"none"`` model's logits adjusted by ``-log(prior)`` at test time
                      (Menon et al. 2021); it trains nothing of its own
====================  ===========================================================================
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number, check_option
from keras_imbalance.comparison.models import _check_model, default_model
from keras_imbalance.comparison.result import Comparison
from keras_imbalance.comparison.splits import _single_label, as_split
from keras_imbalance.comparison.strategies import (
    COMPARE_STRATEGIES,
    DEFAULT_STRATEGIES,
    METRICS,
    _strategy_setup,
)
from keras_imbalance.counting import ClassCounts

ModelBuilder = Callable[[tuple[int, ...], int], Any]
ProgressCallback = Callable[[int, int, str, int], None]


def _scores(
    y_true: np.ndarray, logits: np.ndarray, num_classes: int, tail: list[int]
) -> tuple[dict[str, float], list[float]]:
    from keras_imbalance.evaluation import report

    names = [str(c) for c in range(num_classes)]
    summary = report(y_true, logits.argmax(axis=-1), class_names=names).to_dict()
    recall = [_as_float(row["recall"]) for row in summary["per_class"]]
    metrics = {key: _as_float(summary[key]) for key in METRICS if key != "tail_recall"}
    metrics["tail_recall"] = float(np.mean([recall[c] for c in tail]))
    return metrics, recall


def _as_float(value: Any) -> float:
    """``None`` (undefined in the report's JSON) becomes ``nan``."""
    return float("nan") if value is None else float(value)


def compare(
    data: Any,
    strategies: Sequence[str] = DEFAULT_STRATEGIES,
    *,
    model: ModelBuilder | None = None,
    epochs: int = 30,
    seeds: Sequence[int] = (0, 1, 2),
    batch_size: int = 32,
    learning_rate: float = 3e-3,
    metric: str = "balanced_accuracy",
    test_size: float = 0.3,
    tail_classes: int | None = None,
    progress: ProgressCallback | None = None,
) -> Comparison:
    """Train the same model once per strategy and seed, and compare them on held-out data.

    Args:
        data: ``(x, y)`` (a held-out split is taken: balanced when every class can spare
            ``test_size`` of its smallest class, at least 5 samples each, else stratified),
            ``((x_train, y_train), (x_test, y_test))``, or a dataset from
            :mod:`keras_imbalance.datasets`. Labels are class indices or one-hot rows.
        strategies: names from :data:`COMPARE_STRATEGIES` (see the module docstring).
        model: ``build(input_shape, num_classes) -> keras.Model`` returning an *uncompiled*
            model whose output is ``num_classes`` logits (no softmax). Default:
            :func:`default_model`.
        epochs: training epochs for every strategy.
        seeds: one run per seed; a seed fixes the initial weights and the batch order.
        batch_size, learning_rate: Adam's settings, the same for every strategy.
        metric: the metric that ranks strategies, from :data:`METRICS`.
        test_size: the held-out share, when ``data`` is ``(x, y)``.
        tail_classes: how many of the rarest training classes count as the tail (default: a
            third of the classes, at least 1).
        progress: called as ``progress(done, total, strategy, seed)`` after each run.

    Returns:
        A :class:`Comparison`.

    Example:
        >>> from keras_imbalance.datasets import load_digits_lt
        >>> result = compare(load_digits_lt(ratio=10), ["none", "balanced"], epochs=1, seeds=[0])
        >>> sorted(row["strategy"] for row in result.summary())
        ['balanced', 'none']
    """
    import keras

    strategies = list(strategies)
    if not strategies:
        raise ValueError("strategies=[] is empty; give at least one, e.g. ['none', 'balanced']")
    for strategy in strategies:
        check_option("strategies", strategy, COMPARE_STRATEGIES)
    if len(set(strategies)) != len(strategies):
        raise ValueError(f"strategies={strategies!r} lists a strategy twice; list each once")
    check_option("metric", metric, METRICS)
    epochs = check_number("epochs", epochs, low=1, integer=True)  # type: ignore[assignment]
    batch_size = check_number("batch_size", batch_size, low=1, integer=True)  # type: ignore[assignment]
    check_number("learning_rate", learning_rate, low=0, low_inclusive=False)
    check_number("test_size", test_size, low=0, high=1, low_inclusive=False, high_inclusive=False)
    seeds = [check_number("seeds", s, low=0, integer=True) for s in seeds]  # type: ignore[misc]
    if not seeds:
        raise ValueError("seeds=[] is empty; give at least one seed, e.g. (0, 1, 2)")

    split = as_split(data, test_size=test_size, seed=int(seeds[0]))
    if len(split.x_train) != len(split.y_train) or len(split.x_test) != len(split.y_test):
        raise ValueError(
            f"x and y lengths differ (train {len(split.x_train)} vs {len(split.y_train)}, test "
            f"{len(split.x_test)} vs {len(split.y_test)}); give one label per sample"
        )
    decoded_train = _single_label(split.y_train, None, "y_train")
    train_counts = ClassCounts(decoded_train.counts(), decoded_train.classes)
    num_classes = train_counts.num_classes
    y_train = decoded_train.indices
    y_test = _single_label(split.y_test, list(decoded_train.classes), "y_test").indices
    if num_classes < 2 or int((train_counts.counts > 0).sum()) < 2:
        raise ValueError(
            f"the training labels hold {int((train_counts.counts > 0).sum())} class(es); "
            f"compare needs at least 2 classes"
        )
    if (train_counts.counts == 0).any():
        missing = int(np.flatnonzero(train_counts.counts == 0)[0])
        raise ValueError(
            f"class {missing} has no training samples; every class needs some to compare remedies"
        )
    class_names = split.class_names or train_counts.class_names
    if len(class_names) != num_classes:
        class_names = train_counts.class_names
    tail_count = max(1, num_classes // 3) if tail_classes is None else int(tail_classes)
    tail = sorted(np.argsort(train_counts.counts, kind="stable")[:tail_count].tolist())

    x_train = np.asarray(split.x_train, dtype="float32")
    x_test = np.asarray(split.x_test, dtype="float32")
    input_shape = tuple(int(d) for d in x_train.shape[1:])
    build = model or default_model
    probe = build(input_shape, num_classes)
    _check_model(probe, num_classes, input_shape)

    result = Comparison(
        metric=metric,
        strategies=strategies,
        seeds=[int(s) for s in seeds],
        epochs=int(epochs),
        class_names=[str(c) for c in class_names],
        train_counts=train_counts.counts.tolist(),
        test_counts=np.bincount(y_test, minlength=num_classes).tolist(),
        tail_classes=tail,
        held_out=split.held_out,
    )
    prior = train_counts.proportions
    total = len(strategies) * len(seeds)
    done = 0
    for seed in seeds:
        keras.utils.set_random_seed(int(seed))
        initial = build(input_shape, num_classes).get_weights()
        plain_logits: np.ndarray | None = None
        plain_history: dict[str, list[float]] = {}
        order = sorted(strategies, key=lambda s: s != "none")  # "posthoc" reuses the "none" model
        train = functools.partial(
            _train,
            build=build,
            initial=initial,
            input_shape=input_shape,
            num_classes=num_classes,
            counts=train_counts,
            x_train=x_train,
            y_train=y_train,
            x_test=x_test,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            seed=int(seed),
        )
        for strategy in order:
            started = time.perf_counter()
            if strategy == "posthoc":
                from keras_imbalance.bias import adjust_logits

                if plain_logits is None:
                    plain_logits, plain_history = train("none")
                logits = np.asarray(adjust_logits(plain_logits, prior, tau=1.0))
                history = plain_history
            else:
                logits, history = train(strategy)
                if strategy == "none":
                    plain_logits, plain_history = logits, history
            metrics, recall = _scores(y_test, logits, num_classes, tail)
            result.runs.append(
                {
                    "strategy": strategy,
                    "seed": int(seed),
                    "metrics": metrics,
                    "per_class_recall": recall,
                    "history": history,
                    "seconds": round(time.perf_counter() - started, 3),
                }
            )
            done += 1
            if progress is not None:
                progress(done, total, strategy, int(seed))
    result.runs.sort(key=lambda r: (strategies.index(r["strategy"]), r["seed"]))
    return result


def _train(
    strategy: str,
    build: ModelBuilder,
    initial: list[np.ndarray],
    input_shape: tuple[int, ...],
    num_classes: int,
    counts: ClassCounts,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
) -> tuple[np.ndarray, dict[str, list[float]]]:
    import keras

    keras.utils.set_random_seed(seed)
    network = build(input_shape, num_classes)
    network.set_weights(initial)
    loss, fit_kwargs, callbacks, one_hot = _strategy_setup(strategy, counts, y_train, epochs)
    network.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    targets = np.eye(num_classes, dtype="float32")[y_train] if one_hot else y_train
    if strategy == "resample":
        from keras_imbalance.data import BalancedBatches

        batches = BalancedBatches(
            x_train, y_train, batch_size=batch_size, sampling="oversample", seed=seed
        )
        # A balanced epoch holds C * n_max samples; train for the same number of gradient steps
        # as the other strategies, so resampling does not win by a larger budget.
        steps = epochs * math.ceil(len(x_train) / batch_size)
        history = network.fit(
            batches, epochs=max(1, round(steps / len(batches))), verbose=0, callbacks=callbacks
        )
    else:
        history = network.fit(
            x_train,
            targets,
            epochs=epochs,
            batch_size=batch_size,
            shuffle=True,
            verbose=0,
            callbacks=callbacks,
            **fit_kwargs,
        )
    logits = np.concatenate(
        [
            keras.ops.convert_to_numpy(network(x_test[i : i + 1024], training=False))
            for i in range(0, len(x_test), 1024)
        ]
    )
    curves = {name: [float(v) for v in values] for name, values in history.history.items()}
    return logits, curves
