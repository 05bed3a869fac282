"""``compare FOLDER`` streams it; corrupt images stop it or are skipped; inspect lists them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keras_imbalance.cli import main
from tests.comparison.data.test_images import COUNTS, make_folder

QUICK = ["--epochs", "1", "--seeds", "0", "--n-boot", "20", "--no-plots", "--no-tune"]


def broken_folder(root: Path) -> list[Path]:
    make_folder(root, side=12)
    bad = [root / "dog" / "empty.png", root / "emu" / "broken.jpg"]
    bad[0].write_bytes(b"")
    bad[1].write_bytes(b"\xff\xd8 not a jpeg")
    return bad


def test_compare_folder_streams_at_image_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_folder(tmp_path / "images", side=12)
    out = tmp_path / "out"
    args = ["compare", str(tmp_path / "images"), "--image-size", "10", "--strategies", "none"]
    assert main([*args, *QUICK, "--batch-size", "8", "--output", str(out)]) == 0
    saved = json.loads((out / "results.json").read_text())
    assert saved["class_names"] == list(COUNTS)
    assert saved["settings"]["image_size"] == [10, 10]
    total = sum(sum(saved["splits"][s]["counts"]) for s in ("train", "validation", "test"))
    assert total == sum(COUNTS.values())
    journal = (out / "runs.jsonl").read_text().splitlines()
    assert len(journal) == 2  # the header and the one run


def test_a_corrupt_image_is_one_line_exit_2_unless_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = broken_folder(tmp_path / "images")
    args = ["compare", str(tmp_path / "images"), "--image-size", "8", "--strategies", "none"]
    code = main([*args, *QUICK, "--output", str(tmp_path / "a")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(bad[0]) in err and "(and 1 more)" in err and "--skip-corrupt" in err
    assert not (tmp_path / "a" / "runs.jsonl").exists()  # stopped before any run

    with pytest.warns(UserWarning, match="skipped 2 image"):
        code = main([*args, *QUICK, "--skip-corrupt", "--output", str(tmp_path / "b")])
    assert code == 0
    saved = json.loads((tmp_path / "b" / "results.json").read_text())
    total = sum(sum(saved["splits"][s]["counts"]) for s in ("train", "validation", "test"))
    assert total == sum(COUNTS.values())


@pytest.mark.parametrize("flag", ["--image-size", "--epochs"])
def test_bad_numbers_are_refused_before_keras(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    make_folder(tmp_path / "images")
    code = main(["compare", str(tmp_path / "images"), flag, "0", "--output", str(tmp_path / "o")])
    assert code == 2
    assert flag in capsys.readouterr().err


def test_detector_on_a_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_folder(tmp_path / "images")
    args = ["compare", str(tmp_path / "images"), "--detector", "emu", *QUICK]
    assert main([*args, "--output", str(tmp_path / "o")]) == 2
    assert "--detector emu does not work on an image folder" in capsys.readouterr().err


def test_inspect_lists_corrupt_images(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = broken_folder(tmp_path)
    assert main(["inspect", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "corrupt or empty images: 2" in out
    assert f"{bad[0]}: empty file" in out and str(bad[1]) in out
    assert main(["inspect", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["path"] for row in data["corrupt"]] == [str(bad[0]), str(bad[1])]
    # The counts still count every listed file, as Keras would list them.
    assert data["counts"]["counts"] == [12, 6, 4]


def test_inspect_of_a_sound_folder_reports_no_corrupt_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_folder(tmp_path)
    assert main(["inspect", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["corrupt"] == []
    assert main(["inspect", str(tmp_path)]) == 0
    assert "corrupt" not in capsys.readouterr().out
