"""``keras-imbalance compare``: argument parsing, data loading by name or path, and rendering.

The work is :func:`keras_imbalance.comparison.compare`; this module only turns command-line words
into its arguments and its result into a table, files and plots.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
from typing import Any

from keras_imbalance.cli.compare_checks import (
    as_detector,
    check_grid_flags,
    check_tail_classes,
    check_tensorboard,
    check_unused_flags,
    class_list,
    csv_list,
    executor_of,
    import_builder,
    run_options,
)
from keras_imbalance.cli.compare_multilabel import MULTILABEL_DATASET, run_multilabel
from keras_imbalance.cli.display import final_model_message, render
from keras_imbalance.cli.flags import as_flags
from keras_imbalance.cli.progress import finished_runs, progress_reporter
from keras_imbalance.comparison.multilabel.compare import LABEL_MODES
from keras_imbalance.comparison.multilabel.metrics import MULTILABEL_METRICS
from keras_imbalance.comparison.run.training import KEEP_OPTIONS, SCHEDULES
from keras_imbalance.comparison.scoring.scores import SELECTION_METRICS
from keras_imbalance.comparison.strategies import COMPARE_STRATEGIES, DEFAULT_STRATEGIES

DATASETS = ("digits-lt", "fashion-mnist-lt", "fashion-mnist", MULTILABEL_DATASET)


def _int_list(text: str) -> list[int]:
    try:
        return [int(item) for item in csv_list(text)]
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"--seeds must be integers separated by commas, got {text!r}"
        ) from error


def _cv_value(text: str) -> int | str | None:
    """``--cv``: ``auto``, ``none`` (the holdout split) or a number of folds from 2 to 20."""
    value = text.strip().lower()
    if value == "auto":
        return "auto"
    if value in ("none", "off", "holdout"):
        return None
    try:
        folds = int(value)
    except ValueError:
        folds = 0
    if not 2 <= folds <= 20:
        raise argparse.ArgumentTypeError(
            f"--cv must be auto, none (the holdout split) or a number of folds from 2 to 20, "
            f"got {text!r}; e.g. --cv 5"
        )
    return folds


HELP = "train the same model with each remedy and compare them on held-out data"
DESCRIPTION = (
    "Train the same model from the same initial weights once per strategy and seed, and rank the "
    "strategies on a held-out split. With no arguments it runs on digits-LT. An image folder is "
    "listed, split by file list and streamed a batch at a time, never loaded whole."
)

# The flags that take one number: (flag, type, default, help).
NUMBER_FLAGS: tuple[tuple[str, type, Any, str], ...] = (
    ("--ratio", float, None, "imbalance ratio of a -lt dataset (digits 10, fashion-mnist 100)"),
    ("--image-size", int, 32, "side length the images of a folder are resized to (default 32)"),
    ("--epochs", int, 30, "training epochs per run"),
    ("--batch-size", int, 32, "samples per batch"),
    ("--learning-rate", float, 3e-3, "Adam's learning rate"),
    ("--validation-size", float, 0.2, "share carved out for validation, stratified (default 0.2)"),
    ("--test-size", float, 0.2, "test share when PATH holds one split"),
    (
        "--tail-classes",
        int,
        None,
        "how many of the rarest classes form the tail (default: a third)",
    ),
    ("--n-boot", int, 1000, "bootstrap replicates of the noise intervals"),
    (
        "--split-seed",
        int,
        0,
        "seed of the train/validation/test split, independent of --seeds (default 0)",
    ),
    ("--workers", int, 1, "train this many runs at once in a local process pool (one GPU each)"),
    (
        "--weight-decay",
        float,
        None,
        "decoupled weight decay of every run whose --grid does not tune it (default 0); Keras "
        "scales it by the learning rate, so 5e-4 does nothing: try 0.05",
    ),
)

# The flags that choose one option: (flag, choices, default, help).
CHOICE_FLAGS: tuple[tuple[str, tuple[str, ...], str | None, str], ...] = (
    ("--dataset", DATASETS, "digits-lt", "a built-in dataset, when no PATH is given"),
    (
        "--metric",
        tuple(dict.fromkeys((*SELECTION_METRICS, *MULTILABEL_METRICS))),
        None,
        "chooses epochs, knobs and thresholds and ranks strategies (default: balanced_accuracy; "
        "expected_cost with --costs); f1, recall_at_precision, average_precision and roc_auc are "
        "for binary problems (--detector); multi_label: macro_average_precision (default), "
        "micro_average_precision or macro_f1",
    ),
    ("--schedule", SCHEDULES, "cosine", "learning-rate schedule (default: cosine decay to 0)"),
    ("--keep", KEEP_OPTIONS, "best", "keep the weights of the best validation epoch, or the last"),
    ("--label-mode", LABEL_MODES, "single_label", "multi_label: a .npz PATH with multi-hot y"),
)


# The flags that take one string: (flag, default, metavar, help).
VALUE_FLAGS: tuple[tuple[str, str | None, str, str], ...] = (
    (
        "--model",
        None,
        "MODULE:FUNCTION",
        "a model builder build(input_shape, num_classes) -> uncompiled keras.Model with logits, "
        "e.g. mypackage.models:build (default: a small CNN or MLP)",
    ),
    (
        "--dask-scheduler",
        None,
        "ADDRESS",
        'train the runs on the Dask cluster at ADDRESS (pip install "keras-imbalance[dask]")',
    ),
    (
        "--tensorboard",
        None,
        "DIR",
        "write TensorBoard logs there: one run folder per strategy, knobs and seed",
    ),
    (
        "--output",
        "compare-results",
        "DIR",
        "where runs.jsonl (the journal: rerun to resume), results.json, results.md and the "
        "plots go",
    ),
    (
        "--cache-dir",
        None,
        "DIR",
        "where an image folder's images are cached, decoded once (default: OUTPUT/cache): one "
        "uint8 file of N x size x size x 3 bytes (50 000 images at 128 px: 2.3 GiB), reused by "
        "a resume or another compare of the same files; delete it to reclaim the space",
    ),
)


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("compare", help=HELP, description=DESCRIPTION)
    parser.add_argument(
        "source",
        nargs="?",
        default=None,
        metavar="PATH",
        help="an image folder (one sub-folder per class), a .npz (x, y or x_train, y_train, "
        "x_test, y_test) or a .csv (with --label-column); default: --dataset",
    )
    for flag, kind, default, text in NUMBER_FLAGS:
        parser.add_argument(flag, type=kind, default=default, help=text)
    for flag, choices, choice, text in CHOICE_FLAGS:
        parser.add_argument(flag, choices=choices, default=choice, help=text)
    parser.add_argument("--data-path", default=None, help="folder with the Fashion-MNIST IDX files")
    parser.add_argument(
        "--detector",
        default=None,
        metavar="CLASS",
        help="one-vs-rest task: CLASS (index or name) against the rest",
    )
    parser.add_argument("--label-column", default=None, help="the label column of a .csv file")
    parser.add_argument(
        "--skip-corrupt",
        action="store_true",
        help="skip the empty or corrupt images of a folder (a warning lists them) instead of "
        "stopping before training",
    )
    parser.add_argument(
        "--strategies",
        type=csv_list,
        default=DEFAULT_STRATEGIES,  # itself: a binary problem adds threshold to the defaults
        help=f"comma-separated, from: {', '.join(COMPARE_STRATEGIES)} (--label-mode multi_label: "
        f"none, balanced, focal, asymmetric)",
    )
    parser.add_argument("--seeds", type=_int_list, default=[0, 1, 2])
    parser.add_argument(
        "--cv",
        type=_cv_value,
        default="auto",
        metavar="K",
        help="choose on K-fold cross-validation of the training data; 'none': the holdout "
        "validation split; default 'auto': 5 folds when the holdout would validate some class "
        "on fewer than 50 samples",
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
    for flag, default, metavar, text in VALUE_FLAGS:
        parser.add_argument(flag, default=default, metavar=metavar, help=text)
    parser.add_argument(
        "--refit",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train the chosen strategy again on all the training data (train + validation) "
        "for the chosen epoch count, score it on test and save it as OUTPUT/model.keras "
        "(default: on)",
    )
    parser.add_argument(
        "--halving",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="successive halving of each strategy's knob values: train them all for a fraction "
        "of the epochs, keep the better half on validation, resume it to all the epochs "
        "(default: off)",
    )
    parser.add_argument(
        "--augment",
        default=None,
        metavar="OPS",
        help="augment the training images of every strategy alike, comma-separated from: "
        "flip, translate, crop (default: none)",
    )
    parser.add_argument(
        "--costs",
        default=None,
        metavar="fn=A,fp=B",
        help="misclassification costs: fn=20,fp=1 for a binary problem, or a C x C matrix's "
        "rows (true class) 0,1;5,0; ranks by expected cost (lower is better) and makes the "
        "thresholds cost-optimal",
    )
    parser.add_argument(
        "--min-precision",
        type=float,
        default=0.9,
        help="the validation precision recall_at_precision wants (default 0.9)",
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
        if os.path.isdir(args.source):  # streamed by compare, never loaded whole
            return args.source
        return datasets.load_arrays(args.source, label_column=args.label_column)
    if args.dataset == "digits-lt":
        return datasets.load_digits_lt(ratio=10.0 if args.ratio is None else args.ratio)
    if args.dataset == "fashion-mnist" and args.ratio is not None:
        raise ValueError(
            f"--ratio {args.ratio} applies to a -lt dataset; fashion-mnist is the whole, balanced "
            f"set: drop --ratio or use --dataset fashion-mnist-lt"
        )
    # "fashion-mnist" is the whole set: 6 000 training images of every class (ratio 1)
    ratio = 1.0 if args.dataset == "fashion-mnist" else 100.0 if args.ratio is None else args.ratio
    try:
        data = datasets.load_fashion_mnist_lt(ratio=ratio, path=args.data_path)
    except (ValueError, OSError) as error:
        message = as_flags(str(error).strip().splitlines()[0] if str(error).strip() else "")
        raise ValueError(re.sub(r"^path=", "--data-path ", message) or repr(error)) from error
    # uint8 (N, 28, 28) to float32 in [0, 1] with a channel axis, so the default model is a CNN.
    return dataclasses.replace(
        data,
        x_train=(data.x_train[..., None] / 255.0).astype("float32"),
        x_test=(data.x_test[..., None] / 255.0).astype("float32"),
    )


def _check_numbers(args: argparse.Namespace) -> None:
    from keras_imbalance._validation import check_number

    for flag, value, low in (
        ("--epochs", args.epochs, 1),
        ("--batch-size", args.batch_size, 1),
        ("--n-boot", args.n_boot, 1),
        ("--image-size", args.image_size, 1),
        ("--workers", args.workers, 1),
        ("--split-seed", args.split_seed, 0),
    ):
        check_number(flag, value, low=low, integer=True)
    check_number("--learning-rate", args.learning_rate, low=0, low_inclusive=False)
    for flag, value in (
        ("--validation-size", args.validation_size),
        ("--test-size", args.test_size),
    ):
        check_number(flag, value, low=0, high=1, low_inclusive=False, high_inclusive=False)
    if args.tail_classes is not None:
        check_number("--tail-classes", args.tail_classes, low=1, integer=True)
    if args.weight_decay is not None:
        check_number("--weight-decay", args.weight_decay, low=0)
    if any(seed < 0 for seed in args.seeds) or not args.seeds:
        raise ValueError(f"--seeds {args.seeds} must be integers >= 0, e.g. --seeds 0,1,2")
    if len(set(args.seeds)) != len(args.seeds):
        listed = ",".join(map(str, args.seeds))
        raise ValueError(f"--seeds {listed} lists a seed twice; list each once")


def _check_args(args: argparse.Namespace) -> dict[str, Any]:
    """Check every flag before Keras is imported, so a mistyped flag fails in under a second."""
    from keras_imbalance._validation import check_number
    from keras_imbalance.comparison.journal import check_output_folder
    from keras_imbalance.comparison.scoring.costs import parse_costs

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
    _check_numbers(args)
    check_unused_flags(args)
    if args.dask_scheduler is not None and args.workers != 1:
        raise ValueError("--workers and --dask-scheduler were both given; use one of them")
    if args.grid and args.no_tune:
        raise ValueError("--grid was given with --no-tune, so it would be ignored; drop one")
    grids = check_grid_flags(args.strategies, args.grid)
    if args.augment is not None:
        from keras_imbalance.comparison.data.augment import check_augment

        check_augment(args.augment, "--augment")
    if args.tensorboard is not None:
        check_tensorboard(args.tensorboard)
    if args.costs is not None:
        args.costs = parse_costs(args.costs)
    check_number("--min-precision", args.min_precision, low=0, high=1)
    check_output_folder(args.output)
    return grids


def _prepare_data(args: argparse.Namespace) -> tuple[Any, list[str] | None]:
    """The data ``compare`` trains on, and the class names of a ``--detector`` task."""
    data = _load(args)
    class_names = None
    if args.detector is not None:
        if isinstance(data, str):
            raise ValueError(
                f"--detector {args.detector} does not work on an image folder yet; give a .npz "
                f"or .csv, or make a folder with the two classes"
            )
        data, class_names = as_detector(data, args.detector)
    if args.tail_classes is not None and not isinstance(data, str):
        check_tail_classes(args.tail_classes, class_names or class_list(data))
    return data, class_names


def run(args: argparse.Namespace) -> int:
    if args.label_mode == "multi_label" or args.dataset == MULTILABEL_DATASET:
        return run_multilabel(args)
    grids = _check_args(args)
    builder = import_builder(args.model) if args.model is not None else None
    executor = executor_of(args)
    try:
        data, class_names = _prepare_data(args)
        result = _compare(args, data, class_names, grids, builder, executor)
    finally:
        if executor is not None:
            executor.shutdown()
    written = result.save(args.output, plots=not args.no_plots)
    if args.json:
        print(result.to_json())
    else:
        render(result)
        print(f"wrote {', '.join(str(p) for p in written)}")
        final = final_model_message(result, args.output)
        if final:
            print(final)
    return 0


def _compare(
    args: argparse.Namespace,
    data: Any,
    class_names: list[str] | None,
    grids: dict[str, Any],
    builder: Any,
    executor: Any,
) -> Any:
    from keras_imbalance.comparison import compare

    bar, progress = progress_reporter(finished_runs(args.output), args.output)
    if bar is not None:
        bar.start()
    try:
        return compare(
            data,
            args.strategies,
            **run_options(args),
            grids=grids or None,
            tail_classes=args.tail_classes,
            class_names=class_names,
            tensorboard_dir=args.tensorboard,
            model=builder,
            output=args.output,
            executor=executor,
            progress=progress,
            image_size=args.image_size,
            skip_corrupt=args.skip_corrupt,
            cache_dir=args.cache_dir,
            halving=args.halving,
            augment=args.augment,
            costs=args.costs,
            min_precision=args.min_precision,
        )
    finally:
        if bar is not None:
            bar.stop()
