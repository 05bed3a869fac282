"""Compare imbalance remedies side by side on the user's data: :func:`compare`.

The flow: :mod:`.splits` (train / validation / test), :mod:`.strategies` (what each remedy
trains, and its knobs), :mod:`.training` (one run: cosine rate, best validation epoch),
:mod:`.heads` (decoupled classifiers on frozen features), :mod:`.statistics` (metrics and
bootstrap intervals), :mod:`.verdict` (choose on validation, report on test), :mod:`.recipe`
(the snippet to paste), :mod:`.result` (the :class:`Comparison` value), :mod:`.runner`
(:func:`compare`).
"""

from keras_imbalance.comparison.images import CorruptImageError
from keras_imbalance.comparison.models import default_model
from keras_imbalance.comparison.multilabel_result import MultiLabelComparison
from keras_imbalance.comparison.result import SCHEMA_VERSION, Comparison
from keras_imbalance.comparison.runner import compare
from keras_imbalance.comparison.scores import METRICS
from keras_imbalance.comparison.splits import SPLITS, Splits, make_splits
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
        "figures",
    ),
    "to_html": "html",
    # The augmentation block imports Keras (it registers for load_model): loaded on first use.
    "Augmentation": "augment_layer",
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
