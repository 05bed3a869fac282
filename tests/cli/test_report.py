"""``keras-imbalance report RESULTS_JSON``: rebuilds report.html and the figures; 1-line errors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from keras_imbalance.cli import report as report_cli
from keras_imbalance.cli.main import build_parser, main
from keras_imbalance.comparison import Comparison
from keras_imbalance.comparison.report.figures import FIGURE_FILES
from tests.comparison.report.test_figures import synthetic


def run_report(argv: list[str]) -> int:
    """Parse and run ``report`` through its own parser (works before main registers it)."""
    parser = argparse.ArgumentParser(prog="keras-imbalance")
    commands = parser.add_subparsers(dest="command", required=True)
    report_cli.add_parser(commands)
    args = parser.parse_args(["report", *argv])
    return int(args.run(args))


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    Comparison.from_dict(synthetic(n_classes=4)).save(folder, plots=False)
    (folder / "report.html").unlink()
    return folder / "results.json"


def test_report_rebuilds_page_and_figures_next_to_results(
    saved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_report([str(saved)]) == 0
    folder = saved.parent
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "synthetic verdict" in page and page.count("<img") == len(FIGURE_FILES)
    for name in FIGURE_FILES:
        assert (folder / name).read_bytes()[:4] == b"\x89PNG"
    assert str(folder / "report.html") in capsys.readouterr().out


def test_report_output_folder_and_no_plots(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "page"
    assert run_report([str(saved), "--output", str(out), "--no-plots"]) == 0
    assert "<img" not in (out / "report.html").read_text(encoding="utf-8")
    assert not (out / "ranking.png").exists()


def test_report_page_equals_what_compare_wrote(saved: Path, tmp_path: Path) -> None:
    original = Comparison.from_dict(json.loads(saved.read_text()))
    original.save(tmp_path / "direct", plots=False)
    run_report([str(saved), "--output", str(tmp_path / "again"), "--no-plots"])
    assert (tmp_path / "again" / "report.html").read_text() == (
        tmp_path / "direct" / "report.html"
    ).read_text()


def _write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda p: p / "missing.json", FileNotFoundError, "does not exist"),
        (lambda p: p, FileNotFoundError, "is a folder"),
        (lambda p: _write(p, "a.json", "{not json"), ValueError, r"not valid JSON \(line 1"),
        (lambda p: _write(p, "b.json", b"\xff\xfe\x00\x81"), ValueError, "not a text file"),
        (lambda p: _write(p, "c.json", "[1, 2]"), ValueError, "not the results of compare"),
        (
            lambda p: _write(p, "d.json", json.dumps({**synthetic(), "schema_version": 1})),
            ValueError,
            "schema_version=1 cannot be read",
        ),
        (
            lambda p: _write(
                p, "e.json", json.dumps({k: v for k, v in synthetic().items() if k != "metric"})
            ),
            ValueError,
            "lacks a field",
        ),
    ],
    ids=["missing", "folder", "not-json", "binary", "json-list", "old-schema", "missing-field"],
)
def test_report_errors_are_named(tmp_path: Path, make: Any, error: type, match: str) -> None:
    path = make(tmp_path)
    with pytest.raises(error, match=match) as raised:
        report_cli.load_results(path)
    assert "\n" not in str(raised.value) and "RESULTS_JSON" in str(raised.value)


def test_report_errors_are_one_line_through_main(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "report" not in commands.choices:
        pytest.skip("cli/main.py does not register the report command yet")
    code = main(["report", str(_write(tmp_path, "x.json", "{"))])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "not valid JSON" in err
