"""One sharpness-aware training step per backend, for :class:`~.model.SharpnessAwareModel`.

Every backend computes the same update (:mod:`~.perturbation` has the math):

1. at ``w``: the head loss ``L_H`` (which also holds the model's regularisation losses, taken
   at ``w`` like the authors' weight decay) and the tail loss ``L_T``, and their gradients;
2. ``eps = rho * grad L_T(w) / ||grad L_T(w)||``;
3. at ``w + eps``: ``grad L_T(w + eps)``;
4. the optimizer applies ``grad L_H(w) + grad L_T(w + eps)`` to ``w``.

Plain SAM is the case where every class is a tail class (``L_H`` is the regularisation alone).
The non-trainable variables (batch-norm statistics, seed states) keep the values of the pass
at ``w``. The logged loss and the metrics are those at ``w``, as in a plain step.
"""

from __future__ import annotations

from typing import Any

from keras_imbalance.sharpness.perturbation import ascent_step, split_weights


def loss_parts(model: Any, x: Any, y: Any, y_pred: Any, sample_weight: Any) -> tuple[Any, Any]:
    """``(L_H + regularisation, L_T)`` from the compiled loss, with the split sample weights."""
    from keras import ops

    from keras_imbalance.labels.tensors import class_indices

    labels = class_indices(y, y_pred)
    head_weight, tail_weight = split_weights(labels, sample_weight, model.tail_classes)
    head = model.compute_loss(x, y, y_pred, head_weight, training=True)
    # The same call with zero weights is the regularisation alone: the tail part leaves it out.
    tail = model.compute_loss(x, y, y_pred, tail_weight, training=True) - model.compute_loss(
        x, y, y_pred, ops.zeros_like(tail_weight), training=True
    )
    return head, tail


def _filled(gradients: Any, variables: Any) -> list[Any]:
    """Gradients with ``None`` (a variable the loss does not reach) as zeros."""
    from keras import ops

    return [
        ops.zeros(v.shape, dtype=v.dtype) if g is None else g
        for g, v in zip(gradients, variables, strict=True)
    ]


def _logs(model: Any, x: Any, y: Any, y_pred: Any, sample_weight: Any, loss: Any) -> Any:
    """The loss tracker and the compiled metrics updated at ``w`` (stateful backends)."""
    from keras import ops, tree

    batch = ops.shape(next(i for i in tree.flatten(x) if i is not None))[0]
    model._loss_tracker.update_state(loss, sample_weight=batch)
    return model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)


def tensorflow_step(model: Any, data: Any) -> Any:
    """The step with ``tf.GradientTape``."""
    import keras
    import tensorflow as tf

    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    variables = model.trainable_variables
    with tf.GradientTape(persistent=True) as tape:
        y_pred = model(x, training=True)
        head, tail = loss_parts(model, x, y, y_pred, sample_weight)
    head_grads = _filled(tape.gradient(head, variables), variables)
    tail_grads = _filled(tape.gradient(tail, variables), variables)
    del tape
    kept = [tf.identity(v.value) for v in model.non_trainable_variables]
    eps = ascent_step(tail_grads, model.rho)
    for variable, step in zip(variables, eps, strict=True):
        variable.assign_add(step)
    with tf.GradientTape() as tape:
        _, shifted = loss_parts(model, x, y, model(x, training=True), sample_weight)
    shifted_grads = _filled(tape.gradient(shifted, variables), variables)
    for variable, step in zip(variables, eps, strict=True):
        variable.assign_sub(step)
    for variable, value in zip(model.non_trainable_variables, kept, strict=True):
        variable.assign(value)
    grads = [a + b for a, b in zip(head_grads, shifted_grads, strict=True)]
    model.optimizer.apply(grads, variables)
    return _logs(model, x, y, y_pred, sample_weight, head + tail)


def torch_step(model: Any, data: Any) -> Any:
    """The step with ``torch.autograd.grad``."""
    import keras
    import torch

    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    variables = model.trainable_variables
    params = [v.value for v in variables]
    y_pred = model(x, training=True)
    head, tail = loss_parts(model, x, y, y_pred, sample_weight)
    head_grads = _filled(
        torch.autograd.grad(head, params, retain_graph=True, allow_unused=True), variables
    )
    tail_grads = _filled(torch.autograd.grad(tail, params, allow_unused=True), variables)
    with torch.no_grad():
        kept = [v.value.detach().clone() for v in model.non_trainable_variables]
        eps = ascent_step(tail_grads, model.rho)
        for variable, step in zip(variables, eps, strict=True):
            variable.assign_add(step)
    _, shifted = loss_parts(model, x, y, model(x, training=True), sample_weight)
    shifted_grads = _filled(torch.autograd.grad(shifted, params, allow_unused=True), variables)
    with torch.no_grad():
        for variable, step in zip(variables, eps, strict=True):
            variable.assign_sub(step)
        for variable, value in zip(model.non_trainable_variables, kept, strict=True):
            variable.assign(value)
        grads = [a + b for a, b in zip(head_grads, shifted_grads, strict=True)]
        model.optimizer.apply(grads, variables)
    return _logs(model, x, y, y_pred.detach(), sample_weight, (head + tail).detach())


def jax_step(model: Any, state: Any, data: Any) -> tuple[Any, Any]:
    """The stateless step: ``(logs, state)`` from ``state = (trainable, non_trainable,
    optimizer, metrics)`` variables, like Keras's own JAX ``train_step``."""
    import jax
    import keras

    trainable, non_trainable, optimizer_vars, metrics_vars = state
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)

    def parts(weights: Any) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
        y_pred, new_non_trainable, losses = model.stateless_call(
            weights, non_trainable, x, return_losses=True, training=True
        )
        mapping = [
            *zip(model.trainable_variables, weights, strict=True),
            *zip(model.non_trainable_variables, new_non_trainable, strict=True),
            *zip(model.metrics_variables, metrics_vars, strict=True),
        ]
        if losses:  # the activity losses of this pass, for compute_loss (as Keras does)
            model._losses_override = losses
        try:
            with keras.StatelessScope(state_mapping=mapping):
                pair = loss_parts(model, x, y, y_pred, sample_weight)
        finally:
            if losses:
                model._losses_override = []
        return pair, (y_pred, new_non_trainable)

    (head, tail), pullback, (y_pred, new_non_trainable) = jax.vjp(parts, trainable, has_aux=True)
    one, zero = jax.numpy.ones_like(head), jax.numpy.zeros_like(head)
    (head_grads,) = pullback((one, zero))
    (tail_grads,) = pullback((zero, one))
    eps = ascent_step(tail_grads, model.rho)
    shifted = [w + e for w, e in zip(trainable, eps, strict=True)]
    shifted_grads = jax.grad(lambda weights: parts(weights)[0][1])(shifted)
    grads = [a + b for a, b in zip(head_grads, shifted_grads, strict=True)]
    trainable, optimizer_vars = model.optimizer.stateless_apply(optimizer_vars, grads, trainable)
    logs, metrics_vars = model._update_metrics_variables(
        metrics_vars, head + tail, x, y, y_pred, sample_weight
    )
    return logs, (trainable, new_non_trainable, optimizer_vars, metrics_vars)


def train_step(model: Any, *args: Any) -> Any:
    """The step of the running backend: ``jax_step(model, state, data)``, or
    ``tensorflow_step``/``torch_step(model, data)``."""
    import keras

    backend = keras.backend.backend()
    step = globals().get(f"{backend}_step")
    if backend not in ("jax", "tensorflow", "torch") or step is None:
        raise NotImplementedError(
            f"SharpnessAwareModel trains on the tensorflow, jax and torch backends, not "
            f"{backend!r}; set KERAS_BACKEND to one of them"
        )
    return step(model, *args)
