"""A .keras file saved with keras-imbalance 0.1.0 still loads: same classes, config and outputs.

``tests/fixtures/v0_1_0_model.keras`` is a tiny functional model (Input(4) -> Dense(3) logits)
compiled with ``LDAMLoss([50, 10, 2])`` and the metrics ``BalancedAccuracy(num_classes=3)`` and
``MacroF1(num_classes=3)``, trained one epoch and saved with the TensorFlow backend by the 0.1.0
code. ``v0_1_0_model.npz`` holds the input ``x``, labels ``y`` and the predictions made at save
time. Loading needs the registered classes, so the test imports the public namespaces first, as a
user would.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from sklearn.metrics import balanced_accuracy_score, f1_score

import keras_imbalance.losses
import keras_imbalance.metrics

FIXTURES = Path(__file__).parent / "fixtures"


def _load() -> tuple[keras.Model, dict[str, np.ndarray]]:
    model = keras.saving.load_model(FIXTURES / "v0_1_0_model.keras")
    with np.load(FIXTURES / "v0_1_0_model.npz") as data:
        arrays = {key: data[key] for key in data.files}
    return model, arrays


def test_loss_keeps_its_class_and_config() -> None:
    model, _ = _load()
    assert type(model.loss) is keras_imbalance.losses.LDAMLoss
    assert model.loss.get_config() == {
        "counts": [50, 10, 2],
        "max_margin": 0.5,
        "scale": 30.0,
        "class_weight": [1.0, 1.0, 1.0],
        "reduction": "sum_over_batch_size",
        "name": "ldam_loss",
        "dtype": "float32",  # losses take dtype= since 0.2; a 0.1.0 file loads with the default
    }


def test_metrics_keep_their_classes_and_config() -> None:
    model, _ = _load()
    metrics = model._compile_config.config["metrics"]
    assert [type(m) for m in metrics] == [
        keras_imbalance.metrics.BalancedAccuracy,
        keras_imbalance.metrics.MacroF1,
    ]
    for metric, name in zip(metrics, ["balanced_accuracy", "macro_f1"], strict=True):
        config = metric.get_config()
        assert config["num_classes"] == 3
        assert config["name"] == name
        assert config["threshold"] == 0.5
        assert config["from_logits"] is False


def test_predictions_and_evaluation_match_the_saved_model() -> None:
    model, data = _load()
    x, y, expected = data["x"], data["y"], data["predictions"]
    predictions = model.predict(x, verbose=0)
    np.testing.assert_allclose(predictions, expected, rtol=1e-5, atol=1e-6)

    result = model.evaluate(x, y, verbose=0, return_dict=True)
    predicted = expected.argmax(axis=1)
    assert np.isclose(result["balanced_accuracy"], balanced_accuracy_score(y, predicted))
    assert np.isclose(result["macro_f1"], f1_score(y, predicted, average="macro"), atol=1e-6)
    # LDAM in NumPy: margins m_c = 0.5 * n_c^(-1/4) / max(n^(-1/4)); CE(softmax(s * (z - m_y e_y))).
    n = np.array([50.0, 10.0, 2.0])
    margins = n**-0.25 * (0.5 / (n**-0.25).max())
    target = np.eye(3)[y]
    logits = 30.0 * (expected.astype(np.float64) - target * margins)
    log_softmax = (
        logits
        - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1))[:, None]
        - logits.max(1, keepdims=True)
    )
    reference = -(target * log_softmax).sum(axis=1).mean()
    np.testing.assert_allclose(result["loss"], reference, rtol=1e-4)
