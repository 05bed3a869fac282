"""Sharpness-aware minimisation as remedies: ``"sam"`` and ``"imbsam"``.

Both train through :class:`~keras_imbalance.SharpnessAwareModel` (:class:`SharpnessSettings`
in the run's :class:`~.base.Setup`), with plain cross-entropy; each gradient step costs about
twice a plain one, so neither is in the default run.

* ``"sam"`` (Foret et al., ICLR 2021): ``w <- w - lr * grad L(w + eps)``,
  ``eps = rho * grad L(w) / ||grad L(w)||_2``.
* ``"imbsam"`` (Zhou et al., ICCV 2023): the perturbation acts on the tail classes' loss only,
  ``grad L_H(w) + grad L_T(w + eps)``, ``eps = rho * grad L_T(w) / ||grad L_T(w)||_2``.

**rho** (grid ``(0.05, 0.1)``): a radius in weight space, not a step size, so it does not
scale with Adam's learning rate as ``weight_decay`` does. Both papers train with SGD at
``rho = 0.05`` (Foret et al. searched ``{0.01, 0.02, 0.05, 0.1, 0.2, 0.5}``); the grid keeps
0.05 and adds 0.1, the next value of that search, for the small Adam-trained networks
``compare`` builds, whose loss surfaces the papers did not measure.

**tail_below** (default ``0.04``): a class is a tail class when it has fewer than
``tail_below * max(counts)`` training samples. The authors' rule is a count, ``n_c < 20``, on
CIFAR-100-LT whose largest class has 500 samples (``20 / 500 = 0.04``: the "few" classes);
as a share of the largest class it carries over to data of any size. The run's own training
counts decide (each fold's, each refit's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from keras_imbalance.remedies.base import (
    Context,
    Knob,
    RecipeText,
    Remedy,
    Setup,
    SharpnessSettings,
)
from keras_imbalance.sharpness.perturbation import tail_classes

RHO = Knob("rho", 0.05, grid=(0.05, 0.1), low=0.0, low_inclusive=False)
TAIL_BELOW = Knob("tail_below", 0.04, low=0.0, high=1.0, low_inclusive=False)


class SAM(Remedy):
    """Sharpness-aware minimisation of the plain loss, ``rho`` tuned.

    Example:
        >>> setup = SAM().setup({"rho": 0.1}, Context((30, 10), 2))
        >>> setup.sharpness
        SharpnessSettings(rho=0.1, tail_classes=None)
    """

    name = "sam"
    summary = "sharpness-aware minimisation (Foret et al. 2021)"
    knobs: tuple[Knob, ...] = (RHO,)

    def settings(self, params: Mapping[str, Any], context: Context) -> SharpnessSettings:
        return SharpnessSettings(float(params["rho"]), None)

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        return replace(setup, sharpness=self.settings(params, context))

    def wrapper_source(self, values: Mapping[str, str]) -> str:
        return f"ki.SharpnessAwareModel({{model}}, rho={values['rho']})"

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        return replace(text, sharpness=self.wrapper_source(values))


class ImbSAM(SAM):
    """Sharpness-aware minimisation of the tail classes' loss only, ``rho`` tuned.

    Example:
        >>> setup = ImbSAM().setup({"rho": 0.05}, Context((600, 300, 20, 6), 2))
        >>> setup.sharpness
        SharpnessSettings(rho=0.05, tail_classes=(2, 3))
    """

    name = "imbsam"
    summary = "sharpness-aware minimisation of the tail classes' loss (ImbSAM, Zhou et al. 2023)"
    knobs = (RHO, TAIL_BELOW)

    def settings(self, params: Mapping[str, Any], context: Context) -> SharpnessSettings:
        tail = tail_classes(list(context.counts), share=float(params["tail_below"]))
        return SharpnessSettings(float(params["rho"]), tail)

    def wrapper_source(self, values: Mapping[str, str]) -> str:
        return (
            f"ki.SharpnessAwareModel(\n    {{model}},\n    rho={values['rho']},\n"
            f"    tail_classes=ki.sharpness.tail_classes(counts, share={values['tail_below']}),\n)"
        )


def trained_model(network: Any, setup: Setup) -> Any:
    """The model ``fit_run`` compiles and fits: ``network``, or the sharpness-aware wrapper
    that trains it (sharing its variables, so ``network`` keeps the trained weights)."""
    settings = setup.sharpness
    if settings is None:
        return network
    from keras_imbalance.sharpness import SharpnessAwareModel

    return SharpnessAwareModel(network, rho=settings.rho, tail_classes=settings.tail_classes)
