"""``keras-imbalance compare --label-mode multi_label``: a .npz of multi-hot labels, the synthetic
data set, the tables printed and the files written, refusals by flag."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from keras_imbalance.cli import main
from tests.comparison.multilabel.test_compare import tiny_multilabel

QUICK = ["--epochs", "1", "--seeds", "0", "--n-boot", "20", "--label-mode", "multi_label"]


def test_cli_compares_a_multi_hot_npz(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    x, y = tiny_multilabel()
    np.savez(tmp_path / "data.npz", x=x, y=y)
    out = tmp_path / "out"
    args = ["compare", str(tmp_path / "data.npz"), *QUICK, "--strategies", "none,asymmetric"]
    args += ["--grid", "asymmetric.gamma_neg=1,3", "--no-refit"]
    assert main([*args, "--output", str(out), "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert "Per label" in printed and "asymmetric" in printed and "macro AP" in printed
    saved = json.loads((out / "results.json").read_text())
    assert saved["label_mode"] == "multi_label"
    assert saved["settings"]["strategies"] == ["none", "asymmetric"]
    tried = {r["params"]["gamma_neg"] for r in saved["runs"] if r["strategy"] == "asymmetric"}
    assert tried == {1.0, 3.0}
    assert saved["settings"]["metric"] == "macro_average_precision"
    assert not (out / "precision_recall.png").exists()
    assert saved["refit"] is None and not (out / "model.keras").exists()


def test_cli_multilabel_synthetic_with_macro_f1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn")
    args = ["compare", "--dataset", "multilabel-synthetic", *QUICK, "--strategies", "none"]
    args += ["--metric", "macro_f1", "--json", "--no-plots", "--output", str(tmp_path)]
    assert main(args) == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["settings"]["metric"] == "macro_f1"
    assert saved["label_names"][0] == "label_0"


def test_cli_cross_validates_with_cv(tmp_path: Path) -> None:
    x, y = tiny_multilabel(n=48)
    np.savez(tmp_path / "data.npz", x=x, y=y)
    args = ["compare", str(tmp_path / "data.npz"), *QUICK, "--strategies", "none", "--cv", "2"]
    assert main([*args, "--output", str(tmp_path / "out"), "--no-plots"]) == 0
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["settings"]["selection"]["scheme"] == "cross-validation"
    assert saved["settings"]["selection"]["folds"] == 2
    assert "2-fold cross-validation" in (tmp_path / "out" / "report.md").read_text()
    assert saved["refit"]["model"] == "model.keras" and (tmp_path / "out" / "model.keras").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--halving"], "--halving is not supported with --label-mode multi_label"),
        (["--tensorboard", "logs"], "--tensorboard is not supported"),
        (["--dataset", "digits-lt"], "--dataset digits-lt is single-label"),
        (["--grid", "focal.alpha=1"], "focal takes ['gamma']"),
        (["--grid", "focal.gamma=-1"], "out of range"),
    ],
)
def test_cli_refuses_what_multi_label_does_not_support(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["compare", *QUICK, *extra, "--output", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_cli_synthetic_data_needs_the_multi_label_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", "--dataset", "multilabel-synthetic", "--output", str(tmp_path)]
    assert main(args) == 2
    assert "add --label-mode multi_label" in capsys.readouterr().err
