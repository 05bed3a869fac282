"""The record and the Comparison: from_dict keeps the class it is called on; the page and the
figures read either, and Comparison.save writes what the report command writes, plus the JSON."""

from __future__ import annotations

from pathlib import Path

from keras_imbalance.comparison import Comparison
from keras_imbalance.comparison.record import ComparisonRecord
from keras_imbalance.comparison.report.html import to_html, write_report
from tests.comparison.report.test_figures import synthetic


def test_from_dict_gives_the_class_it_is_called_on() -> None:
    data = synthetic(n_classes=3, strategies=("none", "balanced"), epochs=2)
    result = Comparison.from_dict(data)
    record = ComparisonRecord.from_dict(data)
    assert type(result) is Comparison and type(record) is ComparisonRecord
    assert result.to_dict() == record.to_dict() == Comparison.from_dict(result.to_dict()).to_dict()
    assert to_html(result, figures=False) == to_html(data, figures=False)


def test_save_writes_the_report_pages_files_after_its_own(tmp_path: Path) -> None:
    data = synthetic(n_classes=3, strategies=("none", "balanced"), epochs=2)
    written = Comparison.from_dict(data).save(tmp_path / "a", plots=False)
    assert [p.name for p in written] == ["results.json", "results.md", "report.html"]
    again = write_report(data, tmp_path / "a", plots=False)
    assert again == [tmp_path / "a" / "report.html"]
    assert again[0].read_text(encoding="utf-8") == to_html(data, figures=False)
