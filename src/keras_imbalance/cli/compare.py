"""``keras-imbalance compare``: argument parsing, data loading by name or path, and rendering.

The work is :func:`keras_imbalance.comparison.compare`; this module only turns command-line words
into its arguments and its result into a table, files and plots.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from keras_imbalance.cli.display import render
from keras_imbalance.cli.progress import progress_reporter
from keras_imbalance.comparison.scores import METRICS
from keras_imbalance.comparison.strategies import COMPARE_STRATEGIES, DEFAULT_STRATEGIES
from keras_imbalance.comparison.training import KEEP_OPTIONS, SCHEDULES

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
    parser.add_argument("--epochs", type=int, default=30, help="training epochs per run")
    parser.add_argument("--seeds", type=_int_list, default=[0, 1, 2])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="Adam's learning rate")
    parser.add_argument(
        "--metric",
        choices=METRICS,
        default="balanced_accuracy",
        help="chooses epochs and knobs and ranks strategies, on validation",
    )
    parser.add_argument(
        "--validation-size",
        type=float,
        default=0.2,
        help="share carved out for validation, stratified (default 0.2)",
    )
    parser.add_argument(
        "--test-size", type=float, default=0.2, help="test share when PATH holds one split"
    )
    parser.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default="cosine",
        help="learning-rate schedule (default: cosine decay to 0)",
    )
    parser.add_argument(
        "--keep",
        choices=KEEP_OPTIONS,
        default="best",
        help="keep the weights of the best validation epoch (default) or the last",
    )
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="STRATEGY.KNOB=V1,V2",
        help="tune this grid on validation in place of the default, e.g. "
        "logit_adjusted.tau=0.5,1,2 (repeatable)",
    )
    parser.add_argument(
        "--no-tune", action="store_true", help="train each strategy once with its default knobs"
    )
    parser.add_argument(
        "--tail-classes",
        type=int,
        default=None,
        help="how many of the rarest classes form the tail (default: a third)",
    )
    parser.add_argument(
        "--n-boot", type=int, default=1000, help="bootstrap replicates of the noise intervals"
    )
    parser.add_argument(
        "--model",
        default=None,
        metavar="MODULE:FUNCTION",
        help="a model builder build(input_shape, num_classes) -> uncompiled keras.Model with "
        "logits, e.g. mypackage.models:build (default: a small CNN or MLP)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="train this many runs at once in a local process pool (one GPU each when present)",
    )
    parser.add_argument(
        "--dask-scheduler",
        default=None,
        metavar="ADDRESS",
        help='train the runs on the Dask cluster at ADDRESS (pip install "keras-imbalance[dask]")',
    )
    parser.add_argument(
        "--tensorboard",
        default=None,
        metavar="DIR",
        help="write TensorBoard logs there: one run folder per strategy, knobs and seed",
    )
    parser.add_argument(
        "--output",
        default="compare-results",
        metavar="DIR",
        help="where runs.jsonl (the journal: rerun to resume), results.json, results.md and the "
        "plots go",
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


def _as_detector(data: Any, positive: str) -> tuple[Any, list[str]]:
    """One class against the rest, in every split the data holds; and the two class names."""
    from keras_imbalance import datasets

    target: Any = int(positive) if positive.lstrip("-").isdigit() else positive
    names = list(getattr(data, "class_names", []) or []) or None
    label = names[target] if names and isinstance(target, int) else str(target)
    binary = [f"not-{label}", str(label)]
    if hasattr(data, "x_train"):
        y_train = datasets.make_detector(data.y_train, target, class_names=names)
        y_test = datasets.make_detector(data.y_test, target, class_names=names)
        return ((data.x_train, y_train), (data.x_test, y_test)), binary
    x, y = data
    return (x, datasets.make_detector(y, target, class_names=names)), binary


def _parse_grid(texts: list[str]) -> dict[str, dict[str, list[Any]]]:
    """``["logit_adjusted.tau=0.5,1,2"]`` -> ``{"logit_adjusted": {"tau": [0.5, 1.0, 2.0]}}``."""
    grids: dict[str, dict[str, list[Any]]] = {}
    for text in texts:
        head, sep, values = text.partition("=")
        strategy, dot, knob = head.partition(".")
        if not sep or not dot or not values:
            raise ValueError(
                f"--grid {text!r} is not STRATEGY.KNOB=V1,V2; "
                f"e.g. --grid logit_adjusted.tau=0.5,1,2"
            )
        parsed: list[Any] = []
        for value in _csv_list(values):
            try:
                parsed.append(value if value == "auto" else float(value))
            except ValueError as error:
                raise ValueError(
                    f"--grid {text!r} has {value!r}, which is not a number; give numbers "
                    f"separated by commas"
                ) from error
        grids.setdefault(strategy.strip(), {})[knob.strip()] = parsed
    return grids


def import_builder(text: str) -> Any:
    """``"package.module:function"`` -> the function, with one-line errors naming --model."""
    import importlib

    module_name, colon, function_name = text.partition(":")
    if not colon or not module_name or not function_name:
        raise ValueError(
            f"--model {text!r} is not MODULE:FUNCTION; e.g. --model mypackage.models:build"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(
            f"--model {text!r}: module {module_name!r} cannot be imported ({error}); is it on "
            f"PYTHONPATH?"
        ) from error
    builder = getattr(module, function_name, None)
    if not callable(builder):
        raise ValueError(
            f"--model {text!r}: {module_name} has no function {function_name!r}; give a function "
            f"build(input_shape, num_classes) that returns an uncompiled keras.Model"
        )
    return builder


def _check_args(args: argparse.Namespace) -> dict[str, Any]:
    """Check every flag before Keras is imported, so a mistyped flag fails in under a second."""
    from keras_imbalance._validation import check_number
    from keras_imbalance.comparison.journal import check_output_folder
    from keras_imbalance.comparison.strategies import check_grids

    for strategy in args.strategies:
        if strategy not in COMPARE_STRATEGIES:
            raise ValueError(
                f"--strategies names {strategy!r}, which is not a strategy; "
                f"use some of {', '.join(COMPARE_STRATEGIES)}"
            )
    if not args.strategies:
        raise ValueError(
            "--strategies is empty; give at least one, e.g. --strategies none,balanced"
        )
    for flag, value, low in (
        ("--epochs", args.epochs, 1),
        ("--batch-size", args.batch_size, 1),
        ("--n-boot", args.n_boot, 1),
    ):
        check_number(flag, value, low=low, integer=True)
    check_number("--learning-rate", args.learning_rate, low=0, low_inclusive=False)
    check_number("--workers", args.workers, low=1, integer=True)
    if args.dask_scheduler is not None and args.workers != 1:
        raise ValueError("--workers and --dask-scheduler were both given; use one of them")
    for flag, value in (
        ("--validation-size", args.validation_size),
        ("--test-size", args.test_size),
    ):
        check_number(flag, value, low=0, high=1, low_inclusive=False, high_inclusive=False)
    if args.tail_classes is not None:
        check_number("--tail-classes", args.tail_classes, low=1, integer=True)
    if any(seed < 0 for seed in args.seeds) or not args.seeds:
        raise ValueError(f"--seeds {args.seeds} must be integers >= 0, e.g. --seeds 0,1,2")
    grids = _parse_grid(args.grid)
    if grids and args.no_tune:
        raise ValueError("--grid was given with --no-tune, so it would be ignored; drop one")
    strategies = list(args.strategies)
    check_grids(strategies + (["none"] if "none" not in strategies else []), grids)
    check_output_folder(args.output)
    return grids


def run(args: argparse.Namespace) -> int:
    grids = _check_args(args)
    from keras_imbalance.comparison import compare

    builder = import_builder(args.model) if args.model is not None else None
    data = _load(args)
    class_names = None
    if args.detector is not None:
        data, class_names = _as_detector(data, args.detector)
    executor = None
    if args.dask_scheduler is not None:
        from keras_imbalance.comparison.parallel import dask_executor

        executor = dask_executor(args.dask_scheduler)
    elif args.workers > 1:
        from keras_imbalance.comparison.parallel import process_pool

        executor = process_pool(args.workers)
    bar, progress = progress_reporter()
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
            schedule=args.schedule,
            keep=args.keep,
            validation_size=args.validation_size,
            test_size=args.test_size,
            grids=grids or None,
            tune=not args.no_tune,
            tail_classes=args.tail_classes,
            n_boot=args.n_boot,
            class_names=class_names,
            tensorboard_dir=args.tensorboard,
            model=builder,
            output=args.output,
            executor=executor,
            progress=progress,
        )
    finally:
        if bar is not None:
            bar.stop()
        if executor is not None:
            executor.shutdown()
    written = result.save(args.output, plots=not args.no_plots)
    if args.json:
        print(result.to_json())
    else:
        render(result)
        print(f"wrote {', '.join(str(p) for p in written)}")
    return 0
