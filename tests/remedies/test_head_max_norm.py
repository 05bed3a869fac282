"""MaxNorm as an option of the re-trained heads (crt, crt_la): absent by default, a grid value
caps the head's class vectors, the params record it, the recipe prints it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.report.recipe import recipe
from keras_imbalance.comparison.run import heads
from keras_imbalance.comparison.run.training import Recipe, fit_run
from keras_imbalance.remedies import Context, get_remedy
from tests.comparison.test_compare import mlp, tiny_data

COUNTS = (40, 10, 10)


@pytest.mark.parametrize("name", ["crt", "crt_la"])
def test_max_norm_is_absent_unless_named(name: str) -> None:
    remedy = get_remedy(name)
    assert "max_norm" not in remedy.defaults() and "max_norm" not in remedy.default_grid()
    context = Context(COUNTS, heads.HEAD_EPOCHS)
    assert remedy.head_setup(remedy.check_params({}), context).max_norm is None
    capped = remedy.head_setup(remedy.check_params({"max_norm": 0.5}), context)
    plain = remedy.head_setup(remedy.check_params({}), context)
    assert capped.max_norm == 0.5
    assert (capped.balanced_batches, type(capped.loss)) == (
        plain.balanced_batches,
        type(plain.loss),
    )
    assert remedy.check_grid({"max_norm": [1, 2]}, "grids") == {"max_norm": [1.0, 2.0]}
    with pytest.raises(ValueError, match=r"params\['max_norm'\]=0 is out of range"):
        remedy.check_params({"max_norm": 0})


def _fit_head(max_norm: float | None) -> np.ndarray:
    """The kernel of a head trained on separable features, capped or not."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], COUNTS)
    features = (rng.normal(size=(len(y), 5)) + 3.0 * np.eye(3, 5)[y]).astype("float32")
    remedy = get_remedy("crt")
    params = {} if max_norm is None else {"max_norm": max_norm}
    setup = remedy.head_setup(remedy.check_params(params), Context(COUNTS, 3))
    head = heads.head_model(5, 3, 0, setup.max_norm)  # as compare builds it
    fit_run(
        head,
        setup,
        recipe=Recipe(epochs=3, batch_size=16, learning_rate=0.1, keep="last"),
        seed=0,
        x_train=features,
        y_train=y,
        x_val=None,
        y_val=None,
        x_test=features[:4],
        num_classes=3,
    )
    return np.asarray(heads.classifier_weights(head)[0])


def test_the_head_kernel_is_capped_only_with_max_norm() -> None:
    free = np.linalg.norm(_fit_head(None), axis=0)
    capped = np.linalg.norm(_fit_head(0.2), axis=0)
    assert free.max() > 0.3  # the cap below binds
    assert capped.max() <= 0.2 + 1e-5
    np.testing.assert_allclose(capped.max(), 0.2, rtol=1e-4)


def test_the_recipe_prints_the_heads_max_norm() -> None:
    options = {"counts": [30, 10], "epochs": 2, "batch_size": 8, "learning_rate": 0.01}
    capped = recipe("crt", {"max_norm": 1.5}, **options)
    line = (
        "keras.layers.Dense(2, kernel_constraint=keras.constraints.MaxNorm(max_value=1.5, axis=0))"
    )
    assert line in capped
    assert "MaxNorm" not in recipe("crt_la", {"tau": 1.0}, **options)


def test_compare_tunes_the_heads_max_norm(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[float | None, Any]] = []
    head_model = heads.head_model

    def spy(*args: Any) -> Any:
        model = head_model(*args)
        built.append((args[3] if len(args) > 3 else None, model))
        return model

    monkeypatch.setattr(heads, "head_model", spy)
    result = compare(
        tiny_data(n_major=40, n_minor=10),
        ["none", "crt"],
        model=mlp,
        epochs=1,
        seeds=[0],
        n_boot=10,
        grids={"crt": {"max_norm": [0.5, 2.0]}},
    )
    tried = [run["params"] for run in result.runs if run["strategy"] == "crt"]
    assert tried == [{"max_norm": 0.5}, {"max_norm": 2.0}]
    assert result.settings["grids"]["crt"] == {"max_norm": [0.5, 2.0]}
    # One head per value, and the refit's head, with the chosen value, when crt wins.
    caps = [cap for cap, _ in built]
    assert caps[:2] == [0.5, 2.0]
    if result.best == "crt":
        assert caps[2:] == [result.row("crt")["params"]["max_norm"]]
    else:
        assert caps[2:] == []
    for cap, model in built:
        norms = np.linalg.norm(heads.classifier_weights(model)[0], axis=0)
        assert cap is None or norms.max() <= cap + 1e-5
