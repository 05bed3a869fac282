"""Augmentation for every strategy alike: the options, the block, and compare(augment=...)."""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path
from typing import Any, ClassVar

import keras
import numpy as np
import pytest

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.data.augment import (
    AUGMENTATIONS,
    AugmentedBuilder,
    augmented,
    check_augment,
    check_image_shape,
)
from keras_imbalance.comparison.data.augment_layer import Augmentation
from keras_imbalance.comparison.options import TrainingOptions
from keras_imbalance.comparison.report.recipe import recipe
from keras_imbalance.comparison.result import Comparison
from keras_imbalance.comparison.run import heads
from keras_imbalance.pipelines.mixup import MixupBatches


def _numpy(tensor: Any) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def images(seed: int = 0, sizes: tuple[int, ...] = (24, 12, 8)) -> tuple[np.ndarray, np.ndarray]:
    """Tiny 8x8 one-channel images whose class sets the mean of one quadrant."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(sizes)), sizes)
    x = rng.random((y.size, 8, 8, 1)).astype("float32") * 0.5
    for c in range(len(sizes)):
        x[y == c, (c // 2) * 4 : (c // 2) * 4 + 4, (c % 2) * 4 : (c % 2) * 4 + 4, 0] += 1.0
    return x, y


def small_net(input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    inputs = keras.Input(input_shape)
    hidden = keras.layers.Dense(6, activation="relu")(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, keras.layers.Dense(num_classes)(hidden))


# --- the options --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, ()),
        ((), ()),
        ("", ()),
        (["crop"], ("crop",)),
        (("flip", "translate", "crop"), ("flip", "translate", "crop")),
        ("translate, flip", ("translate", "flip")),
    ],
)
def test_augment_takes_names_a_string_or_nothing(given: Any, expected: tuple[str, ...]) -> None:
    assert check_augment(given) == expected


def test_an_unknown_augmentation_names_the_argument_the_value_and_the_choices() -> None:
    with pytest.raises(ValueError, match="augment=") as error:
        check_augment(("flip", "rotate"))
    assert "'rotate'" in str(error.value)
    assert "use some of flip, translate, crop" in str(error.value)
    with pytest.raises(ValueError, match=r"^--augment flip,rotate names 'rotate'"):
        check_augment("flip,rotate", "--augment")
    with pytest.raises(ValueError, match="twice"):
        check_augment(["flip", "flip"])
    with pytest.raises(TypeError, match="augment=True must be a list"):
        check_augment(True)


def test_only_images_are_augmented() -> None:
    check_image_shape(("flip",), (8, 8, 1))
    check_image_shape((), (4,))  # off: any data
    for shape in [(4,), (8, 8), (2, 8, 8, 1)]:
        with pytest.raises(ValueError, match=rf"the samples have shape \({shape[0]},"):
            check_image_shape(("flip",), shape)


def test_the_training_options_record_augment_only_when_on() -> None:
    off = TrainingOptions(epochs=1).checked()
    assert off.augment == () and "augment" not in off.settings(small_net, 10)
    on = TrainingOptions(epochs=1, augment="flip,crop").checked()
    assert on.settings(small_net, 10)["augment"] == ["flip", "crop"]


# --- the block ----------------------------------------------------------------------------------


def test_the_block_is_the_identity_unless_training() -> None:
    x, _ = images()
    block = Augmentation(AUGMENTATIONS, seed=1)
    assert np.array_equal(_numpy(block(x)), x)
    assert np.array_equal(_numpy(block(x, training=False)), x)
    model = AugmentedBuilder(small_net, AUGMENTATIONS)((8, 8, 1), 3)
    inner = model.layers[-1]
    expected = _numpy(inner(x, training=False))
    assert np.array_equal(_numpy(model(x)), expected)
    assert np.array_equal(model.predict(x, verbose=0), inner.predict(x, verbose=0))


def test_training_changes_the_inputs_and_the_same_seed_repeats_the_batch() -> None:
    x, _ = images()
    first = _numpy(Augmentation(AUGMENTATIONS, seed=3)(x, training=True))
    again = _numpy(Augmentation(AUGMENTATIONS, seed=3)(x, training=True))
    other = _numpy(Augmentation(AUGMENTATIONS, seed=4)(x, training=True))
    assert first.shape == x.shape and np.isfinite(first).all()
    assert not np.allclose(first, x)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_a_run_seed_gives_every_model_built_after_it_the_same_draws() -> None:
    # compare sets the run's seed, then builds: every strategy of a seed sees the same batches.
    x, _ = images()
    builder = AugmentedBuilder(small_net, AUGMENTATIONS)
    draws = []
    for seed in (7, 7, 8):
        keras.utils.set_random_seed(seed)
        draws.append(_numpy(builder((8, 8, 1), 3).layers[1](x, training=True)))
    assert np.array_equal(draws[0], draws[1])
    assert not np.array_equal(draws[0], draws[2])


def test_flip_mirrors_some_images_left_right_and_keeps_the_others() -> None:
    x, _ = images(sizes=(32, 32))
    out = _numpy(Augmentation(["flip"], seed=0)(x, training=True))
    mirrored = np.array([np.array_equal(o, i[:, ::-1]) for o, i in zip(out, x, strict=True)])
    kept = np.array([np.array_equal(o, i) for o, i in zip(out, x, strict=True)])
    assert (mirrored | kept).all()
    assert 0 < mirrored.sum() < len(x)


def test_translate_shifts_in_zeros_and_crop_stays_inside_the_image() -> None:
    ones = np.ones((16, 20, 20, 1), dtype="float32")
    shifted = _numpy(Augmentation(["translate"], seed=0)(ones, training=True))
    # A shift of at most 10% (2 pixels) brings zeros in at the border, never to the centre.
    np.testing.assert_allclose(shifted[:, 3:-3, 3:-3], 1.0, atol=1e-5)
    assert shifted.min() < 0.5 and (shifted >= -1e-6).all() and (shifted <= 1 + 1e-6).all()
    zoomed = _numpy(Augmentation(["crop"], seed=0)(ones, training=True))
    np.testing.assert_allclose(zoomed, 1.0, atol=1e-5)  # a zoom in reads only the image
    x, _ = images()
    assert not np.allclose(_numpy(Augmentation(["crop"], seed=0)(x, training=True)), x)


def test_the_heads_features_see_no_augmentation() -> None:
    x, _ = images()
    model = AugmentedBuilder(small_net, AUGMENTATIONS)((8, 8, 1), 3)
    inner = model.layers[-1]
    assert heads.classifier_layer(model) is inner.layers[-1]
    (features,) = heads.features_of(model, x)
    (plain,) = heads.features_of(inner, x)
    np.testing.assert_array_equal(features, plain)


def test_the_builder_is_plain_when_off_and_travels_to_workers() -> None:
    assert augmented(small_net, (), (4,)) is small_net
    with pytest.raises(ValueError, match="needs images"):
        augmented(small_net, ("flip",), (4,))
    with pytest.raises(ValueError, match="'spin' is not an augmentation; use some of flip"):
        Augmentation(["spin"])
    builder = augmented(small_net, ("flip",), (8, 8, 1))
    assert pickle.loads(pickle.dumps(builder)) == builder


def test_mixup_batches_and_augmentation_compose() -> None:
    x, y = images()
    model = AugmentedBuilder(small_net, ("flip", "translate"))((8, 8, 1), 3)
    model.compile("adam", keras.losses.CategoricalCrossentropy(from_logits=True))
    batches = MixupBatches(x, y, batch_size=16, alpha=0.4, class_weight=[1.0] * 3, seed=0)
    mixed = batches[0][0]
    seen = _numpy(Augmentation(("flip", "translate"), seed=5)(mixed, training=True))
    assert seen.shape == mixed.shape and not np.allclose(seen, mixed)
    history = model.fit(batches, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# --- compare(augment=...) -----------------------------------------------------------------------


class ModelsSeen(keras.callbacks.Callback):  # type: ignore[misc]
    """Whether each trained image model has the augmentation block in front."""

    seen: ClassVar[list[bool]] = []

    def on_train_begin(self, logs: Any = None) -> None:
        if len(self.model.inputs[0].shape) == 4:
            ModelsSeen.seen.append(isinstance(self.model.layers[1], Augmentation))


@pytest.fixture(scope="module")
def augmented_result(tmp_path_factory: pytest.TempPathFactory) -> tuple[Comparison, Path]:
    folder = tmp_path_factory.mktemp("augment")
    ModelsSeen.seen = []
    result = compare(
        (images(0), images(1, sizes=(8, 6, 6))),
        ["none", "balanced", "mixup_drw", "posthoc"],
        validation_data=images(2, sizes=(8, 6, 6)),
        model=small_net,
        epochs=2,
        seeds=[0],
        batch_size=16,
        tune=False,
        n_boot=20,
        output=folder,
        fit_kwargs={"callbacks": [ModelsSeen()]},
        augment=("flip", "translate", "crop"),
    )
    return result, folder


def test_every_strategy_trains_behind_the_same_block(
    augmented_result: tuple[Comparison, Path],
) -> None:
    result, _ = augmented_result
    trained = [run for run in result.runs if run["strategy"] in ("none", "balanced", "mixup_drw")]
    assert len(trained) == 3
    # The three runs and the refit of the choice (posthoc refits "none") all had the block.
    assert ModelsSeen.seen == [True] * len(ModelsSeen.seen) and len(ModelsSeen.seen) == 4
    assert result.settings["augment"] == ["flip", "translate", "crop"]
    assert result.settings["model"] == "small_net"


def test_the_augmentation_is_in_results_json_and_the_recipe(
    augmented_result: tuple[Comparison, Path],
) -> None:
    result, folder = augmented_result
    result.save(folder, plots=False)
    saved = json.loads((folder / "results.json").read_text())
    assert saved["settings"]["augment"] == ["flip", "translate", "crop"]
    text = Comparison.from_dict(saved).recipe()
    assert 'ki.comparison.Augmentation(["flip", "translate", "crop"])' in text
    assert "augmented.fit(" in text and "model.fit(" not in text


def test_the_refit_model_keeps_the_block_and_loads_with_equal_predictions(
    augmented_result: tuple[Comparison, Path],
) -> None:
    result, folder = augmented_result
    assert isinstance(result.model.layers[1], Augmentation)
    loaded = keras.saving.load_model(folder / "model.keras")
    assert isinstance(loaded.layers[1], Augmentation)
    x, _ = images(5)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), result.model.predict(x, verbose=0))


def test_the_recipe_runs_and_trains_the_model_it_wraps() -> None:
    text = recipe(
        "balanced",
        {},
        counts=[24, 12, 8],
        epochs=1,
        batch_size=16,
        learning_rate=0.01,
        keep="last",
        augment=["flip", "crop"],
    )
    model = small_net((8, 8, 1), 3)
    before = [np.array(w) for w in model.get_weights()]
    x_train, y_train = images()
    scope: dict[str, Any] = {"model": model, "x_train": x_train, "y_train": y_train}
    exec(text, scope)  # the snippet compare prints
    assert not np.allclose(model.get_weights()[0], before[0])  # model shares augmented's weights
    assert isinstance(scope["augmented"].layers[1], Augmentation)


def test_compare_refuses_augmentation_for_data_that_is_not_images() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(60, 4)).astype("float32"), np.repeat([0, 1, 2], 20)
    with pytest.raises(ValueError, match=r"needs images.*shape \(4,\)"):
        compare((x, y), ["none"], epochs=1, seeds=[0], augment=["flip"])
    with pytest.raises(ValueError, match="'spin'"):
        compare((x, y), ["none"], epochs=1, seeds=[0], augment=["spin"])


# --- the command line ---------------------------------------------------------------------------


def test_the_flag_reaches_compare_and_a_bad_name_fails_before_keras(tmp_path: Path) -> None:
    import subprocess

    code = (
        "import sys; from keras_imbalance.cli import main; "
        "code = main(['compare', '--augment', 'flip,spin']); "
        "print(code, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "False"]
    assert "--augment flip,spin names 'spin'" in out.stderr


def test_the_augment_flag_is_handed_to_compare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli.test_compare_flags import compare_kwargs

    x, y = images()
    np.savez(tmp_path / "data.npz", x=x, y=y)
    npz = tmp_path / "data.npz"
    assert compare_kwargs([], npz, tmp_path, monkeypatch)["augment"] is None
    seen = compare_kwargs(["--augment", "flip,translate"], npz, tmp_path, monkeypatch)
    assert seen["augment"] == "flip,translate"
