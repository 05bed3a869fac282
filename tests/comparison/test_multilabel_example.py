"""examples/multilabel_compare.py runs on tiny settings and gives each remedy's test macro AP."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multilabel_compare.py"


def test_multilabel_compare_example(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    main = runpy.run_path(str(EXAMPLE), run_name="example")["main"]
    results = main(["--samples", "300", "--labels", "3", "--epochs", "1", "--seeds", "1"])
    assert set(results) == {"none", "balanced", "focal", "asymmetric"}
    assert all(0.0 <= value <= 1.0 for value in results.values())
    assert "Per label" in capsys.readouterr().out
