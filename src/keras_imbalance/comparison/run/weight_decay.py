"""Decoupled weight decay in :func:`~keras_imbalance.comparison.compare`: a knob of every trained
remedy, and the optimizer every run builds.

Keras 3's optimizers take ``weight_decay`` and apply it before each step, decoupled from the
gradient (Loshchilov & Hutter 2019) and scaled by the learning rate of that step::

    w <- w - learning_rate * weight_decay * w      (then the optimizer's own update)

so ``Adam(weight_decay=...)`` is AdamW, and the decay a run sees is ``weight_decay`` times the
(cosine-decayed) rate: at ``learning_rate=3e-3`` and 10 epochs, ``5e-4`` does nothing; a grid
like ``(0, 0.05, 0.3)`` spans the scale that matters. Every trainable variable decays, the biases
included (Keras's rule, unless the optimizer excludes some).

The value of a run: its params' ``weight_decay`` when a grid tunes it
(:data:`~keras_imbalance.remedies.base.WEIGHT_DECAY`), else ``compare(weight_decay=...)``
(:func:`resolve_weight_decay`: 0, or the user's optimizer's own). A user's optimizer that sets
its own decay is never silently overridden: a different value asked for is an error
(:func:`check_decay_grids`).

The head remedies re-use the ``"none"`` model of each seed: the one trained with ``compare``'s
``weight_decay`` (:func:`is_shared_none`), so a grid on ``"none"``'s ``weight_decay`` must hold
that value when head remedies are compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from keras_imbalance._validation import check_number, short_repr


def own_weight_decay(optimizer: Any) -> float | None:
    """The decay the user set on ``optimizer`` (its class default does not count), or ``None``.

    Example:
        >>> import keras
        >>> own_weight_decay(keras.optimizers.SGD(weight_decay=0.01))
        0.01
        >>> own_weight_decay("adamw") is None  # AdamW's default 0.004 is not the user's choice
        True
    """
    if optimizer is None:
        return None
    import keras

    given = keras.optimizers.get(optimizer)
    value = given.get_config().get("weight_decay")
    try:
        default = type(given)().get_config().get("weight_decay")
    except TypeError:  # an optimizer without defaults: all its settings are the user's
        default = None
    return None if value is None or value == default else float(value)


def resolve_weight_decay(weight_decay: Any, optimizer: Any) -> float:
    """``compare``'s shared decay: ``weight_decay`` checked, or (``None``) the optimizer's own.

    ``None`` means 0 with the default Adam, and the optimizer's own value (its class default
    included, e.g. AdamW's 0.004) with a user's optimizer.

    Example:
        >>> resolve_weight_decay(None, None), resolve_weight_decay(0.05, None)
        (0.0, 0.05)
        >>> resolve_weight_decay(-1, None)
        Traceback (most recent call last):
        ...
        ValueError: weight_decay=-1 is out of range; it must lie in [0, inf]
    """
    own = own_weight_decay(optimizer)
    if weight_decay is None:
        if optimizer is None:
            return 0.0
        import keras

        value = keras.optimizers.get(optimizer).get_config().get("weight_decay")
        return 0.0 if value is None else float(value)
    value = float(check_number("weight_decay", weight_decay, low=0.0))
    if own is not None and value != own:
        raise ValueError(
            f"weight_decay={weight_decay!r} differs from the weight_decay={own!r} that "
            f"compile_kwargs['optimizer'] sets; give one of them (compare does not override "
            f"your optimizer's own setting)"
        )
    return value


def check_decay_grids(
    grids: Mapping[str, Mapping[str, list[Any]]],
    remedies: Sequence[Any],
    compile_kwargs: Mapping[str, Any] | None,
    training: Any,
) -> None:
    """Refuse a tuned ``weight_decay`` that would override the user's optimizer's own, and a
    ``"none"`` grid without ``training.weight_decay`` (compare's) when head remedies (in
    ``remedies``) need that ``"none"`` model.

    Example:
        >>> from types import SimpleNamespace
        >>> from keras_imbalance.remedies import get_remedy
        >>> remedies, shared = [get_remedy("none"), get_remedy("posthoc")], SimpleNamespace(
        ...     weight_decay=0.0)
        >>> check_decay_grids({"none": {"weight_decay": [0.0, 0.05]}}, remedies, None, shared)
        >>> check_decay_grids({"none": {"weight_decay": [0.05]}}, remedies, None, shared)
        Traceback (most recent call last):
        ...
        ValueError: grids['none']['weight_decay']=[0.05] leaves out compare's weight_decay=0.0, ...
    """
    own = own_weight_decay(dict(compile_kwargs or {}).get("optimizer"))
    shared = float(training.weight_decay or 0.0)
    head_remedies = any(remedy.kind == "head" for remedy in remedies)
    for name, grid in grids.items():
        values = list(grid.get("weight_decay", []))
        other = [value for value in values if own is not None and value != own]
        if other:
            raise ValueError(
                f"grids[{name!r}]['weight_decay']={short_repr(values)} asks for "
                f"{other[0]!r}, but compile_kwargs['optimizer'] sets its own "
                f"weight_decay={own!r}; drop weight_decay from the grid, or from the optimizer"
            )
    none_values = list(grids.get("none", {}).get("weight_decay", []))
    if head_remedies and none_values and shared not in none_values:
        raise ValueError(
            f"grids['none']['weight_decay']={short_repr(none_values)} leaves out compare's "
            f"weight_decay={shared!r}, the 'none' run the head remedies are built on; add "
            f"{shared!r} to the grid or set compare's weight_decay to one of its values"
        )


def is_shared_none(params: Mapping[str, Any], shared: float) -> bool:
    """Whether a ``"none"`` run's ``params`` train it with ``compare``'s decay ``shared``: the
    run the head remedies are built on.

    Example:
        >>> is_shared_none({}, 0.0), is_shared_none({"weight_decay": 0.05}, 0.0)
        (True, False)
    """
    return float(params.get("weight_decay", shared)) == float(shared)


def with_weight_decay(config: Mapping[str, Any], weight_decay: float) -> dict[str, Any]:
    """An optimizer ``config`` with ``weight_decay`` set (left ``None`` when it is 0 and unset).

    Example:
        >>> with_weight_decay({"weight_decay": None}, 0.0), with_weight_decay({}, 0.05)
        ({'weight_decay': None}, {'weight_decay': 0.05})
    """
    config = dict(config)
    if weight_decay or config.get("weight_decay") is not None:
        config["weight_decay"] = float(weight_decay)
    return config


def make_optimizer(
    learning_rate: float,
    schedule: str,
    decay_steps: int,
    optimizer: Any,
    weight_decay: float,
) -> Any:
    """A fresh optimizer for one run: Adam, or ``optimizer`` (cloned), with the rate (cosine to 0
    over ``decay_steps`` steps, or constant) and the decoupled ``weight_decay``.

    Example:
        >>> make_optimizer(0.01, "constant", 10, None, 0.05).weight_decay
        0.05
        >>> make_optimizer(0.01, "constant", 10, None, 0.0).weight_decay is None
        True
    """
    import keras

    rate: Any = learning_rate
    if schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(
            learning_rate, decay_steps=max(1, decay_steps)
        )
    if optimizer is None:  # no decay: Adam exactly as without the knob
        return keras.optimizers.Adam(rate, weight_decay=weight_decay or None)
    template = keras.optimizers.get(optimizer)
    config = with_weight_decay(template.get_config(), weight_decay)
    config["learning_rate"] = rate
    return template.__class__.from_config(config)
