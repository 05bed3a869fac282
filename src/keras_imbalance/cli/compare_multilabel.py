"""``keras-imbalance compare --label-mode multi_label``: multi-hot labels, per-label thresholds.

The data is a ``.npz`` PATH whose ``y`` is multi-hot ``(n, L)`` (or ``y_train``/``y_test``), or
``--dataset multilabel-synthetic`` (:func:`~keras_imbalance.datasets.multilabel.
make_multilabel_long_tail`, needs scikit-learn). The work is ``compare(...,
label_mode="multi_label")``; this module checks the flags, calls it, prints the summary and the
per-label table, and writes ``results.json``, ``report.md`` and the precision-recall figure.
Every finished run is journaled in ``OUTPUT/runs.jsonl``: rerun the same command to resume.
``--workers N`` trains the runs in a local pool of N processes, ``--dask-scheduler ADDRESS`` on
a Dask cluster.
"""

from __future__ import annotations

import argparse
from typing import Any

from keras_imbalance.cli.compare_checks import executor_of, run_options

__all__ = ["MULTILABEL_DATASET", "run_multilabel"]

MULTILABEL_DATASET = "multilabel-synthetic"


def _check_flags(args: argparse.Namespace) -> None:
    """Refuse, by flag, what multi-label compare does not support yet."""
    unsupported: tuple[tuple[str, Any, Any], ...] = (
        ("--detector", args.detector, None),
        ("--tensorboard", args.tensorboard, None),
        ("--halving", args.halving, False),
        ("--augment", args.augment, None),
        ("--cache-dir", args.cache_dir, None),
        ("--image-size", args.image_size, 32),
        ("--skip-corrupt", args.skip_corrupt, False),
        ("--tail-classes", args.tail_classes, None),
        ("--label-column", args.label_column, None),
        ("--data-path", args.data_path, None),
        ("--ratio", args.ratio, None),
    )
    for flag, value, off in unsupported:
        if value != off:
            raise ValueError(
                f"{flag} is not supported with --label-mode multi_label yet; drop {flag}"
            )
    if args.workers < 1:
        raise ValueError(f"--workers {args.workers} must be at least 1")
    if args.dask_scheduler is not None and args.workers != 1:
        raise ValueError("--workers and --dask-scheduler were both given; use one of them")


def _load(args: argparse.Namespace) -> Any:
    from keras_imbalance import datasets

    if args.source is not None:
        return datasets.load_arrays(args.source)
    if args.dataset != MULTILABEL_DATASET:
        raise ValueError(
            f"--dataset {args.dataset} is single-label; with --label-mode multi_label give a .npz "
            f"PATH whose y is multi-hot (n, L), or --dataset {MULTILABEL_DATASET}"
        )
    from keras_imbalance.datasets.multilabel import make_multilabel_long_tail

    return make_multilabel_long_tail()


def run_multilabel(args: argparse.Namespace) -> int:
    """Check the flags, compare (journaling every run in OUTPUT, so a rerun resumes), print the
    tables and write the files."""
    from keras_imbalance.comparison.journal import check_output_folder

    if args.label_mode != "multi_label":
        raise ValueError(
            f"--dataset {MULTILABEL_DATASET} has multi-hot labels; add --label-mode multi_label"
        )
    _check_flags(args)
    grids = _grids(args)
    check_output_folder(args.output)
    data = _load(args)
    executor = executor_of(args)
    try:
        result = _compare(args, data, grids, executor)
    finally:
        if executor is not None:
            executor.shutdown()
    written = _saved_model(result, args.output)
    written += [str(path) for path in result.save(args.output, plots=not args.no_plots)]
    if args.json:
        print(result.to_json())
    else:
        render_multilabel(result)
        print(f"wrote {', '.join(written)}")
    return 0


def _compare(
    args: argparse.Namespace, data: Any, grids: dict[str, Any] | None, executor: Any
) -> Any:
    """``compare(..., label_mode="multi_label", output=OUTPUT, executor=...)`` with a progress
    line per run; the files are written by the caller."""
    from keras_imbalance.cli.progress import finished_runs, progress_reporter
    from keras_imbalance.comparison.multilabel.compare import compare_multilabel

    bar, progress = progress_reporter(finished_runs(args.output), args.output)
    if bar is not None:
        bar.start()
    options = {
        **run_options(args),
        "grids": grids,
        "model": _builder(args),
        "output": args.output,
        "progress": progress,
        "executor": executor,
    }
    try:
        # it turns the single-label default strategies into the multi-label ones
        return compare_multilabel(data, args.strategies, options, save=False)
    finally:
        if bar is not None:
            bar.stop()


def _saved_model(result: Any, output: str) -> list[str]:
    """The refitted model (``--refit``, the default), saved by compare as ``OUTPUT/model.keras``."""
    if result.refit is None or not result.refit.get("model"):
        return []
    from pathlib import Path

    return [str(Path(output) / result.refit["model"])]


def _grids(args: argparse.Namespace) -> dict[str, Any] | None:
    """``--grid STRATEGY.KNOB=V1,V2`` (repeatable), checked against the multi-label knobs."""
    if not args.grid:
        return None
    if args.no_tune:
        raise ValueError("--grid was given with --no-tune, so it would be ignored; drop one")
    from keras_imbalance.cli.compare_checks import parse_grid
    from keras_imbalance.comparison.multilabel.remedies import check_multilabel_grids

    grids = parse_grid(args.grid)
    try:
        return dict(check_multilabel_grids(grids))
    except (ValueError, TypeError) as error:
        raise ValueError(f"--grid {' '.join(args.grid)!r}: {error}") from error


def _builder(args: argparse.Namespace) -> Any:
    if args.model is None:
        return None
    from keras_imbalance.cli.compare_checks import import_builder

    return import_builder(args.model)


def render_multilabel(result: Any, console: Any = None) -> None:
    """Print the verdict, the summary table and the per-label table with ``rich``."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    console.print(result.verdict)
    summary = Table(title="Multi-label comparison (test; chosen on validation)")
    for column in ("rank", "strategy", "knobs", "macro AP", "micro AP", "macro F1", "vs none"):
        summary.add_column(column)
    for row in result.rows:
        diff = row.get("test_vs_none")
        summary.add_row(
            str(row["rank"]),
            row["strategy"],
            ", ".join(f"{k}={v}" for k, v in row["params"].items()),
            *(
                f"{row['test'][m]:.3f}"
                for m in ("macro_average_precision", "micro_average_precision", "macro_f1")
            ),
            "" if not diff else f"{diff['mean']:+.3f} [{diff['low']:+.3f}, {diff['high']:+.3f}]",
        )
    console.print(summary)
    labels = Table(title="Per label (test, thresholds chosen on validation)")
    for column in (
        "strategy",
        "label",
        "test positives",
        "AP",
        "F1",
        "precision",
        "recall",
        "threshold",
    ):
        labels.add_column(column)
    for entry in result.labels:
        labels.add_row(
            entry["strategy"],
            entry["label"],
            str(entry["test_positives"]),
            *(
                f"{entry[c]:.3f}"
                for c in ("average_precision", "f1", "precision", "recall", "threshold")
            ),
        )
    console.print(labels)
    for note in result.notes:
        console.print(f"note: {note}")
