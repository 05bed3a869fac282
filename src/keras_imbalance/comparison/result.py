"""The value :func:`~keras_imbalance.comparison.compare` returns: :class:`Comparison`.

Its data, JSON and Markdown are those of :class:`~.record.ComparisonRecord`; this module adds
:meth:`Comparison.save`, which also writes the HTML page and the figures. The page and the figures
read the record, so nothing here imports in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keras_imbalance.comparison.record import SCHEMA_VERSION, ComparisonRecord
from keras_imbalance.comparison.report.html import write_report

__all__ = ["SCHEMA_VERSION", "Comparison"]


@dataclass
class Comparison(ComparisonRecord):
    __doc__ = ComparisonRecord.__doc__

    def save(self, directory: str | Path, *, plots: bool = True) -> list[Path]:
        """Write results.json, results.md, report.html and (with matplotlib) the four figures
        (ranking.png, per_class_recall.png, learning_curves.png, class_distribution.png);
        return the paths. ``plots=False`` writes neither the figures nor report.html's images."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        written = [folder / "results.json", folder / "results.md"]
        written[0].write_text(self.to_json() + "\n")
        written[1].write_text("# keras-imbalance compare\n\n" + self.to_markdown() + "\n")
        return [*written, *write_report(self, folder, plots=plots)]
