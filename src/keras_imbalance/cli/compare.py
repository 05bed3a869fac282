"""``keras-imbalance compare``: argument parsing, data loading by name or path, and rendering.

The work is :func:`keras_imbalance.comparison.compare`; this module only turns command-line words
into its arguments and its result into a table, files and plots.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from keras_imbalance.comparison import COMPARE_STRATEGIES, DEFAULT_STRATEGIES, METRICS

DATASETS = ("digits-lt", "fashion-mnist-lt")


def _csv_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _int_list(text: str) -> list[int]:
    try:
        return [int(item) for item in _csv_list(text)]
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"--seeds must be integers separated by commas, got {text!r}"
        ) from error


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "compare",
        help="train the same model with each remedy and compare them on held-out data",
        description=(
            "Train the same model from the same initial weights once per strategy and seed, and "
            "rank the strategies on a held-out split. With no arguments it runs on digits-LT."
        ),
    )
    parser.add_argument(
        "source",
        nargs="?",
        default=None,
        metavar="PATH",
        help="an image folder (one sub-folder per class), a .npz (x, y or x_train, y_train, "
        "x_test, y_test) or a .csv (with --label-column); default: --dataset",
    )
    parser.add_argument("--dataset", choices=DATASETS, default="digits-lt")
    parser.add_argument(
        "--ratio",
        type=float,
        default=None,
        help="imbalance ratio of a -lt dataset (digits 10, fashion-mnist 100)",
    )
    parser.add_argument("--data-path", default=None, help="folder with the Fashion-MNIST IDX files")
    parser.add_argument(
        "--detector",
        default=None,
        metavar="CLASS",
        help="one-vs-rest task: CLASS (index or name) against the rest",
    )
    parser.add_argument("--label-column", default=None, help="the label column of a .csv file")
    parser.add_argument(
        "--image-size", type=int, default=32, help="side length images are resized to"
    )
    parser.add_argument(
        "--strategies",
        type=_csv_list,
        default=list(DEFAULT_STRATEGIES),
        help=f"comma-separated, from: {', '.join(COMPARE_STRATEGIES)}",
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=_int_list, default=[0, 1, 2])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="Adam's learning rate")
    parser.add_argument("--metric", choices=METRICS, default="balanced_accuracy")
    parser.add_argument(
        "--output",
        default="compare-results",
        metavar="DIR",
        help="where results.json, results.md and the plots go",
    )
    parser.add_argument(
        "--no-plots", action="store_true", help="skip the plots (no matplotlib needed)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print results.json to stdout instead of the table"
    )
    parser.set_defaults(run=run)


def _load(args: argparse.Namespace) -> Any:
    from keras_imbalance import datasets

    if args.source is not None:
        return datasets.load_arrays(
            args.source, label_column=args.label_column, image_size=args.image_size
        )
    if args.dataset == "digits-lt":
        return datasets.load_digits_lt(ratio=10.0 if args.ratio is None else args.ratio)
    data = datasets.load_fashion_mnist_lt(
        ratio=100.0 if args.ratio is None else args.ratio, path=args.data_path
    )
    # uint8 (N, 28, 28) to float32 in [0, 1] with a channel axis, so the default model is a CNN.
    return dataclasses.replace(
        data,
        x_train=(data.x_train[..., None] / 255.0).astype("float32"),
        x_test=(data.x_test[..., None] / 255.0).astype("float32"),
    )


def _as_detector(data: Any, positive: str) -> Any:
    from keras_imbalance import comparison, datasets

    split = comparison.as_split(data, test_size=0.3, seed=0)
    names = split.class_names or None
    target: Any = int(positive) if positive.lstrip("-").isdigit() else positive
    y_train = datasets.make_detector(split.y_train, target, class_names=names)
    y_test = datasets.make_detector(split.y_test, target, class_names=names)
    label = names[target] if names and isinstance(target, int) else str(target)
    return comparison.Split(
        split.x_train, y_train, split.x_test, y_test, [f"not-{label}", str(label)], split.held_out
    )


_HEADERS = {
    "balanced_accuracy": "bal. acc",
    "macro_f1": "macro F1",
    "g_mean": "G-mean",
    "mcc": "MCC",
    "accuracy": "accuracy",
    "tail_recall": "tail recall",
}


def _progress() -> tuple[Any, Any]:
    """A rich progress bar when rich is installed and stderr is a terminal, else a line per run."""
    try:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )
    except ImportError:
        bar = None
    else:
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
        )
    if bar is None:

        def plain(done: int, total: int, strategy: str, seed: int) -> None:
            print(f"[{done}/{total}] {strategy} (seed {seed})", file=sys.stderr)

        return None, plain
    task = bar.add_task("training", total=None)

    def update(done: int, total: int, strategy: str, seed: int) -> None:
        bar.update(task, completed=done, total=total, description=f"{strategy} (seed {seed})")

    return bar, update


def _render(result: Any) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(result.to_markdown())
        return
    table = Table(title=f"keras-imbalance compare: ranked by {result.metric} (mean ± std)")
    table.add_column("rank", justify="right")
    table.add_column("strategy", no_wrap=True)
    for metric in METRICS:
        table.add_column(_HEADERS.get(metric, metric), justify="right", no_wrap=True)
    tail = "/".join(result.class_names[c] for c in result.tail_classes)
    table.add_column(f"recall of {tail}", no_wrap=True)
    summary = result.summary()
    for row in summary:
        table.add_row(
            str(row["rank"]),
            row["strategy"],
            *(f"{row['mean'][m]:.3f}±{row['std'][m]:.3f}" for m in METRICS),
            "/".join(f"{r:.2f}" for r in row["tail_recall"]),
        )
    # Off a terminal (a pipe, a CI log) rich would wrap at 80 columns; the table needs more.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    console.print(table)
    gain = result.gain_over_none
    gain_text = f", {gain:+.3f} {result.metric} over none" if gain is not None else ""
    console.print(f"Best strategy: [bold]{summary[0]['strategy']}[/bold]{gain_text}.")


def run(args: argparse.Namespace) -> int:
    from keras_imbalance.comparison import compare

    for strategy in args.strategies:
        if strategy not in COMPARE_STRATEGIES:
            raise ValueError(
                f"--strategies names {strategy!r}, which is not a strategy; "
                f"use some of {', '.join(COMPARE_STRATEGIES)}"
            )
    data = _load(args)
    if args.detector is not None:
        data = _as_detector(data, args.detector)
    bar, progress = _progress()
    if bar is not None:
        bar.start()
    try:
        result = compare(
            data,
            args.strategies,
            epochs=args.epochs,
            learning_rate=args.learning_rate,
            seeds=args.seeds,
            batch_size=args.batch_size,
            metric=args.metric,
            progress=progress,
        )
    finally:
        if bar is not None:
            bar.stop()
    written = result.save(args.output, plots=not args.no_plots)
    if args.json:
        print(result.to_json())
    else:
        _render(result)
        print(f"wrote {', '.join(str(p) for p in written)}")
    return 0
