"""compare with the user's own model and training options: optimizer, compile and fit keywords."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_imbalance.cli import main
from keras_imbalance.comparison import compare
from tests.comparison.test_compare import mlp, tiny_data


class Spy(keras.callbacks.Callback):
    """Records ``see(model)`` for each run as its training begins."""

    def __init__(self, see: Callable[[keras.Model], tuple[object, ...]]) -> None:
        super().__init__()
        self.see = see
        self.seen: list[tuple[object, ...]] = []

    def on_train_begin(self, logs: object = None) -> None:
        self.seen.append(self.see(self.model))


def test_optimizer_and_keywords_reach_every_run() -> None:
    spy = Spy(lambda model: (type(model.optimizer).__name__, bool(model.run_eagerly)))
    result = compare(
        tiny_data(),
        ["none", "balanced", "crt"],
        model=mlp,
        epochs=2,
        seeds=[0],
        n_boot=20,
        compile_kwargs={"optimizer": keras.optimizers.SGD(momentum=0.9), "run_eagerly": True},
        fit_kwargs={"callbacks": [spy]},
    )
    assert spy.seen[:3] == [("SGD", True)] * 3  # none, balanced and the crt head
    assert len(spy.seen) > 3 and set(spy.seen[3:]) == {("SGD", True)}  # and the final model
    assert "SGD" in result.settings["compile_kwargs"]["optimizer"]
    cosine = compare(
        tiny_data(),
        ["none"],
        model=mlp,
        epochs=2,
        seeds=[0],
        n_boot=20,
        compile_kwargs={"optimizer": "sgd"},
    )
    assert cosine.runs[0]["validation"]["balanced_accuracy"] >= 0


def test_the_given_optimizer_is_cloned_and_takes_the_schedule() -> None:
    given = keras.optimizers.SGD(learning_rate=0.5, momentum=0.9)
    models: list[keras.Model] = []

    class Keep(keras.callbacks.Callback):
        def on_train_end(self, logs: object = None) -> None:
            models.append(self.model)

    compare(
        tiny_data(),
        ["none", "balanced"],
        model=mlp,
        epochs=2,
        seeds=[0],
        n_boot=20,
        learning_rate=0.01,
        compile_kwargs={"optimizer": given},
        fit_kwargs={"callbacks": [Keep()]},
    )
    first, second, final = (m.optimizer for m in models)  # the runs, then the final model
    assert all(o is not given for o in (first, second, final)) and first is not second
    assert final is not first and final is not second
    assert first.momentum == pytest.approx(0.9)
    schedule = first.get_config()["learning_rate"]
    assert schedule["class_name"] == "CosineDecay"
    assert schedule["config"]["initial_learning_rate"] == pytest.approx(0.01)
    assert float(np.asarray(given.learning_rate)) == pytest.approx(0.5)  # untouched


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"compile_kwargs": {"loss": "mse"}}, "compile_kwargs sets 'loss'"),
        ({"compile_kwargs": {"metrics": ["accuracy"]}}, "compile_kwargs sets 'metrics'"),
        ({"compile_kwargs": {"bogus": 1}}, "compile_kwargs has 'bogus'"),
        ({"fit_kwargs": {"epochs": 3}}, "fit_kwargs sets 'epochs'"),
        ({"fit_kwargs": {"class_weight": {0: 1}}}, "fit_kwargs sets 'class_weight'"),
        ({"fit_kwargs": {"bogus": 1}}, "fit_kwargs has 'bogus'"),
        ({"fit_kwargs": [1]}, "must be a dict"),
    ],
)
def test_compare_owned_options_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        compare(tiny_data(), ["none"], model=mlp, epochs=1, seeds=[0], **kwargs)


def test_mixed_precision_runs() -> None:
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        result = compare(
            tiny_data(),
            ["none", "logit_adjusted", "posthoc"],
            model=mlp,
            epochs=2,
            seeds=[0],
            n_boot=20,
            grids={"logit_adjusted": {"tau": [1.0]}},
        )
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert not any(run["diverged"] for run in result.runs)


def test_cli_model_imports_a_builder(tmp_path: Path) -> None:
    x, y = tiny_data()
    np.savez(tmp_path / "data.npz", x=x, y=y)
    args = ["compare", str(tmp_path / "data.npz"), "--model", "tests.comparison.test_compare:mlp"]
    args += ["--strategies", "none", "--epochs", "1", "--seeds", "0", "--n-boot", "20"]
    args += ["--no-plots", "--output", str(tmp_path / "out")]
    assert main(args) == 0
    assert (tmp_path / "out" / "results.json").exists()


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("no_colon", "is not MODULE:FUNCTION"),
        ("no.such.module:build", "cannot be imported"),
        ("tests.comparison.test_compare:nothing", "has no function 'nothing'"),
    ],
)
def test_cli_model_errors(spec: str, match: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--model", spec, "--epochs", "1", "--strategies", "none"]) == 2
    assert match in capsys.readouterr().err


@pytest.fixture
def mixed_precision():
    before = keras.config.dtype_policy().name
    keras.config.set_dtype_policy("mixed_float16")
    yield
    keras.config.set_dtype_policy(before)


def test_mixed_precision_and_jit_compile(mixed_precision) -> None:
    # Each run's compute dtype, variable dtype and whether its train step is XLA-compiled.
    spy = Spy(
        lambda model: (
            model.layers[-1].compute_dtype,
            model.layers[-1].kernel.dtype,
            model.jit_compile,
        )
    )
    result = compare(
        tiny_data(),
        ["none", "logit_adjusted", "posthoc"],
        model=mlp,
        epochs=2,
        seeds=[0],
        n_boot=20,
        tune=False,
        compile_kwargs={"jit_compile": False},
        fit_kwargs={"callbacks": [spy]},
    )
    # float16 compute, float32 variables (Keras's mixed policy), the user's jit_compile.
    # none and logit_adjusted, then the final model (posthoc's is none's, with no head to train)
    assert spy.seen == [("float16", "float32", False)] * 3
    for run in result.runs:
        assert np.isfinite(run["validation"]["balanced_accuracy"])
        assert not run["diverged"]


def test_fit_run_takes_the_splits_as_one_value_or_as_keywords() -> None:
    from keras_imbalance.comparison.run.training import Recipe, RunData, fit_run
    from keras_imbalance.comparison.strategies import setup

    x, y = tiny_data(n_major=20, n_minor=6)
    data = RunData(x, y, x[:12], y[:12], x[:8], 3)
    recipe = Recipe(epochs=1, batch_size=16, learning_rate=1e-2, tail=[2])
    counts = np.bincount(y)
    outputs = []
    for kwargs in ({"data": data}, vars(data)):
        keras.utils.set_random_seed(0)
        network = mlp((4,), 3)
        plain = setup("none", {}, counts, 1)
        outputs.append(fit_run(network, plain, recipe=recipe, seed=0, **kwargs))
    np.testing.assert_array_equal(outputs[0].val_logits, outputs[1].val_logits)
    assert outputs[0].test_logits.shape == (8, 3)
    with pytest.raises(
        TypeError, match=r"missing \['num_classes', 'x_test'\], unknown \['x_tests'\]"
    ):
        fields = {k: v for k, v in vars(data).items() if k not in ("num_classes", "x_test")}
        fit_run(mlp((4,), 3), None, recipe=recipe, seed=0, x_tests=x, **fields)
    with pytest.raises(TypeError, match="data= and also"):
        fit_run(mlp((4,), 3), None, recipe=recipe, seed=0, data=data, x_train=x)
