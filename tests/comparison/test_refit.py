"""The final model: the chosen strategy refitted on train + validation, baked, saved, scored."""

from __future__ import annotations

import dataclasses
import html
import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import keras
import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, recall_score

import keras_imbalance.comparison.run.heads as heads
from keras_imbalance.bias import adjust_logits
from keras_imbalance.comparison import compare
from keras_imbalance.comparison.data.images import ImageFiles
from keras_imbalance.comparison.data.splits import Splits
from keras_imbalance.comparison.data.streams import Stream
from keras_imbalance.comparison.parallel import initial_weights
from keras_imbalance.comparison.refit import (
    RefitUnsupportedError,
    all_training_data,
    check_refit,
    refit_chosen,
    refit_epochs,
    refit_run,
)
from keras_imbalance.comparison.result import Comparison
from keras_imbalance.comparison.run.training import Recipe, RunData, fit_run
from keras_imbalance.remedies import FrozenClassifier, HeadRemedy, get_remedy
from keras_imbalance.remedies.heads import PostHoc, TauNorm, tau_normalized_logits
from tests.comparison.test_compare import mlp, tiny_data

RECIPE = Recipe(epochs=2, batch_size=16, learning_rate=0.01, tail=(2,))


def _splits() -> Splits:
    x_train, y_train = tiny_data(0, n_major=24, n_minor=8)  # 24 / 12 / 8
    x_val, y_val = tiny_data(1, n_major=8, n_minor=4)  # 8 / 4 / 4
    x_test, y_test = tiny_data(2, n_major=10, n_minor=5)  # 10 / 5 / 5
    return Splits(x_train, y_train, x_val, y_val, x_test, y_test, ["a", "b", "c"])


def _plan(splits: Splits | None = None) -> Any:
    """What the refit reads of a comparison's plan."""
    splits = splits or _splits()
    arrays = {"train": splits.x_train, "val": splits.x_val, "test": splits.x_test}
    remedies = [get_remedy(n) for n in ("none", "logit_adjusted", "posthoc", "tau_norm", "crt")]
    return SimpleNamespace(
        splits=splits, arrays=arrays, build=mlp, remedies=remedies, seeds=[0], recipe=RECIPE
    )


def _logits(network: Any, x: np.ndarray) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(network(x, training=False)), dtype="float64")


# --- fit_run without validation --------------------------------------------------------------


class _Weights(keras.callbacks.Callback):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[list[np.ndarray]] = []

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.epochs.append([np.array(w) for w in self.model.get_weights()])


def test_fit_run_without_validation_keeps_the_last_epoch() -> None:
    splits = _splits()
    spy = _Weights()
    recipe = dataclasses.replace(RECIPE, epochs=3, keep="best", fit_kwargs={"callbacks": [spy]})
    network = mlp((4,), 3)
    data = RunData(splits.x_train, splits.y_train, None, None, splits.x_test, 3)
    setup = get_remedy("none").setup({}, _context(splits.y_train))
    output = fit_run(network, setup, data=data, recipe=recipe, seed=0)
    assert output.best_epoch == 3 and len(spy.epochs) == 3
    assert output.val_logits.shape == (0, 3)
    assert "val_balanced_accuracy" not in output.history
    for got, last in zip(network.get_weights(), spy.epochs[-1], strict=True):
        np.testing.assert_array_equal(got, last)
    np.testing.assert_allclose(output.test_logits, _logits(network, splits.x_test), atol=1e-6)


def test_fit_run_takes_validation_whole_or_not_at_all() -> None:
    splits = _splits()
    data = RunData(splits.x_train, splits.y_train, splits.x_val, None, splits.x_test, 3)
    setup = get_remedy("none").setup({}, _context(splits.y_train))
    with pytest.raises(ValueError, match="x_val without y_val"):
        fit_run(mlp((4,), 3), setup, data=data, recipe=RECIPE, seed=0)


def _context(y: np.ndarray) -> Any:
    from keras_imbalance.remedies import Context

    return Context.of(np.bincount(y, minlength=3), RECIPE.epochs)


# --- the epoch count, the joined data, the flag ------------------------------------------------


@pytest.mark.parametrize("best", [[3], [2, 3], [3, 2, 9], [1, 1, 2, 2], [5, 6, 7, 8], [4, 4]])
def test_epoch_count_is_the_median_rounded_half_up(best: list[int]) -> None:
    sorted_best = sorted(best)
    middle = len(best) // 2
    median = (
        sorted_best[middle]
        if len(best) % 2
        else (sorted_best[middle - 1] + sorted_best[middle]) / 2
    )
    assert refit_epochs(best) == math.floor(median + 0.5)


def test_epoch_count_needs_epochs() -> None:
    with pytest.raises(ValueError, match="best_epochs is empty"):
        refit_epochs([])


def test_all_training_data_joins_train_then_validation() -> None:
    splits = _splits()
    x, y = all_training_data(_plan(splits))
    np.testing.assert_array_equal(x, np.vstack([splits.x_train, splits.x_val]))
    np.testing.assert_array_equal(y, np.hstack([splits.y_train, splits.y_val]))


def test_all_training_data_joins_file_lists(tmp_path: Path) -> None:
    train = ImageFiles(str(tmp_path / "a"), ("0/x.png", "1/y.png"), (8, 8))
    val = ImageFiles(str(tmp_path / "b"), ("1/z.png",), (8, 8))
    splits = Splits(train, np.array([0, 1]), val, np.array([1]), val, np.array([1]), ["0", "1"])
    x, y = all_training_data(SimpleNamespace(splits=splits, arrays={"train": train, "val": val}))
    assert isinstance(x, ImageFiles) and x.root == train.root and x.image_size == (8, 8)
    assert x.paths == ("0/x.png", "1/y.png", str(tmp_path / "b" / "1" / "z.png"))
    assert y.tolist() == [0, 1, 1]


def test_a_stream_is_not_joined() -> None:
    stream = Stream.__new__(Stream)
    splits = _splits()
    plan = SimpleNamespace(splits=splits, arrays={"train": stream, "val": stream})
    with pytest.raises(RefitUnsupportedError, match="stream"):
        all_training_data(plan)


def test_refit_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match=r"refit='yes' must be True"):
        check_refit("yes")
    with pytest.raises(TypeError, match=r"refit=1 must be True"):
        compare(tiny_data(), ["none"], refit=1)  # type: ignore[arg-type]


# --- head weights -------------------------------------------------------------------------------


def _frozen(rng: np.random.Generator) -> FrozenClassifier:
    return FrozenClassifier(
        rng.normal(size=(7, 5)), rng.normal(size=(5, 3)), rng.normal(size=3), (30, 9, 2)
    )


def test_head_weights_in_closed_form_and_by_probing_match_numpy(rng: np.random.Generator) -> None:
    frozen = _frozen(rng)
    prior = np.array(frozen.counts) / sum(frozen.counts)
    expected = {
        "posthoc": (frozen.kernel, frozen.bias - 1.5 * np.log(prior)),
        "tau_norm": (frozen.kernel / np.linalg.norm(frozen.kernel, axis=0) ** 1.5, frozen.bias),
    }
    for remedy in (PostHoc(), TauNorm()):
        kernel, bias = expected[remedy.name]
        for got in (
            remedy.head_weights({"tau": 1.5}, frozen),
            HeadRemedy.head_weights(remedy, {"tau": 1.5}, frozen),  # the probe
        ):
            np.testing.assert_allclose(got[0], kernel, atol=1e-12)
            np.testing.assert_allclose(got[1], bias, atol=1e-12)
            logits = remedy.head_logits({"tau": 1.5}, frozen)
            np.testing.assert_allclose(frozen.features @ got[0] + got[1], logits, atol=1e-10)


class _Squared(HeadRemedy):
    name = "squared"

    def head_logits(self, params: Any, frozen: FrozenClassifier) -> np.ndarray:
        return np.asarray(frozen.logits) ** 2


def test_a_head_that_is_not_affine_is_named(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match="head of squared is not affine"):
        _Squared().head_weights({}, _frozen(rng))


# --- refit_run ----------------------------------------------------------------------------------


def test_a_trained_refit_is_plain_keras_on_all_the_data_from_the_seed() -> None:
    plan = _plan()
    refit = refit_run(plan, get_remedy("none"), {}, epochs=2, seed=0)
    # The same training written with Keras alone: the seed's initial weights, all 60 samples.
    x = np.vstack([plan.splits.x_train, plan.splits.x_val])
    y = np.hstack([plan.splits.y_train, plan.splits.y_val])
    start = initial_weights(mlp, (4,), 3, 0)
    keras.utils.set_random_seed(0)
    reference = mlp((4,), 3)
    reference.set_weights(start)
    schedule = keras.optimizers.schedules.CosineDecay(0.01, decay_steps=2 * math.ceil(60 / 16))
    reference.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    keras.utils.set_random_seed(0)
    reference.fit(x, y, batch_size=16, epochs=2, shuffle=True, verbose=0)
    assert (refit.samples, refit.epochs) == (60, 2)
    for got, want in zip(refit.network.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)
    np.testing.assert_allclose(refit.test_logits, _logits(refit.network, plan.splits.x_test), 1e-5)


def test_closed_form_heads_are_baked_into_the_last_layer() -> None:
    plan = _plan()
    none = refit_run(plan, get_remedy("none"), {}, epochs=2, seed=0)
    counts = [24 + 8, 12 + 4, 8 + 4]  # train + validation
    features = heads.features_of(none.network, plan.splits.x_test)[0].astype("float64")
    kernel, bias = heads.classifier_weights(none.network)
    expected = {
        "posthoc": adjust_logits(none.test_logits, counts, tau=0.5),
        "tau_norm": tau_normalized_logits(features, kernel, bias, 0.5),
    }
    for name, want in expected.items():
        remedy = get_remedy(name)
        baked = refit_run(plan, remedy, {"tau": 0.5}, epochs=7, seed=0, none_epochs=2)
        assert baked.epochs == 2 and baked.samples == 60
        np.testing.assert_allclose(baked.test_logits, want, atol=1e-5)
        np.testing.assert_allclose(_logits(baked.network, plan.splits.x_test), want, atol=1e-5)


def test_a_trained_head_keeps_the_backbone_and_replaces_the_last_layer() -> None:
    plan = _plan()
    none = refit_run(plan, get_remedy("none"), {}, epochs=2, seed=0)
    crt = refit_run(plan, get_remedy("crt"), {}, epochs=2, seed=0, none_epochs=2)
    x_test = plan.splits.x_test
    (f_none,) = heads.features_of(none.network, x_test)
    (f_crt,) = heads.features_of(crt.network, x_test)
    np.testing.assert_allclose(f_crt, f_none, atol=1e-5)
    kernel, bias = heads.classifier_weights(crt.network)
    assert not np.allclose(kernel, heads.classifier_weights(none.network)[0])
    np.testing.assert_allclose(crt.test_logits, f_crt @ kernel + bias, atol=1e-5)


def test_a_head_needs_the_none_epochs() -> None:
    with pytest.raises(ValueError, match="none_epochs is needed"):
        refit_run(_plan(), get_remedy("posthoc"), {}, epochs=2, seed=0)


# --- compare(refit=True) --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Comparison, Splits, Path]:
    splits = _splits()
    folder = tmp_path_factory.mktemp("refit")
    result = compare(
        ((splits.x_train, splits.y_train), (splits.x_test, splits.y_test)),
        ["none", "posthoc"],
        validation_data=(splits.x_val, splits.y_val),
        model=mlp,
        epochs=3,
        seeds=[0, 1],
        batch_size=16,
        tune=False,
        n_boot=20,
        output=folder,
    )
    return result, splits, folder


def test_compare_refits_the_choice_and_saves_a_model_that_loads(
    compared: tuple[Comparison, Splits, Path],
) -> None:
    result, splits, folder = compared
    refit = result.refit
    assert refit is not None
    strategy = result.best or "none"
    best = [r["best_epoch"] for r in result.runs if r["chosen"] and r["strategy"] == "none"]
    assert refit["strategy"] == strategy and refit["seed"] == 0
    assert refit["epochs"] == refit_epochs(best) and refit["samples"] == 60
    loaded = keras.saving.load_model(folder / "model.keras")
    np.testing.assert_allclose(
        _logits(loaded, splits.x_test), _logits(result.model, splits.x_test), atol=1e-6
    )
    predicted = _logits(loaded, splits.x_test).argmax(axis=1)
    assert refit["test"]["balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(splits.y_test, predicted), abs=1e-12
    )
    recall = recall_score(splits.y_test, predicted, average=None, labels=[0, 1, 2])
    np.testing.assert_allclose(refit["per_class_recall"], recall, atol=1e-12)
    assert refit["model"] == "model.keras"


def test_the_refit_record_round_trips_and_older_results_still_load(
    compared: tuple[Comparison, Splits, Path],
) -> None:
    result = compared[0]
    saved = json.loads(result.to_json())
    assert saved["refit"] == json.loads(json.dumps(result.refit))
    again = Comparison.from_dict(saved)
    assert again.refit == saved["refit"] and again.model is None
    older = {k: v for k, v in saved.items() if k != "refit"}
    assert Comparison.from_dict(older).refit is None


def test_report_and_recipe_say_how_the_final_model_trained(
    compared: tuple[Comparison, Splits, Path], tmp_path: Path
) -> None:
    result = compared[0]
    refit = result.refit
    assert refit is not None
    line = result.final_model_line()
    assert f"all {refit['samples']} training samples" in line
    mean = result.row(refit["strategy"])["test"]["mean"]["balanced_accuracy"]
    assert f"against {mean:.3f}" in line
    assert f"**Final model.** {line}" in result.to_markdown()
    result.save(tmp_path, plots=False)
    assert f"Final model.</strong> {line}" in html.unescape((tmp_path / "report.html").read_text())
    text = result.recipe()
    assert f"epochs={refit['epochs']}," in text
    assert "x_val" not in text and "EarlyStopping" not in text


def test_a_stream_refit_is_skipped_with_its_reason(
    compared: tuple[Comparison, Splits, Path],
) -> None:
    result = dataclasses.replace(compared[0])
    stream = Stream.__new__(Stream)
    plan = _plan()
    plan.arrays = {"train": stream, "val": stream, "test": stream}
    refit_chosen(plan, result, None)
    assert result.refit is not None and "stream" in result.refit["skipped"]
    assert result.model is None
    assert result.final_model_line().startswith("not trained: ")


def test_refit_false_trains_no_final_model(tmp_path: Path) -> None:
    x, y = tiny_data(n_major=24, n_minor=8)
    result = compare(
        (x, y), ["none"], model=mlp, epochs=1, seeds=[0], n_boot=20, output=tmp_path, refit=False
    )
    assert result.refit is None and result.model is None
    assert not (tmp_path / "model.keras").exists()
    assert "Final model" not in result.to_markdown()


def test_a_given_epoch_count_and_folder_are_used(
    compared: tuple[Comparison, Splits, Path], tmp_path: Path
) -> None:
    result = dataclasses.replace(compared[0], best=None)
    plan = _plan()
    refit_chosen(plan, result, tmp_path, epochs=1)  # the count cross-validation chose
    assert result.refit is not None and result.refit["epochs"] == 1
    assert result.refit["strategy"] == "none" and result.refit["model"] == "model.keras"
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    x_test = plan.splits.x_test
    np.testing.assert_allclose(_logits(loaded, x_test), _logits(result.model, x_test), atol=1e-6)


def test_refit_without_none_refits_the_first_ranked_strategy() -> None:
    # "none" was not compared, so no remedy can be named best: the refit takes the first-ranked
    # strategy rather than "none", which has no runs to count epochs from.
    x, y = tiny_data()
    result = compare((x, y), ["balanced"], model=mlp, epochs=1, seeds=[0], cv=None, n_boot=20)
    assert result.best is None
    assert result.refit["strategy"] == "balanced"
    assert result.model is not None
