"""``--weight-decay`` and ``--grid STRATEGY.weight_decay=...`` reach ``compare``."""

from __future__ import annotations

from pathlib import Path

import pytest

from keras_imbalance import comparison
from keras_imbalance.cli import main
from keras_imbalance.cli.compare_checks import check_grid_flags
from tests.cli.test_compare_flags import (
    QUICK,
    SeenError,
    assert_one_line_error,
    compare_kwargs,
    npz,
    run_cli,
)

__all__ = ["npz"]  # the fixture, imported for these tests


@pytest.mark.parametrize(("flag", "expected"), [([], None), (["--weight-decay", "0.05"], 0.05)])
def test_weight_decay_reaches_compare(
    flag: list[str],
    expected: float | None,
    npz: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert compare_kwargs(flag, npz, tmp_path, monkeypatch)["weight_decay"] == expected


def test_a_grid_tunes_weight_decay(
    npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert check_grid_flags(["logit_adjusted"], ["logit_adjusted.weight_decay=0,0.05"]) == {
        "logit_adjusted": {"weight_decay": [0.0, 0.05]}
    }
    seen: dict[str, object] = {}

    def spy(data: object, strategies: object, **kwargs: object) -> None:
        seen.update(kwargs)
        raise SeenError

    monkeypatch.setattr(comparison, "compare", spy)
    quick = [arg for arg in QUICK if arg != "--no-tune"]
    args = ["compare", str(npz), "--strategies", "none", *quick]
    with pytest.raises(SeenError):
        main([*args, "--grid", "none.weight_decay=0,0.3", "--output", str(tmp_path / "out")])
    assert seen["grids"] == {"none": {"weight_decay": [0.0, 0.3]}}


def test_a_negative_weight_decay_names_the_flag(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", str(npz), "--strategies", "none", *QUICK, "--weight-decay", "-1"]
    code, _, err = run_cli([*args, "--output", str(tmp_path / "out")], capsys)
    assert code == 2
    assert_one_line_error(err, "--weight-decay=-1", "out of range")
