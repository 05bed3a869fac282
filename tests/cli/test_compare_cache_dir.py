"""``--cache-dir``: where an image folder's decoded images go, checked like compare's keyword."""

from __future__ import annotations

from pathlib import Path

import pytest

from keras_imbalance.cli import main
from tests.cli.test_compare_flags import QUICK, assert_one_line_error, compare_kwargs, npz, run_cli
from tests.comparison.data.test_images import make_folder

__all__ = ["npz"]  # the fixture, shared


@pytest.mark.parametrize(("flag", "expected"), [([], None), (["--cache-dir", "c"], "c")])
def test_cache_dir_reaches_compare(
    flag: list[str],
    expected: str | None,
    npz: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert compare_kwargs(flag, npz, tmp_path, monkeypatch)["cache_dir"] == expected


def test_a_folder_is_cached_in_the_output_or_the_named_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_folder(tmp_path / "images")
    args = ["compare", str(tmp_path / "images"), "--strategies", "none", *QUICK, "--cv", "none"]
    code, _, err = run_cli([*args, "--image-size", "4", "--output", str(tmp_path / "a")], capsys)
    assert code == 0, err
    assert len(list((tmp_path / "a" / "cache").glob("images-4x4-*.npy"))) == 1
    named = ["--output", str(tmp_path / "b"), "--cache-dir", str(tmp_path / "shared")]
    code, _, err = run_cli([*args, "--image-size", "4", *named], capsys)
    assert code == 0, err
    assert len(list((tmp_path / "shared").glob("images-4x4-*.npy"))) == 1
    assert not (tmp_path / "b" / "cache").exists()


def test_a_cache_dir_that_is_a_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_folder(tmp_path / "images")
    (tmp_path / "file").write_text("x")
    args = ["compare", str(tmp_path / "images"), "--strategies", "none", *QUICK]
    code, _, err = run_cli(
        [*args, "--output", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "file")], capsys
    )
    assert code == 2
    assert_one_line_error(err, "--cache-dir", "is a file, not a directory")


def test_help_says_where_the_cache_goes_and_how_large_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--cache-dir DIR" in text
    assert "OUTPUT/cache" in text and "N x size x size x 3 bytes" in text
