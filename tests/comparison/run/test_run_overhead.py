"""The per-run savings change no number: the runs train as Keras does by default, only faster."""

from __future__ import annotations

import math
from pathlib import Path

import keras
import numpy as np

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.run.models import default_model
from keras_imbalance.comparison.run.run_overhead import (
    array_fit_options,
    savings_disabled,
    savings_enabled,
    xla_cache,
)
from keras_imbalance.comparison.run.training import Recipe, RunOutput, fit_run
from keras_imbalance.remedies import Context, get_remedy
from tests.comparison.test_compare import mlp, tiny_data
from tests.conftest import only_backend


class EpochSizes(keras.callbacks.Callback):
    """The number of batches of every epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def on_epoch_begin(self, epoch: int, logs: object = None) -> None:
        self.batches.append(0)

    def on_train_batch_end(self, batch: int, logs: object = None) -> None:
        self.batches[-1] += 1


def one_run(strategy: str, sizes: EpochSizes) -> RunOutput:
    """A 3-epoch run on 45 training samples in batches of 8 (the last one of 5)."""
    x, y = tiny_data()
    rng = np.random.default_rng(1)
    order = rng.permutation(len(y))
    train, val, test = order[:45], order[45:75], order[75:90]
    keras.utils.set_random_seed(0)
    network = default_model((4,), 3)
    counts = np.bincount(y[train], minlength=3)
    setup = get_remedy(strategy).setup({}, Context.of(counts, 3))
    recipe = Recipe(epochs=3, batch_size=8, learning_rate=3e-3, fit_kwargs={"callbacks": [sizes]})
    return fit_run(
        network,
        setup,
        recipe=recipe,
        seed=0,
        x_train=x[train],
        y_train=y[train],
        x_val=x[val],
        y_val=y[val],
        x_test=x[test],
        num_classes=3,
    )


def test_a_run_on_arrays_trains_exactly_as_with_keras_defaults() -> None:
    strategy = "balanced"  # class weights: the strategy's own fit keywords go to fit too
    new_sizes, old_sizes = EpochSizes(), EpochSizes()
    new = one_run(strategy, new_sizes)
    with savings_disabled():
        old = one_run(strategy, old_sizes)
    np.testing.assert_array_equal(new.test_logits, old.test_logits)
    np.testing.assert_array_equal(new.val_logits, old.val_logits)
    assert new.history == old.history
    assert new.best_epoch == old.best_epoch
    # Every epoch is the whole training split: ceil(45 / 8) batches, the last one partial.
    assert new_sizes.batches == old_sizes.batches == [math.ceil(45 / 8)] * 3


def test_steps_per_epoch_only_on_tensorflow() -> None:
    expected = {"steps_per_epoch": 6} if keras.backend.backend() == "tensorflow" else {}
    assert array_fit_options(6) == expected
    with savings_disabled():
        assert array_fit_options(6) == {}
        with savings_disabled():
            assert not savings_enabled()
        assert not savings_enabled()
    assert savings_enabled()


@only_backend("jax")
def test_xla_cache_writes_a_temporary_folder_and_restores_the_settings() -> None:
    import jax

    before = {
        name: getattr(jax.config, name)
        for name in (
            "jax_compilation_cache_dir",
            "jax_persistent_cache_min_compile_time_secs",
            "jax_persistent_cache_min_entry_size_bytes",
        )
    }
    with xla_cache() as folder:
        assert folder is not None and Path(folder).is_dir()
        assert jax.config.jax_compilation_cache_dir == folder
        # A program never compiled in this process: compiled once, and written to the cache.
        value = jax.jit(lambda a: a * 3.25 - 1.5)(np.arange(7.0))
        np.testing.assert_allclose(np.asarray(value), np.arange(7.0) * 3.25 - 1.5)
        assert any(Path(folder).iterdir())
    assert not Path(folder).exists()
    assert {name: getattr(jax.config, name) for name in before} == before


@only_backend("jax")
def test_xla_cache_leaves_the_users_own_cache_alone(tmp_path: Path) -> None:
    import jax

    jax.config.update("jax_compilation_cache_dir", str(tmp_path))
    try:
        with xla_cache() as folder:
            assert folder is None
            assert jax.config.jax_compilation_cache_dir == str(tmp_path)
    finally:
        jax.config.update("jax_compilation_cache_dir", None)
    with savings_disabled(), xla_cache() as folder:
        assert folder is None and jax.config.jax_compilation_cache_dir is None


def test_compare_scores_the_same_with_and_without_the_savings() -> None:
    def scores() -> list[tuple[str, object, object]]:
        result = compare(
            tiny_data(),
            ["none"],
            model=mlp,
            epochs=2,
            seeds=[0],
            n_boot=20,
            cv=None,
            refit=False,
            tune=False,
        )
        return [
            (
                run["strategy"],
                run["validation"]["balanced_accuracy"],
                run["test"]["balanced_accuracy"],
            )
            for run in result.runs
        ]

    new = scores()
    with savings_disabled():
        old = scores()
    assert new == old
