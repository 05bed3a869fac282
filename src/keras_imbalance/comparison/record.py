"""The data of a comparison: :class:`ComparisonRecord`, its JSON and its Markdown.

:class:`~keras_imbalance.comparison.result.Comparison`, the value that
:func:`~keras_imbalance.comparison.compare` returns, is this record plus ``save``. The figures and
the HTML page read the record, so they import this module and not ``result``, and ``result``
imports them without a cycle.
"""

from __future__ import annotations

import json
import math
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, TypeVar

import numpy as np

from keras_imbalance.comparison.halving import halving_sentence
from keras_imbalance.comparison.report.formatting import format_number as _fmt
from keras_imbalance.comparison.report.formatting import format_params, plural
from keras_imbalance.comparison.report.operating_table import (
    median_threshold,
    operating_lines,
    threshold_snippet,
)
from keras_imbalance.comparison.report.recipe import recipe

SCHEMA_VERSION = 2

Record = TypeVar("Record", bound="ComparisonRecord")


class SelectionScheme:
    """How a comparison's ``settings["selection"]`` names what chose: the holdout's
    validation split or a cross-validation's out-of-fold scores (single- and multi-label)."""

    settings: dict[str, Any]

    @property
    def cross_validated(self) -> bool:
        """Whether the choices were made on cross-validation (``settings["selection"]``)."""
        return (self.settings.get("selection") or {}).get("scheme") == "cross-validation"

    @property
    def chosen_on(self) -> str:
        """What chose: ``"validation"``, or ``"5-fold cross-validation"``."""
        if not self.cross_validated:
            return "validation"
        return f"{self.settings['selection']['folds']}-fold cross-validation"

    @property
    def validation_name(self) -> str:
        """How the report names the scores that chose: ``"validation"`` or ``"out-of-fold"``."""
        return "out-of-fold" if self.cross_validated else "validation"


@dataclass
class ComparisonRecord(SelectionScheme):
    """The result of :func:`compare`: every run, the summary chosen on validation, the verdict.

    ``to_dict()`` gives the JSON schema (``schema_version`` 2). Every score says its split:

    .. code-block:: text

        {"schema_version": 2, "metric": str, "strategies": [str], "seeds": [int],
         "class_names": [str], "tail_classes": [int],
         "splits": {"train" | "validation" | "test": {"counts": [int], "source": str}},
         "settings": {"epochs", "batch_size", "learning_rate", "optimizer", "schedule", "keep",
                      "tune", "grids", "validation_size", "test_size", "n_boot", ...},
         "runs": [{"strategy", "seed", "params", "chosen": bool, "best_epoch", "diverged",
                   "validation": {metric: float}, "test": {metric: float},
                   "per_class_recall": {"validation": [float], "test": [float]},
                   "predictions": {"validation": [int], "test": [int]},
                   "history": {name: [float]}, "seconds"}],
         "summary": [{"strategy", "rank", "params", "best_epoch": [int], "diverged",
                      "validation": {"mean": {...}, "std": {...}},
                      "test": {"mean": {...}, "std": {...}, "interval": {...}},
                      "tail_recall": [float], "per_class_recall": {"test": [float]},
                      "vs_none": {"validation": {...} | null, "test": {...} | null},
                      "indistinguishable_from_none": bool | null}],
         "best": str | null, "verdict": str, "notes": [str], "recipe": str,
         "refit": {"strategy", "params", "epochs", "seed", "samples", "test": {metric: float},
                   "per_class_recall": [float], "model": "model.keras" | null, "seconds"}
                  | {"skipped": str} | null}

    ``rank`` orders by the validation metric; ``best`` is the top strategy on validation, set
    only when its test lead over ``"none"`` is outside the noise. ``std`` is ``null`` with one
    seed. ``refit`` is the final model, the chosen strategy trained on all the training data
    (:mod:`~keras_imbalance.comparison.refit`; ``null`` with ``refit=False``); ``model`` is that
    Keras model (not in the JSON: ``model.keras`` in the output folder).
    """

    metric: str
    strategies: list[str]
    seeds: list[int]
    class_names: list[str]
    splits: dict[str, dict[str, Any]]
    tail_classes: list[int]
    settings: dict[str, Any]
    runs: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    best: str | None = None
    verdict: str = ""
    notes: list[str] = field(default_factory=list)
    refit: dict[str, Any] | None = None
    model: Any = field(default=None, repr=False, compare=False)

    @property
    def epochs(self) -> int:
        return int(self.settings["epochs"])

    @property
    def train_counts(self) -> list[int]:
        return list(self.splits["train"]["counts"])

    def summary(self) -> list[dict[str, Any]]:
        """One row per strategy, ranked on validation (best first)."""
        return self.rows

    def row(self, strategy: str) -> dict[str, Any]:
        return next(row for row in self.rows if row["strategy"] == strategy)

    @property
    def gain_over_none(self) -> float | None:
        """The best strategy's paired test difference from ``"none"`` (``None`` without a best)."""
        if self.best is None:
            return None
        diff = self.row(self.best)["vs_none"]["test"]
        return None if diff is None else float(diff["mean"])

    def refit_epochs(self) -> int:
        """The final model's epoch count: the refit's, else the median best epoch (rounded half
        up) of the chosen strategy's runs (a head's are its ``"none"`` model's), else ``epochs``."""
        from keras_imbalance.comparison.refit import refit_epochs

        if self.refit and "epochs" in self.refit:
            return int(self.refit["epochs"])
        strategy = self.best or "none"
        best = [
            int(r["best_epoch"])
            for r in self.runs
            if r.get("chosen") and r["strategy"] == strategy and r.get("best_epoch") is not None
        ]
        return refit_epochs(best) if best else self.epochs

    def recipe(self) -> str:
        """A runnable snippet that trains your model with the best strategy (or ``"none"``) the
        way the final model trains: on all the training data, for :meth:`refit_epochs` epochs."""
        strategy = self.best or "none"
        params = self.row(strategy)["params"] if strategy in self.strategies else {}
        threshold = median_threshold(self.row(strategy)) if strategy in self.strategies else None
        params = {} if strategy == "threshold" else params  # its knob is the threshold itself
        text = recipe(
            strategy,
            params,
            counts=self.train_counts,
            epochs=self.refit_epochs(),
            batch_size=int(self.settings["batch_size"]),
            learning_rate=float(self.settings["learning_rate"]),
            schedule=str(self.settings["schedule"]),
            keep="last",
            metric=self.metric,
            head_epochs=int(self.settings.get("head_epochs", 10)),
            optimizer=self.settings.get("optimizer_config"),
            weight_decay=self.settings.get("weight_decay"),
            augment=self.settings.get("augment", ()),
        )
        if threshold is None or strategy == "none":
            return text
        return text.rstrip("\n") + "\n" + threshold_snippet(threshold)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "metric": self.metric,
            "strategies": list(self.strategies),
            "seeds": list(self.seeds),
            "class_names": list(self.class_names),
            "tail_classes": list(self.tail_classes),
            "splits": self.splits,
            "settings": self.settings,
            "runs": self.runs,
            "summary": self.rows,
            "best": self.best,
            "verdict": self.verdict,
            "notes": list(self.notes),
            "recipe": self.recipe(),
            "refit": self.refit,
        }

    @classmethod
    def from_dict(cls: type[Record], data: dict[str, Any]) -> Record:
        """Rebuild a record from :meth:`to_dict`'s output (``results.json``); called on
        :class:`~keras_imbalance.comparison.result.Comparison`, a ``Comparison``."""
        version = data.get("schema_version") if isinstance(data, dict) else None
        if version != SCHEMA_VERSION:
            raise ValueError(
                f"results with schema_version={version!r} cannot be read; this version reads "
                f"{SCHEMA_VERSION} (rerun compare to write them again)"
            )
        known = {f.name for f in fields(cls)}
        required = [
            f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
        ] + ["summary"]
        missing = [name for name in required if name not in data]
        if missing:
            raise ValueError(
                f"the results data lacks a field (missing: {', '.join(map(repr, missing))}); "
                f"give the unedited "
                f"results.json that compare wrote (or Comparison.to_dict()'s output), or rerun "
                f"compare"
            )
        values = {k: v for k, v in data.items() if k in known and k != "model"}
        values["rows"] = data["summary"]
        return cls(**values)

    def scheme_sentence(self) -> str:
        """The report's first words: what ranked, what chose, what the test scored."""
        m, v = self.metric, self.validation_name
        if not self.cross_validated:
            return f"Ranked by validation {m}; knobs tuned on validation; test scored once."
        return (
            f"Ranked by {v} {m} ({self.chosen_on} of all the training data); knobs and epochs "
            f"chosen on it; each strategy's choice then trained on all the training data and "
            f"scored once on test."
        )

    def to_json(self) -> str:
        return json.dumps(_finite(self.to_dict()), indent=2, allow_nan=False)

    def to_markdown(self) -> str:
        """The ranked table, the verdict, the notes and the recipe, in Markdown."""
        tail = ", ".join(self.class_names[c] for c in self.tail_classes)
        one_seed = len(self.seeds) == 1
        m = self.metric
        lines = [
            f"{self.scheme_sentence()} "
            f"Seeds {self.seeds}; {plural(self.epochs, 'epoch')}; splits: "
            + "; ".join(f"{s} {sum(v['counts'])} ({v['source']})" for s, v in self.splits.items())
            + ".",
            "",
            f"| rank | strategy | chosen on {self.chosen_on} | {self.validation_name} {m} "
            f"| test {m} "
            f"| test Δ vs none (95% interval) | test tail recall ({tail}) |",
            "|---:|---|---|---:|---:|---:|---|",
        ]
        for row in self.rows:
            test = row["test"]
            if one_seed and test["interval"] is not None:
                interval = test["interval"]
                bounds = f"[{_fmt(interval['low'])}, {_fmt(interval['high'])}]"
                test_cell = f"{_fmt(test['mean'][m])} {bounds}"
            else:
                test_cell = f"{_fmt(test['mean'][m])} ± {_fmt(test['std'][m])}"
            diff = row["vs_none"]["test"]
            diff_cell = (
                "—"
                if diff is None
                else (
                    f"{diff['mean']:+.3f} [{diff['low']:+.3f}, {diff['high']:+.3f}]"
                    + (" ≈ none" if row["indistinguishable_from_none"] else "")
                )
            )
            mark = " ✓" if row["strategy"] == self.best else ""
            recall = " / ".join(_fmt(r, 2) for r in row["tail_recall"])
            chosen = format_params(row["params"], empty="-")
            lines.append(
                f"| {row['rank']} | {row['strategy']}{mark} | {chosen} "
                f"| {_fmt(row['validation']['mean'][m])} | {test_cell} | {diff_cell} | {recall} |"
            )
        if self.settings.get("halving"):
            lines += ["", halving_sentence(self.settings["halving"])]
        lines += ["", f"**Verdict.** {self.verdict}"]
        lines += [f"- {note}" for note in self.notes]
        positive = self.class_names[1] if len(self.class_names) == 2 else ""
        operating = operating_lines(self.rows, self.runs, positive)
        lines += ["", *operating] if operating else []
        final = self.final_model_line()
        if final:
            lines += ["", f"**Final model.** {final}"]
        lines += [
            "",
            f"Recipe ({self.best or 'none'}, with the values chosen on {self.chosen_on}):",
            "",
            "```python",
            self.recipe().rstrip(),
            "```",
        ]
        return "\n".join(lines)

    def final_model_line(self) -> str:
        """The refit in one sentence (empty without one): strategy, knobs, epochs, samples, and
        its test score beside the comparison's test mean for that strategy."""
        refit, m = self.refit, self.metric
        if not refit:
            return ""
        if "skipped" in refit:
            return f"not trained: {refit['skipped']}."
        strategy = refit["strategy"]
        knobs = format_params(refit["params"])
        line = (
            f"{strategy}" + (f" ({knobs})" if knobs else "") + f" trained on all "
            f"{refit['samples']} training samples (train + validation) for "
            f"{plural(refit['epochs'], 'epoch')}, seed {refit['seed']}: test {m} "
            f"{_fmt(refit['test'][m])}"
        )
        if strategy in self.strategies:
            mean = self.row(strategy)["test"]["mean"][m]
            line += f", against {_fmt(mean)} for its runs in the comparison"
        saved = f"; saved as {refit['model']}" if refit.get("model") else ""
        return line + saved + "."

    def records(self) -> list[dict[str, Any]]:
        """``[{"strategy", "seed", "metrics"}]`` of the chosen runs' test scores."""
        return [
            {"strategy": r["strategy"], "seed": r["seed"], "metrics": r["test"]}
            for r in self.runs
            if r["chosen"]
        ]

    def histories(self) -> dict[str, list[dict[str, list[float]]]]:
        """``{strategy: [history per seed]}`` of the chosen runs that trained."""
        result: dict[str, list[dict[str, list[float]]]] = {}
        for run in self.runs:
            if run["chosen"] and run["history"]:
                result.setdefault(run["strategy"], []).append(run["history"])
        return result


def _finite(value: Any) -> Any:
    """``value`` with NumPy scalars as Python numbers and ``nan``/``inf`` as ``None`` (null)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
