"""Remedies for class imbalance as objects: what each trains, its knobs, and its recipe text.

Each remedy declares in one place its name, its knobs (:class:`Knob`: range, default, default
grid), how it trains (:class:`Remedy`) or adjusts the frozen ``"none"`` model
(:class:`HeadRemedy`), and the lines of the recipe snippet that are its own. Compounds are
compositions (:func:`chain`): ``"la_drw"`` is :class:`LogitAdjusted` then :class:`DRW`.
:data:`REMEDIES` maps the built-in names to their objects; :func:`get_remedy` resolves a name
or checks an object of your own, which :func:`~keras_imbalance.compare` also takes.

Example:
    >>> from keras_imbalance.remedies import REMEDIES, get_remedy
    >>> get_remedy("focal").default_grid()
    {'gamma': [1.0, 2.0]}
    >>> "la_drw" in REMEDIES
    True
"""

from keras_imbalance.remedies.base import (
    WEIGHT_DECAY,
    ClassifierStage,
    Context,
    FrozenClassifier,
    HeadRemedy,
    HeadText,
    Knob,
    RecipeText,
    Remedy,
    Setup,
    SharpnessSettings,
    StageText,
)
from keras_imbalance.remedies.baseline import Baseline
from keras_imbalance.remedies.chain import Chain, chain
from keras_imbalance.remedies.class_weights import ClassWeighted
from keras_imbalance.remedies.cutmix import CutMix
from keras_imbalance.remedies.drw import DRW, start_epoch
from keras_imbalance.remedies.focal import Focal
from keras_imbalance.remedies.heads import PostHoc, Retrained, TauNorm
from keras_imbalance.remedies.logit_adjusted import LDAM, LogitAdjusted
from keras_imbalance.remedies.mixup import Mixup
from keras_imbalance.remedies.registry import DEFAULT_REMEDIES, REMEDIES, get_remedy
from keras_imbalance.remedies.resample import Resample
from keras_imbalance.remedies.sharpness import SAM, ImbSAM
from keras_imbalance.remedies.weight_balancing import WeightBalancing

__all__ = [
    "DEFAULT_REMEDIES",
    "DRW",
    "LDAM",
    "REMEDIES",
    "WEIGHT_DECAY",
    "Baseline",
    "Chain",
    "ClassWeighted",
    "ClassifierStage",
    "Context",
    "CutMix",
    "Focal",
    "FrozenClassifier",
    "HeadRemedy",
    "HeadText",
    "ImbSAM",
    "Knob",
    "LogitAdjusted",
    "Mixup",
    "PostHoc",
    "RecipeText",
    "Remedy",
    "Resample",
    "Retrained",
    "SAM",
    "Setup",
    "SharpnessSettings",
    "StageText",
    "TauNorm",
    "WeightBalancing",
    "chain",
    "get_remedy",
    "start_epoch",
]
