"""``--halving/--no-halving`` reach ``compare``'s ``halving``; a bad value never gets that far."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_compare_flags import compare_kwargs, npz  # noqa: F401 - the fixture


@pytest.mark.parametrize(
    ("flag", "expected"), [([], False), (["--halving"], True), (["--no-halving"], False)]
)
def test_halving_flag_reaches_compare(
    flag: list[str],
    expected: bool,
    npz: Path,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert compare_kwargs(flag, npz, tmp_path, monkeypatch)["halving"] is expected
