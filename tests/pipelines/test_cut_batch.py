"""CutMix (Yun et al. 2019): cut_box and cut_batch against the paper's Algorithm A1 in NumPy
written here, and MixupBatches(mode="cutmix") drawing its boxes."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_imbalance.comparison.data.streams import _mix
from keras_imbalance.pipelines import DeferredMixupWeights, MixupBatches
from keras_imbalance.pipelines.mixing import cut_batch, cut_box

RNG = np.random.default_rng(0)
IMAGES = RNG.normal(size=(6, 8, 6, 2))  # height 8, width 6: the sides must not be swapped
LABELS = np.array([0, 2, 1, 1, 0, 2])
WEIGHTS = np.array([0.5, 2.0, 3.0])
PARTNERS = np.array([3, 0, 5, 1, 2, 4])


def rand_bbox(height: int, width: int, lam: float, cy: int, cx: int) -> tuple[int, ...]:
    """The official code's box (``rand_bbox``), centre given: ``(top, bottom, left, right)``."""
    cut_rat = np.sqrt(1.0 - lam)
    cut_w, cut_h = int(width * cut_rat), int(height * cut_rat)
    bbx1, bbx2 = np.clip(cx - cut_w // 2, 0, width), np.clip(cx + cut_w // 2, 0, width)
    bby1, bby2 = np.clip(cy - cut_h // 2, 0, height), np.clip(cy + cut_h // 2, 0, height)
    return int(bby1), int(bby2), int(bbx1), int(bbx2)


def reference(
    lam: float, centre: tuple[float, float], weights: np.ndarray | None
) -> tuple[list[np.ndarray], float]:
    """The CutMix batch by a loop over the images, and the adjusted lam."""
    top, bottom, left, right = rand_bbox(8, 6, lam, int(centre[0] * 8), int(centre[1] * 6))
    x = IMAGES.copy()
    for k, j in enumerate(PARTNERS):
        x[k, top:bottom, left:right, :] = IMAGES[j, top:bottom, left:right, :]
    kept = 1 - (bottom - top) * (right - left) / (8 * 6)
    one_hot = np.eye(3)[LABELS]
    out = [x, kept * one_hot + (1 - kept) * one_hot[PARTNERS]]
    if weights is not None:
        out.append(kept * weights[LABELS] + (1 - kept) * weights[LABELS[PARTNERS]])
    return out, kept


def test_cut_box_is_the_papers_box_on_exact_numbers() -> None:
    rng = np.random.default_rng(42)
    for lam in [0.0, 1.0, *rng.beta(1.0, 1.0, size=200)]:
        height, width = (int(n) for n in rng.integers(1, 40, size=2))
        cy, cx = int(rng.integers(height)), int(rng.integers(width))
        assert cut_box(height, width, lam, (cy, cx)) == rand_bbox(height, width, lam, cy, cx)
    # By hand: sides int(8 * sqrt(0.64)) = 6 and int(6 * 0.8) = 4, centre (7, 1): rows 4..10
    # clip to 4..8, columns -1..3 to 0..3.
    assert cut_box(8, 6, 0.36, (7, 1)) == (4, 8, 0, 3)


@pytest.mark.parametrize("weights", [None, WEIGHTS])
@pytest.mark.parametrize(
    ("lam", "centre"), [(0.36, (0.9, 0.2)), (0.0, (0.5, 0.5)), (1.0, (0.1, 0.7)), (0.5, (0, 0))]
)
def test_cut_batch_is_algorithm_a1(
    lam: float, centre: tuple[float, float], weights: np.ndarray | None
) -> None:
    cut = cut_batch(
        IMAGES, LABELS, 3, lam=lam, partners=PARTNERS, centre=centre, class_weight=weights
    )
    expected, _ = reference(lam, centre, weights)
    assert len(cut) == len(expected)
    for got, want in zip(cut, expected, strict=True):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(cut[1].sum(axis=1), 1.0, rtol=1e-6)


def test_the_labels_mix_by_the_clipped_area_not_by_lam() -> None:
    # centre (7, 1) of 8 x 6: the 6 x 4 box is clipped to 4 x 3 = 12 of 48 pixels.
    x, y = cut_batch(IMAGES, LABELS, 3, lam=0.36, partners=PARTNERS, centre=(7.5 / 8, 1.5 / 6))
    _, kept = reference(0.36, (7.5 / 8, 1.5 / 6), None)
    assert kept == pytest.approx(1 - 12 / 48)
    np.testing.assert_allclose(y[0], [0.75, 0.0, 0.0] + 0.25 * np.eye(3)[LABELS[3]], rtol=1e-6)
    inside = np.zeros((8, 6), dtype=bool)
    inside[4:8, 0:3] = True
    np.testing.assert_array_equal(x[:, inside], IMAGES[PARTNERS][:, inside].astype("float32"))
    np.testing.assert_array_equal(x[:, ~inside], IMAGES[:, ~inside].astype("float32"))


def test_cut_batch_refuses_data_that_are_not_images() -> None:
    with pytest.raises(ValueError, match=r"CutMix needs images.*shape \(6, 96\).*mixup"):
        cut_batch(IMAGES.reshape(6, 96), LABELS, 3, lam=0.5, partners=PARTNERS, centre=(0, 0))


def test_the_stream_cutmix_draws_lam_partners_then_centre() -> None:
    cut = _mix(IMAGES, LABELS, WEIGHTS, 3, np.random.default_rng(7), 0.4, "cutmix")
    draws = np.random.default_rng(7)
    lam = float(draws.beta(0.4, 0.4))
    partners = draws.permutation(6)
    row, column = draws.random(2)
    expected = cut_batch(
        IMAGES, LABELS, 3, lam=lam, partners=partners, centre=(row, column), class_weight=WEIGHTS
    )
    for got, want in zip(cut, expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_cutmix_batches_cut_their_drawn_boxes() -> None:
    batches = MixupBatches(
        IMAGES, LABELS, batch_size=4, alpha=1.0, class_weight=WEIGHTS, seed=3, mode="cutmix"
    )
    plain = MixupBatches(IMAGES, LABELS, batch_size=4, alpha=1.0, class_weight=WEIGHTS, seed=3)
    np.testing.assert_array_equal(batches._lams, plain._lams)  # the same draws as mixup's
    for index in range(len(batches)):
        rows = batches._order[index * 4 : (index + 1) * 4]
        row, column = batches._centres[index]
        expected = cut_batch(
            IMAGES[rows],
            LABELS[rows],
            3,
            lam=float(batches._lams[index]),
            partners=batches._partners[index],
            centre=(row, column),
            class_weight=WEIGHTS,
        )
        for got, want in zip(batches[index], expected, strict=True):
            np.testing.assert_array_equal(got, want)
    centres = batches._centres.copy()
    batches.on_epoch_end()
    assert not np.array_equal(batches._centres, centres)  # fresh boxes each epoch


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "cutout"}, r"mode='cutout' is not supported; use 'mixup' or 'cutmix'"),
        ({"mode": "cutmix", "x": np.eye(6)}, r"needs images.*\(6, 6\).*mode='mixup'"),
    ],
)
def test_bad_modes_are_refused(kwargs: dict[str, object], match: str) -> None:
    x = kwargs.pop("x", IMAGES)
    with pytest.raises(ValueError, match=match):
        MixupBatches(x, LABELS, **kwargs)  # type: ignore[arg-type]


def test_deferred_weights_switch_the_cutmix_weights_at_their_epoch() -> None:
    x = np.random.default_rng(1).normal(size=(8, 4, 4, 1)).astype("float32")
    y = np.array([0, 0, 0, 0, 0, 1, 1, 2])
    batches = MixupBatches(
        x, y, batch_size=8, alpha=1.0, class_weight=[1.0, 1.0, 1.0], seed=0, mode="cutmix"
    )
    seen: list[tuple[np.ndarray, ...]] = []

    class Watch(keras.callbacks.Callback):  # type: ignore[misc]
        def on_epoch_begin(self, epoch: int, logs: object = None) -> None:
            seen.append(batches[0])

    model = keras.Sequential(
        [keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(3)]
    )
    model.compile(optimizer="sgd", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    late = DeferredMixupWeights(batches, WEIGHTS, 2)
    model.fit(batches, epochs=3, verbose=0, callbacks=[late, Watch()])
    for epoch, (_, y_mixed, weights) in enumerate(seen):
        # Each sample's weight is its target row's mix of the class weights: uniform (1) before
        # epoch 2, WEIGHTS from it on.
        expected = y_mixed @ (WEIGHTS if epoch >= 2 else np.ones(3))
        np.testing.assert_allclose(weights, expected, rtol=1e-6)
    assert not np.allclose(seen[2][2], 1.0)
