"""The value :func:`~keras_imbalance.comparison.compare` returns: :class:`Comparison`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance.comparison.strategies import METRICS
from keras_imbalance.counting import ClassCounts

SCHEMA_VERSION = 1


@dataclass
class Comparison:
    """The result of :func:`compare`: one record per (strategy, seed) run, and their summary.

    ``to_dict()`` gives the JSON schema (``schema_version`` 1)::

        {"schema_version": 1, "metric": str, "strategies": [str], "seeds": [int],
         "epochs": int, "class_names": [str], "train_counts": [int], "test_counts": [int],
         "tail_classes": [int], "held_out": "given" | "balanced" | "stratified",
         "runs": [{"strategy", "seed", "metrics": {name: float}, "per_class_recall": [float],
                   "history": {name: [float]}, "seconds": float}],
         "summary": [{"strategy", "rank", "mean": {name: float}, "std": {name: float},
                      "tail_recall": [float]}],
         "best": str, "gain_over_none": float | None}
    """

    metric: str
    strategies: list[str]
    seeds: list[int]
    epochs: int
    class_names: list[str]
    train_counts: list[int]
    test_counts: list[int]
    tail_classes: list[int]
    held_out: str
    runs: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> list[dict[str, Any]]:
        """Mean and standard deviation of every metric per strategy, best first."""
        rows: list[dict[str, Any]] = []
        for strategy in self.strategies:
            runs = [r for r in self.runs if r["strategy"] == strategy]
            values = {m: np.asarray([r["metrics"][m] for r in runs], dtype=float) for m in METRICS}
            recall = np.asarray([r["per_class_recall"] for r in runs], dtype=float).mean(axis=0)
            rows.append(
                {
                    "strategy": strategy,
                    "mean": {m: float(v.mean()) for m, v in values.items()},
                    "std": {
                        m: float(v.std(ddof=1)) if v.size > 1 else 0.0 for m, v in values.items()
                    },
                    "tail_recall": [float(recall[c]) for c in self.tail_classes],
                }
            )
        rows.sort(key=lambda row: -row["mean"][self.metric])
        for rank, row in enumerate(rows, start=1):
            row["rank"] = rank
        return rows

    @property
    def best(self) -> str:
        """The strategy ranked first."""
        return str(self.summary()[0]["strategy"])

    @property
    def gain_over_none(self) -> float | None:
        """How much the best strategy beats ``"none"`` on the ranking metric."""
        return self._gain(self.summary())

    def _gain(self, summary: list[dict[str, Any]]) -> float | None:
        none = [row for row in summary if row["strategy"] == "none"]
        if not none:
            return None
        return float(summary[0]["mean"][self.metric] - none[0]["mean"][self.metric])

    def to_dict(self) -> dict[str, Any]:
        summary = self.summary()
        return {
            "schema_version": SCHEMA_VERSION,
            "metric": self.metric,
            "strategies": list(self.strategies),
            "seeds": list(self.seeds),
            "epochs": self.epochs,
            "class_names": list(self.class_names),
            "train_counts": list(self.train_counts),
            "test_counts": list(self.test_counts),
            "tail_classes": list(self.tail_classes),
            "held_out": self.held_out,
            "runs": self.runs,
            "summary": summary,
            "best": summary[0]["strategy"],
            "gain_over_none": self._gain(summary),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_markdown(self) -> str:
        """A Markdown table: mean ± std per metric, best first, and the tail-class recall."""
        tail = ", ".join(self.class_names[c] for c in self.tail_classes)
        lines = [
            f"Ranked by {self.metric}; mean ± std over seeds {self.seeds}; {self.epochs} epochs; "
            f"held-out split: {self.held_out} ({sum(self.test_counts)} samples).",
            "",
            "| rank | strategy | " + " | ".join(METRICS) + f" | recall of tail ({tail}) |",
            "|---:|---|" + "---:|" * len(METRICS) + "---|",
        ]
        summary = self.summary()
        for row in summary:
            cells = [f"{row['mean'][m]:.3f} ± {row['std'][m]:.3f}" for m in METRICS]
            recall = " / ".join(f"{r:.2f}" for r in row["tail_recall"])
            lines.append(
                f"| {row['rank']} | {row['strategy']} | " + " | ".join(cells) + f" | {recall} |"
            )
        best, gain = summary[0]["strategy"], self._gain(summary)
        lines.append("")
        if gain is not None:
            lines.append(f"Best: **{best}**, {gain:+.3f} {self.metric} over `none`.")
        else:
            lines.append(f"Best: **{best}**.")
        return "\n".join(lines)

    def records(self) -> list[dict[str, Any]]:
        """``[{"strategy", "seed", "metrics"}]``: the input of ``plotting.plot_comparison``."""
        return [
            {"strategy": r["strategy"], "seed": r["seed"], "metrics": r["metrics"]}
            for r in self.runs
        ]

    def histories(self) -> dict[str, list[dict[str, list[float]]]]:
        """``{strategy: [history per seed]}``: the input of ``plotting.plot_training_curves``."""
        result: dict[str, list[dict[str, list[float]]]] = {}
        for run in self.runs:
            if run["history"]:
                result.setdefault(run["strategy"], []).append(run["history"])
        return result

    def save(self, directory: str | Path, *, plots: bool = True) -> list[Path]:
        """Write results.json, results.md and (with matplotlib) the plots; return the paths."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        written = [folder / "results.json", folder / "results.md"]
        written[0].write_text(self.to_json() + "\n")
        written[1].write_text("# keras-imbalance compare\n\n" + self.to_markdown() + "\n")
        if plots:
            from keras_imbalance import plotting

            counts = ClassCounts(np.asarray(self.train_counts), tuple(self.class_names))
            figures = {
                "comparison.png": plotting.plot_comparison(self.records(), metrics=METRICS[:4]),
                "training_curves.png": plotting.plot_training_curves(self.histories()),
                "class_distribution.png": plotting.plot_class_distribution(counts),
            }
            for name, figure in figures.items():
                figure.savefig(folder / name, dpi=110, bbox_inches="tight")
                written.append(folder / name)
        return written
