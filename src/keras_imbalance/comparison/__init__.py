"""Compare imbalance remedies side by side on the user's data: :func:`compare`."""

from keras_imbalance.comparison.runner import compare
from keras_imbalance.comparison.models import default_model
from keras_imbalance.comparison.result import SCHEMA_VERSION, Comparison
from keras_imbalance.comparison.splits import Split, as_split
from keras_imbalance.comparison.strategies import COMPARE_STRATEGIES, DEFAULT_STRATEGIES, METRICS

__all__ = [
    "COMPARE_STRATEGIES",
    "DEFAULT_STRATEGIES",
    "METRICS",
    "SCHEMA_VERSION",
    "Comparison",
    "Split",
    "as_split",
    "compare",
    "default_model",
]
