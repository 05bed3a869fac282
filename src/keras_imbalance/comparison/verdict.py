"""Choose on validation, report on test, and say how sure the answer is.

1. **Knobs.** For each strategy, the parameter set with the best mean validation metric over the
   seeds is chosen (ties: the first in grid order). Its runs are marked ``"chosen"``.
2. **Ranking.** The strategies are ranked by the mean validation metric of their chosen runs,
   rounded to the precision the report prints (:data:`RANK_DECIMALS` decimals): a difference too
   small to be shown is not acted on. Strategies equal at that precision keep the order of
   ``strategies``: ``"none"`` first (the simplest remedy wins a tie), then the order the caller
   gave. A tie at the top is said in the verdict. A strategy whose chosen runs diverged (non-finite
   outputs) ranks last.
3. **Noise.** For each strategy, the paired difference from ``"none"`` with a 95% interval over
   seeds and a stratified bootstrap of the samples
   (:func:`~keras_imbalance.comparison.scoring.statistics.paired_differences`), on validation and on
   test. A strategy whose test interval holds 0 cannot be told apart from ``"none"``.
4. **Best.** The top strategy on validation is the one candidate, declared before test is
   looked at; test confirms or rejects it in one pre-declared comparison, never a choice among
   remedies. It is declared best only when its paired difference from ``"none"`` *on test* is
   outside the noise (the interval's lower bound is above 0). Its validation lead is reported but
   never decides: the same split chose its epoch, its knobs and its rank among the strategies,
   so that lead is optimistic (the winner's curse), and an interval on it that excludes 0 says
   ``best`` far more often than 5% of the time when no remedy helps. A one-sided check of a
   single pre-declared candidate on an untouched split keeps that rate at about 2.5% (the lower
   end of a 95% interval). A simulation without training (``test_verdict_simulation.py`` in the
   tests: digits-LT-shaped comparisons, 11 strategies with 5 knob values each, no remedy
   helping) measures about 18% false bests for the old rule and under 1% for this one. When
   test does not confirm the candidate (its interval holds 0, or lies below 0) the verdict says
   to keep plain cross-entropy, with both numbers. When every strategy diverged, or ``"none"``
   did, the verdict says so and names no best strategy.
5. **Notes.** Besides the noise, a note names every class with fewer than
   :data:`FEW_SAMPLES` samples in the validation or test split: its recall moves in steps of
   ``1/count``, so the choices made on it (or the scores reported on it) are coarse.

Test scores never feed a choice among strategies: test only confirms or rejects the one
candidate chosen on validation (step 4).

A cost (``expected_cost``: lower is better, :func:`~.scores.greater_is_better`) is minimised
in steps 1, 2 and 4, and its differences from ``"none"`` are savings (``none`` minus the
strategy), so above 0 is better for every metric. The detector metrics are bootstrapped with
the same draws (:mod:`~keras_imbalance.comparison.scoring.detector_bootstrap`); the threshold-free
ones on the runs' positive-class scores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from keras_imbalance.comparison.config_json import canonical
from keras_imbalance.comparison.report.formatting import format_params
from keras_imbalance.comparison.run_record import decode_scores
from keras_imbalance.comparison.scoring.detector_bootstrap import (
    DETECTOR_METRICS,
    detector_intervals,
)
from keras_imbalance.comparison.scoring.scores import SCORE_METRICS, greater_is_better, oriented
from keras_imbalance.comparison.scoring.statistics import (
    PairedDifference,
    intervals_and_differences,
)

# A test interval wider than this (half-width) cannot separate strategies that differ by a few
# points of a metric in [0, 1].
WIDE_INTERVAL = 0.05
# Validation means equal at this many decimals (the report's precision) tie.
RANK_DECIMALS = 3
# A class with fewer samples than this in the validation or test split gets a note.
FEW_SAMPLES = 10


def _key(params: Mapping[str, Any]) -> str:
    return canonical(dict(params))


def _mean(values: Sequence[float]) -> float:
    """The mean; ``-inf`` when any run diverged, so a diverged setting is never chosen."""
    array = np.asarray(values, dtype=float)
    return float(array.mean()) if np.isfinite(array).all() else -math.inf


def choose_params(runs: list[dict[str, Any]], strategies: Sequence[str], metric: str) -> None:
    """Mark the runs of each strategy's best parameter set on validation as ``"chosen"``: the
    highest mean, or the lowest for a cost (:func:`~.scores.greater_is_better`)."""
    for strategy in strategies:
        groups: dict[str, list[dict[str, Any]]] = {}
        for run in runs:
            if run["strategy"] == strategy:
                groups.setdefault(_key(run["params"]), []).append(run)
        scores = {
            key: _mean([oriented(r["validation"][metric], metric) for r in group])
            for key, group in groups.items()
        }
        winner = max(scores, key=lambda key: scores[key])  # dicts keep grid order: ties go first
        for run in groups[winner]:
            run["chosen"] = True


@dataclass(frozen=True)
class ScoredSplits:
    """The labels the runs were scored on: validation and test, with the class names."""

    y_val: np.ndarray
    y_test: np.ndarray
    class_names: Sequence[str]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def summarize(
    runs: Sequence[dict[str, Any]],
    strategies: Sequence[str],
    *,
    metric: str,
    labels: ScoredSplits,
    tail: Sequence[int],
    n_boot: int = 1000,
    chosen_on: str = "validation",
) -> tuple[list[dict[str, Any]], str | None, str, list[str]]:
    """``(summary rows best first, best strategy or None, verdict sentence, notes)``.

    ``chosen_on`` names, in the verdict, the data the ranking was made on: ``"validation"``, or
    e.g. ``"5-fold cross-validation"`` when the validation predictions are out-of-fold.
    """
    if not isinstance(chosen_on, str) or not chosen_on.strip():
        raise ValueError(
            f"chosen_on={chosen_on!r} must name the data the strategies were ranked on, e.g. "
            f"'validation' or '5-fold cross-validation'"
        )
    chosen = {
        s: sorted((r for r in runs if r["strategy"] == s and r["chosen"]), key=lambda r: r["seed"])
        for s in strategies
    }
    diverged = [s for s in strategies if any(r["diverged"] for r in chosen[s])]
    live = [s for s in strategies if s not in diverged]
    common: dict[str, Any] = {
        "metric": metric,
        "num_classes": labels.num_classes,
        "tail": tail,
        "n_boot": n_boot,
    }
    intervals, versus = _noise(chosen, live, labels, common)
    rows = [_row(s, chosen[s], s in diverged, intervals, versus, tail) for s in strategies]
    _rank(rows, metric)
    best, verdict = _verdict(rows, versus, metric, chosen_on)
    notes = _notes(len(chosen[strategies[0]]), intervals, diverged, len(labels.y_test), metric)
    notes.extend(few_samples_notes(labels))
    return rows, best, verdict, notes


def _noise(
    chosen: Mapping[str, Sequence[dict[str, Any]]],
    live: Sequence[str],
    labels: ScoredSplits,
    common: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The test intervals of the strategies that did not diverge, and their differences from
    ``"none"`` on validation and test (none when ``"none"`` diverged or ran alone)."""
    versus: dict[str, dict[str, Any]] = {"validation": {}, "test": {}}
    if not live:  # every strategy diverged: nothing to bootstrap
        return {}, versus
    predictions = {
        split: {
            s: np.asarray([_scored(r, split, common["metric"]) for r in chosen[s]]) for s in live
        }
        for split in ("validation", "test")
    }
    baseline = "none" if "none" in live and len(live) > 1 else None
    # the detector metrics have their own entry to the same bootstrap
    both = detector_intervals if common["metric"] in DETECTOR_METRICS else intervals_and_differences
    # One bootstrap of the test split gives each strategy's interval and its difference from none.
    intervals, versus["test"] = both(
        labels.y_test, predictions["test"], baseline=baseline, **common
    )
    if baseline is not None:
        versus["validation"] = both(
            labels.y_val, predictions["validation"], baseline=baseline, **common
        )[1]
    if not greater_is_better(common["metric"]):  # a cost: the differences become savings
        versus = {
            split: {s: _saving(d) for s, d in diffs.items()} for split, diffs in versus.items()
        }
    return intervals, versus


def _scored(run: Mapping[str, Any], split: str, metric: str) -> Any:
    """What the bootstrap scores for ``metric``: a run's positive-class scores for a
    threshold-free metric, its predictions at the wanted precision for ``recall_at_precision``,
    else its predictions."""
    if metric in SCORE_METRICS:
        return decode_scores(run["scores"][split])
    if metric == "recall_at_precision":
        return run["at_precision"]["predictions"][split]
    return run["predictions"][split]


def _saving(diff: PairedDifference) -> PairedDifference:
    """A cost difference ``strategy - baseline`` turned into the saving ``baseline - strategy``,
    so that above 0 is better for every metric.

    Example:
        >>> _saving(PairedDifference("a", "none", 0.2, 0.1, 0.3, 3, 50)).low
        -0.3
    """
    return replace(diff, mean=-diff.mean, low=-diff.high, high=-diff.low)


def _row(
    strategy: str,
    group: Sequence[dict[str, Any]],
    diverged: bool,
    intervals: Mapping[str, Any],
    versus: Mapping[str, Mapping[str, Any]],
    tail: Sequence[int],
) -> dict[str, Any]:
    """One strategy's summary row: its chosen runs' means and spreads, intervals and recalls."""
    row: dict[str, Any] = {
        "strategy": strategy,
        "params": dict(group[0]["params"]),
        "diverged": diverged,
        "best_epoch": [r["best_epoch"] for r in group],
    }
    if any("threshold" in r for r in group):
        row["threshold"] = [r.get("threshold") for r in group]
    for split in ("validation", "test"):
        metrics = list(group[0][split])
        values = {m: np.asarray([r[split][m] for r in group], dtype=float) for m in metrics}
        row[split] = {
            "mean": {m: float(v.mean()) for m, v in values.items()},
            "std": {m: float(v.std(ddof=1)) if v.size > 1 else None for m, v in values.items()},
        }
    recall = np.asarray([r["per_class_recall"]["test"] for r in group], dtype=float).mean(axis=0)
    row["per_class_recall"] = {"test": recall.tolist()}
    row["tail_recall"] = [float(recall[c]) for c in tail]
    row["test"]["interval"] = intervals[strategy].to_dict() if strategy in intervals else None
    row["vs_none"] = {
        split: versus[split][strategy].to_dict() if strategy in versus[split] else None
        for split in ("validation", "test")
    }
    test_diff = versus["test"].get(strategy)
    row["indistinguishable_from_none"] = None if test_diff is None else not test_diff.separable
    return row


def _shown(row: Mapping[str, Any], metric: str) -> float:
    """The validation mean as the report prints it, higher better (a cost negated); ``-inf``
    when it is not finite."""
    value = float(row["validation"]["mean"][metric])
    return oriented(round(value, RANK_DECIMALS), metric) if math.isfinite(value) else -math.inf


def _rank(rows: list[dict[str, Any]], metric: str) -> None:
    """Sort ``rows`` best first and number them (see the module's ranking rule).

    Example:
        >>> rows = [
        ...     {"strategy": s, "diverged": d, "validation": {"mean": {"m": v}}}
        ...     for s, d, v in [("none", False, 0.9951), ("focal", False, 0.9953),
        ...                     ("drw", True, float("nan")), ("log", False, 0.99)]
        ... ]
        >>> _rank(rows, "m")
        >>> [(r["rank"], r["strategy"]) for r in rows]
        [(1, 'none'), (2, 'focal'), (3, 'log'), (4, 'drw')]
    """
    rows.sort(key=lambda row: (row["diverged"], -_shown(row, metric)))  # stable: plan order
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank


def _fmt_diff(diff: Any) -> str:
    return f"{diff.mean:+.3f} (95% interval {diff.low:+.3f} to {diff.high:+.3f})"


def _listing(names: Sequence[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def tie_sentence(
    rows: Sequence[Mapping[str, Any]], metric: str, *, chosen_on: str = "validation"
) -> str:
    """A sentence naming the strategies that tie at the top on ``chosen_on``, or ``""``.

    Example:
        >>> rows = [
        ...     {"strategy": s, "diverged": False, "validation": {"mean": {"m": v}}}
        ...     for s, v in [("none", 0.995), ("focal", 0.9951), ("log", 0.99)]
        ... ]
        >>> tie_sentence(rows, "m")  # doctest: +NORMALIZE_WHITESPACE
        "none and focal tie on validation m at 0.995; none is listed first because ties keep
        the order of the strategies ('none' first, then as given)."
    """
    live = [row for row in rows if not row["diverged"]]
    if len(live) < 2:
        return ""
    top = _shown(live[0], metric)
    tied = [row["strategy"] for row in live if _shown(row, metric) == top]
    if len(tied) < 2:
        return ""
    top = abs(top) if top == 0 else oriented(top, metric)
    return (
        f"{_listing(tied)} tie on {chosen_on} {metric} at {top:.{RANK_DECIMALS}f}; {tied[0]} is "
        f"listed first because ties keep the order of the strategies ('none' first, then as "
        f"given)."
    )


def _verdict(
    rows: list[dict[str, Any]],
    versus: Mapping[str, Mapping[str, Any]],
    metric: str,
    chosen_on: str = "validation",
) -> tuple[str | None, str]:
    """``(best strategy or None, the verdict)``; a tie at the top is said after it."""
    best, verdict = _decide(rows, versus, metric, chosen_on)
    tie = tie_sentence(rows, metric, chosen_on=chosen_on)
    return best, f"{verdict} {tie}" if tie else verdict


def _decide(
    rows: list[dict[str, Any]],
    versus: Mapping[str, Mapping[str, Any]],
    metric: str,
    chosen_on: str = "validation",
) -> tuple[str | None, str]:
    top = rows[0]
    names = [row["strategy"] for row in rows]
    if top["diverged"]:
        return None, (
            f"Every strategy diverged (non-finite outputs: {_listing(names)}); nothing can be "
            f"ranked. Lower the learning rate or check the data."
        )
    if "none" not in names:
        return None, (
            f"{top['strategy']} ranks first on {chosen_on} {metric}, but plain cross-entropy "
            f"('none') was not compared, so no remedy can be said to help; add 'none'."
        )
    if top["strategy"] == "none":
        return None, (
            f"No remedy beat plain cross-entropy on this data: 'none' ranks first on {chosen_on} "
            f"{metric}. Keep plain cross-entropy."
        )
    lead = versus["validation"].get(top["strategy"])
    test = versus["test"].get(top["strategy"])
    if lead is None or test is None:  # "none" diverged: there is nothing to measure against
        return None, (
            f"Plain cross-entropy ('none') diverged (non-finite outputs), so no remedy can be "
            f"measured against it; {top['strategy']} ranks first on {chosen_on} {metric}. Lower "
            f"the learning rate and compare again."
        )
    return _lead_verdict(top, lead, test, metric, chosen_on)


def _lead_verdict(
    top: Mapping[str, Any], lead: Any, test: Any, metric: str, chosen_on: str = "validation"
) -> tuple[str | None, str]:
    """The verdict on the one candidate: its lead where it was chosen, confirmed on test or not.

    Only ``test`` decides (its lower bound above 0); ``lead`` is said, and called optimistic.
    """
    knobs = format_params(top["params"])
    name = f"{top['strategy']}{f' ({knobs})' if knobs else ''}"
    saved = "" if greater_is_better(metric) else " saved (lower cost)"
    optimistic = f"in {metric}{saved} (optimistic: the same data chose its epoch, knobs and rank)"
    checked = "test, checked once for this one candidate"
    if test.low > 0:
        return top["strategy"], (
            f"Best strategy: {name}, chosen on {chosen_on}, where it leads 'none' by "
            f"{_fmt_diff(lead)} {optimistic}; {checked}, confirms it: there it leads 'none' by "
            f"{_fmt_diff(test)}."
        )
    candidate = f"leads 'none' there by {_fmt_diff(lead)} {optimistic}"
    if test.high < 0:
        return None, (
            f"No remedy beat plain cross-entropy on this data: the top strategy on {chosen_on}, "
            f"{name}, {candidate}, but on {checked}, it is worse than 'none': "
            f"{_fmt_diff(test)}. Keep plain cross-entropy."
        )
    return None, (
        f"No remedy beat plain cross-entropy on this data beyond the noise: the top strategy on "
        f"{chosen_on}, {name}, {candidate}, but {checked}, does not confirm it: it differs from "
        f"'none' by {_fmt_diff(test)}, an interval that holds 0. Keep plain cross-entropy, or "
        f"compare on more data or seeds."
    )


def _notes(
    seeds: int,
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


def few_samples_notes(labels: ScoredSplits, threshold: int = FEW_SAMPLES) -> list[str]:
    """A note per split that holds fewer than ``threshold`` samples of some class.

    Example:
        >>> labels = ScoredSplits(np.array([0] * 30 + [1] * 2), np.array([0, 1] * 20), ["a", "b"])
        >>> few_samples_notes(labels)  # doctest: +NORMALIZE_WHITESPACE
        ["The validation split holds fewer than 10 samples of class 'b' (2): a recall on 2
        samples moves in steps of 1/2, so the epochs, knobs and ranking chosen on it are coarse;
        give a larger validation split or more data."]
    """
    notes = []
    for split, y, effect in (
        ("validation", labels.y_val, "the epochs, knobs and ranking chosen on it are coarse"),
        ("test", labels.y_test, "the test scores and intervals are coarse"),
    ):
        counts = np.bincount(y, minlength=labels.num_classes)
        few = [(labels.class_names[c], int(n)) for c, n in enumerate(counts) if n < threshold]
        if not few:
            continue
        listed = ", ".join(f"{name!r} ({n})" for name, n in few)
        smallest = max(1, min(n for _, n in few))
        notes.append(
            f"The {split} split holds fewer than {threshold} samples of class"
            f"{'es' if len(few) > 1 else ''} {listed}: a recall on {smallest} sample"
            f"{'s' if smallest > 1 else ''} moves in steps of 1/{smallest}, so {effect}; give a "
            f"larger {split} split or more data."
        )
    return notes
