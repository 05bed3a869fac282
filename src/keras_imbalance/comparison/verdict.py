"""Choose on validation, report on test, and say how sure the answer is.

1. **Knobs.** For each strategy, the parameter set with the best mean validation metric over the
   seeds is chosen (ties: the first in grid order). Its runs are marked ``"chosen"``.
2. **Ranking.** The strategies are ranked by the mean validation metric of their chosen runs.
3. **Noise.** For each strategy, the paired difference from ``"none"`` with a 95% interval over
   seeds and a stratified bootstrap of the samples
   (:func:`~keras_imbalance.comparison.statistics.paired_differences`), on validation and on
   test. A strategy whose test interval holds 0 cannot be told apart from ``"none"``.
4. **Best.** The top strategy on validation is declared best only when its validation lead over
   ``"none"`` is outside the noise (the interval's lower bound is above 0). Otherwise the verdict
   says that no remedy beat plain cross-entropy on this data.

Test scores are reported and never feed a choice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from keras_imbalance.comparison.config_json import canonical
from keras_imbalance.comparison.formatting import format_params
from keras_imbalance.comparison.scores import METRICS
from keras_imbalance.comparison.statistics import intervals_and_differences, paired_differences

# A test interval wider than this (half-width) cannot separate strategies that differ by a few
# points of a metric in [0, 1].
WIDE_INTERVAL = 0.05


def _key(params: Mapping[str, Any]) -> str:
    return canonical(dict(params))


def _mean(values: Sequence[float]) -> float:
    """The mean; ``-inf`` when any run diverged, so a diverged setting is never chosen."""
    array = np.asarray(values, dtype=float)
    return float(array.mean()) if np.isfinite(array).all() else -math.inf


def choose_params(runs: list[dict[str, Any]], strategies: Sequence[str], metric: str) -> None:
    """Mark the runs of each strategy's best parameter set on validation as ``"chosen"``."""
    for strategy in strategies:
        groups: dict[str, list[dict[str, Any]]] = {}
        for run in runs:
            if run["strategy"] == strategy:
                groups.setdefault(_key(run["params"]), []).append(run)
        scores = {
            key: _mean([r["validation"][metric] for r in group]) for key, group in groups.items()
        }
        winner = max(scores, key=lambda key: scores[key])  # dicts keep grid order: ties go first
        for run in groups[winner]:
            run["chosen"] = True


def summarize(
    runs: Sequence[dict[str, Any]],
    strategies: Sequence[str],
    *,
    metric: str,
    num_classes: int,
    tail: Sequence[int],
    y_val: np.ndarray,
    y_test: np.ndarray,
    n_boot: int = 1000,
) -> tuple[list[dict[str, Any]], str | None, str, list[str]]:
    """``(summary rows best first, best strategy or None, verdict sentence, notes)``."""
    chosen = {
        s: sorted((r for r in runs if r["strategy"] == s and r["chosen"]), key=lambda r: r["seed"])
        for s in strategies
    }
    diverged = [s for s in strategies if any(r["diverged"] for r in chosen[s])]
    live = [s for s in strategies if s not in diverged]
    seeds = len(chosen[strategies[0]])
    predictions = {
        split: {s: np.asarray([r["predictions"][split] for r in chosen[s]]) for s in live}
        for split in ("validation", "test")
    }
    common: dict[str, Any] = {
        "metric": metric,
        "num_classes": num_classes,
        "tail": tail,
        "n_boot": n_boot,
    }
    versus: dict[str, dict[str, Any]] = {"validation": {}, "test": {}}
    baseline = "none" if "none" in live and len(live) > 1 else None
    # One bootstrap of the test split gives each strategy's interval and its difference from none.
    intervals, versus["test"] = intervals_and_differences(
        y_test, predictions["test"], baseline=baseline, **common
    )
    if baseline is not None:
        versus["validation"] = paired_differences(
            y_val, predictions["validation"], baseline=baseline, **common
        )

    rows = []
    for strategy in strategies:
        group = chosen[strategy]
        row: dict[str, Any] = {
            "strategy": strategy,
            "params": dict(group[0]["params"]),
            "diverged": strategy in diverged,
            "best_epoch": [r["best_epoch"] for r in group],
        }
        for split in ("validation", "test"):
            values = {m: np.asarray([r[split][m] for r in group], dtype=float) for m in METRICS}
            row[split] = {
                "mean": {m: float(v.mean()) for m, v in values.items()},
                "std": {m: float(v.std(ddof=1)) if v.size > 1 else None for m, v in values.items()},
            }
        recall = np.asarray([r["per_class_recall"]["test"] for r in group], dtype=float).mean(
            axis=0
        )
        row["per_class_recall"] = {"test": recall.tolist()}
        row["tail_recall"] = [float(recall[c]) for c in tail]
        row["test"]["interval"] = intervals[strategy].to_dict() if strategy in intervals else None
        row["vs_none"] = {
            split: versus[split][strategy].to_dict() if strategy in versus[split] else None
            for split in ("validation", "test")
        }
        test_diff = versus["test"].get(strategy)
        row["indistinguishable_from_none"] = None if test_diff is None else not test_diff.separable
        rows.append(row)

    def rank_key(row: dict[str, Any]) -> tuple[bool, float]:
        value = row["validation"]["mean"][metric]
        return (row["diverged"], -value if math.isfinite(value) else math.inf)

    rows.sort(key=rank_key)
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    best, verdict = _verdict(rows, versus, metric)
    notes = _notes(seeds, versus, intervals, diverged, len(y_test), metric)
    return rows, best, verdict, notes


def _fmt_diff(diff: Any) -> str:
    return f"{diff.mean:+.3f} (95% interval {diff.low:+.3f} to {diff.high:+.3f})"


def _verdict(
    rows: list[dict[str, Any]], versus: Mapping[str, Mapping[str, Any]], metric: str
) -> tuple[str | None, str]:
    top = rows[0]
    if top["diverged"]:
        return None, "Every strategy diverged (non-finite outputs); nothing can be ranked."
    names = [row["strategy"] for row in rows]
    if "none" not in names:
        return None, (
            f"{top['strategy']} ranks first on validation {metric}, but plain cross-entropy "
            f"('none') was not compared, so no remedy can be said to help; add 'none'."
        )
    if top["strategy"] == "none":
        return None, (
            f"No remedy beat plain cross-entropy on this data: 'none' ranks first on validation "
            f"{metric}. Keep plain cross-entropy."
        )
    lead = versus["validation"][top["strategy"]]
    test = versus["test"].get(top["strategy"])
    if lead.low <= 0:
        return None, (
            f"No remedy beat plain cross-entropy on this data beyond the noise: the top strategy "
            f"on validation, {top['strategy']}, leads 'none' by {_fmt_diff(lead)} in {metric}, an "
            f"interval that holds 0. Keep plain cross-entropy, or compare on more data or seeds."
        )
    chosen = format_params(top["params"])
    on_test = f" On test it differs from 'none' by {_fmt_diff(test)}." if test is not None else ""
    return top["strategy"], (
        f"Best strategy: {top['strategy']}{f' ({chosen})' if chosen else ''}, chosen on "
        f"validation, where it leads 'none' by {_fmt_diff(lead)} in {metric}.{on_test}"
    )


def _notes(
    seeds: int,
    versus: Mapping[str, Mapping[str, Any]],
    intervals: Mapping[str, Any],
    diverged: Sequence[str],
    test_samples: int,
    metric: str,
) -> list[str]:
    notes = []
    if seeds == 1:
        notes.append(
            "One seed: the intervals cover the noise of the samples only, not of training; "
            "give more seeds (e.g. 0,1,2) for a verdict that includes it. No ± is shown."
        )
    # The half-width of each strategy's own test interval: how far apart two strategies must be
    # before the test split can tell them apart.
    widths = [(i.high - i.low) / 2 for i in intervals.values()]
    if widths and float(np.median(widths)) > WIDE_INTERVAL:
        notes.append(
            f"The test split ({test_samples} samples) is too small to separate strategies closer "
            f"than about ±{float(np.median(widths)):.3f} {metric}; test more samples."
        )
    if diverged:
        notes.append(
            f"Diverged (non-finite outputs), not ranked: {', '.join(diverged)}; lower the "
            f"learning rate or check the data."
        )
    return notes
