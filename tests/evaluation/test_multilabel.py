"""Multi-label reports: every number equals scikit-learn's on a random multi-label problem."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import expit
from sklearn import metrics as skm

from keras_imbalance.evaluation import (
    MULTILABEL_SCHEMA,
    PER_LABEL_KEYS,
    MultiLabelReport,
    report,
)


def problem(seed: int = 0, n: int = 150, labels: int = 5):
    rng = np.random.default_rng(seed)
    prevalence = np.array([0.5, 0.3, 0.15, 0.08, 0.04])[:labels]
    y = (rng.random((n, labels)) < prevalence).astype(int)
    y[:2] = [[1] * labels, [0] * labels]  # every label has positives and negatives
    logits = rng.normal(size=(n, labels)) + 2.0 * y - 1.2
    weight = rng.uniform(0.2, 3.0, n)
    return y, logits, weight


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("given", ["scores", "logits", "labels"])
def test_multilabel_matches_sklearn(given, weighted):
    y, logits, weight = problem()
    w = weight if weighted else None
    p = expit(logits)
    pred = (p >= 0.5).astype(int)
    names = ["cat", "dog", "emu", "fox", "gnu"]
    kwargs = {"label_mode": "multi_label", "sample_weight": w, "class_names": names}
    if given == "scores":
        result = report(y, scores=p, **kwargs)
    elif given == "logits":
        result = report(y, scores=logits, from_logits=True, **kwargs)
    else:
        result = report(y, pred, **kwargs)
    assert isinstance(result, MultiLabelReport)
    sw = {"sample_weight": w}
    expected = {
        "subset_accuracy": skm.accuracy_score(y, pred, **sw),
        "hamming_loss": skm.hamming_loss(y, pred, **sw),
        "micro_precision": skm.precision_score(y, pred, average="micro", **sw),
        "micro_recall": skm.recall_score(y, pred, average="micro", **sw),
        "micro_f1": skm.f1_score(y, pred, average="micro", **sw),
        "macro_precision": skm.precision_score(y, pred, average="macro", **sw),
        "macro_recall": skm.recall_score(y, pred, average="macro", **sw),
        "macro_f1": skm.f1_score(y, pred, average="macro", **sw),
        "weighted_f1": skm.f1_score(y, pred, average="weighted", **sw),
        "samples_f1": skm.f1_score(y, pred, average="samples", zero_division=0, **sw),
        "samples_jaccard": skm.jaccard_score(y, pred, average="samples", zero_division=0, **sw),
    }
    if given != "labels":
        expected |= {
            "average_precision_micro": skm.average_precision_score(y, p, average="micro", **sw),
            "average_precision_macro": skm.average_precision_score(y, p, average="macro", **sw),
            "roc_auc_macro": skm.roc_auc_score(y, p, average="macro", **sw),
            "label_ranking_average_precision": skm.label_ranking_average_precision_score(
                y, p, **sw
            ),
            "coverage_error": skm.coverage_error(y, p, **sw),
            "label_ranking_loss": skm.label_ranking_loss(y, p, **sw),
        }
    for name, value in expected.items():
        assert getattr(result, name) == pytest.approx(value, rel=1e-9, abs=1e-12), name
    if given == "labels":
        assert result.average_precision_macro is None and result.threshold is None
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        y, pred, average=None, **sw
    )
    rows = result.per_label
    assert [r.name for r in rows] == names
    np.testing.assert_allclose([r.precision for r in rows], precision)
    np.testing.assert_allclose([r.recall for r in rows], recall)
    np.testing.assert_allclose([r.f1 for r in rows], f1)
    np.testing.assert_allclose([r.support for r in rows], support)
    specificity = [skm.recall_score(1 - y[:, j], 1 - pred[:, j], **sw) for j in range(5)]
    np.testing.assert_allclose([r.specificity for r in rows], specificity)
    if given != "labels":
        for j, row in enumerate(rows):
            assert row.average_precision == pytest.approx(
                skm.average_precision_score(y[:, j], p[:, j], **sw)
            )
            assert row.roc_auc == pytest.approx(skm.roc_auc_score(y[:, j], p[:, j], **sw))


def test_label_without_positives_is_left_out_of_macro_ranking_scores():
    y, logits, _ = problem(1)
    y[:, 4] = 0
    p = expit(logits)
    result = report(y, scores=p, label_mode="multi_label")
    assert result.per_label[4].average_precision is None and result.per_label[4].roc_auc is None
    assert result.average_precision_macro == pytest.approx(
        np.mean([skm.average_precision_score(y[:, j], p[:, j]) for j in range(4)])
    )
    assert result.roc_auc_macro == pytest.approx(skm.roc_auc_score(y[:, :4], p[:, :4]))


def test_warnings_name_labels_never_found_and_empty_rows():
    y = np.array([[1, 0], [1, 1], [0, 1], [1, 0]])
    pred = np.array([[1, 0], [1, 0], [0, 0], [1, 0]])
    result = report(y, pred, label_mode="multi_label", class_names=["a", "b"])
    assert result.warnings == [
        "Label 'b' has recall 0: the model never predicts it when it is present.",
        "25% of the samples get no predicted label at all.",
    ]


def test_renderings_and_json():
    from rich.console import Console

    y, logits, _ = problem(2)
    result = report(y, scores=logits, from_logits=True, label_mode="multi_label")
    data = result.to_dict()
    assert data["schema"] == MULTILABEL_SCHEMA
    assert json.loads(result.to_json()) == data
    assert data["micro_f1"] == result.micro_f1 and data["threshold"] == 0.5
    for row in data["per_label"]:
        assert tuple(row) == PER_LABEL_KEYS
    first = result.per_label[0]
    markdown = result.to_markdown()
    assert f"| micro-F1 | {result.micro_f1:.4f} |" in markdown
    assert f"| 0 | {first.precision:.4f} | {first.recall:.4f} | {first.f1:.4f} |" in markdown
    console = Console(record=True, width=200)
    console.print(result.to_rich())
    text = console.export_text()
    page = result.to_html()
    for rendering in (markdown, text, str(result), page):
        assert "samples F1" in rendering and f"{first.specificity:.4f}" in rendering
        assert "label ranking loss" in rendering
    assert page.startswith("<!DOCTYPE html>") and "http" not in page
    assert "MultiLabelReport(n_samples=150" in repr(result)


def test_single_label_report_renders_html():
    result = report([0, 0, 1, 1], [0, 1, 1, 1], class_names=["a", "<b>"])
    page = result.to_html()
    assert "&lt;b&gt;" in page and "<b>" not in page
    assert f"{result.balanced_accuracy:.4f}" in page and "specificity" in page


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"y_true": [[1, 0], [0, 1]], "y_pred": [[1, 0, 0], [0, 1, 0]]}, "y_pred"),
        ({"y_true": [[1, 0], [0, 1]], "scores": [[0.2, 0.3, 0.1]] * 2}, "scores has shape"),
        ({"y_true": [[1, 0], [0, 1]], "scores": [[2.0, 0.3]] * 2}, "from_logits=True"),
        ({"y_true": [[1, 0], [0, 1]], "y_pred": [[1, 0]] * 2, "class_names": ["a"]},
         "class_names has 1 names"),
        ({"y_true": [[1, 0], [0, 1]], "y_pred": [[1, 0]] * 2, "threshold_data": ([0], [0.1])},
         "threshold_data is for binary detectors"),
        ({"y_true": [[1, 2], [0, 1]], "y_pred": [[1, 0]] * 2}, "contains 2"),
    ],
)  # fmt: skip
def test_multilabel_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        report(**kwargs, label_mode="multi_label")


def test_renderings_share_one_layout_with_the_classification_report():
    y, logits, _ = problem()
    result = report(y, scores=expit(logits), label_mode="multi_label")
    note = "A label is predicted when its score is >= 0.5."
    markdown = result.to_markdown().splitlines()
    assert markdown[:2] == ["## Multi-label report", ""]
    assert note in markdown and "### Per label" in markdown
    assert markdown.index(note) < markdown.index("### Per label")
    text = str(result).splitlines()
    assert note in text and "Per label:" in text
    # HTML escapes the note like every other cell
    assert f"<p>{note.replace('>', '&gt;')}</p>" in result.to_html()
    # per-label rows: the per-class cells, then the two ranking scores
    row = result.per_label[0]
    expected = f"| {row.name} | {row.precision:.4f} | {row.recall:.4f} | {row.f1:.4f} |"
    assert any(line.startswith(expected) for line in markdown)
    assert list(row.to_dict() if hasattr(row, "to_dict") else vars(row))[-2:] == [
        "average_precision",
        "roc_auc",
    ]
