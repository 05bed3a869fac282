"""compare: every choice on validation, the test split scored once, and a noise-aware verdict."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_imbalance.comparison import (
    COMPARE_STRATEGIES,
    DEFAULT_GRIDS,
    METRICS,
    Comparison,
    compare,
)
from keras_imbalance.comparison.scoring.statistics import confusion_matrices, metric_from_confusion
from keras_imbalance.comparison.strategies import BINARY_STRATEGIES
from keras_imbalance.remedies import get_remedy
from keras_imbalance.remedies.cutmix import needs_images


def tiny_data(
    seed: int = 0, n_major: int = 120, n_minor: int = 30
) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 4-D, 120/60/30 samples."""
    rng = np.random.default_rng(seed)
    sizes = [n_major, n_major // 2, n_minor]
    y = np.repeat(np.arange(3), sizes)
    centers = np.eye(3, 4) * 2.5
    x = (rng.normal(size=(y.size, 4)) + centers[y]).astype("float32")
    return x, y


def mlp(input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    inputs = keras.Input(input_shape)
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(num_classes)(hidden))


# One value per knob keeps the every-strategy run short; logit_adjusted, posthoc and tau_norm keep
# two or three, so that choosing on validation is exercised.
SMALL_GRIDS = {
    "log": {"mu": [0.15]},
    "effective_number": {"beta": [0.999]},
    "drw": {"start": [0.5]},
    "ldam_drw": {"max_margin": [0.5]},
    "la_drw": {"start": [0.5]},
    "focal": {"gamma": [2.0]},
    "crt_la": {"tau": [1.0]},
    "posthoc": {"tau": [0.0, 1.0, 2.0]},
    "tau_norm": {"tau": [0.0, 1.0]},
    "weight_balancing": {"weight_decay": [0.05], "max_norm": [1.0]},
}


# The data has 3 classes: every strategy but the binary-only ones (threshold).
# every strategy that runs on 3-class tabular data: not the binary-only ones, not CutMix's
# (images only; tests/comparison/test_compare_cutmix.py runs those), not the sharpness-aware
# ones (two passes a step; tests/remedies/test_sharpness.py runs them)
MULTICLASS_STRATEGIES = tuple(
    s
    for s in COMPARE_STRATEGIES
    if s not in (*BINARY_STRATEGIES, "sam", "imbsam", "imbsam_la")
    and not needs_images(get_remedy(s))
)


@pytest.fixture(scope="module")
def every_strategy() -> Comparison:
    return compare(
        tiny_data(),
        MULTICLASS_STRATEGIES,
        model=mlp,
        epochs=2,
        seeds=[0, 1],
        batch_size=32,
        grids=SMALL_GRIDS,
        n_boot=200,
    )


def test_every_strategy_runs_on_both_splits(every_strategy: Comparison) -> None:
    assert {r["strategy"] for r in every_strategy.runs} == set(MULTICLASS_STRATEGIES)
    for run in every_strategy.runs:
        for split in ("validation", "test"):
            assert set(run[split]) == set(METRICS)
            assert len(run["per_class_recall"][split]) == 3
            # the stored scores are those of the stored predictions
            y = np.asarray(every_strategy_labels(every_strategy, split), dtype=int)
            predicted = np.asarray(run["predictions"][split])
            expected = metric_from_confusion(
                confusion_matrices(y, predicted, 3), "balanced_accuracy"
            )
            assert run[split]["balanced_accuracy"] == pytest.approx(float(expected), abs=1e-12)
    assert [row["rank"] for row in every_strategy.summary()] == list(
        range(1, len(MULTICLASS_STRATEGIES) + 1)
    )


def every_strategy_labels(result: Comparison, split: str) -> list[int]:
    """The labels of a split, rebuilt from its counts: splits keep samples sorted by index."""
    from keras_imbalance.comparison import make_splits

    splits = make_splits(tiny_data(), seed=result.settings["split_seed"])
    return (splits.y_val if split == "validation" else splits.y_test).tolist()


def test_knobs_are_chosen_on_validation_for_every_seed(every_strategy: Comparison) -> None:
    metric = every_strategy.metric
    for strategy in every_strategy.strategies:
        runs = [r for r in every_strategy.runs if r["strategy"] == strategy]
        by_params: dict[str, list[dict]] = {}
        for run in runs:
            by_params.setdefault(json.dumps(run["params"], sort_keys=True), []).append(run)
        means = {k: np.mean([r["validation"][metric] for r in v]) for k, v in by_params.items()}
        best = max(means, key=lambda k: means[k])
        chosen = [r for r in runs if r["chosen"]]
        assert len(chosen) == 2  # one per seed
        assert all(json.dumps(r["params"], sort_keys=True) == best for r in chosen)
        assert len(by_params) == max(1, np.prod([len(v) for v in _grid(strategy).values()]))


def _grid(strategy: str) -> dict[str, list]:
    return {**DEFAULT_GRIDS.get(strategy, {}), **SMALL_GRIDS.get(strategy, {})}


def test_ranking_uses_validation_not_test(every_strategy: Comparison) -> None:
    """Ranked by the validation mean as printed; equal ones keep the order of the strategies."""
    rows = every_strategy.summary()
    shown = [round(row["validation"]["mean"][every_strategy.metric], 3) for row in rows]
    assert shown == sorted(shown, reverse=True)
    order = list(every_strategy.strategies)
    for (a, b), row, nxt in zip(itertools.pairwise(shown), rows, rows[1:], strict=False):
        if a == b:
            assert order.index(row["strategy"]) < order.index(nxt["strategy"])


def test_the_test_split_chooses_nothing() -> None:
    """Two comparisons that differ only in their test split make identical choices."""
    x, y = tiny_data()
    x_test, y_test = tiny_data(seed=1)
    flipped = (y_test + 1) % 3  # a test split that disagrees with everything
    grids = {name: SMALL_GRIDS[name] for name in ("posthoc", "tau_norm")}
    kwargs = {"model": mlp, "epochs": 3, "seeds": [0], "n_boot": 50, "grids": grids}
    strategies = ["none", "logit_adjusted", "posthoc", "tau_norm"]
    first = compare(((x, y), (x_test, y_test)), strategies, **kwargs)
    second = compare(((x, y), (x_test, flipped)), strategies, **kwargs)
    assert [r["strategy"] for r in first.summary()] == [r["strategy"] for r in second.summary()]
    # the one candidate is the same; only whether test confirms it may differ
    top = first.summary()[0]["strategy"]
    assert first.best in (None, top) and second.best in (None, top)
    for a, b in zip(first.runs, second.runs, strict=True):
        assert (a["params"], a["chosen"], a["best_epoch"]) == (
            b["params"],
            b["chosen"],
            b["best_epoch"],
        )
        assert a["validation"] == b["validation"]
    assert first.runs[0]["test"] != second.runs[0]["test"]


def test_best_epoch_is_the_best_validation_epoch() -> None:
    result = compare(tiny_data(), ["none", "balanced"], model=mlp, epochs=4, seeds=[0], n_boot=20)
    for run in result.runs:
        curve = run["history"]["val_balanced_accuracy"]
        assert len(curve) == 4
        assert run["best_epoch"] == int(np.argmax(curve)) + 1  # first maximum
        assert run["validation"]["balanced_accuracy"] == pytest.approx(max(curve), abs=1e-12)
    last = compare(tiny_data(), ["none"], model=mlp, epochs=4, seeds=[0], n_boot=20, keep="last")
    assert last.runs[0]["best_epoch"] == 4
    curve = last.runs[0]["history"]["val_balanced_accuracy"]
    assert last.runs[0]["validation"]["balanced_accuracy"] == pytest.approx(curve[-1], abs=1e-12)


def test_decoupled_heads_at_zero_tau_are_the_none_model() -> None:
    grids = {"posthoc": {"tau": [0.0]}, "tau_norm": {"tau": [0.0]}}
    result = compare(
        tiny_data(), ["none", "posthoc", "tau_norm"], model=mlp, epochs=2, seeds=[0], grids=grids
    )
    none, posthoc, tau_norm = result.runs
    for split in ("validation", "test"):
        assert posthoc["predictions"][split] == none["predictions"][split]
        assert tau_norm["predictions"][split] == none["predictions"][split]
    assert posthoc["best_epoch"] == none["best_epoch"]  # they reuse the none model


def test_reproducible_with_fixed_seed() -> None:
    first = compare(tiny_data(), ["none", "balanced"], model=mlp, epochs=2, seeds=[5], n_boot=20)
    second = compare(tiny_data(), ["none", "balanced"], model=mlp, epochs=2, seeds=[5], n_boot=20)
    for a, b in zip(first.runs, second.runs, strict=True):
        assert a["validation"] == pytest.approx(b["validation"], abs=1e-6)
        assert a["history"]["loss"] == pytest.approx(b["history"]["loss"], rel=1e-5)


def test_no_verdict_from_noise() -> None:
    """Pure-noise features: one seed and a small test split are said, and a best is named only
    when test confirms the candidate.

    How often the rule names a best under the null is measured over 1 000 simulated comparisons
    (``test_verdict_simulation.py``): one comparison cannot show a rate, and on 108 test samples
    a head that predicts the rare class for nearly every sample can lead ``none`` (which always
    predicts the majority) in every bootstrap replicate.
    """
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [300, 150, 90])
    x = rng.normal(size=(len(y), 4)).astype("float32")
    result = compare(
        (x, y), ["none", "balanced", "posthoc"], model=mlp, epochs=2, seeds=[0], n_boot=200
    )
    top = result.summary()[0]["strategy"]
    if result.best is None:
        assert result.verdict.startswith("No remedy beat plain cross-entropy")
    else:
        assert result.best == top and result.row(top)["vs_none"]["test"]["low"] > 0
    assert any("One seed" in note for note in result.notes)
    table = result.to_markdown().split("**Verdict.**")[0]
    assert "±" not in table  # one seed: intervals, never "± 0.000"


def test_a_clear_winner_is_declared(every_strategy: Comparison) -> None:
    result = every_strategy
    top = result.summary()[0]
    if result.best is not None:  # the top on validation, confirmed on test
        assert result.best == top["strategy"]
        assert top["vs_none"]["test"]["low"] > 0
        assert result.verdict.startswith(f"Best strategy: {result.best}")
    else:
        assert top["strategy"] == "none" or top["vs_none"]["test"]["low"] <= 0


def test_json_round_trip_and_splits_named(every_strategy: Comparison, tmp_path: Path) -> None:
    data = json.loads(every_strategy.to_json())
    assert data["schema_version"] == 2
    assert set(data["splits"]) == {"train", "validation", "test"}
    for split in data["splits"].values():
        assert set(split) == {"counts", "source"}
    assert {"validation", "test"} <= set(data["summary"][0])
    assert data["settings"]["schedule"] == "cosine" and data["settings"]["keep"] == "best"
    assert data["tail_classes"] == [2]
    rebuilt = Comparison.from_dict(data)
    assert rebuilt.to_dict() == data
    written = every_strategy.save(tmp_path, plots=False)
    assert json.loads(written[0].read_text()) == data
    text = written[1].read_text()
    assert "| rank | strategy |" in text and "**Verdict.**" in text and "```python" in text


def test_the_recipe_runs(every_strategy: Comparison) -> None:
    code = every_strategy.to_markdown().split("```python\n")[1].split("```")[0]
    x, y = tiny_data()
    namespace = {
        "model": mlp((4,), 3),
        "x_train": x,
        "y_train": y,
        "x_val": x[::3],
        "y_val": y[::3],
    }
    exec(compile(code, "<recipe>", "exec"), namespace)  # the emitted snippet
    assert namespace["model"].predict(x[:5], verbose=0).shape == (5, 3)


def _data_with(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x, tiny_data()[1]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"strategies": ["nope"]}, ValueError, "strategies='nope'"),
        ({"strategies": []}, ValueError, "empty"),
        ({"strategies": "none"}, TypeError, "list of names"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"seeds": []}, ValueError, "seeds"),
        ({"seeds": [1, 1]}, ValueError, "twice"),
        ({"metric": "auc"}, ValueError, "metric"),
        ({"schedule": "step"}, ValueError, "schedule='step'"),
        ({"keep": "worst"}, ValueError, "keep='worst'"),
        ({"validation_size": 0}, ValueError, "validation_size=0"),
        ({"validation_size": 1.5}, ValueError, "validation_size=1.5"),
        ({"validation_size": 0.5, "test_size": 0.5}, ValueError, "leaves no training"),
        ({"grids": {"focal": {"gamma": [1]}}}, ValueError, "not compared"),
        ({"grids": {"none": {"tau": [1]}}}, ValueError, "does not take"),
        ({"grids": {"logit_adjusted": {"tau": [-1]}}}, ValueError, r"\['tau'\]=-1"),
        ({"grids": {"logit_adjusted": {"tau": []}}}, ValueError, "non-empty"),
        ({"grids": {"logit_adjusted": {"tau": [1]}}, "tune": False}, ValueError, "ignored"),
        ({"tail_classes": 0}, ValueError, "tail_classes=0"),
        ({"tail_classes": -1}, ValueError, "tail_classes=-1"),
        ({"tail_classes": 3}, ValueError, "tail_classes=3"),
        ({"class_names": ["a", "b"]}, ValueError, "class_names has 2 names"),
        ({"model": lambda shape, c: mlp(shape, c + 1)}, ValueError, "3 classes"),
        (
            {
                "model": lambda shape, c: keras.Sequential(
                    [keras.Input(shape), keras.layers.Dense(c, activation="softmax")]
                )
            },
            ValueError,
            "logits",
        ),
    ],
)
def test_bad_arguments_fail_before_training(kwargs: dict, error: type, match: str) -> None:
    kwargs = {
        "strategies": ["none", "logit_adjusted"],
        "model": mlp,
        "epochs": 1,
        "seeds": [0],
        **kwargs,
    }
    strategies = kwargs.pop("strategies")
    with pytest.raises(error, match=match):
        compare(tiny_data(), strategies, **kwargs)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_features_are_refused(bad: float) -> None:
    x, y = tiny_data()
    x = x.copy()
    x[7, 2] = bad
    with pytest.raises(ValueError, match="NaN or inf in 1 sample"):
        compare((x, y), ["none"], model=mlp, epochs=1, seeds=[0])


def test_a_class_too_small_for_the_splits_is_named() -> None:
    x, y = tiny_data()
    keep = np.concatenate([np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:2]])
    with pytest.raises(ValueError, match="class 2 has 2 sample"):
        compare((x[keep], y[keep]), ["none"], model=mlp, epochs=1, seeds=[0])


def test_input_is_not_modified() -> None:
    x, y = tiny_data()
    x0, y0 = x.copy(), y.copy()
    compare((x, y), ["none", "balanced"], model=mlp, epochs=1, seeds=[0], n_boot=10)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


def test_one_class_is_refused() -> None:
    x = np.zeros((40, 4), "float32")
    with pytest.raises(ValueError, match="at least 2 classes"):
        compare(
            ((x, np.zeros(40, int)), (x, np.zeros(40, int))),
            ["none"],
            model=mlp,
            epochs=1,
            seeds=[0],
        )
