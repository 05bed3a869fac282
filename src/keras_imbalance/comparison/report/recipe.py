"""The Python snippet ``compare`` prints: train the user's own model with the chosen remedy.

:func:`recipe` turns a strategy name and its tuned values into short, runnable source that
trains ``model`` the way ``compare`` trained it: Adam (or the optimizer ``compare`` was given)
with a cosine-decay schedule over all training steps (or a constant rate), the given batch size
and epochs. With ``keep="last"`` (what :meth:`~keras_imbalance.comparison.Comparison.recipe`
writes, as the final model is refitted) it trains on all the training data for the fixed epoch
count and holds nothing back; with ``keep="best"`` it keeps the weights of the epoch with the
best metric on a validation split ``x_val, y_val``. The lines that differ
per strategy come from its remedy (:meth:`keras_imbalance.remedies.Remedy.recipe_text`); the
snippet imports only ``keras``, ``numpy`` and
``keras_imbalance``, embeds the training class counts, and prints floats with ``repr`` so the
tuned values round-trip exactly.

Example:
    >>> text = recipe("logit_adjusted", {"tau": 1.5}, counts=[40, 15, 5], epochs=2,
    ...               batch_size=16, learning_rate=0.001)
    >>> print(text.splitlines()[0])
    # Trains `model` with strategy "logit_adjusted" (tau=1.5), as `keras-imbalance compare` did:
    >>> "loss=ki.losses.LogitAdjustedLoss(counts, tau=1.5)," in text
    True
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.comparison.data.augment import check_augment
from keras_imbalance.comparison.report.formatting import format_params, plural
from keras_imbalance.comparison.report.recipe_templates import (
    RECIPE_STRATEGIES,
    check_optimizer,
    optimizer_config,
    optimizer_source,
)
from keras_imbalance.remedies import (
    Context,
    HeadText,
    RecipeText,
    Remedy,
    StageText,
    get_remedy,
)
from keras_imbalance.remedies.base import PLAIN_LOSS

SCHEDULES: tuple[str, ...] = ("cosine", "constant")
KEEP_OPTIONS: tuple[str, ...] = ("best", "last")

# metric name -> the ki.metrics class that reports it during fit; other metrics fall back to
# balanced accuracy (the snippet says so).
_METRIC_CLASSES: dict[str, str] = {
    "balanced_accuracy": "BalancedAccuracy",
    "macro_f1": "MacroF1",
}
_FALLBACK_METRIC = "balanced_accuracy"


def _literal(value: Any) -> str:
    """Python source for a number or string; floats use ``repr`` so they round-trip exactly."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if float(value).is_integer() and not isinstance(value, float):
        return repr(int(value))
    return repr(float(value))


def _check_params(remedy: Remedy, params: Any) -> dict[str, str]:
    """The tuned values of ``remedy`` as source literals, defaults filled in."""
    return {key: _literal(value) for key, value in remedy.check_params(params, "params").items()}


def _check_counts(counts: Any) -> list[int]:
    if isinstance(counts, str | bytes | Mapping) or not isinstance(counts, Sequence):
        raise TypeError(
            f"counts must be a list of training examples per class, such as [40, 15, 5], got "
            f"{short_repr(counts)}"
        )
    checked = [
        int(check_number(f"counts[{i}]", n, low=0, integer=True)) for i, n in enumerate(counts)
    ]
    if len(checked) < 2:
        raise ValueError(
            f"counts={short_repr(list(counts))} has {len(checked)} classes; a classifier needs "
            f"at least 2, so give the count of every class"
        )
    return checked


def _counts_line(counts: list[int]) -> str:
    # A plain list would read as labels in ki.class_weights; ClassCounts says they are counts.
    line = f"counts = ki.ClassCounts.from_counts({counts!r})  # training examples per class"
    if len(line) <= 100:
        return line
    rows, row = [], "   "
    for n in counts:
        if len(row) + len(str(n)) + 2 > 96:
            rows.append(row)
            row = "   "
        row += f" {n},"
    rows.append(row)
    return (
        "counts = ki.ClassCounts.from_counts(\n    [  # training examples per class\n"
        + "\n".join("    " + row for row in rows)
        + "\n    ]\n)"
    )


def _comment(text: str) -> str:
    """``text`` as ``#`` comment lines of at most 100 characters."""
    return "\n".join(textwrap.wrap(text, 98, initial_indent="# ", subsequent_indent="# "))


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.splitlines())


def _call(name: str, arguments: list[str], spaces: int = 0) -> str:
    """``name(...)`` with one argument per line and a trailing comma (stable under ruff format)."""
    body = "\n".join(_indent(argument, 4) + "," for argument in arguments)
    return _indent(f"{name}(\n{body}\n)", spaces)


def _list(name: str, items: list[str]) -> str:
    """``name=[...]`` with one item per line and a trailing comma."""
    body = "\n".join(_indent(item, 4) + "," for item in items)
    return f"{name}=[\n{body}\n]"


def recipe(
    strategy: str | Remedy,
    params: Mapping[str, Any],
    *,
    counts: Sequence[int],
    epochs: int,
    batch_size: int,
    learning_rate: float,
    schedule: str = "cosine",
    keep: str = "best",
    metric: str = "balanced_accuracy",
    head_epochs: int = 10,
    optimizer: Mapping[str, Any] | None = None,
    weight_decay: float | None = None,
    augment: Sequence[str] = (),
) -> str:
    """Python source that trains ``model`` with ``strategy`` and its tuned ``params``.

    The snippet expects ``model`` (an uncompiled ``keras.Model`` that outputs ``C`` logits, no
    softmax) and ``x_train, y_train`` (class indices ``0..C-1``); with ``keep="best"`` also
    ``x_val, y_val`` (to keep the epoch with the best validation ``metric``), while with
    ``keep="last"`` ``x_train, y_train`` are all the training data (the comparison's training
    and validation splits together) and ``fit`` runs the fixed ``epochs`` with no validation,
    as the final model of :mod:`~keras_imbalance.comparison.refit` trains. It compiles
    ``model`` with Adam or ``optimizer`` (cosine decay to 0 over ``epochs *
    ceil(len(x_train) / batch_size)`` steps, or a constant rate), trains it, and leaves the
    trained ``model``; ``"posthoc"`` also defines ``predict(x)``, which returns class
    indices. It imports only ``keras``, ``numpy as np`` and ``keras_imbalance as ki``.

    Args:
        strategy: one of :data:`RECIPE_STRATEGIES`, or a
            :class:`~keras_imbalance.remedies.Remedy` object.
        params: the strategy's tuned values, e.g. ``{"tau": 1.5}``; a missing key takes the
            default ``compare`` uses.
        counts: training examples per class (``C`` ints), embedded as a literal.
        epochs: training epochs.
        batch_size: samples per batch.
        learning_rate: Adam's (initial) learning rate.
        schedule: ``"cosine"`` (decay to 0 over all steps) or ``"constant"``.
        keep: ``"best"`` (weights of the best validation epoch) or ``"last"`` (all the data, no
            validation, the last epoch of a fixed count).
        metric: the validation metric that picks the best epoch; ``"balanced_accuracy"`` and
            ``"macro_f1"`` are reported during ``fit``, others fall back to balanced accuracy.
        head_epochs: epochs of the classifier re-training stage of ``"crt"``/``"crt_la"``.
        optimizer: the optimizer ``compare`` trained with, as recorded in its settings
            (:func:`~keras_imbalance.comparison.report.recipe_templates.optimizer_config`:
            ``{"class_name": "SGD", "config": {"momentum": 0.9}}``); ``None``: Adam.
        weight_decay: ``compare``'s decoupled weight decay (its settings' ``weight_decay``),
            written into the optimizer when ``params`` does not tune its own; ``None``: none.
        augment: the augmentation ``compare`` trained with
            (:mod:`~keras_imbalance.comparison.data.augment`), e.g. ``["flip", "translate"]``: the
            snippet trains ``augmented``, the block in front of ``model`` (sharing its
            weights), so ``model`` itself predicts without it. ``()``: none.

    Example:
        >>> text = recipe("balanced", {}, counts=[30, 10], epochs=5, batch_size=32,
        ...               learning_rate=0.001, schedule="constant", keep="last")
        >>> print(text[text.index("model.compile"):])
        model.compile(
            optimizer=keras.optimizers.Adam(0.001),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=[ki.metrics.BalancedAccuracy(num_classes=2, name="balanced_accuracy")],
        )
        model.fit(
            x_train,
            y_train,
            batch_size=32,
            epochs=5,
            class_weight=dict(ki.class_weights(counts, "balanced", normalize="mean")),
        )
        <BLANKLINE>
    """
    remedy = get_remedy(strategy, "strategy")
    values = _check_params(remedy, params)
    check_optimizer(optimizer)
    shared = None if weight_decay is None else check_number("weight_decay", weight_decay, low=0)
    options = _Options(
        counts=tuple(_check_counts(counts)),
        epochs=_whole("epochs", epochs),
        batch=_whole("batch_size", batch_size),
        rate=_literal(check_number("learning_rate", learning_rate, low=0, low_inclusive=False)),
        schedule=check_option("schedule", schedule, SCHEDULES),
        keep=check_option("keep", keep, KEEP_OPTIONS),
        metric=_check_metric(metric),
        head_epochs=_whole("head_epochs", head_epochs),
        optimizer=optimizer,
        weight_decay=values.get("weight_decay", None if shared is None else _literal(shared)),
        augment=check_augment(augment),
    )
    text = remedy.recipe_text(values, Context(options.counts, options.epochs))
    notes = _notes(remedy.name, values, text.summary, options)
    body = _training(text, options)
    if text.after:
        body.append(text.after.rstrip("\n"))
    if text.head is not None:
        body.append(_head(text.head, options))
    if text.stage is not None:
        body.append(_stage(text.stage, options))
    return _assemble(notes, "\n".join(body), options.counts)


@dataclass(frozen=True)
class _Options:
    """The checked settings of one snippet; ``rate`` is source, ``monitor`` the fit metric."""

    counts: tuple[int, ...]
    epochs: int
    batch: int
    rate: str
    schedule: str
    keep: str
    metric: str
    head_epochs: int
    optimizer: Mapping[str, Any] | None
    weight_decay: str | None = None
    augment: tuple[str, ...] = ()

    @property
    def trained(self) -> str:
        """The model the snippet compiles and fits: ``augmented`` shares ``model``'s weights."""
        return "augmented" if self.augment else "model"

    @property
    def num_classes(self) -> int:
        return len(self.counts)

    @property
    def monitor(self) -> str:
        return self.metric if self.metric in _METRIC_CLASSES else _FALLBACK_METRIC

    @property
    def metric_line(self) -> str:
        return (
            f"metrics=[ki.metrics.{_METRIC_CLASSES[self.monitor]}(num_classes="
            f'{self.num_classes}, name="{self.monitor}")]'
        )

    def optimizer_line(self, epochs: int, weight_decay: str | None = None) -> str:
        decay = self.weight_decay if weight_decay is None else weight_decay
        return optimizer_source(self.rate, self.schedule, str(epochs), self.optimizer, decay)

    def best_epoch(self, patience: int) -> list[str]:
        """The callback that keeps the best validation epoch (none with ``keep="last"``)."""
        if self.keep == "last":
            return []
        return [
            "keras.callbacks.EarlyStopping(\n"
            f'    monitor="val_{self.monitor}", mode="max", patience={patience}, '
            "restore_best_weights=True\n"
            ")"
        ]


def _whole(name: str, value: Any) -> int:
    return int(check_number(name, value, low=1, integer=True))


def _check_metric(metric: Any) -> str:
    if not isinstance(metric, str) or not metric:
        raise TypeError(
            f"metric must be a metric name such as 'macro_f1', got {short_repr(metric)}"
        )
    return metric


def _notes(name: str, values: Mapping[str, str], summary: str, options: _Options) -> list[str]:
    """The comment lines that open the snippet: what it trains, what it needs, what differs."""
    tuned = format_params(values)
    c = options.num_classes
    data = (
        f"x_train, y_train (class indices 0..{c - 1}); x_val, y_val (to keep the best epoch)."
        if options.keep == "best"
        else f"x_train, y_train (class indices 0..{c - 1}): all your training data, validation "
        f"included: nothing is held back, and fit runs a fixed {plural(options.epochs, 'epoch')}."
    )
    notes = [
        f'Trains `model` with strategy "{name}"'
        + (f" ({tuned})" if tuned else "")
        + ", as `keras-imbalance compare` did: "
        + summary
        + ".",
        f"Needs: model, an uncompiled keras.Model that outputs {c} logits (no softmax); " + data,
    ]
    known = check_optimizer(options.optimizer)
    if known is not None and not known[1]:
        notes.append(
            f"compare trained with the optimizer {known[0]!r}, which keras.optimizers "
            "does not hold; put it in place of Adam below."
        )
    if options.monitor != options.metric:
        notes.append(
            f"compare ranked by {options.metric!r}; this recipe keeps the epoch with the best "
            "balanced accuracy."
        )
    return [_comment(note) for note in notes]


def _training(text: RecipeText, options: _Options) -> list[str]:
    """The lines that compile and fit ``model`` the remedy's way."""
    body: list[str] = []
    batch, num_classes = options.batch, options.num_classes
    uses_steps = (
        options.schedule == "cosine"
        or text.data == "balanced"
        or (text.head is not None and text.head.balanced)
    )
    if uses_steps:
        body.append(f"steps_per_epoch = int(np.ceil(len(x_train) / {batch}))")
    y_fit, y_val = "y_train", "y_val"
    validated = options.keep == "best"
    if text.data in ("one_hot", "mixup"):
        body.append("# The loss takes one-hot (or mixed) targets.")
        body.append(f"y_train_one_hot = keras.utils.to_categorical(y_train, {num_classes})")
        if validated:
            body.append(f"y_val_one_hot = keras.utils.to_categorical(y_val, {num_classes})")
        y_fit, y_val = "y_train_one_hot", "y_val_one_hot"
    compile_args = [
        "optimizer=" + options.optimizer_line(options.epochs),
        "loss=" + text.loss,
        options.metric_line,
    ]
    body.extend(_augmentation(options.augment))
    trained = options.trained
    if text.sharpness:  # the wrapper trains the model and shares its weights
        body.append(_comment("The wrapper trains `model` (sharing its weights) with SAM steps."))
        body.append("sharp = " + text.sharpness.replace("{model}", trained))
        trained = "sharp"
    body.append(_call(f"{trained}.compile", compile_args))
    if text.data == "mixup":
        mixup_args = ["x_train", "y_train", f"batch_size={batch}", f"alpha={text.mixup_alpha}"]
        mixup_args += [f"class_weight=[1.0] * {num_classes}", "seed=0"]
        if text.mix_mode != "mixup":
            mixup_args.append(f'mode="{text.mix_mode}"')
        body.append(_call("mixup = ki.MixupBatches", mixup_args))
        fit_args = ["mixup"]
    elif text.data == "balanced":
        body.append("# As many gradient steps per epoch as training on x_train once.")
        fit_args = [
            f'ki.BalancedBatches(x_train, y_train, batch_size={batch}, sampling="oversample", '
            "seed=0)",
            "steps_per_epoch=steps_per_epoch",
        ]
    else:
        fit_args = ["x_train", y_fit, f"batch_size={batch}"]
    fit_args.append(f"epochs={options.epochs}")
    if validated:
        fit_args.append(f"validation_data=(x_val, {y_val})")
    if text.class_weight is not None:
        fit_args.append("class_weight=" + text.class_weight)
    callbacks = [*options.best_epoch(options.epochs), *text.callbacks]
    if callbacks:
        fit_args.append(_list("callbacks", callbacks))
    body.append(_call(f"{trained}.fit", fit_args))
    return body


def _augmentation(augment: tuple[str, ...]) -> list[str]:
    """The lines that put compare's augmentation block in front of ``model``, if any."""
    if not augment:
        return []
    names = ", ".join(f'"{name}"' for name in augment)
    return [
        _comment(
            "Augmentation as compare trained: active only in training; `augmented` shares the "
            "weights of `model`, which predicts without it."
        ),
        "inputs = keras.Input(model.input_shape[1:])",
        f"augmented = keras.Model(inputs, model(ki.comparison.Augmentation([{names}])(inputs)))",
    ]


def _assemble(notes: list[str], code: str, counts: tuple[int, ...]) -> str:
    """The comments, the imports the code uses, the counts it uses, then the code."""
    # One block, sorted as a user's project sees it: keras_imbalance is a third-party package.
    imports = ["import keras", "import keras_imbalance as ki"]
    if "np." in code:
        imports.append("import numpy as np")
    header = [*notes, *imports, ""]
    if "counts" in code:
        header.append(_counts_line(list(counts)))
    return "\n".join([*header, code]) + "\n"


def _head(head: HeadText, options: _Options) -> str:
    """The classifier re-training stage (Kang et al. 2020) of ``"crt"`` and ``"crt_la"``."""
    batch, epochs = options.batch, options.head_epochs
    if head.balanced:
        data = [
            f"ki.BalancedBatches(f_train, y_train, batch_size={batch}, seed=0)",
            "steps_per_epoch=steps_per_epoch",
        ]
    else:
        data = ["f_train", "y_train", f"batch_size={batch}"]
    constraint = ""
    if head.max_norm:  # MaxNorm on the head's class vectors
        constraint = (
            f", kernel_constraint=keras.constraints.MaxNorm(max_value={head.max_norm}, axis=0)"
        )
    compile_args = [
        "optimizer=" + options.optimizer_line(epochs),
        f"loss={head.loss}",
        options.metric_line,
    ]
    lines = [
        _comment(f"Classifier re-training (Kang et al. 2020): keep the features, {head.why}."),
        "features = keras.Model(model.input, model.layers[-1].input)",
        "f_train = features.predict(x_train, verbose=0)",
        *(["f_val = features.predict(x_val, verbose=0)"] if options.keep == "best" else []),
        f"head = keras.Sequential([keras.Input((f_train.shape[-1],)), "
        f"keras.layers.Dense({options.num_classes}{constraint})])",
        _call("head.compile", compile_args),
    ]
    fit_args = [*data, f"epochs={epochs}"]
    if options.keep == "best":
        fit_args.append("validation_data=(f_val, y_val)")
    callbacks = options.best_epoch(epochs)
    if callbacks:
        fit_args.append(_list("callbacks", callbacks))
    lines.append(_call("head.fit", fit_args))
    lines.append("model = keras.Model(model.input, head(features.output))")
    return "\n".join(lines)


def _stage(stage: StageText, options: _Options) -> str:
    """The classifier stage of weight balancing (Alshammari et al. 2022), on the same model."""
    compile_args = [
        "optimizer=" + options.optimizer_line(stage.epochs, stage.weight_decay),
        "loss=" + PLAIN_LOSS,
        options.metric_line,
    ]
    fit_args = ["x_train", "y_train", f"batch_size={options.batch}", f"epochs={stage.epochs}"]
    if options.keep == "best":  # to watch; the stage keeps its last epoch, as compare does
        fit_args.append("validation_data=(x_val, y_val)")
    fit_args.append("class_weight=" + stage.class_weight)
    lines = [
        _comment(
            "Weight balancing, stage 2 (Alshammari et al. 2022): freeze every layer but the "
            "classifier, and train it again with class-balanced weights, weight decay and "
            "MaxNorm on its class vectors."
        ),
        "for layer in model.layers[:-1]:",
        "    layer.trainable = False",
        "model.layers[-1].kernel.constraint = keras.constraints.MaxNorm("
        f"max_value={stage.max_norm}, axis=0)",
        _call("model.compile", compile_args),
        _call("model.fit", fit_args),
    ]
    return "\n".join(lines)


__all__ = ["KEEP_OPTIONS", "RECIPE_STRATEGIES", "SCHEDULES", "optimizer_config", "recipe"]
