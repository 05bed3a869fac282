"""Compare imbalance remedies side by side on the user's data: :func:`compare`.

The flow, one sub-package a stage:

* :mod:`.data`: what a comparison reads and how it is split (arrays, streams, image folders
  decoded once, train / validation / test, stratified folds, augmentation);
* :mod:`.run`: one training run (the default model, the cosine rate, the best validation
  epoch, decoupled weight decay, the decoupled heads, logits in chunks, device layouts);
* :mod:`.scoring`: scores from confusion matrices, ranking metrics, operating points,
  costs, and the paired bootstrap;
* :mod:`.report`: what a person reads (the recipe, figures, ``report.html``, number formats);
* :mod:`.multilabel`: the same for multi-hot labels (``label_mode="multi_label"``).

The modules left here hold the runs together: :mod:`.runner` (:func:`compare`) over
:mod:`.options` (the option groups) and :mod:`.strategies` (names to remedies); the session,
its journal and executors, cross-validation, successive halving and the refit; the verdict
(choose on validation, report on test); and the record and result (:class:`Comparison`).
"""

from keras_imbalance.comparison.data.images import CorruptImageError
from keras_imbalance.comparison.data.splits import SPLITS, Splits, make_splits
from keras_imbalance.comparison.multilabel.result import MultiLabelComparison
from keras_imbalance.comparison.result import SCHEMA_VERSION, Comparison
from keras_imbalance.comparison.run.models import default_model
from keras_imbalance.comparison.runner import compare
from keras_imbalance.comparison.scoring.scores import METRICS
from keras_imbalance.comparison.strategies import (
    COMPARE_STRATEGIES,
    DEFAULT_GRIDS,
    DEFAULT_PARAMS,
    DEFAULT_STRATEGIES,
    HEAD_STRATEGIES,
    TRAINED_STRATEGIES,
)

# The figures and the HTML report need matplotlib (the "plot" extra): loaded on first use.
_LAZY = {
    **dict.fromkeys(
        (
            "plot_ranking",
            "plot_per_class_recall",
            "plot_learning_curves",
            "plot_split_distribution",
        ),
        "report.figures",
    ),
    "to_html": "report.html",
    # The augmentation block imports Keras (it registers for load_model): loaded on first use.
    "Augmentation": "data.augment_layer",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    *_LAZY,
    "COMPARE_STRATEGIES",
    "DEFAULT_GRIDS",
    "DEFAULT_PARAMS",
    "DEFAULT_STRATEGIES",
    "HEAD_STRATEGIES",
    "METRICS",
    "MultiLabelComparison",
    "SCHEMA_VERSION",
    "SPLITS",
    "TRAINED_STRATEGIES",
    "Comparison",
    "CorruptImageError",
    "Splits",
    "compare",
    "default_model",
    "make_splits",
]
