"""Evaluate a classifier honestly on imbalanced data: :func:`report` and :func:`best_threshold`.

Accuracy alone hides a classifier that never finds the minority class: on a 90/10 split, always
predicting the majority scores 90%. :func:`report` therefore puts accuracy next to the
*majority-class baseline* (the accuracy of always predicting the most frequent true class), warns
in plain words when accuracy barely beats it or when a class is never found, and adds the metrics
that do not reward that trap:

========================  ============================================================
balanced accuracy          mean of the recalls of the classes in ``y_true``
macro-F1                   mean of the per-class F1 scores over the classes in ``y_true`` or
                           ``y_pred`` (scikit-learn's default)
G-mean                     ``(prod_c recall_c) ** (1 / C)`` over those same classes
                           (Kubat & Matwin, ICML 1997; imbalanced-learn's default): 0 as soon
                           as one class is never found
MCC                        Matthews correlation coefficient, multi-class (Gorodkin, 2004)
PR-AUC                     ``average_precision_score`` (binary: of the positive class;
                           multi-class: macro one-vs-rest), when scores are given
ROC-AUC                    ``roc_auc_score``, same averaging
========================  ============================================================

Every number is computed with ``sklearn.metrics`` (the ``sklearn`` extra:
``pip install "keras-imbalance[sklearn]"``). The report is data (:class:`ImbalanceReport`);
rendering it is a separate step: :meth:`~ImbalanceReport.to_dict`, ``to_json``, ``to_markdown``,
``to_rich``, ``to_html`` and ``str()``. Each class also gets its specificity
``TN / (TN + FP)``.

Multi-label data (``label_mode="multi_label"``) gets a :class:`MultiLabelReport`: one row per
label and scikit-learn's micro/macro/weighted/samples averages and ranking scores.

Binary detectors (two classes, scores given) are also scored at the threshold that maximises F1,
found by :func:`best_threshold`. A sample is predicted positive when its score is ``>=`` the
threshold, as in ``sklearn.metrics.precision_recall_curve``. Give held-out data as
``threshold_data=(y_val, scores_val)`` to choose it there; otherwise it is chosen on the scored
data and labelled *in-sample* (optimistic) in every rendering.
"""

from __future__ import annotations

from keras_imbalance.evaluation.multilabel import multilabel_report
from keras_imbalance.evaluation.multilabel_result import (
    MULTILABEL_SCHEMA,
    PER_LABEL_KEYS,
    LabelMetrics,
    MultiLabelReport,
)
from keras_imbalance.evaluation.report import report, specificity
from keras_imbalance.evaluation.result import (
    CHOSEN_ON,
    DEFAULT_THRESHOLD,
    PER_CLASS_KEYS,
    REPORT_KEYS,
    SCHEMA,
    THRESHOLD_KEYS,
    ClassMetrics,
    ImbalanceReport,
    ThresholdMetrics,
    ThresholdResult,
)
from keras_imbalance.evaluation.scores import flat_weight, score_matrix
from keras_imbalance.evaluation.thresholds import THRESHOLD_METRICS, ThresholdMetric, best_threshold

__all__ = [
    "CHOSEN_ON",
    "MULTILABEL_SCHEMA",
    "PER_LABEL_KEYS",
    "ClassMetrics",
    "LabelMetrics",
    "MultiLabelReport",
    "DEFAULT_THRESHOLD",
    "ImbalanceReport",
    "PER_CLASS_KEYS",
    "REPORT_KEYS",
    "SCHEMA",
    "THRESHOLD_KEYS",
    "THRESHOLD_METRICS",
    "ThresholdMetric",
    "ThresholdMetrics",
    "ThresholdResult",
    "best_threshold",
    "flat_weight",
    "multilabel_report",
    "report",
    "score_matrix",
    "specificity",
]
