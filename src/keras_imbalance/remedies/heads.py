"""Head remedies: a new classifier on the frozen features of the ``"none"`` model of each seed.

Kang et al. (2020, "Decoupling representation and classifier for long-tailed recognition")
found that plain cross-entropy learns good features and that most of the imbalance sits in the
last layer, so these reuse the ``"none"`` model: each costs a matrix product
(:class:`PostHoc`, :class:`TauNorm`) or a few seconds of training one ``Dense`` layer
(:class:`Retrained`, with a trained remedy's setup: ``crt``, ``crt_la``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from keras_imbalance.remedies.base import (
    Context,
    FrozenClassifier,
    HeadRemedy,
    HeadText,
    Knob,
    RecipeText,
    Remedy,
    Setup,
)

_POSTHOC = """\


# Post-hoc logit adjustment (Menon et al. 2021): subtract tau * log(prior) before the argmax.
def predict(x):
    return np.argmax(ki.adjust_logits(model.predict(x, verbose=0), counts, tau={tau}), axis=-1)
"""
_TAU_NORM = """\
# tau-normalisation (Kang et al. 2020): divide each class's weight vector by its norm ** tau.
kernel, bias = model.layers[-1].get_weights()
norms = np.linalg.norm(kernel, axis=0, keepdims=True)
model.layers[-1].set_weights([kernel / norms**{tau}, bias])
"""


def tau_normalized_logits(
    features: np.ndarray, kernel: np.ndarray, bias: np.ndarray, tau: float
) -> np.ndarray:
    """Logits of the tau-normalised classifier: ``f @ (W / ||W||^tau) + b`` (norms per class).

    Example:
        >>> f = np.array([[1.0, 0.0]])
        >>> w = np.array([[3.0, 0.0], [4.0, 1.0]])  # class norms 5 and 1
        >>> tau_normalized_logits(f, w, np.zeros(2), 1.0).tolist()
        [[0.6, 0.0]]
    """
    norms = np.linalg.norm(kernel, axis=0, keepdims=True)
    scale = np.where(norms > 0, norms, 1.0) ** float(tau)
    return features @ (kernel / scale) + bias


class PostHoc(HeadRemedy):
    """The ``"none"`` logits adjusted by ``-tau * log(prior)`` (Menon et al. 2021, Eq. 8).

    Example:
        >>> frozen = FrozenClassifier(np.eye(2), np.zeros((2, 2)), np.zeros(2), (90, 10))
        >>> PostHoc().head_logits({"tau": 1.0}, frozen).round(3).tolist()
        [[0.105, 2.303], [0.105, 2.303]]
    """

    name = "posthoc"
    summary = "plain training, then post-hoc logit adjustment"
    knobs = (Knob("tau", 1.0, grid=tuple(round(0.25 * i, 2) for i in range(13)), low=0.0),)

    def head_logits(self, params: Mapping[str, Any], frozen: FrozenClassifier) -> np.ndarray:
        from keras_imbalance.bias import adjust_logits

        logits = np.asarray(frozen.logits, dtype="float64")
        return np.asarray(adjust_logits(logits, list(frozen.counts), tau=float(params["tau"])))

    def head_weights(
        self, params: Mapping[str, Any], frozen: FrozenClassifier
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``"none"`` kernel, and its bias shifted by ``-tau * log(prior)``."""
        from keras_imbalance.bias import adjust_logits

        bias = np.asarray(frozen.bias, dtype="float64")[None]
        shifted = adjust_logits(bias, list(frozen.counts), tau=float(params["tau"]))
        return np.asarray(frozen.kernel, dtype="float64"), np.asarray(shifted)[0]

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        return replace(text, after=_POSTHOC.format(tau=values["tau"]))


class TauNorm(HeadRemedy):
    """Each class's weight vector divided by its norm to the power ``tau`` (Kang et al. 2020).

    ``tau = 0`` is the ``"none"`` model.

    Example:
        >>> frozen = FrozenClassifier(np.eye(2), np.array([[3.0, 0.0], [4.0, 1.0]]),
        ...                           np.zeros(2), (90, 10))
        >>> TauNorm().head_logits({"tau": 1.0}, frozen).tolist()
        [[0.6, 0.0], [0.8, 1.0]]
    """

    name = "tau_norm"
    summary = "plain training, then tau-normalised classifier weights"
    knobs = (Knob("tau", 1.0, grid=tuple(round(0.1 * i, 1) for i in range(21)), low=0.0),)

    def head_logits(self, params: Mapping[str, Any], frozen: FrozenClassifier) -> np.ndarray:
        return tau_normalized_logits(
            frozen.features, frozen.kernel, frozen.bias, float(params["tau"])
        )

    def head_weights(
        self, params: Mapping[str, Any], frozen: FrozenClassifier
    ) -> tuple[np.ndarray, np.ndarray]:
        """``W / ||W||^tau`` (norms per class) and the ``"none"`` bias."""
        kernel = np.asarray(frozen.kernel, dtype="float64")
        unit = np.eye(len(kernel))
        normalised = tau_normalized_logits(unit, kernel, np.zeros(kernel.shape[1]), params["tau"])
        return normalised, np.asarray(frozen.bias, dtype="float64")

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        return replace(text, after=_TAU_NORM.format(tau=values["tau"]))


MAX_NORM = Knob("max_norm", None, low=0.0, low_inclusive=False)
"""The knob of a re-trained head (:class:`Retrained`) beside its remedy's: absent, the head is
unconstrained; a grid value puts ``keras.constraints.MaxNorm(max_norm, axis=0)`` on its class
vectors, as weight balancing's classifier stage does (Alshammari et al. 2022)."""


class Retrained(HeadRemedy):
    """Classifier re-training (Kang et al. 2020): a fresh last layer trained with ``remedy``.

    The features stay frozen; the head trains with ``remedy``'s setup (``crt``: class-balanced
    batches; ``crt_la``: the logit-adjusted loss), and its knobs are ``remedy``'s. It also takes
    :data:`MAX_NORM` when a grid names it (``grids={"crt": {"max_norm": [1.0, 2.0]}}``).

    Example:
        >>> from keras_imbalance.remedies.resample import Resample
        >>> crt = Retrained(Resample(), name="crt", summary="...", why="...")
        >>> crt.head_setup({}, Context((30, 10), 10)).balanced_batches
        True
        >>> crt.head_setup({}, Context((30, 10), 10)).max_norm is None
        True
        >>> crt.head_setup(crt.check_params({"max_norm": 2}), Context((30, 10), 10)).max_norm
        2.0
    """

    def __init__(self, remedy: Remedy, *, name: str, summary: str, why: str) -> None:
        if not isinstance(remedy, Remedy) or remedy.kind != "trained":
            raise TypeError(f"remedy={remedy!r} must be a trained Remedy")
        self.remedy = remedy
        self.name = name
        self.summary = summary
        self.why = why
        self.knobs = remedy.knobs

    def shared_knobs(self) -> tuple[Knob, ...]:
        """:data:`MAX_NORM`, present only when a grid or ``params`` name it."""
        return (MAX_NORM,)

    def head_setup(self, params: Mapping[str, Any], context: Context) -> Setup | None:
        own = {key: value for key, value in params.items() if key != MAX_NORM.name}
        setup = self.remedy.setup(own, context)
        if params.get(MAX_NORM.name) is None:
            return setup
        return replace(setup, max_norm=float(params[MAX_NORM.name]))

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        own = {key: value for key, value in values.items() if key != MAX_NORM.name}
        head = self.remedy.recipe_text(own, context)
        balanced = head.data == "balanced"
        max_norm = values.get(MAX_NORM.name, "")
        return replace(
            text,
            head=HeadText(why=self.why, loss=head.loss, balanced=balanced, max_norm=max_norm),
        )
