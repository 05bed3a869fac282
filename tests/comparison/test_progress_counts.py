"""compare's progress counts finished runs: it never goes back and never passes the total."""

from __future__ import annotations

import keras
import numpy as np

from keras_imbalance.comparison import compare


def linear(shape: tuple[int, ...], classes: int) -> keras.Model:
    inputs = keras.Input(shape)
    return keras.Model(inputs, keras.layers.Dense(classes)(inputs))


def test_the_count_rises_through_the_heads_of_every_seed() -> None:
    rng = np.random.default_rng(3)
    y = np.repeat([0, 1], [40, 20])
    x = (rng.normal(size=(60, 3)) + y[:, None]).astype("float32")
    calls: list[tuple[int, int]] = []
    compare(
        (x, y),
        ["none", "balanced", "posthoc"],
        model=linear,
        epochs=1,
        seeds=[0, 1],
        tune=False,
        n_boot=20,
        progress=lambda done, total, run: calls.append((done, total)),
    )
    done = [d for d, _ in calls]
    assert {total for _, total in calls} == {6}  # 3 strategies x 2 seeds, one knob value each
    # The trained runs of both seeds finish first (4), then the two heads: 4, 5, then 6 at the end.
    assert done == sorted(done) and done[-1] == 6
    # then the refit's final model, announced with the counter the runs left
    assert done[-4:] == [4, 5, 6, 6]
