"""The README's Python blocks run, in order, in one namespace: the documentation cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import has_module

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_readme_has_python_blocks() -> None:
    assert len(python_blocks()) >= 8


@pytest.mark.skipif(
    not (has_module("tensorflow") and has_module("sklearn") and has_module("matplotlib")),
    reason="the README's blocks use tf.data, scikit-learn and compare's plots",
)
def test_readme_python_blocks_run(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "readme"}
    for index, block in enumerate(python_blocks()):
        try:
            exec(compile(block, f"README.md python block {index}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"README python block {index} failed:\n{block}") from error
    printed = capsys.readouterr().out
    # The documented numbers come out as the README says.
    for expected in ("3.749820767859636", "7.366950709511269", "0.9", "{0: 0.56, 1: 5.0}"):
        assert expected in printed
