"""How each strategy trains, as the code templates :func:`.recipe.recipe` fills in.

One :class:`_Template` per strategy: the loss, the class weights, how ``fit`` gets its batches, the
deferred re-weighting and what runs after training; ``{name}`` fields are the tuned values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

_PLAIN_LOSS = "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
_DRW_CALLBACK = (
    "ki.callbacks.DeferredReweighting(\n"
    '    ki.class_weights(counts, "effective_number", beta=0.9999).to_array().tolist(),\n'
    "    start_epoch={start_epoch},  # {start_note}\n"
    ")"
)


@dataclass(frozen=True)
class _Template:
    """How one strategy trains; ``{name}`` fields are filled with the tuned values.

    ``params`` are the keys the strategy takes, with the value used when a key is not given.
    ``data`` is how ``fit`` gets its batches: ``"arrays"`` (shuffled arrays), ``"one_hot"``
    (arrays with one-hot targets), ``"balanced"`` (:class:`BalancedBatches`) or ``"mixup"``
    (:class:`MixupBatches`, whose weights the deferred re-weighting changes). ``after`` is
    the code run once the model is trained; ``head`` names a classifier re-training stage.
    """

    summary: str
    params: Mapping[str, float] = field(default_factory=dict)
    loss: str = _PLAIN_LOSS
    class_weight: str | None = None
    data: str = "arrays"
    drw: bool = False
    after: str = ""
    head: str | None = None


def _weighted(strategy: str, *keys: str) -> _Template:
    extra = "".join(f", {key}={{{key}}}" for key in keys)
    defaults = {"mu": 0.15, "beta": 0.999}
    return _Template(
        summary=f"class weights {strategy!r} (normalised to mean 1) in fit",
        params={key: defaults[key] for key in keys},
        class_weight=f'dict(ki.class_weights(counts, "{strategy}", normalize="mean"{extra}))',
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

_TEMPLATES: dict[str, _Template] = {
    "none": _Template(summary="plain cross-entropy"),
    "balanced": _weighted("balanced"),
    "inverse": _weighted("inverse"),
    "sqrt_inverse": _weighted("sqrt_inverse"),
    "max_ratio": _weighted("max_ratio"),
    "log": _weighted("log", "mu"),
    "effective_number": _weighted("effective_number", "beta"),
    "resample": _Template(summary="class-balanced batches (oversampling)", data="balanced"),
    "logit_adjusted": _Template(
        summary="logit-adjusted loss (Menon et al. 2021)",
        params={"tau": 1.0},
        loss="ki.losses.LogitAdjustedLoss(counts, tau={tau})",
    ),
    "drw": _Template(
        summary="deferred re-weighting (Cao et al. 2019)",
        params={"start": 0.8},
        loss="ki.losses.WeightedSparseCategoricalCrossentropy([1.0] * {num_classes}, "
        "from_logits=True)",
        drw=True,
    ),
    "ldam_drw": _Template(
        summary="LDAM loss with deferred re-weighting (Cao et al. 2019)",
        params={"max_margin": 0.5, "start": 0.8},
        loss="ki.losses.LDAMLoss(counts, max_margin={max_margin})",
        drw=True,
    ),
    "la_drw": _Template(
        summary="logit-adjusted loss with deferred re-weighting",
        params={"tau": 1.0, "start": 0.8},
        loss="ki.losses.LogitAdjustedLoss(counts, tau={tau}, class_weight=[1.0] * {num_classes})",
        drw=True,
    ),
    "mixup_drw": _Template(
        summary="mixup (Zhang et al. 2018) with deferred re-weighting of the mixed samples",
        params={"alpha": 0.2, "start": 0.8},
        loss="keras.losses.CategoricalCrossentropy(from_logits=True)",
        data="mixup",
        drw=True,
    ),
    "focal": _Template(
        summary="focal loss with balanced alpha (Lin et al. 2017)",
        params={"gamma": 2.0},
        loss="keras.losses.CategoricalFocalCrossentropy(\n"
        '    alpha=ki.losses.focal_alpha(counts, "balanced", normalize="mean"),\n'
        "    gamma={gamma},\n"
        "    from_logits=True,\n"
        ")",
        data="one_hot",
    ),
    "posthoc": _Template(
        summary="plain training, then post-hoc logit adjustment",
        params={"tau": 1.0},
        after=_POSTHOC,
    ),
    "tau_norm": _Template(
        summary="plain training, then tau-normalised classifier weights",
        params={"tau": 1.0},
        after=_TAU_NORM,
    ),
    "crt": _Template(
        summary="plain training, then the last layer re-trained on class-balanced batches",
        head="balanced",
    ),
    "crt_la": _Template(
        summary="plain training, then the last layer re-trained with the logit-adjusted loss",
        params={"tau": 1.0},
        head="logit_adjusted",
    ),
}
RECIPE_STRATEGIES: tuple[str, ...] = tuple(_TEMPLATES)
