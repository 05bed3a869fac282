"""Evaluate a classifier honestly on imbalanced data: :func:`report` and :func:`best_threshold`.

Accuracy alone hides a classifier that never finds the minority class: on a 90/10 split, always
predicting the majority scores 90%. :func:`report` therefore puts accuracy next to the
*majority-class baseline* (the accuracy of always predicting the most frequent true class), warns
in plain words when accuracy barely beats it or when a class is never found, and adds the metrics
that do not reward that trap:

========================  ============================================================
balanced accuracy          mean of the per-class recalls
macro-F1                   mean of the per-class F1 scores
G-mean                     ``(prod_c recall_c) ** (1 / C)``, the geometric mean of recalls
                           (Kubat & Matwin, ICML 1997): 0 as soon as one class is never found
MCC                        Matthews correlation coefficient, multi-class (Gorodkin, 2004)
PR-AUC                     ``average_precision_score`` (binary: of the positive class;
                           multi-class: macro one-vs-rest), when scores are given
ROC-AUC                    ``roc_auc_score``, same averaging
========================  ============================================================

Every number is computed with ``sklearn.metrics`` (the ``sklearn`` extra:
``pip install "keras-imbalance[sklearn]"``). The report is data (:class:`ImbalanceReport`);
rendering it is a separate step: :meth:`~ImbalanceReport.to_dict`, ``to_json``, ``to_markdown``,
``to_rich`` and ``str()``.

Binary detectors (two classes, scores given) are also scored at the threshold that maximises F1,
found by :func:`best_threshold`. A sample is predicted positive when its score is ``>=`` the
threshold, as in ``sklearn.metrics.precision_recall_curve``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.labels import LabelMode, decode_labels

ThresholdMetric = Literal["f1", "balanced_accuracy", "precision", "recall", "mcc"]
THRESHOLD_METRICS: tuple[str, ...] = ("f1", "balanced_accuracy", "precision", "recall", "mcc")

#: The default decision threshold of a binary detector's positive-class probability.
DEFAULT_THRESHOLD = 0.5

#: The keys of :meth:`ImbalanceReport.to_dict`, in order.
REPORT_KEYS: tuple[str, ...] = (
    "schema",
    "n_samples",
    "total_weight",
    "class_names",
    "accuracy",
    "majority_baseline",
    "majority_class",
    "balanced_accuracy",
    "macro_f1",
    "g_mean",
    "mcc",
    "average_precision",
    "roc_auc",
    "per_class",
    "confusion_matrix",
    "thresholds",
    "warnings",
)
#: The keys of each row of ``per_class``.
PER_CLASS_KEYS: tuple[str, ...] = ("class", "precision", "recall", "f1", "support")
#: The keys of each entry of ``thresholds`` (``"default"`` and ``"best_f1"``).
THRESHOLD_KEYS: tuple[str, ...] = (
    "threshold",
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "macro_f1",
    "g_mean",
    "mcc",
    "confusion_matrix",
)
SCHEMA = "keras_imbalance.report/1"


def _require_sklearn() -> Any:
    try:
        import sklearn.metrics
    except ImportError as error:  # pragma: no cover - sklearn is installed in the test env
        raise ImportError(
            'evaluation needs scikit-learn; install it with pip install "keras-imbalance[sklearn]"'
        ) from error
    return sklearn.metrics


# --- Data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassMetrics:
    """Precision, recall, F1 and support of one class (``nan`` where undefined: no support or
    no prediction of the class)."""

    name: str
    precision: float
    recall: float
    f1: float
    support: float


@dataclass(frozen=True)
class ThresholdMetrics:
    """A binary detector's metrics at one decision threshold (positive class = index 1).

    ``precision``, ``recall`` and ``f1`` are those of the positive class.
    """

    threshold: float
    accuracy: float
    balanced_accuracy: float
    precision: float
    recall: float
    f1: float
    macro_f1: float
    g_mean: float
    mcc: float
    confusion_matrix: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": _json_float(self.threshold),
            "accuracy": _json_float(self.accuracy),
            "balanced_accuracy": _json_float(self.balanced_accuracy),
            "precision": _json_float(self.precision),
            "recall": _json_float(self.recall),
            "f1": _json_float(self.f1),
            "macro_f1": _json_float(self.macro_f1),
            "g_mean": _json_float(self.g_mean),
            "mcc": _json_float(self.mcc),
            "confusion_matrix": _json_matrix(self.confusion_matrix),
        }


@dataclass(frozen=True)
class ThresholdResult:
    """What :func:`best_threshold` found.

    Attributes:
        threshold: the best threshold; a sample is positive when ``score >= threshold``.
        value: the metric at that threshold.
        metric: the metric maximised.
        precision: precision of the positive class at that threshold.
        recall: recall of the positive class at that threshold.
        min_recall: the recall constraint, or ``None``.
    """

    threshold: float
    value: float
    metric: str
    precision: float
    recall: float
    min_recall: float | None = None

    def __iter__(self) -> Any:
        """Unpack as ``threshold, value = best_threshold(...)``."""
        return iter((self.threshold, self.value))


@dataclass(frozen=True, eq=False)
class ImbalanceReport:
    """The honest evaluation of a classifier: data only; render with the ``to_*`` methods.

    Attributes:
        n_samples: number of evaluated elements.
        total_weight: sum of the sample weights (``n_samples`` without weights).
        class_names: the class names, in class-index order.
        accuracy: overall (weighted) accuracy.
        majority_baseline: accuracy of always predicting ``majority_class``, the most frequent
            (largest total weight) true class.
        majority_class: name of that class.
        balanced_accuracy, macro_f1, g_mean, mcc: see the module docstring. The macro averages run
            over the classes present in ``y_true`` (as ``balanced_accuracy_score`` does).
        average_precision, roc_auc: PR-AUC and ROC-AUC, or ``None`` without scores or when
            ``y_true`` holds a single class.
        per_class: one :class:`ClassMetrics` per class.
        confusion_matrix: ``(C, C)``; rows are true classes, columns predicted classes.
        thresholds: for binary detectors with scores, ``{"default": ..., "best_f1": ...}``
            :class:`ThresholdMetrics`; otherwise empty.
        warnings: plain-language warnings (see :func:`report`).
    """

    n_samples: int
    total_weight: float
    class_names: list[str]
    accuracy: float
    majority_baseline: float
    majority_class: str
    balanced_accuracy: float
    macro_f1: float
    g_mean: float
    mcc: float
    average_precision: float | None
    roc_auc: float | None
    per_class: list[ClassMetrics]
    confusion_matrix: np.ndarray
    thresholds: dict[str, ThresholdMetrics] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the keys :data:`REPORT_KEYS`, always all of them, in order.

        Schema (``schema`` is ``"keras_imbalance.report/1"``): numbers are plain floats, ``None``
        where undefined (``nan`` in the dataclass); ``per_class`` is a list of
        ``{"class", "precision", "recall", "f1", "support"}``; ``confusion_matrix`` a list of rows
        (ints without sample weights); ``thresholds`` is ``{}`` or
        ``{"default": {...}, "best_f1": {...}}`` with the keys :data:`THRESHOLD_KEYS`;
        ``warnings`` a list of strings.
        """
        return {
            "schema": SCHEMA,
            "n_samples": self.n_samples,
            "total_weight": _json_float(self.total_weight),
            "class_names": list(self.class_names),
            "accuracy": _json_float(self.accuracy),
            "majority_baseline": _json_float(self.majority_baseline),
            "majority_class": self.majority_class,
            "balanced_accuracy": _json_float(self.balanced_accuracy),
            "macro_f1": _json_float(self.macro_f1),
            "g_mean": _json_float(self.g_mean),
            "mcc": _json_float(self.mcc),
            "average_precision": _json_float(self.average_precision),
            "roc_auc": _json_float(self.roc_auc),
            "per_class": [
                {
                    "class": row.name,
                    "precision": _json_float(row.precision),
                    "recall": _json_float(row.recall),
                    "f1": _json_float(row.f1),
                    "support": _json_number(row.support),
                }
                for row in self.per_class
            ],
            "confusion_matrix": _json_matrix(self.confusion_matrix),
            "thresholds": {name: item.to_dict() for name, item in self.thresholds.items()},
            "warnings": list(self.warnings),
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON; ``kwargs`` go to ``json.dumps`` (e.g. ``indent=2``)."""
        return json.dumps(self.to_dict(), **kwargs)

    # --- Rendering ---

    def _summary_rows(self) -> list[tuple[str, str]]:
        rows = [
            ("accuracy", _fmt(self.accuracy)),
            (f"majority baseline ({self.majority_class})", _fmt(self.majority_baseline)),
            ("balanced accuracy", _fmt(self.balanced_accuracy)),
            ("macro-F1", _fmt(self.macro_f1)),
            ("G-mean", _fmt(self.g_mean)),
            ("MCC", _fmt(self.mcc)),
        ]
        if self.average_precision is not None:
            rows.append(("PR-AUC (average precision)", _fmt(self.average_precision)))
        if self.roc_auc is not None:
            rows.append(("ROC-AUC", _fmt(self.roc_auc)))
        return rows

    def _per_class_rows(self) -> list[tuple[str, ...]]:
        return [
            (
                row.name,
                _fmt(row.precision),
                _fmt(row.recall),
                _fmt(row.f1),
                _fmt_number(row.support),
            )
            for row in self.per_class
        ]

    def _threshold_rows(self) -> list[tuple[str, ...]]:
        return [
            (
                name,
                _fmt(item.threshold),
                _fmt(item.accuracy),
                _fmt(item.balanced_accuracy),
                _fmt(item.precision),
                _fmt(item.recall),
                _fmt(item.f1),
                _fmt(item.mcc),
            )
            for name, item in self.thresholds.items()
        ]

    def _matrix_rows(self) -> list[tuple[str, ...]]:
        return [
            (name, *(_fmt_number(v) for v in row))
            for name, row in zip(self.class_names, np.asarray(self.confusion_matrix), strict=True)
        ]

    def to_markdown(self) -> str:
        """Markdown: the warnings, then tables of the summary, per-class metrics, thresholds
        (binary detectors) and the confusion matrix."""
        parts = ["## Classification report", ""]
        parts += [f"> **Warning:** {text}" for text in self.warnings]
        if self.warnings:
            parts.append("")
        parts += _markdown_table(("metric", "value"), self._summary_rows())
        parts += ["", "### Per class", ""]
        parts += _markdown_table(_PER_CLASS_HEADER, self._per_class_rows())
        if self.thresholds:
            parts += ["", "### Thresholds (positive class)", ""]
            parts += _markdown_table(_THRESHOLD_HEADER, self._threshold_rows())
        parts += ["", "### Confusion matrix (rows: true, columns: predicted)", ""]
        parts += _markdown_table(("true \\ predicted", *self.class_names), self._matrix_rows())
        return "\n".join(parts) + "\n"

    def to_rich(self) -> Any:
        """A ``rich`` renderable (a ``Group`` of tables); needs the ``cli`` extra."""
        try:
            from rich.console import Group
            from rich.table import Table
            from rich.text import Text
        except ImportError as error:  # pragma: no cover - rich is installed in the test env
            raise ImportError(
                'to_rich needs rich; install it with pip install "keras-imbalance[cli]"'
            ) from error

        def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Any:
            result = Table(title=title, title_justify="left")
            for i, name in enumerate(header):
                result.add_column(name, justify="left" if i == 0 else "right")
            for row in rows:
                result.add_row(*row)
            return result

        items: list[Any] = [Text(f"Warning: {text}", style="bold red") for text in self.warnings]
        items.append(table("Classification report", ("metric", "value"), self._summary_rows()))
        items.append(table("Per class", _PER_CLASS_HEADER, self._per_class_rows()))
        if self.thresholds:
            items.append(
                table("Thresholds (positive class)", _THRESHOLD_HEADER, self._threshold_rows())
            )
        items.append(
            table(
                "Confusion matrix (rows: true, columns: predicted)",
                ("true \\ predicted", *self.class_names),
                self._matrix_rows(),
            )
        )
        return Group(*items)

    def __str__(self) -> str:
        parts = [f"WARNING: {text}" for text in self.warnings]
        if parts:
            parts.append("")
        parts += _text_table(("metric", "value"), self._summary_rows())
        parts += ["", "Per class:"]
        parts += _text_table(_PER_CLASS_HEADER, self._per_class_rows())
        if self.thresholds:
            parts += ["", "Thresholds (positive class):"]
            parts += _text_table(_THRESHOLD_HEADER, self._threshold_rows())
        parts += ["", "Confusion matrix (rows: true, columns: predicted):"]
        parts += _text_table(("true \\ predicted", *self.class_names), self._matrix_rows())
        return "\n".join(parts)

    def __repr__(self) -> str:
        return (
            f"ImbalanceReport(n_samples={self.n_samples}, accuracy={self.accuracy:.4g}, "
            f"majority_baseline={self.majority_baseline:.4g}, "
            f"balanced_accuracy={self.balanced_accuracy:.4g}, macro_f1={self.macro_f1:.4g}, "
            f"warnings={len(self.warnings)})"
        )


_PER_CLASS_HEADER = ("class", "precision", "recall", "F1", "support")
_THRESHOLD_HEADER = (
    "setting",
    "threshold",
    "accuracy",
    "balanced acc.",
    "precision",
    "recall",
    "F1",
    "MCC",
)


def _json_float(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _json_number(value: float) -> int | float | None:
    value = float(value)
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value


def _json_matrix(matrix: np.ndarray) -> list[list[int | float | None]]:
    return [[_json_number(v) for v in row] for row in np.asarray(matrix)]


def _fmt(value: float | None) -> str:
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    return f"{float(value):.4f}"


def _fmt_number(value: float) -> str:
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.4g}"


def _markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    separator = "|" + "|".join([" --- "] + [" ---: "] * (len(header) - 1)) + "|"
    return [line(header), separator, *(line(row) for row in rows)]


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = str(cells[0]).ljust(widths[0])
        rest = [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(header), *(line(row) for row in rows)]


# --- Inputs --------------------------------------------------------------------------------------


def _as_float_array(values: Any, name: str) -> np.ndarray:
    if hasattr(values, "numpy") and not isinstance(values, np.ndarray):
        values = values.numpy()
    elif hasattr(values, "detach"):  # pragma: no cover - torch tensors that need grad
        values = values.detach().cpu().numpy()
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers, got {short_repr(values)}") from error
    if array.ndim == 0 or array.size == 0:
        raise ValueError(f"{name} has shape {array.shape}; give one score (row) per sample")
    if not np.isfinite(array).all():
        bad = array[~np.isfinite(array)].ravel()[0]
        raise ValueError(f"{name} contains {bad!r}; scores must be finite (check the model output)")
    return array


def _probabilities(scores: np.ndarray, from_logits: bool | None, name: str) -> np.ndarray:
    """Probabilities from scores: ``(N,)`` positive-class scores or ``(N, C)`` rows."""
    from scipy.special import expit, softmax

    outside = bool((scores < 0).any() or (scores > 1).any())
    if from_logits is False and outside:
        low, high = float(scores.min()), float(scores.max())
        raise ValueError(
            f"{name} has values in [{low:.4g}, {high:.4g}], outside [0, 1], but from_logits=False; "
            f"pass from_logits=True for logits or give probabilities"
        )
    if not (from_logits or (from_logits is None and outside)):
        return scores
    if scores.ndim == 1:
        return np.asarray(expit(scores))
    return np.asarray(softmax(scores, axis=-1))


def _score_matrix(scores: Any, from_logits: bool | None, name: str = "scores") -> np.ndarray:
    """``(N,)`` positive-class probabilities or ``(N, C)`` class probabilities."""
    array = _as_float_array(scores, name)
    if array.ndim >= 2 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim >= 2:
        array = array.reshape(-1, array.shape[-1])
    return _probabilities(array, from_logits, name)


def _flat_weight(sample_weight: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weight = _as_float_array(sample_weight, "sample_weight")
    if weight.ndim >= 2 and weight.shape[-1] == 1 and len(shape) < weight.ndim:
        weight = weight[..., 0]
    if weight.shape != shape[: weight.ndim]:
        raise ValueError(
            f"sample_weight has shape {weight.shape} but the labels have shape {shape}; give "
            f"one weight per sample"
        )
    if (weight < 0).any():
        raise ValueError(f"sample_weight contains {float(weight.min())!r}; weights must be >= 0")
    weight = weight.reshape(weight.shape + (1,) * (len(shape) - weight.ndim))
    flat = np.broadcast_to(weight, shape).ravel()
    if flat.sum() <= 0:
        raise ValueError("sample_weight sums to 0; give at least one positive weight")
    return flat


# --- Metrics -------------------------------------------------------------------------------------


def _hard_metrics(
    true: np.ndarray, pred: np.ndarray, num_classes: int, weight: np.ndarray | None
) -> dict[str, Any]:
    metrics = _require_sklearn()
    labels = list(range(num_classes))
    present = [c for c in labels if _weight_of(true == c, weight) > 0]
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        true, pred, labels=labels, sample_weight=weight, zero_division=np.nan
    )
    _, present_recall, present_f1, _ = metrics.precision_recall_fscore_support(
        true, pred, labels=present, sample_weight=weight, zero_division=0.0
    )
    return {
        "accuracy": float(metrics.accuracy_score(true, pred, sample_weight=weight)),
        # Same as balanced_accuracy_score; computed from the recalls to avoid its warning when
        # y_pred holds classes that y_true lacks.
        "balanced_accuracy": float(np.mean(present_recall)),
        "macro_f1": float(np.mean(present_f1)),
        "g_mean": float(np.prod(present_recall) ** (1.0 / len(present))),
        "mcc": float(metrics.matthews_corrcoef(true, pred, sample_weight=weight)),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": support,
        "present": present,
        "confusion_matrix": metrics.confusion_matrix(
            true, pred, labels=labels, sample_weight=weight
        ),
    }


def _weight_of(mask: np.ndarray, weight: np.ndarray | None) -> float:
    return float(mask.sum() if weight is None else weight[mask].sum())


def _threshold_metrics(
    true: np.ndarray, positive_score: np.ndarray, threshold: float, weight: np.ndarray | None
) -> ThresholdMetrics:
    pred = (positive_score >= threshold).astype(np.int64)
    hard = _hard_metrics(true, pred, 2, weight)
    return ThresholdMetrics(
        threshold=float(threshold),
        accuracy=hard["accuracy"],
        balanced_accuracy=hard["balanced_accuracy"],
        precision=float(np.nan_to_num(hard["precision"][1], nan=0.0)),
        recall=float(hard["recall"][1]),
        f1=float(np.nan_to_num(hard["f1"][1], nan=0.0)),
        macro_f1=hard["macro_f1"],
        g_mean=hard["g_mean"],
        mcc=hard["mcc"],
        confusion_matrix=hard["confusion_matrix"],
    )


def _ranking_metrics(
    true: np.ndarray,
    probabilities: np.ndarray,
    num_classes: int,
    present: list[int],
    weight: np.ndarray | None,
) -> tuple[float | None, float | None]:
    metrics = _require_sklearn()
    if len(present) < 2:
        return None, None
    if probabilities.ndim == 1 or num_classes == 2:
        positive = probabilities if probabilities.ndim == 1 else probabilities[:, 1]
        target = (true == 1).astype(np.int64)
        return (
            float(metrics.average_precision_score(target, positive, sample_weight=weight)),
            float(metrics.roc_auc_score(target, positive, sample_weight=weight)),
        )
    # Macro one-vs-rest over the classes present in y_true: the indicator form gives the same
    # numbers as multi_class="ovr" without requiring rows that sum to 1.
    indicator = (true[:, None] == np.asarray(present)[None, :]).astype(np.int64)
    columns = probabilities[:, present]
    return (
        float(
            metrics.average_precision_score(
                indicator, columns, average="macro", sample_weight=weight
            )
        ),
        float(metrics.roc_auc_score(indicator, columns, average="macro", sample_weight=weight)),
    )


# --- Public API ----------------------------------------------------------------------------------


def report(
    y_true: Any,
    y_pred: Any = None,
    *,
    scores: Any = None,
    class_names: Sequence[Any] | None = None,
    sample_weight: Any = None,
    from_logits: bool | None = None,
    label_mode: LabelMode | None = None,
    baseline_margin: float = 0.05,
) -> ImbalanceReport:
    """Evaluate predictions honestly: accuracy next to the majority baseline, and the metrics
    that accuracy hides.

    Args:
        y_true: true labels: class indices ``(N,)``/``(N, 1)``, strings, or one-hot ``(N, C)``
            (decoded by :func:`~keras_imbalance.labels.decode_labels`; sequences and masks are
            evaluated per element).
        y_pred: predicted labels, class indices or one-hot rows. Give ``y_pred``, ``scores``
            or both (then ``y_pred`` gives the hard metrics and ``scores`` the AUCs).
        scores: model outputs: ``(N, C)`` probabilities or logits, or ``(N,)``/``(N, 1)``
            scores of the positive class (index 1) of a binary detector. Hard predictions are
            the argmax, or ``score >= 0.5`` for binary scores.
        class_names: display names in class-index order (also the labels, for string labels).
        sample_weight: optional per-sample weights; every metric and the baseline are weighted.
        from_logits: ``True`` if ``scores`` are logits (softmax, or sigmoid for ``(N,)``
            scores, turns them into probabilities); ``False`` if probabilities; ``None`` treats
            them as logits only when a value falls outside ``[0, 1]``. Logits that all happen to
            lie in ``[0, 1]`` need ``from_logits=True``.
        label_mode: ``"int"`` or ``"categorical"`` to declare how ``y_true`` is encoded;
            ``None`` detects it.
        baseline_margin: warn when accuracy is below ``majority_baseline + baseline_margin``
            (default 0.05, 5 percentage points).

    Returns:
        An :class:`ImbalanceReport`. Its warnings say, in plain words, when accuracy is within
        ``baseline_margin`` of the baseline and name every class with recall 0.

    Example:
        The "dog detector" trap: 90 not-dogs, 10 dogs, a model that always says "not-dog".

        >>> r = report([0] * 90 + [1] * 10, [0] * 100, class_names=["not-dog", "dog"])
        >>> r.accuracy, r.majority_baseline, r.balanced_accuracy
        (0.9, 0.9, 0.5)
        >>> for text in r.warnings: print(text)  # doctest: +NORMALIZE_WHITESPACE
        Accuracy 0.900 is within 5 points of the majority baseline 0.900 (always predicting
        'not-dog'): accuracy says little here; look at balanced accuracy, macro-F1 and recall
        per class.
        Class 'dog' has recall 0: the model never predicts it correctly.
    """
    metrics = _require_sklearn()
    if y_pred is None and scores is None:
        raise ValueError("report needs predictions: give y_pred (labels) or scores (model outputs)")
    if label_mode is not None:
        check_option("label_mode", label_mode, ("int", "categorical"))
    if from_logits is not None and not isinstance(from_logits, bool):
        raise TypeError(f"from_logits must be True, False or None, got {short_repr(from_logits)}")
    margin = check_number("baseline_margin", baseline_margin, low=0.0, high=1.0)

    probabilities = None if scores is None else _score_matrix(scores, from_logits)
    width = None
    if probabilities is not None:
        width = 2 if probabilities.ndim == 1 else probabilities.shape[1]

    names = None if class_names is None else [c for c in class_names]
    declared: Any = None
    true = decode_labels(y_true, label_mode=label_mode, classes=None, name="y_true")
    text_labels = not all(isinstance(c, int) for c in true.classes)
    if text_labels:
        declared = names if names is not None else None
        if declared is not None:
            true = decode_labels(y_true, label_mode=label_mode, classes=declared, name="y_true")
    if true.label_mode == "multi_label" or true.indices is None:
        raise ValueError(
            "y_true holds multi-hot rows; report evaluates single-label classifiers. Pass "
            "label_mode='int' or 'categorical', or evaluate each label as a binary detector"
        )
    true_idx = true.indices
    pred_idx = None
    if y_pred is not None:
        pred_classes: Any = true.classes if text_labels else None
        pred = decode_labels(y_pred, classes=pred_classes, name="y_pred")
        if pred.label_mode == "multi_label" and true.label_mode == "int" and true.indices.ndim > 1:
            # 0/1 sequences read like multi-hot rows; y_true already said they are class indices.
            pred = decode_labels(y_pred, label_mode="int", classes=pred_classes, name="y_pred")
        if pred.indices is None:
            raise ValueError(
                "y_pred holds multi-hot rows; give class indices or one-hot rows (argmax of the "
                "model output), or pass scores="
            )
        pred_idx = pred.indices
        if pred_idx.shape != true_idx.shape:
            raise ValueError(
                f"y_pred has {pred_idx.shape} labels but y_true has {true_idx.shape}; give one "
                f"prediction per label"
            )
        pred_count = len(pred.classes)
    else:
        pred_count = 0

    num_classes = max(len(true.classes), pred_count, width or 0)
    if names is not None:
        if len(names) < num_classes:
            raise ValueError(
                f"class_names has {len(names)} names but the labels or scores have {num_classes} "
                f"classes; give one name per class"
            )
        num_classes = len(names)
    if width is not None and width != num_classes:
        raise ValueError(
            f"scores has {width} columns but there are {num_classes} classes; give one score "
            f"column per class (or (N,) scores for a binary detector)"
        )
    if names is None:
        names = list(true.classes) if text_labels else list(range(num_classes))
    class_list = [str(c) for c in names]

    true_flat = true_idx.ravel()
    weight = _flat_weight(sample_weight, true_idx.shape)
    if probabilities is not None and probabilities.shape[0] != true_flat.size:
        raise ValueError(
            f"scores has {probabilities.shape[0]} rows but y_true has {true_flat.size} labels; "
            f"give one row of scores per label"
        )
    positive_score = None
    if probabilities is not None and num_classes == 2:
        positive_score = probabilities if probabilities.ndim == 1 else probabilities[:, 1]
    if pred_idx is not None:
        pred_flat = pred_idx.ravel()
    elif positive_score is not None:
        pred_flat = (positive_score >= DEFAULT_THRESHOLD).astype(np.int64)
    else:
        pred_flat = np.argmax(probabilities, axis=1).astype(np.int64)  # type: ignore[arg-type]

    hard = _hard_metrics(true_flat, pred_flat, num_classes, weight)
    class_totals = np.bincount(true_flat, weights=weight, minlength=num_classes)
    total_weight = float(class_totals.sum())
    majority = int(np.argmax(class_totals))
    # Accuracy of the constant prediction "majority", through the same sklearn call.
    baseline = float(
        metrics.accuracy_score(true_flat, np.full_like(true_flat, majority), sample_weight=weight)
    )

    average_precision = roc_auc = None
    if probabilities is not None:
        average_precision, roc_auc = _ranking_metrics(
            true_flat, probabilities, num_classes, hard["present"], weight
        )

    thresholds: dict[str, ThresholdMetrics] = {}
    if positive_score is not None and len(hard["present"]) == 2:
        best = best_threshold(true_flat, positive_score, metric="f1", sample_weight=weight)
        thresholds = {
            "default": _threshold_metrics(true_flat, positive_score, DEFAULT_THRESHOLD, weight),
            "best_f1": _threshold_metrics(true_flat, positive_score, best.threshold, weight),
        }

    warnings = []
    accuracy = hard["accuracy"]
    if accuracy < baseline + margin:
        relation = "below" if accuracy < baseline - 1e-12 else f"within {margin * 100:g} points of"
        warnings.append(
            f"Accuracy {accuracy:.3f} is {relation} the majority baseline {baseline:.3f} (always "
            f"predicting {class_list[majority]!r}): accuracy says little here; look at balanced "
            f"accuracy, macro-F1 and recall per class."
        )
    for c in hard["present"]:
        if hard["recall"][c] == 0:
            warnings.append(
                f"Class {class_list[c]!r} has recall 0: the model never predicts it correctly."
            )

    per_class = [
        ClassMetrics(
            name=class_list[c],
            precision=float(hard["precision"][c]),
            recall=float(hard["recall"][c]),
            f1=float(hard["f1"][c]),
            support=float(hard["support"][c]),
        )
        for c in range(num_classes)
    ]
    return ImbalanceReport(
        n_samples=int(true_flat.size),
        total_weight=total_weight,
        class_names=class_list,
        accuracy=accuracy,
        majority_baseline=baseline,
        majority_class=class_list[majority],
        balanced_accuracy=hard["balanced_accuracy"],
        macro_f1=hard["macro_f1"],
        g_mean=hard["g_mean"],
        mcc=hard["mcc"],
        average_precision=average_precision,
        roc_auc=roc_auc,
        per_class=per_class,
        confusion_matrix=hard["confusion_matrix"],
        thresholds=thresholds,
        warnings=warnings,
    )


def _binary_targets(y_true: Any) -> np.ndarray:
    true = decode_labels(y_true, name="y_true")
    if true.indices is None or not set(true.classes) <= {0, 1} or true.label_mode == "multi_label":
        raise ValueError(
            f"y_true must hold binary labels 0/1 (1 = positive), got classes "
            f"{short_repr(list(true.classes))}; map them with make_detector(y, positive)"
        )
    return true.indices.ravel()


def best_threshold(
    y_true: Any,
    scores: Any,
    *,
    metric: ThresholdMetric = "f1",
    min_recall: float | None = None,
    sample_weight: Any = None,
) -> ThresholdResult:
    """The decision threshold that maximises ``metric`` for a binary detector.

    Candidates are the distinct scores (``sklearn.metrics.roc_curve`` with
    ``drop_intermediate=False`` gives the confusion counts at each of them, all at once); a
    sample is positive when ``score >= threshold``. With ``min_recall``, only thresholds whose
    recall is at least ``min_recall`` compete. That is always possible: the lowest score labels
    every sample positive, which has recall 1. Ties go to the highest threshold.

    Metrics, from the weighted counts TP, FP, TN, FN: ``f1 = 2TP / (2TP + FP + FN)``,
    ``precision = TP / (TP + FP)``, ``recall = TP / (TP + FN)``,
    ``balanced_accuracy = (TP / (TP + FN) + TN / (TN + FP)) / 2``,
    ``mcc = (TP·TN - FP·FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))`` (0 when undefined, as in
    scikit-learn).

    Args:
        y_true: 0/1 labels (1 = positive), or two-column one-hot rows.
        scores: ``(N,)`` or ``(N, 1)`` positive-class scores (probabilities or logits: any
            monotone score works), or ``(N, 2)`` probability rows (column 1 is used).
        metric: one of :data:`THRESHOLD_METRICS`.
        min_recall: optional lower bound on recall, in ``[0, 1]``.
        sample_weight: optional per-sample weights.

    Returns:
        A :class:`ThresholdResult`; it unpacks as ``threshold, value``.

    Example:
        >>> threshold, value = best_threshold([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.7])
        >>> threshold, round(value, 4)
        (0.35, 0.8571)
        >>> result = best_threshold(
        ...     [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], metric="precision", min_recall=1.0
        ... )
        >>> result.threshold, round(result.value, 4), result.recall
        (0.35, 0.6667, 1.0)
    """
    metrics = _require_sklearn()
    check_option("metric", metric, THRESHOLD_METRICS)
    if min_recall is not None:
        min_recall = check_number("min_recall", min_recall, low=0.0, high=1.0)
    target = _binary_targets(y_true)
    score = _as_float_array(scores, "scores")
    if score.ndim == 2 and score.shape[1] == 2:
        score = score[:, 1]
    elif score.ndim == 2 and score.shape[1] == 1:
        score = score[:, 0]
    if score.ndim != 1:
        raise ValueError(
            f"scores has shape {score.shape}; give (N,) or (N, 1) positive-class scores or "
            f"(N, 2) probability rows"
        )
    if score.shape[0] != target.shape[0]:
        raise ValueError(
            f"scores has {score.shape[0]} entries but y_true has {target.shape[0]}; give one "
            f"score per label"
        )
    weight = _flat_weight(sample_weight, target.shape)
    positives = _weight_of(target == 1, weight)
    negatives = _weight_of(target == 0, weight)
    if positives == 0 or negatives == 0:
        missing = 1 if positives == 0 else 0
        raise ValueError(
            f"y_true has no samples of class {missing}; best_threshold needs both positives (1) "
            f"and negatives (0)"
        )

    fpr, tpr, thresholds = metrics.roc_curve(
        target, score, sample_weight=weight, drop_intermediate=False
    )
    # The first point (threshold +inf) predicts nothing positive: not a usable threshold.
    fpr, tpr, thresholds = fpr[1:], tpr[1:], thresholds[1:]
    tp = tpr * positives
    fp = fpr * negatives
    fn = positives - tp
    tn = negatives - fp
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        denominator = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        values = {
            "f1": 2 * tp / (2 * tp + fp + fn),
            "precision": precision,
            "recall": tpr,
            "balanced_accuracy": (tpr + (1 - fpr)) / 2,
            "mcc": np.where(denominator > 0, (tp * tn - fp * fn) / denominator, 0.0),
        }[metric]
    allowed = np.ones_like(values, dtype=bool)
    if min_recall is not None:
        allowed = tpr >= min_recall - 1e-12
    candidates = np.where(allowed, values, -np.inf)
    top = candidates.max()
    # thresholds decrease along the curve, so the first maximum is the highest threshold.
    best = int(np.flatnonzero(candidates >= top - 1e-12 * max(1.0, abs(top)))[0])
    return ThresholdResult(
        threshold=float(thresholds[best]),
        value=float(values[best]),
        metric=metric,
        precision=float(precision[best]),
        recall=float(tpr[best]),
        min_recall=min_recall,
    )
