"""The recipe's shared source text: which strategies it writes, and the optimizer line.

The lines that differ per strategy come from each remedy
(:meth:`keras_imbalance.remedies.Remedy.recipe_text`); what is left here is the optimizer:
Adam, or the optimizer ``compare`` was given (``compile_kwargs={"optimizer": ...}``), recorded
in the result's settings by :func:`optimizer_config` and written back by
:func:`optimizer_source`, with the learning rate (or its cosine schedule) as its first argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keras_imbalance._validation import short_repr
from keras_imbalance.remedies import REMEDIES

RECIPE_STRATEGIES: tuple[str, ...] = tuple(REMEDIES)
_LITERAL_TYPES = (bool, int, float, str, type(None))
# Set per run by compare (the schedule), or no part of the optimizer's behaviour.
_SKIPPED = frozenset({"name", "learning_rate"})


def optimizer_config(optimizer: Any) -> dict[str, Any] | None:
    """The optimizer given to ``compare`` as JSON: its class and its non-default settings.

    ``None`` (Adam) stays ``None``. The learning rate is left out: ``compare`` replaces it with
    its own rate or schedule.

    Example:
        >>> import keras
        >>> optimizer_config(keras.optimizers.SGD(0.5, momentum=0.9))
        {'class_name': 'SGD', 'config': {'momentum': 0.9}}
        >>> optimizer_config("rmsprop")
        {'class_name': 'RMSprop', 'config': {}}
    """
    if optimizer is None:
        return None
    import keras

    given = keras.optimizers.get(optimizer)
    config = given.get_config()
    try:
        default = type(given)().get_config()
    except TypeError:  # an optimizer without defaults: keep its whole configuration
        default = {}
    kept = {
        key: value
        for key, value in config.items()
        if key not in _SKIPPED
        and isinstance(value, _LITERAL_TYPES)
        and (key not in default or default[key] != value)
    }
    return {"class_name": type(given).__name__, "config": kept}


def check_optimizer(optimizer: Any) -> tuple[str, bool] | None:
    """The recorded optimizer's class name, and whether ``keras.optimizers`` holds it."""
    if optimizer is None:
        return None
    if (
        not isinstance(optimizer, Mapping)
        or not isinstance(optimizer.get("class_name"), str)
        or not optimizer["class_name"].isidentifier()
        or not isinstance(optimizer.get("config", {}), Mapping)
    ):
        raise TypeError(
            f"optimizer={short_repr(optimizer)} must be None or a dict like "
            f"{{'class_name': 'SGD', 'config': {{'momentum': 0.9}}}} (see optimizer_config)"
        )
    import keras

    name = optimizer["class_name"]
    return name, isinstance(getattr(keras.optimizers, name, None), type)


def optimizer_source(
    learning_rate: str,
    schedule: str,
    epochs: str,
    optimizer: Mapping[str, Any] | None,
    weight_decay: str | None = None,
) -> str:
    """Source of the optimizer: its rate, or a cosine decay over ``epochs`` epochs of steps, and
    its decoupled ``weight_decay`` (a source literal; left out when it is 0 with Adam).

    Example:
        >>> optimizer_source("0.01", "constant", "5", None)
        'keras.optimizers.Adam(0.01)'
        >>> print(optimizer_source("0.01", "constant", "5",
        ...       {"class_name": "SGD", "config": {"momentum": 0.9}}))
        keras.optimizers.SGD(
            0.01,
            momentum=0.9,
        )
        >>> optimizer_source("0.01", "constant", "5", None, weight_decay="0.05")
        'keras.optimizers.Adam(0.01, weight_decay=0.05)'
    """
    rate = learning_rate
    if schedule != "constant":
        rate = (
            f"keras.optimizers.schedules.CosineDecay({learning_rate}, "
            f"decay_steps={epochs} * steps_per_epoch)"
        )
    known = check_optimizer(optimizer)
    name = "Adam" if known is None or not known[1] else known[0]
    config = {} if optimizer is None or not known or not known[1] else optimizer.get("config", {})
    if weight_decay is not None:  # the run's own value, in place of the recorded one
        config = {key: value for key, value in config.items() if key != "weight_decay"}
    settings = [f"{key}={value!r}" for key, value in config.items()]
    if weight_decay is not None and (optimizer is not None or float(weight_decay) != 0.0):
        settings.append(f"weight_decay={weight_decay}")
    if schedule == "constant" and settings == [f"weight_decay={weight_decay}"]:
        return f"keras.optimizers.{name}({rate}, weight_decay={weight_decay})"
    if not settings:
        if schedule == "constant":
            return f"keras.optimizers.{name}({rate})"
        return f"keras.optimizers.{name}(\n    {rate}\n)"
    body = "\n".join(f"    {argument}," for argument in [rate, *settings])
    return f"keras.optimizers.{name}(\n{body}\n)"
