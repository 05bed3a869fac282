"""compare(tensorboard_dir=...): one run folder per trained run, read back with TensorBoard."""

from __future__ import annotations

from pathlib import Path

import pytest

from keras_imbalance.comparison import compare
from tests.comparison.test_compare import mlp, tiny_data

pytest.importorskip("tensorflow", reason="Keras's TensorBoard callback writes through tf.summary")
event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator",
    reason="TensorBoard reads the event files back (pip install 'keras-imbalance[tensorboard]')",
)

tensor_util = pytest.importorskip("tensorboard.util.tensor_util")


def scalars(folder: Path) -> dict[str, list[float]]:
    """Every scalar series in the event files of ``folder``, by tag."""
    reader = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0})
    reader.Reload()
    found = {tag: [e.value for e in reader.Scalars(tag)] for tag in reader.Tags()["scalars"]}
    if not found:  # Keras 3 writes scalars as tensors
        found = {
            tag: [float(tensor_util.make_ndarray(e.tensor_proto)) for e in reader.Tensors(tag)]
            for tag in reader.Tags()["tensors"]
        }
    return found


def test_one_run_folder_per_trained_run(tmp_path: Path) -> None:
    result = compare(
        tiny_data(),
        ["none", "logit_adjusted", "posthoc", "crt"],
        model=mlp,
        epochs=3,
        seeds=[0, 1],
        grids={"logit_adjusted": {"tau": [1.0, 2.0]}, "posthoc": {"tau": [1.0]}},
        n_boot=20,
        tensorboard_dir=tmp_path,
    )
    expected = {
        f"{name}-seed{seed}"
        for seed in (0, 1)
        for name in ("none", "logit_adjusted-tau=1.0", "logit_adjusted-tau=2.0", "crt")
    }
    assert {p.name for p in tmp_path.iterdir()} == expected  # posthoc trains nothing
    for run in result.runs:
        if run["strategy"] == "posthoc":
            continue
        knobs = "".join(f"-{k}={v}" for k, v in run["params"].items())
        folder = tmp_path / f"{run['strategy']}{knobs}-seed{run['seed']}"
        train, validation = scalars(folder / "train"), scalars(folder / "validation")
        assert train["epoch_loss"] == pytest.approx(run["history"]["loss"], rel=1e-5)
        assert validation["epoch_balanced_accuracy"] == pytest.approx(
            run["history"]["val_balanced_accuracy"], abs=1e-6
        )
