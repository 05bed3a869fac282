"""The recipe `compare` prints: each strategy's snippet runs, trains as described, lints clean."""

from __future__ import annotations

import functools
import inspect
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

import keras_imbalance as ki
from keras_imbalance.comparison.report.recipe import RECIPE_STRATEGIES, recipe

ROOT = Path(__file__).resolve().parents[2]
COUNTS = [40, 15, 5]
N_TRAIN = sum(COUNTS)
BATCH = 16
STEPS = math.ceil(N_TRAIN / BATCH)
EXPECTED_NAMES = {"model", "x_train", "y_train", "x_val", "y_val"}

# Small tuned values, each different from compare's default so the text must carry it.
PARAMS: dict[str, dict[str, Any]] = {
    "log": {"mu": 0.2},
    "effective_number": {"beta": 0.99},
    "logit_adjusted": {"tau": 1.5},
    "drw": {"start": 0.5},
    "ldam_drw": {"max_margin": 0.3, "start": 0.5},
    "la_drw": {"tau": 0.5, "start": 0.5},
    "mixup_drw": {"alpha": 0.4, "start": 0.5},
    "cutmix": {"alpha": 0.4},
    "cutmix_drw": {"alpha": 0.4, "start": 0.5},
    "focal": {"gamma": 1.5},
    "posthoc": {"tau": 1.5},
    "tau_norm": {"tau": 0.7},
    "crt_la": {"tau": 1.5},
    "weight_balancing": {"weight_decay": 0.05, "max_norm": 1.5},
    "sam": {"rho": 0.1},
    "imbsam": {"rho": 0.1, "tail_below": 0.2},
    "imbsam_la": {"tau": 1.5, "rho": 0.1, "tail_below": 0.2},
}
WEIGHT_STRATEGIES = ("balanced", "inverse", "sqrt_inverse", "max_ratio", "log", "effective_number")
_LA_TAKES_CLASS_WEIGHT = "class_weight" in inspect.signature(ki.losses.LogitAdjustedLoss).parameters


def _data() -> dict[str, np.ndarray]:
    """Separable data: class c lights up feature c; counts 40/15/5 for training, 10 each for val."""
    rng = np.random.default_rng(0)

    def draw(counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
        y = np.repeat(np.arange(3), counts)
        x = rng.normal(0.0, 0.3, size=(len(y), 4)) + 2.0 * np.eye(4)[y]
        return x.astype("float32"), y

    x_train, y_train = draw(COUNTS)
    x_val, y_val = draw([10, 10, 10])
    return {"x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val}


def _model(input_shape: tuple[int, ...] = (4,)) -> keras.Model:
    inputs = keras.Input(input_shape)
    flat = keras.layers.Flatten()(inputs) if len(input_shape) > 1 else inputs
    hidden = keras.layers.Dense(8, activation="relu")(flat)
    return keras.Model(inputs, keras.layers.Dense(3)(hidden))


# CutMix needs images: the same data as 2 x 2 one-channel images.
IMAGE_STRATEGIES = ("cutmix", "cutmix_drw")


def _image_data() -> dict[str, np.ndarray]:
    return {k: v.reshape(-1, 2, 2, 1) if k.startswith("x") else v for k, v in _data().items()}


class _Recorder(keras.callbacks.Callback):
    """Records each epoch's logs and weights; optionally sabotages the last epoch."""

    def __init__(self, call: dict[str, Any], sabotage_last: bool) -> None:
        super().__init__()
        self.call = call
        self.sabotage_last = sabotage_last

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        if self.sabotage_last and epoch == self.call["kwargs"]["epochs"] - 1:
            # A last layer that always says class 0: balanced accuracy 1/3, worse than before.
            kernel, _ = self.model.layers[-1].get_weights()
            self.model.layers[-1].set_weights([np.zeros_like(kernel), np.array([100.0, 0, 0])])

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.call["logs"].append(dict(logs or {}))
        self.call["epoch_weights"].append([w.copy() for w in self.model.get_weights()])


class FitSpy:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.sabotage_last = False


@pytest.fixture
def fits(monkeypatch: pytest.MonkeyPatch) -> FitSpy:
    """Wraps ``keras.Model.fit``: records its arguments, per-epoch weights and the final weights."""
    spy = FitSpy()
    original = keras.Model.fit

    def fit(self: keras.Model, *args: Any, **kwargs: Any) -> Any:
        call: dict[str, Any] = {
            "model": self,
            "args": args,
            "kwargs": dict(kwargs),
            "logs": [],
            "epoch_weights": [],
        }
        recorder = _Recorder(call, spy.sabotage_last)
        kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), recorder]
        kwargs["verbose"] = 0
        history = original(self, *args, **kwargs)
        call["weights"] = [w.copy() for w in self.get_weights()]
        spy.calls.append(call)
        return history

    monkeypatch.setattr(keras.Model, "fit", fit)
    compile_ = keras.Model.compile

    def compile_eagerly(self: keras.Model, *args: Any, **kwargs: Any) -> Any:
        # Tracing and XLA compilation dominate these tiny fits (a few steps each); eager steps
        # run the same math.
        return compile_(self, *args, **{"run_eagerly": True, **kwargs})

    monkeypatch.setattr(keras.Model, "compile", compile_eagerly)
    return spy


def _run(text: str, images: bool = False) -> dict[str, Any]:
    data = _image_data() if images else _data()
    namespace: dict[str, Any] = {"model": _model(data["x_train"].shape[1:]), **data}
    exec(compile(text, "<recipe>", "exec"), namespace)
    return namespace


def _emit(strategy: str, **overrides: Any) -> str:
    options: dict[str, Any] = {
        "counts": COUNTS,
        "epochs": 2,
        "batch_size": BATCH,
        "learning_rate": 0.01,
        "head_epochs": 2,
    }
    options.update(overrides)
    return recipe(strategy, PARAMS.get(strategy, {}), **options)


def _hidden(x: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
    return np.maximum(x @ weights[0] + weights[1], 0.0)


def _effective_number(beta: float) -> np.ndarray:
    return (1.0 - beta) / (1.0 - beta ** np.asarray(COUNTS, dtype=float))


# --- Strategy-specific checks: (namespace after exec, fit calls) --------------------------------


def _check_weighted(strategy: str, ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    passed = calls[0]["kwargs"]["class_weight"]
    expected = dict(
        ki.class_weights(
            ki.ClassCounts.from_counts(COUNTS),
            strategy,
            normalize="mean",
            **PARAMS.get(strategy, {}),
        )
    )
    assert passed == expected
    assert type(passed) is dict
    if strategy == "balanced":  # N / (C * n_c) already has mean weight 1 over the samples
        np.testing.assert_allclose(
            [passed[c] for c in range(3)], N_TRAIN / (3 * np.asarray(COUNTS)), rtol=1e-12
        )
    if strategy == "effective_number":  # proportional to (1 - beta) / (1 - beta**n_c)
        ratios = np.array([passed[c] for c in range(3)]) / _effective_number(0.99)
        np.testing.assert_allclose(ratios, ratios[0], rtol=1e-12)


def _check_none(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    model = ns["model"]
    assert isinstance(model.loss, keras.losses.SparseCategoricalCrossentropy)
    assert "class_weight" not in calls[0]["kwargs"]
    # Cosine decay to 0 over exactly epochs * ceil(N / batch) steps.
    assert int(model.optimizer.iterations) == 2 * STEPS
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(
        0.0, abs=1e-9
    )


def _check_resample(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    (batches,) = calls[0]["args"]
    assert isinstance(batches, ki.BalancedBatches)
    assert batches.sampling == "oversample"
    assert calls[0]["kwargs"]["steps_per_epoch"] == STEPS
    # As many gradient steps as the array strategies, not C * n_max / batch per epoch.
    assert int(ns["model"].optimizer.iterations) == 2 * STEPS


def _check_logit_adjusted(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    loss = ns["model"].loss
    assert isinstance(loss, ki.losses.LogitAdjustedLoss)
    assert loss.tau == 1.5
    np.testing.assert_allclose(loss.prior, np.asarray(COUNTS) / N_TRAIN, rtol=1e-12)


def _check_drw(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    (drw,) = [
        c
        for c in calls[0]["kwargs"]["callbacks"]
        if isinstance(c, ki.callbacks.DeferredReweighting)
    ]
    assert drw.start_epoch == 1  # max(1, round(0.5 * 2))
    expected = ki.class_weights(
        ki.ClassCounts.from_counts(COUNTS), "effective_number", beta=0.9999
    ).to_array()
    np.testing.assert_allclose(drw.class_weight, expected, rtol=1e-12)
    ratios = np.asarray(drw.class_weight) / _effective_number(0.9999)
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    # Epoch 1 ran with the re-weighting: the loss holds the new weights.
    np.testing.assert_allclose(ns["model"].loss.class_weight, expected, rtol=1e-6)


def _check_ldam_drw(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    loss = ns["model"].loss
    assert isinstance(loss, ki.losses.LDAMLoss)
    assert loss.max_margin == 0.3
    assert loss.counts == COUNTS
    _check_drw(ns, calls)


def _check_la_drw(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    loss = ns["model"].loss
    assert isinstance(loss, ki.losses.LogitAdjustedLoss)
    assert loss.tau == 0.5
    _check_drw(ns, calls)


def _check_mixup_drw(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    batches = calls[0]["args"][0]
    assert isinstance(batches, ki.MixupBatches)
    assert batches.alpha == 0.4
    (late,) = [c for c in calls[0]["kwargs"]["callbacks"] if isinstance(c, ki.DeferredMixupWeights)]
    assert late.start_epoch == 1  # max(1, round(0.5 * 2))
    expected = ki.class_weights(
        ki.ClassCounts.from_counts(COUNTS), "effective_number", beta=0.9999
    ).to_array()
    # Epoch 1 ran with the re-weighting: the batches carry the new weights.
    np.testing.assert_allclose(batches.class_weight, expected, rtol=1e-12)
    assert isinstance(ns["model"].loss, keras.losses.CategoricalCrossentropy)


def _check_cutmix(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    (call,) = calls
    batches = call["args"][0]
    assert isinstance(batches, ki.MixupBatches)
    assert (batches.mode, batches.alpha) == ("cutmix", 0.4)
    np.testing.assert_array_equal(batches.x, _image_data()["x_train"])
    assert not any(isinstance(c, ki.DeferredMixupWeights) for c in call["kwargs"]["callbacks"])
    np.testing.assert_array_equal(batches.class_weight, [1.0, 1.0, 1.0])
    assert isinstance(ns["model"].loss, keras.losses.CategoricalCrossentropy)


def _check_cutmix_drw(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    assert calls[0]["args"][0].mode == "cutmix"
    _check_mixup_drw(ns, calls)


def _check_focal(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    data = _data()
    _, y_fit = calls[0]["args"]
    np.testing.assert_array_equal(y_fit, np.eye(3)[data["y_train"]])
    _, y_val = calls[0]["kwargs"]["validation_data"]
    np.testing.assert_array_equal(y_val, np.eye(3)[data["y_val"]])
    loss = ns["model"].loss
    assert isinstance(loss, keras.losses.CategoricalFocalCrossentropy)
    assert loss.gamma == 1.5
    assert loss.from_logits
    np.testing.assert_allclose(loss.alpha, N_TRAIN / (3 * np.asarray(COUNTS)), rtol=1e-12)


def _check_posthoc(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    x_val = _data()["x_val"]
    predicted = np.asarray(ns["predict"](x_val))
    logits = np.asarray(ns["model"].predict(x_val, verbose=0), dtype=float)
    expected = np.argmax(logits - 1.5 * np.log(np.asarray(COUNTS) / N_TRAIN), axis=-1)
    assert predicted.shape == (len(x_val),)
    assert np.issubdtype(predicted.dtype, np.integer)
    np.testing.assert_array_equal(predicted, expected)


def _check_tau_norm(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    trained_kernel, trained_bias = calls[0]["weights"][2:]
    kernel, bias = ns["model"].layers[-1].get_weights()
    trained_norms = np.linalg.norm(trained_kernel.astype(float), axis=0)
    norms = np.linalg.norm(kernel.astype(float), axis=0)
    np.testing.assert_allclose(norms, trained_norms ** (1 - 0.7), rtol=1e-5)
    # Only the lengths change: each column keeps its direction; the bias is untouched.
    np.testing.assert_allclose(kernel / norms, trained_kernel / trained_norms, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bias, trained_bias)


def _check_head(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    assert len(calls) == 2
    features_weights = calls[0]["weights"][:2]
    head_kernel, head_bias = calls[1]["weights"]
    x_val = _data()["x_val"]
    expected = _hidden(x_val, features_weights) @ head_kernel + head_bias
    got = keras.ops.convert_to_numpy(ns["model"](x_val))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        calls[1]["kwargs"]["validation_data"][0],
        _hidden(x_val, features_weights),
        rtol=1e-4,
        atol=1e-5,
    )


def _check_crt(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    _check_head(ns, calls)
    (batches,) = calls[1]["args"]
    assert isinstance(batches, ki.BalancedBatches)
    assert int(calls[1]["model"].optimizer.iterations) == 2 * STEPS
    assert isinstance(calls[1]["model"].loss, keras.losses.SparseCategoricalCrossentropy)


def _check_crt_la(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    _check_head(ns, calls)
    f_train, y_train = calls[1]["args"]
    np.testing.assert_allclose(
        f_train, _hidden(_data()["x_train"], calls[0]["weights"][:2]), rtol=1e-4, atol=1e-5
    )
    np.testing.assert_array_equal(y_train, _data()["y_train"])
    loss = calls[1]["model"].loss
    assert isinstance(loss, ki.losses.LogitAdjustedLoss)
    assert loss.tau == 1.5


def _check_weight_balancing(ns: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    assert len(calls) == 2  # the epochs, then the classifier alone
    for before, after in zip(calls[0]["weights"][:2], calls[1]["weights"][:2], strict=True):
        np.testing.assert_array_equal(after, before)  # the hidden layer is frozen
    kernel = calls[1]["weights"][2]
    assert np.linalg.norm(kernel, axis=0).max() <= 1.5 + 1e-5
    for call in calls:
        assert call["model"].optimizer.weight_decay == pytest.approx(0.05)
    raw = (1 - 0.9999) / (1 - 0.9999 ** np.array(COUNTS, dtype="float64"))
    weights = calls[1]["kwargs"]["class_weight"]
    np.testing.assert_allclose([weights[c] for c in range(3)], raw * 3 / raw.sum(), rtol=1e-6)


def _check_sharpness(tail: tuple[int, ...] | None, ns: dict[str, Any], calls: list[Any]) -> None:
    (call,) = calls
    wrapper = call["model"]
    assert isinstance(wrapper, ki.SharpnessAwareModel) and wrapper.model is ns["model"]
    assert (wrapper.rho, wrapper.tail_classes) == (0.1, tail)
    for got, want in zip(ns["model"].get_weights(), call["weights"], strict=True):
        np.testing.assert_array_equal(got, want)  # the wrapped model holds the trained weights


def _check_imbsam_la(ns: dict[str, Any], calls: list[Any]) -> None:
    _check_sharpness((2,), ns, calls)
    loss = calls[0]["model"].loss
    assert isinstance(loss, ki.losses.LogitAdjustedLoss) and loss.tau == 1.5
    np.testing.assert_allclose(loss.prior, np.asarray(COUNTS) / N_TRAIN, rtol=1e-12)


CHECKS = {
    "none": _check_none,
    "threshold": _check_none,  # trains as none; Comparison.recipe() adds its threshold
    "resample": _check_resample,
    "logit_adjusted": _check_logit_adjusted,
    "drw": _check_drw,
    "ldam_drw": _check_ldam_drw,
    "la_drw": _check_la_drw,
    "mixup_drw": _check_mixup_drw,
    "cutmix": _check_cutmix,
    "cutmix_drw": _check_cutmix_drw,
    "focal": _check_focal,
    "posthoc": _check_posthoc,
    "tau_norm": _check_tau_norm,
    "crt": _check_crt,
    "crt_la": _check_crt_la,
    "weight_balancing": _check_weight_balancing,
    "sam": functools.partial(_check_sharpness, None),
    "imbsam": functools.partial(_check_sharpness, (2,)),  # 5 < 0.2 * 40: the tail
    "imbsam_la": _check_imbsam_la,
}


def _strategy_param(strategy: str) -> Any:
    if strategy == "la_drw":
        return pytest.param(
            strategy,
            marks=pytest.mark.xfail(
                not _LA_TAKES_CLASS_WEIGHT,
                reason="LogitAdjustedLoss(class_weight=...) is not there yet",
                strict=False,
            ),
        )
    return strategy


def test_every_strategy_is_covered() -> None:
    assert set(RECIPE_STRATEGIES) == set(CHECKS) | set(WEIGHT_STRATEGIES)


@pytest.mark.parametrize("strategy", [_strategy_param(s) for s in RECIPE_STRATEGIES])
def test_recipe_trains_as_described(strategy: str, fits: FitSpy) -> None:
    text = _emit(strategy)
    for key, value in PARAMS.get(strategy, {}).items():
        assert f"{key}={value!r}" in text
    ns = _run(text, images=strategy in IMAGE_STRATEGIES)
    model = ns["model"]
    assert isinstance(model, keras.Model)
    assert tuple(model.output.shape) == (None, 3)
    assert calls_validated(fits.calls)
    if strategy in WEIGHT_STRATEGIES:
        _check_weighted(strategy, ns, fits.calls)
    else:
        CHECKS[strategy](ns, fits.calls)


def calls_validated(calls: list[dict[str, Any]]) -> bool:
    """Every fit saw the validation set and logged the monitored metric."""
    return bool(calls) and all(
        "validation_data" in c["kwargs"] and "val_balanced_accuracy" in c["logs"][-1] for c in calls
    )


@pytest.mark.parametrize("metric", ["balanced_accuracy", "macro_f1"])
def test_final_weights_are_the_best_epochs(metric: str, fits: FitSpy) -> None:
    fits.sabotage_last = True
    text = _emit(
        "none", epochs=5, learning_rate=0.05, schedule="constant", keep="best", metric=metric
    )
    assert "restore_best_weights=True" in text
    ns = _run(text)
    (call,) = fits.calls
    scores = [logs[f"val_{metric}"] for logs in call["logs"]]
    best = int(np.argmax(scores))  # EarlyStopping keeps the first of equal bests
    assert best < len(scores) - 1, f"the sabotaged last epoch must be worse: {scores}"
    for got, want in zip(ns["model"].get_weights(), call["epoch_weights"][best], strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("strategy", ["none", "drw", "mixup_drw", "balanced", "crt", "posthoc"])
def test_keep_last_trains_on_all_the_data_for_the_fixed_epochs(strategy: str, fits: FitSpy) -> None:
    """As the final model trains: no validation split anywhere, every fit runs its epochs, the
    last epoch's weights are kept."""
    fits.sabotage_last = strategy == "none"
    text = _emit(strategy, epochs=3, keep="last")
    assert "x_val" not in text and "y_val" not in text and "EarlyStopping" not in text
    assert "all your training data, validation included" in text
    namespace: dict[str, Any] = {"model": _model(), "x_train": _data()["x_train"]}
    namespace["y_train"] = _data()["y_train"]
    exec(compile(text, "<recipe>", "exec"), namespace)  # no x_val, y_val: none is needed
    assert fits.calls
    for call in fits.calls:
        assert "validation_data" not in call["kwargs"]
        assert len(call["logs"]) == call["kwargs"]["epochs"]
    assert fits.calls[0]["kwargs"]["epochs"] == 3
    if strategy == "crt":
        assert fits.calls[1]["kwargs"]["epochs"] == 2  # the head's own epochs
    if strategy == "none":
        for got, want in zip(
            namespace["model"].get_weights(), fits.calls[0]["epoch_weights"][-1], strict=True
        ):
            np.testing.assert_array_equal(got, want)


# --- Lint -------------------------------------------------------------------------------------


def _ruff() -> list[str]:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed")
    return [found]


VARIANTS = [
    *[(s, {}) for s in RECIPE_STRATEGIES],
    ("crt", {"schedule": "constant", "keep": "last", "metric": "g_mean"}),
    ("balanced", {"counts": list(range(1, 120)), "metric": "macro_f1"}),
    ("ldam_drw", {"learning_rate": 1e-05, "epochs": 200, "batch_size": 256}),
]


def test_snippets_are_ruff_clean(tmp_path: Path) -> None:
    for i, (strategy, overrides) in enumerate(VARIANTS):
        (tmp_path / f"recipe_{i}_{strategy}.py").write_text(_emit(strategy, **overrides))
    config = ["--config", str(ROOT / "pyproject.toml")]
    result = subprocess.run(
        [*_ruff(), "check", *config, "--output-format", "json", "--no-cache", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,  # a user's project, where keras_imbalance is a third-party package
    )
    findings = json.loads(result.stdout)
    # The five names the snippet expects from the user are undefined in a file alone; nothing
    # else may be reported.
    others = [f for f in findings if f["code"] != "F821"]
    assert others == [], others
    undefined = {re.search(r"`(\w+)`", f["message"]).group(1) for f in findings}  # type: ignore[union-attr]
    assert undefined == EXPECTED_NAMES
    formatted = subprocess.run(
        [*_ruff(), "format", *config, "--check", "--no-cache", str(tmp_path / "recipe_0_none.py")],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_snippet_imports_only_keras_numpy_and_keras_imbalance() -> None:
    for strategy in RECIPE_STRATEGIES:
        imports = {line for line in _emit(strategy).splitlines() if "import " in line}
        assert imports <= {"import keras", "import numpy as np", "import keras_imbalance as ki"}
        assert imports >= {"import keras", "import keras_imbalance as ki"}


# --- Text details -------------------------------------------------------------------------------


def test_floats_round_trip_and_counts_are_literal() -> None:
    text = recipe(
        "logit_adjusted",
        {"tau": np.float64(0.1) + np.float64(0.2)},
        counts=[np.int64(7), 3],
        epochs=3,
        batch_size=8,
        learning_rate=1 / 3,
    )
    assert "tau=0.30000000000000004" in text
    assert f"CosineDecay({1 / 3!r}," in text
    assert "counts = ki.ClassCounts.from_counts([7, 3])" in text
    assert "np.float64" not in text and "np.int64" not in text


def test_first_line_names_the_expected_inputs() -> None:
    text = _emit("posthoc")
    assert text.startswith("# ")
    comment = " ".join(line[2:] for line in text.splitlines() if line.startswith("# "))
    assert "Needs: model, an uncompiled keras.Model that outputs 3 logits" in comment
    for name in EXPECTED_NAMES:
        assert name in comment


def test_missing_params_take_compares_defaults() -> None:
    assert "gamma=2.0" in recipe(
        "focal", {}, counts=COUNTS, epochs=1, batch_size=4, learning_rate=0.1
    )
    assert "mu=0.15" in recipe("log", {}, counts=COUNTS, epochs=1, batch_size=4, learning_rate=0.1)


@pytest.mark.parametrize(
    ("start", "epochs", "start_epoch"), [(0.8, 10, 8), (0.5, 2, 1), (0.1, 4, 1)]
)
def test_drw_start_epoch(start: float, epochs: int, start_epoch: int) -> None:
    text = recipe(
        "drw", {"start": start}, counts=COUNTS, epochs=epochs, batch_size=4, learning_rate=0.1
    )
    assert f"start_epoch={max(1, round(start * epochs))}," in text
    assert f"start_epoch={start_epoch}," in text


def test_other_metric_falls_back_to_balanced_accuracy_and_says_so() -> None:
    text = _emit("none", metric="g_mean")
    assert 'monitor="val_balanced_accuracy"' in text
    assert "compare ranked by 'g_mean'" in text
    assert 'ki.metrics.MacroF1(num_classes=3, name="macro_f1")' in _emit("none", metric="macro_f1")


def test_constant_schedule_and_keep_last() -> None:
    text = _emit("none", schedule="constant", keep="last")
    assert "keras.optimizers.Adam(0.01)" in text
    assert "CosineDecay" not in text and "EarlyStopping" not in text


# --- Errors -------------------------------------------------------------------------------------


def test_unknown_strategy() -> None:
    with pytest.raises(ValueError, match=r"strategy='smote' is not supported; use one of 'none'"):
        recipe("smote", {}, counts=COUNTS, epochs=1, batch_size=4, learning_rate=0.1)


@pytest.mark.parametrize(
    ("strategy", "params", "message"),
    [
        ("logit_adjusted", {"gamma": 2.0}, r"has key 'gamma'.*strategy='logit_adjusted'.*'tau'"),
        ("none", {"tau": 1.0}, r"has key 'tau'.*strategy='none'.*allowed keys: 'weight_decay'"),
        ("ldam_drw", {"margin": 0.5}, r"has key 'margin'.*'max_margin', 'start'"),
    ],
)
def test_unknown_params_key(strategy: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        recipe(strategy, params, counts=COUNTS, epochs=1, batch_size=4, learning_rate=0.1)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"params": {"tau": -1.0}}, ValueError, r"params\['tau'\]=-1.0 is out of range"),
        ({"params": {"tau": "big"}}, TypeError, r"params\['tau'\] must be a number"),
        ({"counts": [5]}, ValueError, r"counts=\[5\] has 1 classes"),
        ({"counts": [5, 2.5]}, ValueError, r"counts\[1\]=2.5 must be a whole number"),
        ({"counts": "5,2"}, TypeError, r"counts must be a list"),
        ({"epochs": 0}, ValueError, r"epochs=0 is out of range"),
        ({"learning_rate": 0.0}, ValueError, r"learning_rate=0.0 is out of range"),
        ({"schedule": "linear"}, ValueError, r"schedule='linear' is not supported"),
        ({"keep": "first"}, ValueError, r"keep='first' is not supported"),
    ],
)
def test_bad_arguments(arguments: dict[str, Any], error: type, message: str) -> None:
    options: dict[str, Any] = {
        "params": {"tau": 1.0},
        "counts": COUNTS,
        "epochs": 1,
        "batch_size": 4,
        "learning_rate": 0.1,
    }
    options.update(arguments)
    params = options.pop("params")
    with pytest.raises(error, match=message):
        recipe("logit_adjusted", params, **options)


# --- The optimizer compare was given --------------------------------------------------------


def test_optimizer_config_keeps_the_class_and_the_settings_that_differ() -> None:
    from keras_imbalance.comparison.report.recipe_templates import optimizer_config

    assert optimizer_config(None) is None
    assert optimizer_config(keras.optimizers.SGD(0.5, momentum=0.9, nesterov=True)) == {
        "class_name": "SGD",
        "config": {"momentum": 0.9, "nesterov": True},
    }
    assert optimizer_config("adamw") == {"class_name": "AdamW", "config": {}}


@pytest.mark.parametrize("schedule", ["cosine", "constant"])
def test_recipe_compiles_with_the_given_optimizer(schedule: str, fits: FitSpy) -> None:
    sgd = {"class_name": "SGD", "config": {"momentum": 0.9}}
    text = _emit("crt", schedule=schedule, optimizer=sgd)
    assert "Adam" not in text and text.count("keras.optimizers.SGD(") == 2  # model and head
    _run(text)
    assert len(fits.calls) == 2
    for call in fits.calls:
        optimizer = call["model"].optimizer
        assert isinstance(optimizer, keras.optimizers.SGD)  # on torch, a subclass of it
        assert optimizer.momentum == pytest.approx(0.9)
        assert int(optimizer.iterations) == 2 * STEPS


def test_an_optimizer_keras_does_not_hold_is_named_in_a_comment() -> None:
    text = _emit("none", optimizer={"class_name": "MyOptimizer", "config": {}})
    assert "optimizer 'MyOptimizer', which keras.optimizers does not hold" in text
    with pytest.raises(TypeError, match=r"optimizer=.*must be None or a dict"):
        _emit("none", optimizer="sgd")


def test_recipe_takes_a_remedy_object() -> None:
    from keras_imbalance.remedies import get_remedy

    options: dict[str, Any] = {"counts": COUNTS, "epochs": 2, "batch_size": 4, "learning_rate": 0.1}
    by_object = recipe(get_remedy("focal"), {"gamma": 1.5}, **options)
    assert by_object == recipe("focal", {"gamma": 1.5}, **options)
    assert "gamma=1.5," in by_object
