"""Every built-in remedy by name (:data:`REMEDIES`), and :func:`get_remedy`.

A name maps to one object here and nowhere else; ``compare`` resolves the names it is given
once, through :func:`get_remedy`, which also accepts a :class:`~.base.Remedy` of your own.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from keras_imbalance._validation import short_repr
from keras_imbalance.remedies.base import Remedy
from keras_imbalance.remedies.baseline import Baseline
from keras_imbalance.remedies.chain import chain
from keras_imbalance.remedies.class_weights import ClassWeighted
from keras_imbalance.remedies.cutmix import CutMix
from keras_imbalance.remedies.drw import DRW
from keras_imbalance.remedies.focal import Focal
from keras_imbalance.remedies.heads import PostHoc, Retrained, TauNorm
from keras_imbalance.remedies.logit_adjusted import LDAM, LogitAdjusted
from keras_imbalance.remedies.mixup import Mixup
from keras_imbalance.remedies.resample import Resample
from keras_imbalance.remedies.sharpness import SAM, ImbSAM
from keras_imbalance.remedies.threshold import Threshold
from keras_imbalance.remedies.weight_balancing import WeightBalancing
from keras_imbalance.weighting import STRATEGIES as WEIGHT_STRATEGIES

_BUILT_IN: tuple[Remedy, ...] = (
    Baseline(),
    *(ClassWeighted(strategy) for strategy in WEIGHT_STRATEGIES),
    Resample(),
    LogitAdjusted(),
    DRW(),
    chain(
        LDAM(),
        DRW(),
        name="ldam_drw",
        summary="LDAM loss with deferred re-weighting (Cao et al. 2019)",
        grids={"start": ()},
    ),
    chain(
        LogitAdjusted(),
        DRW(),
        name="la_drw",
        summary="logit-adjusted loss with deferred re-weighting",
        grids={"tau": ()},
    ),
    chain(
        Mixup(),
        DRW(),
        name="mixup_drw",
        summary="mixup (Zhang et al. 2018) with deferred re-weighting of the mixed samples",
        grids={"start": ()},
    ),
    CutMix(),
    chain(
        CutMix(),
        DRW(),
        name="cutmix_drw",
        summary="CutMix (Yun et al. 2019) with deferred re-weighting of the mixed samples",
        grids={"start": ()},
    ),
    Focal(),
    WeightBalancing(),
    SAM(),
    ImbSAM(),
    chain(
        LogitAdjusted(),
        ImbSAM(),
        name="imbsam_la",
        summary="logit-adjusted loss with sharpness-aware steps on the tail classes' loss",
        grids={"tau": ()},
    ),
    PostHoc(),
    TauNorm(),
    Retrained(
        Resample(),
        name="crt",
        summary="plain training, then the last layer re-trained on class-balanced batches",
        why="fit a fresh last layer on class-balanced batches",
    ),
    Retrained(
        LogitAdjusted(),
        name="crt_la",
        summary="plain training, then the last layer re-trained with the logit-adjusted loss",
        why="fit a fresh last layer with the logit-adjusted loss",
    ),
    Threshold(),
)

REMEDIES: Mapping[str, Remedy] = MappingProxyType({remedy.name: remedy for remedy in _BUILT_IN})
"""name -> the built-in remedy, in the order ``compare`` lists them."""

# The default run: the baseline, one class-weight remedy, the long-tail losses and the heads.
# effective_number, resample, log, mixup_drw, cutmix, cutmix_drw (images only), weight_balancing
# and the other weights are there to ask for by name, like sam, imbsam and imbsam_la (two passes a
# step).
DEFAULT_REMEDIES: tuple[str, ...] = (
    "none",
    "balanced",
    "logit_adjusted",
    "drw",
    "ldam_drw",
    "la_drw",
    "focal",
    "posthoc",
    "tau_norm",
    "crt",
    "crt_la",
)
# For binary problems only; compare adds them to the default run when the data has 2 classes.
BINARY_REMEDIES: tuple[str, ...] = ("threshold",)


# The remedies of your own that get_remedy checked in this process, by name (the latest wins),
# so that a result's recipe finds them by the name results.json records.
_SEEN: dict[str, Remedy] = {}


def get_remedy(remedy: str | Remedy, where: str = "strategies") -> Remedy:
    """The remedy a name stands for, or ``remedy`` itself when it is a :class:`Remedy`.

    A name is a built-in one, or the name of a remedy of your own already passed (as an object)
    in this process, e.g. to ``compare``.

    Example:
        >>> get_remedy("la_drw").defaults()
        {'tau': 1.0, 'start': 0.8}
        >>> get_remedy("smote")
        Traceback (most recent call last):
        ...
        ValueError: strategies='smote' is not supported; use one of 'none', ...
    """
    if isinstance(remedy, Remedy):
        return check_remedy(remedy, where)
    if isinstance(remedy, str) and remedy in REMEDIES:
        return REMEDIES[remedy]
    if isinstance(remedy, str) and remedy in _SEEN:
        return _SEEN[remedy]
    if isinstance(remedy, str):
        names = ", ".join(repr(name) for name in REMEDIES)
        raise ValueError(
            f"{where}={short_repr(remedy)} is not supported; use one of {names}, or a Remedy object"
        )
    raise TypeError(
        f"{where} holds {short_repr(remedy)}; give remedy names such as 'focal' or Remedy objects"
    )


def check_remedy(remedy: Remedy, where: str) -> Remedy:
    """A user's remedy checked once: a new name, a known kind, knobs with distinct names."""
    name: Any = getattr(remedy, "name", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"{where} holds {type(remedy).__name__} with name={short_repr(name)}; give the "
            f"remedy a name made of letters, digits and _, e.g. name = 'my_remedy'"
        )
    if name in REMEDIES and REMEDIES[name] != remedy:
        raise ValueError(
            f"{where} holds {type(remedy).__name__} named {name!r}, the name of a built-in "
            f"remedy; give yours another name"
        )
    if remedy.kind not in ("trained", "head"):
        raise ValueError(
            f"{name}.kind={remedy.kind!r} must be 'trained' or 'head' (subclass Remedy or "
            f"HeadRemedy)"
        )
    knob_names = [getattr(knob, "name", None) for knob in remedy.knobs]
    if len(set(knob_names)) != len(knob_names):
        raise ValueError(f"{name}.knobs={knob_names!r} repeats a name; name each knob once")
    if name not in REMEDIES:
        _SEEN[name] = remedy
    return remedy


def ordered_params(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """A run's params in its remedy's knob order (unknown names and knobs keep theirs).

    Text is written by :func:`keras_imbalance.comparison.report.formatting.format_params`; this only
    fixes the order, so every table and figure lists a remedy's knobs alike.

    Example:
        >>> ordered_params("ldam_drw", {"start": 0.8, "max_margin": 0.25})
        {'max_margin': 0.25, 'start': 0.8}
    """
    remedy = REMEDIES.get(name)
    order = [knob.name for knob in remedy.knobs] if remedy is not None else []
    keys = [k for k in order if k in params] + [k for k in params if k not in order]
    return {key: params[key] for key in keys}
