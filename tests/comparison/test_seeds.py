"""compare leaves the caller's random state alone, and its split depends on split_seed only."""

from __future__ import annotations

import random
from typing import Any

import keras
import numpy as np
import pytest

import keras_imbalance.comparison.runner as runner
from keras_imbalance.comparison import compare
from keras_imbalance.comparison.run.random_state import capture, preserved_random_state, restore


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    y = np.repeat([0, 1], [40, 20])
    return (rng.normal(size=(60, 3)) + y[:, None]).astype("float32"), y


def linear(shape: tuple[int, ...], classes: int) -> keras.Model:
    inputs = keras.Input(shape)
    return keras.Model(inputs, keras.layers.Dense(classes)(inputs))


def draws() -> tuple[float, float, float]:
    """One draw from Python's, NumPy's and Keras's global generators (no seed given)."""
    value = keras.ops.convert_to_numpy(keras.random.uniform(()))
    return random.random(), float(np.random.rand()), float(value)


def small_compare(**kwargs: Any) -> Any:
    options = {"model": linear, "epochs": 1, "seeds": [0], "n_boot": 20, "batch_size": 16}
    return compare(data(), ["none"], **{**options, **kwargs})


def test_compare_leaves_the_global_random_state_as_it_was() -> None:
    keras.utils.set_random_seed(11)
    first, second = draws(), draws()  # what the caller draws without compare
    keras.utils.set_random_seed(11)
    assert draws() == first
    small_compare(seeds=[5, 6])
    assert draws() == second


def test_the_state_is_restored_when_compare_fails() -> None:
    def stop(done: int, total: int, run: str) -> None:  # called after the first run is seeded
        raise RuntimeError("stopped")

    np.random.seed(4)
    expected = np.random.rand()
    np.random.seed(4)
    with pytest.raises(RuntimeError, match="stopped"):
        small_compare(progress=stop)
    assert np.random.rand() == expected


def test_capture_and_restore_cover_python_numpy_and_keras() -> None:
    keras.utils.set_random_seed(1)
    saved = capture()
    expected = draws()
    keras.utils.set_random_seed(99)
    draws()
    restore(saved)
    assert draws() == expected
    with preserved_random_state():
        keras.utils.set_random_seed(2)
    assert draws() != expected  # the state moved on from where it was, not back to seed 1


@pytest.fixture
def split_seeds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, np.ndarray]]:
    """``(seed, validation features)`` of every split compare makes."""
    seen: list[tuple[int, np.ndarray]] = []
    make = runner.make_splits

    def spy(*args: Any, **kwargs: Any) -> Any:
        splits = make(*args, **kwargs)
        seen.append((kwargs["seed"], np.asarray(splits.x_val)))
        return splits

    monkeypatch.setattr(runner, "make_splits", spy)
    return seen


def test_the_split_does_not_depend_on_the_training_seeds(split_seeds: list) -> None:
    first = small_compare(seeds=[0])
    second = small_compare(seeds=[1])
    other = small_compare(seeds=[0], split_seed=1)
    assert [seed for seed, _ in split_seeds] == [0, 0, 1]
    assert np.array_equal(split_seeds[0][1], split_seeds[1][1])
    assert not np.array_equal(split_seeds[0][1], split_seeds[2][1])
    assert first.settings["split_seed"] == second.settings["split_seed"] == 0
    assert other.settings["split_seed"] == 1
    assert first.splits == second.splits


@pytest.mark.parametrize("bad", [-1, 1.5, "0"])
def test_a_bad_split_seed_is_refused(bad: Any) -> None:
    with pytest.raises((ValueError, TypeError), match="split_seed"):
        small_compare(split_seed=bad)
