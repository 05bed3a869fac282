"""compare(label_mode="multi_label", cv=K): iterative folds, every choice on the out-of-fold
scores (checked by brute force with scikit-learn), the test split chooses nothing, refusals,
results.json. Tiny data, 2 epochs, 3 labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.data.folds import MIN_VALIDATION
from keras_imbalance.comparison.multilabel.cv import (
    check_fold_positives,
    fold_seed,
    out_of_fold_scores,
    resolve_multilabel_cv,
)
from keras_imbalance.comparison.multilabel.data import multilabel_splits
from keras_imbalance.comparison.multilabel.result import MultiLabelComparison
from keras_imbalance.comparison.multilabel.splits import multilabel_folds
from keras_imbalance.comparison.multilabel.training import MultiLabelData
from tests.comparison.multilabel.test_compare import mlp, tiny_multilabel

metrics = pytest.importorskip("sklearn.metrics")

CV = {
    "epochs": 2,
    "seeds": [0, 1],
    "model": mlp,
    "n_boot": 20,
    "refit": False,
    "cv": 2,
    "grids": {"focal": {"gamma": [0.0, 2.0]}},
}
NAMES = ["a", "b", "c"]


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> MultiLabelComparison:
    folder = tmp_path_factory.mktemp("multilabel_cv")
    found = compare(
        tiny_multilabel(n=64),
        ["none", "focal"],
        label_mode="multi_label",
        class_names=NAMES,
        output=folder,
        **CV,
    )
    assert isinstance(found, MultiLabelComparison)
    found.settings["folder"] = str(folder)
    return found


def _pool() -> np.ndarray:
    splits = multilabel_splits(tiny_multilabel(n=64), None, shares=(0.2, 0.2), seed=0)
    return np.concatenate([splits.y_train, splits.y_val])


def test_the_folds_are_the_iterative_ones(result: MultiLabelComparison) -> None:
    y = _pool()
    folds = multilabel_folds(y, 2, seed=fold_seed(0))
    selection = result.settings["selection"]
    assert selection["scheme"] == "cross-validation"
    assert selection["fold_seed"] == fold_seed(0) == 2
    assert selection["fold_sizes"] == [len(fold) for fold in folds]
    for run in result.runs:
        assert run["_oof_scores"].shape == (2, len(y), 3)
        assert run["_oof_scores"].dtype == np.float32
        assert np.isfinite(run["_oof_scores"]).all()
    assert result.chosen_on == "2-fold cross-validation"
    assert result.validation_name == "out-of-fold"


def _macro_ap(y: np.ndarray, scores: np.ndarray) -> float:
    return float(
        np.mean([metrics.average_precision_score(y[:, k], scores[:, k]) for k in range(3)])
    )


def _best_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The F1-best threshold among the scores, by brute force (ties: the highest)."""
    candidates = sorted(set(scores.tolist()), reverse=True)
    f1 = [metrics.f1_score(y, scores >= t, zero_division=0.0) for t in candidates]
    return float(candidates[int(np.argmax(f1))])


def test_the_choice_is_a_brute_force_recomputation(result: MultiLabelComparison) -> None:
    y = _pool()
    for strategy in ("none", "focal"):
        runs = [r for r in result.runs if r["strategy"] == strategy]
        settings: dict[str, dict[int, np.ndarray]] = {}
        for run in runs:
            settings.setdefault(json.dumps(run["params"]), {})[run["seed"]] = run["_oof_scores"]
        best_key, best_score, best_epoch = "", -np.inf, 0
        for key, by_seed in settings.items():  # grid order
            curve = np.mean(
                [
                    [_macro_ap(y, oof[e].astype(float)) for e in range(2)]
                    for oof in by_seed.values()
                ],
                axis=0,
            )
            epoch = int(np.argmax(curve))
            if curve[epoch] > best_score:
                best_key, best_score, best_epoch = key, float(curve[epoch]), epoch + 1
        for run in runs:
            assert run["chosen"] == (json.dumps(run["params"]) == best_key)
        chosen = [r for r in runs if r["chosen"]]
        assert {r["best_epoch"] for r in chosen} == {best_epoch}
        assert result.settings["selection"]["epochs"][strategy] == best_epoch
        for run in chosen:
            scores = run["_oof_scores"][best_epoch - 1].astype(float)
            expected = [_best_threshold(y[:, k], scores[:, k]) for k in range(3)]
            np.testing.assert_allclose(run["thresholds"], expected)
            assert run["validation"]["macro_average_precision"] == pytest.approx(
                _macro_ap(y, scores)
            )
            predicted = run["_test_scores"] >= np.asarray(run["thresholds"])
            y_test = result.curves["y_test"]
            assert run["test"]["macro_f1"] == pytest.approx(
                metrics.f1_score(y_test, predicted, average="macro", zero_division=0.0)
            )
        row = next(r for r in result.rows if r["strategy"] == strategy)
        assert row["validation"]["macro_average_precision"] == pytest.approx(best_score)


def test_the_report_and_verdict_name_the_cross_validation(result: MultiLabelComparison) -> None:
    text = result.to_markdown()
    assert "out-of-fold" in result.verdict and "2-fold cross-validation" in result.verdict
    assert "| oof macro AP |" in text
    assert "thresholds chosen on 2-fold cross-validation" in text
    assert "Chosen on 2-fold cross-validation (cv=2)." in result.notes


def test_results_json_round_trip(result: MultiLabelComparison) -> None:
    saved = json.loads((Path(result.settings["folder"]) / "results.json").read_text())
    assert saved["settings"]["selection"] == result.settings["selection"]
    again = json.loads(result.to_json())
    again["settings"].pop("folder")  # added by the fixture after saving
    assert saved == again
    assert all("_oof_scores" not in run for run in saved["runs"])
    assert [r["best_epoch"] for r in saved["runs"]] == [r["best_epoch"] for r in result.runs]
    assert [len(r["validation_curve"]) for r in saved["runs"]] == [2] * len(result.runs)
    assert (Path(result.settings["folder"]) / "report.md").read_text() == result.to_markdown()


def test_the_test_split_chooses_nothing() -> None:
    x, y = tiny_multilabel(n=64)
    train, (x_test, y_test) = (x[:48], y[:48]), (x[48:], y[48:])
    options = {**CV, "seeds": [0], "epochs": 2}
    first, second = (
        compare((train, (x_test, labels)), ["none", "focal"], label_mode="multi_label", **options)
        for labels in (y_test, 1 - y_test)
    )
    for key in ("chosen", "best_epoch", "thresholds", "validation", "params"):
        assert [r[key] for r in first.runs] == [r[key] for r in second.runs]
    assert [r["strategy"] for r in first.rows] == [r["strategy"] for r in second.rows]
    assert first.settings["selection"] == second.settings["selection"]
    assert first.best == second.best
    assert first.runs[0]["test"] != second.runs[0]["test"]


@pytest.mark.parametrize("cv", [1, 21, True, 2.5, "five"])
def test_cv_out_of_range_is_refused(cv: object) -> None:
    with pytest.raises(ValueError, match="cv must be 'auto', None"):
        compare(tiny_multilabel(), label_mode="multi_label", **{**CV, "cv": cv})


def test_more_folds_than_a_label_s_positives_is_refused_by_name() -> None:
    x, y = tiny_multilabel(n=40)
    y[:, 2] = 0
    y[:3, 2] = 1  # label "c": 3 positives, about 2 outside the test split
    with pytest.raises(ValueError, match=r"label 'c' has \d; use cv="):
        compare((x, y), label_mode="multi_label", **{**CV, "cv": 5}, class_names=NAMES)


def test_a_fold_without_a_label_s_positive_is_refused_by_name() -> None:
    y = np.array([[1, 1], [0, 1], [1, 0], [1, 0]])
    check_fold_positives(y, [np.array([0, 2]), np.array([1, 3])], ["a", "b"])
    with pytest.raises(ValueError, match="fold 1 of 2 holds no positive of label 'b'"):
        check_fold_positives(y, [np.array([0, 1]), np.array([2, 3])], ["a", "b"])


def _data(train_positives: int, val_positives: int) -> MultiLabelData:
    y_train = np.zeros((200, 2), int)
    y_train[:train_positives] = 1
    y_val = np.zeros((120, 2), int)
    y_val[:val_positives] = 1
    y_val[:, 0] = 1 - y_val[:, 0]  # label 0 has plenty
    return MultiLabelData(y_train, y_train, y_val, y_val, y_val, y_val)


def test_auto_follows_the_single_label_rule_on_each_label_s_positives() -> None:
    k, why = resolve_multilabel_cv("auto", _data(100, 10), ["a", "b"])
    assert k == 5 and "label 'b' on 10 positive(s)" in why
    k, why = resolve_multilabel_cv("auto", _data(100, MIN_VALIDATION), ["a", "b"])
    assert k is None and "holdout" in why
    assert resolve_multilabel_cv("auto", _data(2, 1), ["a", "b"])[0] == 3
    assert resolve_multilabel_cv("auto", _data(1, 0), ["a", "b"])[0] is None
    assert resolve_multilabel_cv(4, _data(2, 2), ["a", "b"]) == (
        4,
        "4-fold cross-validation (cv=4)",
    )


def test_out_of_fold_scores_place_each_fold_s_rows() -> None:
    folds = [np.array([1, 3]), np.array([0, 2])]
    parts = [np.full((2, 2, 1), 1.0), np.full((2, 2, 1), 2.0)]
    oof = out_of_fold_scores(parts, folds, 1)
    assert oof.dtype == np.float32
    assert oof[:, :, 0].tolist() == [[2.0, 1.0, 2.0, 1.0]] * 2
    with pytest.raises(ValueError, match="different numbers of epochs"):
        out_of_fold_scores([parts[0], parts[1][:1]], folds, 1)


@pytest.mark.parametrize("cv", [2, None])
def test_refit_trains_the_chosen_remedy_on_all_the_training_data(
    tmp_path: Path, cv: object
) -> None:
    import keras

    from keras_imbalance.comparison.multilabel.training import sigmoid
    from keras_imbalance.comparison.refit import refit_epochs

    x, y = tiny_multilabel(n=48)
    options = {**CV, "seeds": [0, 1], "refit": True, "cv": cv, "output": tmp_path}
    result = compare((x, y), ["none"], label_mode="multi_label", **options)
    refit = result.refit
    assert refit is not None and refit["strategy"] == (result.best or "none") == "none"
    chosen = [r for r in result.runs if r["chosen"]]
    expected = (
        result.settings["selection"]["epochs"]["none"]
        if cv
        else refit_epochs([r["best_epoch"] for r in chosen])
    )
    assert refit["epochs"] == expected and refit["seed"] == 0
    assert refit["samples"] == 48 - result.settings["split_sizes"]["test"]
    assert refit["thresholds"] == next(r for r in chosen if r["seed"] == 0)["thresholds"]
    split = multilabel_splits((x, y), None, shares=(0.2, 0.2), seed=0)
    predicted = sigmoid(np.asarray(result.model.predict(split.x_test, verbose=0)))
    hard = predicted >= np.asarray(refit["thresholds"])
    assert refit["test"]["macro_f1"] == pytest.approx(
        metrics.f1_score(split.y_test, hard, average="macro", zero_division=0.0)
    )
    loaded = keras.models.load_model(tmp_path / refit["model"])
    np.testing.assert_allclose(
        loaded.predict(split.x_test, verbose=0), result.model.predict(split.x_test, verbose=0)
    )
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["refit"]["epochs"] == refit["epochs"]
    assert "## Final model" in (tmp_path / "report.md").read_text()


def test_refit_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="refit="):
        compare(tiny_multilabel(), label_mode="multi_label", **{**CV, "refit": "yes"})


def test_the_kept_out_of_fold_scores_are_bounded() -> None:
    from keras_imbalance.comparison.multilabel.cv import OOF_BUDGET, check_oof_budget

    check_oof_budget(runs=1, epochs=1, samples=OOF_BUDGET // 4, labels=1)  # exactly the limit
    with pytest.raises(ValueError, match=r"4\.0 GiB of out-of-fold scores .* pass cv=None"):
        check_oof_budget(runs=2, epochs=1, samples=OOF_BUDGET // 4, labels=1)
