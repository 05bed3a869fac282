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
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.counting import ClassCounts
from keras_imbalance.labels import decode_labels
from keras_imbalance.weighting import STRATEGIES as WEIGHT_STRATEGIES

COMPARE_STRATEGIES: tuple[str, ...] = (
    "none",
    *WEIGHT_STRATEGIES,
    "resample",
    "logit_adjusted",
    "drw",
    "ldam_drw",
    "focal",
    "posthoc",
)
DEFAULT_STRATEGIES: tuple[str, ...] = (
    "none",
    "balanced",
    "effective_number",
    "log",
    "resample",
    "logit_adjusted",
    "drw",
    "ldam_drw",
    "focal",
    "posthoc",
)
METRICS: tuple[str, ...] = (
    "balanced_accuracy",
    "macro_f1",
    "g_mean",
    "mcc",
    "accuracy",
    "tail_recall",
)
SCHEMA_VERSION = 1

ModelBuilder = Callable[[tuple[int, ...], int], Any]
ProgressCallback = Callable[[int, int, str, int], None]


@dataclass
class Split:
    """Arrays for one comparison: a training split and a held-out split."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    held_out: str = "given"


@dataclass
class Comparison:
    """The result of :func:`compare`: one record per (strategy, seed) run, and their summary.

    ``to_dict()`` gives the JSON schema (``schema_version`` 1)::

        {"schema_version": 1, "metric": str, "strategies": [str], "seeds": [int],
         "epochs": int, "class_names": [str], "train_counts": [int], "test_counts": [int],
         "tail_classes": [int], "held_out": "given" | "balanced" | "stratified",
         "runs": [{"strategy", "seed", "metrics": {name: float}, "per_class_recall": [float],
                   "history": {name: [float]}, "seconds": float}],
         "summary": [{"strategy", "rank", "mean": {name: float}, "std": {name: float},
                      "tail_recall": [float]}],
         "best": str, "gain_over_none": float | None}
    """

    metric: str
    strategies: list[str]
    seeds: list[int]
    epochs: int
    class_names: list[str]
    train_counts: list[int]
    test_counts: list[int]
    tail_classes: list[int]
    held_out: str
    runs: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> list[dict[str, Any]]:
        """Mean and standard deviation of every metric per strategy, best first."""
        rows: list[dict[str, Any]] = []
        for strategy in self.strategies:
            runs = [r for r in self.runs if r["strategy"] == strategy]
            values = {m: np.asarray([r["metrics"][m] for r in runs], dtype=float) for m in METRICS}
            recall = np.asarray([r["per_class_recall"] for r in runs], dtype=float).mean(axis=0)
            rows.append(
                {
                    "strategy": strategy,
                    "mean": {m: float(v.mean()) for m, v in values.items()},
                    "std": {
                        m: float(v.std(ddof=1)) if v.size > 1 else 0.0 for m, v in values.items()
                    },
                    "tail_recall": [float(recall[c]) for c in self.tail_classes],
                }
            )
        rows.sort(key=lambda row: -row["mean"][self.metric])
        for rank, row in enumerate(rows, start=1):
            row["rank"] = rank
        return rows

    @property
    def best(self) -> str:
        """The strategy ranked first."""
        return str(self.summary()[0]["strategy"])

    @property
    def gain_over_none(self) -> float | None:
        """How much the best strategy beats ``"none"`` on the ranking metric."""
        return self._gain(self.summary())

    def _gain(self, summary: list[dict[str, Any]]) -> float | None:
        none = [row for row in summary if row["strategy"] == "none"]
        if not none:
            return None
        return float(summary[0]["mean"][self.metric] - none[0]["mean"][self.metric])

    def to_dict(self) -> dict[str, Any]:
        summary = self.summary()
        return {
            "schema_version": SCHEMA_VERSION,
            "metric": self.metric,
            "strategies": list(self.strategies),
            "seeds": list(self.seeds),
            "epochs": self.epochs,
            "class_names": list(self.class_names),
            "train_counts": list(self.train_counts),
            "test_counts": list(self.test_counts),
            "tail_classes": list(self.tail_classes),
            "held_out": self.held_out,
            "runs": self.runs,
            "summary": summary,
            "best": summary[0]["strategy"],
            "gain_over_none": self._gain(summary),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_markdown(self) -> str:
        """A Markdown table: mean ± std per metric, best first, and the tail-class recall."""
        tail = ", ".join(self.class_names[c] for c in self.tail_classes)
        lines = [
            f"Ranked by {self.metric}; mean ± std over seeds {self.seeds}; {self.epochs} epochs; "
            f"held-out split: {self.held_out} ({sum(self.test_counts)} samples).",
            "",
            "| rank | strategy | " + " | ".join(METRICS) + f" | recall of tail ({tail}) |",
            "|---:|---|" + "---:|" * len(METRICS) + "---|",
        ]
        summary = self.summary()
        for row in summary:
            cells = [f"{row['mean'][m]:.3f} ± {row['std'][m]:.3f}" for m in METRICS]
            recall = " / ".join(f"{r:.2f}" for r in row["tail_recall"])
            lines.append(
                f"| {row['rank']} | {row['strategy']} | " + " | ".join(cells) + f" | {recall} |"
            )
        best, gain = summary[0]["strategy"], self._gain(summary)
        lines.append("")
        if gain is not None:
            lines.append(f"Best: **{best}**, {gain:+.3f} {self.metric} over `none`.")
        else:
            lines.append(f"Best: **{best}**.")
        return "\n".join(lines)

    def records(self) -> list[dict[str, Any]]:
        """``[{"strategy", "seed", "metrics"}]``: the input of ``plotting.plot_comparison``."""
        return [
            {"strategy": r["strategy"], "seed": r["seed"], "metrics": r["metrics"]}
            for r in self.runs
        ]

    def histories(self) -> dict[str, list[dict[str, list[float]]]]:
        """``{strategy: [history per seed]}``: the input of ``plotting.plot_training_curves``."""
        result: dict[str, list[dict[str, list[float]]]] = {}
        for run in self.runs:
            if run["history"]:
                result.setdefault(run["strategy"], []).append(run["history"])
        return result

    def save(self, directory: str | Path, *, plots: bool = True) -> list[Path]:
        """Write results.json, results.md and (with matplotlib) the plots; return the paths."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        written = [folder / "results.json", folder / "results.md"]
        written[0].write_text(self.to_json() + "\n")
        written[1].write_text("# keras-imbalance compare\n\n" + self.to_markdown() + "\n")
        if plots:
            from keras_imbalance import plotting

            counts = ClassCounts(np.asarray(self.train_counts), tuple(self.class_names))
            figures = {
                "comparison.png": plotting.plot_comparison(self.records(), metrics=METRICS[:4]),
                "training_curves.png": plotting.plot_training_curves(self.histories()),
                "class_distribution.png": plotting.plot_class_distribution(counts),
            }
            for name, figure in figures.items():
                figure.savefig(folder / name, dpi=110, bbox_inches="tight")
                written.append(folder / name)
        return written


def as_split(data: Any, *, test_size: float, seed: int) -> Split:
    """Accept ``((x, y), (x_test, y_test))``, a dataset container, or ``(x, y)`` to split."""
    if isinstance(data, Split):
        return data
    if hasattr(data, "x_train"):
        names = list(getattr(data, "class_names", []) or [])
        return Split(data.x_train, data.y_train, data.x_test, data.y_test, names)
    if isinstance(data, Mapping) and "x_train" in data:
        return Split(
            data["x_train"],
            data["y_train"],
            data["x_test"],
            data["y_test"],
            list(data.get("class_names", [])),
        )
    if isinstance(data, Sequence) and len(data) == 2:
        first, second = data
        if (
            isinstance(first, Sequence)
            and len(first) == 2
            and isinstance(second, Sequence)
            and len(second) == 2
        ):
            return Split(
                np.asarray(first[0]),
                np.asarray(first[1]),
                np.asarray(second[0]),
                np.asarray(second[1]),
                [],
            )
        return _held_out_split(
            np.asarray(first), np.asarray(second), test_size=test_size, seed=seed
        )
    raise TypeError(
        f"data={short_repr(data)} is not understood; give (x, y), ((x_train, y_train), (x_test, "
        f"y_test)) or a dataset from keras_imbalance.datasets"
    )


def _held_out_split(x: np.ndarray, y: np.ndarray, *, test_size: float, seed: int) -> Split:
    """Hold out a balanced split when every class can spare enough, else a stratified one."""
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} samples but y has {len(y)}; give one label per sample")
    decoded = _single_label(y, None, "y")
    indices = decoded.indices
    counts = decoded.counts()
    rng = np.random.default_rng(seed)
    per_class = math.floor(counts.min() * test_size)
    mode = "balanced" if per_class >= 5 else "stratified"
    test_parts = []
    for c in range(len(counts)):
        members = rng.permutation(np.flatnonzero(indices == c))
        take = per_class if mode == "balanced" else max(1, round(len(members) * test_size))
        if take >= len(members):
            raise ValueError(
                f"class {decoded.classes[c]!r} has only {len(members)} samples, "
                f"too few to hold out "
                f"a test split; give a separate test set as ((x, y), (x_test, y_test))"
            )
        test_parts.append(members[:take])
    test = np.sort(np.concatenate(test_parts))
    train = np.setdiff1d(np.arange(len(y)), test)
    return Split(x[train], indices[train], x[test], indices[test], decoded.class_names, mode)


def _single_label(y: Any, classes: Any, name: str) -> Any:
    """Decode class-index or one-hot labels; multi-label rows are refused."""
    decoded = decode_labels(y, classes=classes, name=name)
    if decoded.indices is None or decoded.indices.ndim != 1:
        raise ValueError(
            f"{name} must hold one class per sample (class indices or one-hot rows), got "
            f"{decoded.label_mode} labels of shape {np.shape(y)}; compare does not handle "
            f"multi-label, sequence or mask targets"
        )
    return decoded


def default_model(input_shape: tuple[int, ...], num_classes: int) -> Any:
    """A small network chosen from the input shape; it outputs logits.

    Images ``(H, W, C)`` with ``H, W >= 8`` get a two-block CNN; anything else a two-layer MLP.
    """
    import keras

    inputs = keras.Input(shape=input_shape)
    if len(input_shape) == 3 and min(input_shape[:2]) >= 8:
        h = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
        h = keras.layers.MaxPooling2D()(h)
        h = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(h)
        h = (
            keras.layers.GlobalAveragePooling2D()(h)
            if min(input_shape[:2]) < 16
            else keras.layers.Flatten()(keras.layers.MaxPooling2D()(h))
        )
        h = keras.layers.Dense(64, activation="relu")(h)
    else:
        h = keras.layers.Flatten()(inputs) if len(input_shape) > 1 else inputs
        h = keras.layers.Dense(128, activation="relu")(h)
        h = keras.layers.Dense(64, activation="relu")(h)
    outputs = keras.layers.Dense(num_classes, name="logits")(h)
    return keras.Model(inputs, outputs)


def _check_model(model: Any, num_classes: int, input_shape: tuple[int, ...]) -> None:
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must build a keras.Model, it returned {short_repr(model)}")
    shape = tuple(model.output_shape) if not isinstance(model.output_shape, list) else None
    if shape is None or shape[-1] != num_classes:
        raise ValueError(
            f"the model outputs shape {model.output_shape}, "
            f"but the data has {num_classes} classes; "
            f"end the model with Dense({num_classes}) and no softmax (compare trains on logits)"
        )
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "linear")
    if activation not in ("linear", None):
        raise ValueError(
            f"the model's last layer has activation {activation!r}; compare needs logits: "
            f"use Dense({num_classes}) with no activation"
        )


def _strategy_setup(
    strategy: str, counts: ClassCounts, y_train: np.ndarray, epochs: int
) -> tuple[Any, dict[str, Any], list[Any], bool]:
    """``(loss, fit keyword arguments, callbacks, one_hot_labels)`` for one strategy."""
    import keras

    from keras_imbalance import losses
    from keras_imbalance.weighting import Strategy, class_weights

    plain = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if strategy in ("none", "posthoc", "resample"):
        return plain, {}, [], False
    if strategy in WEIGHT_STRATEGIES:
        weights = class_weights(counts, cast(Strategy, strategy), normalize="mean")
        return plain, {"class_weight": dict(weights)}, [], False
    if strategy == "logit_adjusted":
        return losses.LogitAdjustedLoss(counts.counts.tolist(), tau=1.0), {}, [], False
    if strategy == "focal":
        return (
            keras.losses.CategoricalFocalCrossentropy(
                alpha=losses.focal_alpha(counts, "balanced", normalize="mean"),
                gamma=2.0,
                from_logits=True,
            ),
            {},
            [],
            True,
        )
    if strategy in ("drw", "ldam_drw"):
        from keras_imbalance.callbacks import DeferredReweighting

        # Cao et al. 2019: uniform weights, then effective-number weights (beta = 0.9999) for the
        # last fifth of the epochs.
        loss = (
            losses.LDAMLoss(counts.counts.tolist())
            if strategy == "ldam_drw"
            else losses.WeightedSparseCategoricalCrossentropy(
                [1.0] * counts.num_classes, from_logits=True
            )
        )
        weights = class_weights(counts, "effective_number", beta=0.9999)
        start = max(1, round(0.8 * epochs)) if epochs > 1 else 0
        return (
            loss,
            {},
            [DeferredReweighting(weights.to_array().tolist(), start_epoch=start)],
            False,
        )
    raise ValueError(
        f"strategy={strategy!r} is not supported; use one of {', '.join(COMPARE_STRATEGIES)}"
    )


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
