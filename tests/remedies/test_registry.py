"""Walk the registry: every remedy trains, tunes, records its choice in results.json, and its
recipe runs. One tiny comparison holds them all (2 epochs, one seed, a 2-value grid each)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

from keras_imbalance.comparison import Comparison, compare
from keras_imbalance.comparison.report.recipe import recipe
from keras_imbalance.comparison.strategies import (
    COMPARE_STRATEGIES,
    DEFAULT_GRIDS,
    DEFAULT_PARAMS,
    HEAD_STRATEGIES,
    TRAINED_STRATEGIES,
)
from keras_imbalance.remedies import REMEDIES as ALL_REMEDIES
from keras_imbalance.remedies.cutmix import needs_images
from keras_imbalance.remedies.registry import BINARY_REMEDIES

# The data here has 3 classes: the binary-only remedies (threshold) are tested elsewhere.
REMEDIES = {n: r for n, r in ALL_REMEDIES.items() if n not in BINARY_REMEDIES}

# The remedies that train on these 4-D features: all but CutMix's, which need images (tested
# with images in tests/comparison/test_compare_cutmix.py).
TABULAR = {name: remedy for name, remedy in REMEDIES.items() if not needs_images(remedy)}
COUNTS = [40, 20, 8]


def tiny_data(counts: list[int] = COUNTS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 4-D."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), counts)
    x = rng.normal(size=(y.size, 4)) + 2.5 * np.eye(3, 4)[y]
    return x.astype("float32"), y


def mlp(input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    inputs = keras.Input(input_shape)
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(num_classes)(hidden))


# Two values of the first knob of every remedy that has one.
GRIDS = {
    name: {remedy.knobs[0].name: list(remedy.knobs[0].grid or (0.5, 1.0))[-2:]}
    for name, remedy in TABULAR.items()
    if remedy.knobs
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = compare(
        tiny_data(),
        list(TABULAR),
        model=mlp,
        epochs=2,
        seeds=[0],
        batch_size=16,
        grids=GRIDS,
        n_boot=10,
        # SGD, not Adam: the recipe must print the optimizer compare was given.
        compile_kwargs={"run_eagerly": True, "optimizer": keras.optimizers.SGD(momentum=0.9)},
    )
    folder = tmp_path_factory.mktemp("registry")
    result.save(folder, plots=False)
    return json.loads((folder / "results.json").read_text())  # type: ignore[no-any-return]


def test_the_recipe_prints_the_optimizer_compare_was_given(results: dict[str, Any]) -> None:
    assert results["settings"]["optimizer_config"] == {
        "class_name": "SGD",
        "config": {"momentum": 0.9},
    }
    text = Comparison.from_dict(results).recipe()
    assert "keras.optimizers.SGD(" in text and "momentum=0.9," in text
    assert "Adam" not in text


def test_the_string_tables_are_derived_from_the_registry() -> None:
    assert tuple(ALL_REMEDIES) == COMPARE_STRATEGIES
    assert set(HEAD_STRATEGIES) == {n for n, r in ALL_REMEDIES.items() if r.kind == "head"}
    assert set(TRAINED_STRATEGIES) | set(HEAD_STRATEGIES) == set(ALL_REMEDIES)
    for name, remedy in ALL_REMEDIES.items():
        assert DEFAULT_PARAMS.get(name, {}) == remedy.defaults()
        assert DEFAULT_GRIDS.get(name, {}) == remedy.default_grid()


def test_every_remedy_trains_tunes_and_records_its_choice(results: dict[str, Any]) -> None:
    assert results["strategies"] == list(TABULAR)
    rows = {row["strategy"]: row for row in results["summary"]}
    for name, remedy in TABULAR.items():
        runs = [run for run in results["runs"] if run["strategy"] == name]
        tried = [run["params"] for run in runs]
        expected = remedy.candidates({**remedy.default_grid(), **GRIDS.get(name, {})})
        assert tried == [{k: pytest.approx(v) for k, v in p.items()} for p in expected], name
        assert all(np.isfinite(run["validation"]["balanced_accuracy"]) for run in runs), name
        chosen = [run["params"] for run in runs if run["chosen"]]
        assert chosen == [rows[name]["params"]], name
        assert results["settings"]["grids"].get(name, {}) == {
            **remedy.default_grid(),
            **GRIDS.get(name, {}),
        }


def _data_for_recipe() -> dict[str, np.ndarray]:
    x_train, y_train = tiny_data()
    x_val, y_val = tiny_data([6, 6, 6], seed=1)
    return {"x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val}


def test_every_remedys_recipe_runs_with_its_chosen_params(
    results: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    compile_ = keras.Model.compile
    monkeypatch.setattr(
        keras.Model,
        "compile",
        lambda self, *a, **k: compile_(self, *a, **{"run_eagerly": True, **k}),
    )
    for row in results["summary"]:
        text = recipe(
            row["strategy"],
            row["params"],
            counts=results["splits"]["train"]["counts"],
            epochs=1,
            batch_size=16,
            learning_rate=0.01,
            head_epochs=1,
        )
        namespace: dict[str, Any] = {"model": mlp((4,), 3), **_data_for_recipe()}
        exec(compile(text, f"<recipe {row['strategy']}>", "exec"), namespace)
        model = namespace["model"]
        if "predict" in namespace:  # posthoc: the adjusted argmax
            predicted = namespace["predict"](namespace["x_val"])
        else:
            predicted = model.predict(namespace["x_val"], verbose=0).argmax(axis=-1)
        assert predicted.shape == (18,) and set(predicted.tolist()) <= {0, 1, 2}, row["strategy"]


def test_the_grid_refuses_a_repeated_value_before_training(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"grids\['focal'\]\['gamma'\]=\[1, 1\] lists 1 twice"):
        compare(tiny_data(), ["none", "focal"], model=mlp, grids={"focal": {"gamma": [1, 1]}})
