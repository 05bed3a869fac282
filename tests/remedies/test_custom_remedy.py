"""The guide's example (docs/guide/writing-a-remedy.md): a remedy of your own, through compare.

The code between the markers is the guide's, line for line (a test checks it); the guide adds
its imports: ``dataclasses.replace``, ``numpy as np``, ``keras_imbalance as ki`` and
``Knob, Remedy`` from ``keras_imbalance.remedies``.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_imbalance as ki
from keras_imbalance.comparison.data.splits import make_splits
from keras_imbalance.comparison.parallel import RunTask, run_task
from keras_imbalance.comparison.report.recipe import recipe
from keras_imbalance.comparison.run.training import Recipe
from keras_imbalance.remedies import Knob, Remedy

# --- guide example start ---


class PowerWeights(Remedy):
    """Class weights ``n_c ** -power``, scaled to mean 1 over the training samples."""

    name = "power_weights"
    summary = "class weights n_c ** -power (mean 1 over the samples)"
    knobs = (Knob("power", 0.5, grid=(0.5, 1.0), low=0.0, high=2.0),)

    @staticmethod
    def weights(power, counts):
        n = np.asarray(counts, dtype="float64")
        raw = n**-power
        raw *= n.sum() / np.dot(raw, n)
        return {c: round(float(w), 6) for c, w in enumerate(raw)}

    def apply(self, setup, params, context):
        weights = self.weights(params["power"], context.counts)
        return replace(setup, fit_kwargs={**setup.fit_kwargs, "class_weight": weights})

    def apply_recipe(self, text, values, context):
        weights = self.weights(float(values["power"]), context.counts)
        return replace(text, class_weight=repr(weights))


def run_example(x, y, model):
    result = ki.compare((x, y), ["none", PowerWeights()], model=model, epochs=2, seeds=[0])
    print(result.best, result.verdict)
    return result


# --- guide example end ---

ROOT = Path(__file__).resolve().parents[2]


def tiny_data(counts: tuple[int, ...] = (60, 24, 12), seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), counts)
    x = rng.normal(size=(y.size, 4)) + 2.5 * np.eye(3, 4)[y]
    return x.astype("float32"), y


def mlp(input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    inputs = keras.Input(input_shape)
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(num_classes)(hidden))


def test_the_guide_holds_this_example() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    example = source.split("# --- guide example start ---\n")[1].split("# --- guide")[0]
    guide = (ROOT / "docs" / "guide" / "writing-a-remedy.md").read_text(encoding="utf-8")
    assert example.strip() in guide


def test_power_weights_match_the_formula() -> None:
    counts = (60, 24, 12)
    weights = np.array(list(PowerWeights.weights(1.0, counts).values()))
    # power 1 is scikit-learn's "balanced": n / (C * n_c)
    np.testing.assert_allclose(weights, sum(counts) / (3 * np.asarray(counts)), rtol=1e-5)
    weights = np.array(list(PowerWeights.weights(0.5, counts).values()))
    np.testing.assert_allclose(weights / weights[0], np.sqrt(60 / np.asarray(counts)), rtol=1e-5)
    np.testing.assert_allclose(np.dot(weights, counts), sum(counts), rtol=1e-5)


def test_a_users_remedy_trains_tunes_and_is_recorded(tmp_path: Path) -> None:
    x, y = tiny_data()
    result = run_example(x, y, mlp)
    assert result.strategies == ["none", "power_weights"]
    result.save(tmp_path, plots=False)
    saved = json.loads((tmp_path / "results.json").read_text())
    runs = [run for run in saved["runs"] if run["strategy"] == "power_weights"]
    assert [run["params"] for run in runs] == [{"power": 0.5}, {"power": 1.0}]
    (row,) = [row for row in saved["summary"] if row["strategy"] == "power_weights"]
    assert [run["params"] for run in runs if run["chosen"]] == [row["params"]]
    assert saved["settings"]["grids"]["power_weights"] == {"power": [0.5, 1.0]}
    # The result's recipe finds the remedy by its recorded name when it is the best one.
    text = replace(result, best="power_weights").recipe()
    assert f'strategy "power_weights" (power={row["params"]["power"]!r})' in text
    assert "class_weight={0: " in text


def test_a_users_remedy_recipe_runs() -> None:
    x, y = tiny_data()
    text = recipe(
        PowerWeights(),
        {"power": 1.0},
        counts=[60, 24, 12],
        epochs=1,
        batch_size=16,
        learning_rate=0.01,
    )
    assert 'strategy "power_weights" (power=1.0)' in text
    namespace = {"model": mlp((4,), 3), "x_train": x, "y_train": y, "x_val": x, "y_val": y}
    exec(compile(text, "<recipe>", "exec"), namespace)
    assert namespace["model"].predict(x[:2], verbose=0).shape == (2, 3)


def test_a_users_remedy_travels_to_a_worker() -> None:
    """A run task holding the remedy pickles, and the unpickled task trains the same run."""
    x, y = tiny_data()
    splits = make_splits((x, y), validation_size=0.25, test_size=0.25, seed=0)
    arrays = {"train": splits.x_train, "val": splits.x_val, "test": splits.x_test}
    task = RunTask(
        "power_weights",
        {"power": 0.5},
        0,
        mlp,
        arrays,
        splits,
        Recipe(1, 16, 0.01, tail=[2]),
        remedy=PowerWeights(),
    )
    travelled = pickle.loads(pickle.dumps(task))
    assert travelled.remedy == PowerWeights()
    here, there = run_task(task).record, run_task(travelled).record
    assert here["strategy"] == there["strategy"] == "power_weights"
    assert here["predictions"] == there["predictions"]


def test_a_remedy_that_cannot_travel_is_refused_before_training() -> None:
    class Local(PowerWeights):
        name = "local"

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as executor, pytest.raises(TypeError, match="strategies="):
        ki.compare(
            tiny_data(), ["none", Local()], model=mlp, epochs=1, seeds=[0], executor=executor
        )
