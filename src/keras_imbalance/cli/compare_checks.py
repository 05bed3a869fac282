"""What ``keras-imbalance compare`` checks before it trains, in command-line words.

Each check fails with one line that names the flag, the value given and the way out; none of
them imports Keras, so a mistyped flag fails in under a second. The library checks the same
values again with Python wording; these come first so that the user reads ``--grid``, not
``grids[...]``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr
from keras_imbalance.cli.flags import as_flags

# Seconds to wait for a Dask scheduler to answer before --dask-scheduler is reported dead.
DASK_CONNECT_TIMEOUT = 5.0


def csv_list(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``."""
    return [item.strip() for item in text.split(",") if item.strip()]


def _grid_values(text: str, values: str) -> list[Any]:
    parsed: list[Any] = []
    for value in csv_list(values):
        try:
            number: Any = value if value == "auto" else float(value)
        except ValueError as error:
            raise ValueError(
                f"--grid {text!r} has {value!r}, which is not a number; give numbers separated "
                f"by commas"
            ) from error
        if number in parsed:
            raise ValueError(
                f"--grid {text!r} lists {value} twice; list each value once (each value is a run)"
            )
        parsed.append(number)
    return parsed


def parse_grid(texts: Sequence[str]) -> dict[str, dict[str, list[Any]]]:
    """``["logit_adjusted.tau=0.5,1,2"]`` -> ``{"logit_adjusted": {"tau": [0.5, 1.0, 2.0]}}``.

    Example:
        >>> parse_grid(["focal.gamma=0,2", "logit_adjusted.tau=auto"])
        {'focal': {'gamma': [0.0, 2.0]}, 'logit_adjusted': {'tau': ['auto']}}
    """
    grids: dict[str, dict[str, list[Any]]] = {}
    for text in texts:
        head, sep, values = text.partition("=")
        strategy, dot, knob = (part.strip() for part in head.partition("."))
        if not sep or not dot or not csv_list(values) or not strategy or not knob:
            raise ValueError(
                f"--grid {text!r} is not STRATEGY.KNOB=V1,V2; "
                f"e.g. --grid logit_adjusted.tau=0.5,1,2"
            )
        if knob in grids.get(strategy, {}):
            raise ValueError(
                f"--grid {strategy}.{knob} is given twice; give all its values in one --grid, "
                f"e.g. --grid {strategy}.{knob}=V1,V2"
            )
        grids.setdefault(strategy, {})[knob] = _grid_values(text, values)
    return grids


def check_grid_flags(strategies: Sequence[str], texts: Sequence[str]) -> dict[str, Any]:
    """Parse every ``--grid`` and check it against the strategies compared, naming the flag."""
    from keras_imbalance.comparison.strategies import check_grids

    compared = list(strategies) + (["none"] if "none" not in strategies else [])
    for text in texts:
        try:
            check_grids(compared, parse_grid([text]))
        except (ValueError, TypeError) as error:
            message = as_flags(str(error).strip().splitlines()[0])
            if not message.startswith("--grid"):
                message = f"--grid {text!r}: {message}"
            raise ValueError(message) from error
    return parse_grid(texts)


def tensorboard_installed() -> bool:
    """Whether ``keras.callbacks.TensorBoard`` can write logs: it needs TensorFlow's tensorboard."""
    return all(importlib.util.find_spec(name) is not None for name in ("tensorflow", "tensorboard"))


def check_tensorboard(value: str) -> None:
    """``--tensorboard DIR`` before any training: the package is there and DIR can be a folder."""
    if not tensorboard_installed():
        raise ValueError(
            f"--tensorboard {value!r} needs TensorFlow and the tensorboard package, which are not "
            f'installed; pip install "keras-imbalance[tensorboard]", or drop --tensorboard'
        )
    folder = Path(value).expanduser()
    for candidate in (folder, *folder.parents):
        if candidate.exists() and not candidate.is_dir():
            raise ValueError(
                f"--tensorboard {value!r}: {str(candidate)!r} is a file, not a folder; give a "
                f"folder for the logs, e.g. --tensorboard logs/"
            )


def connect_dask(address: str) -> Any:
    """The executor of the Dask scheduler at ``address``; a dead address fails fast, in one line."""
    try:
        from dask.distributed import Client
    except ImportError as error:
        raise ValueError(
            f'--dask-scheduler {address!r} needs dask.distributed; pip install "keras-imbalance'
            f'[dask]", or drop --dask-scheduler'
        ) from error
    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT)
    except (OSError, ValueError, TypeError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(
            f"--dask-scheduler {address!r}: no Dask scheduler answered within "
            f"{DASK_CONNECT_TIMEOUT:g} s ({reason}); start one (dask scheduler) and give the "
            f"address it prints, e.g. --dask-scheduler tcp://127.0.0.1:8786"
        ) from error
    return client.get_executor()


def executor_of(args: Any) -> Any:
    """``--dask-scheduler``'s executor, a pool of ``--workers`` processes, or ``None``."""
    if args.dask_scheduler is not None:
        return connect_dask(args.dask_scheduler)
    if args.workers > 1:
        from keras_imbalance.comparison.parallel import process_pool

        return process_pool(args.workers)
    return None


def import_builder(text: str) -> Any:
    """``"package.module:function"`` -> the function, with one-line errors naming ``--model``.

    The current folder is searched first, as ``python -m`` does, so ``--model models:build``
    finds ``./models.py`` without ``PYTHONPATH=.``; it stays on ``sys.path`` so that worker
    processes can import the builder too.
    """
    module_name, colon, function_name = text.partition(":")
    if not colon or not module_name or not function_name:
        raise ValueError(
            f"--model {text!r} is not MODULE:FUNCTION; e.g. --model mypackage.models:build"
        )
    here = os.getcwd()
    if here not in sys.path and "" not in sys.path:
        sys.path.insert(0, here)
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(
            f"--model {text!r}: module {module_name!r} cannot be imported ({error}); run from the "
            f"folder that holds it, or add its folder to PYTHONPATH"
        ) from error
    builder = getattr(module, function_name, None)
    if not callable(builder):
        raise ValueError(
            f"--model {text!r}: {module_name} has no function {function_name!r}; give a function "
            f"build(input_shape, num_classes) that returns an uncompiled keras.Model"
        )
    return builder


def _training_labels(data: Any) -> Any:
    """The training labels of loaded data: a dataset, ``(x, y)`` or ``((x, y), (x, y))``."""
    if hasattr(data, "y_train"):
        return data.y_train
    first, second = data
    return first[1] if isinstance(first, tuple) else second


def class_list(data: Any) -> list[Any]:
    """The classes of loaded data, in index order: its class names, else its training labels.

    Example:
        >>> import numpy as np
        >>> class_list((np.zeros((4, 2)), np.array(["b", "a", "b", "c"])))
        ['a', 'b', 'c']
    """
    from keras_imbalance.labels import decode_labels

    names = list(getattr(data, "class_names", None) or [])
    return names or list(decode_labels(_training_labels(data)).classes)


def check_tail_classes(value: int | None, classes: Sequence[Any]) -> None:
    """``--tail-classes`` against the number of classes: the tail holds 1..C-1 of them."""
    most = max(1, len(classes) - 1)
    if value is not None and not 1 <= value <= most:
        allowed = "1 of them" if most == 1 else f"1 to {most} of them"
        raise ValueError(
            f"--tail-classes {value} is out of range: the data has {len(classes)} classes, so "
            f"the tail holds {allowed}; give a number in that range or drop --tail-classes "
            f"(default: a third)"
        )


def as_detector(data: Any, text: str) -> tuple[Any, list[str]]:
    """One class against the rest, in every split the data holds; and the two class names.

    ``text`` is ``--detector``'s value: a class index or a class name.
    """
    from keras_imbalance import datasets

    names = list(getattr(data, "class_names", None) or []) or None
    classes = class_list(data)
    target: Any = int(text) if text.lstrip("-").isdigit() else text
    if names is None and target not in classes and text in [str(c) for c in classes]:
        target = text  # "--detector 3" on string labels "1", "3", ...
    if names is not None and isinstance(target, int) and not 0 <= target < len(names):
        raise ValueError(
            f"--detector {text} is not a class index of the data; give an index "
            f"0..{len(names) - 1} or a class name ({short_repr(names)})"
        )
    label = names[target] if names is not None and isinstance(target, int) else str(target)

    def detect(y: Any) -> Any:
        try:
            return datasets.make_detector(y, target, class_names=names)
        except ValueError as error:
            raise ValueError(
                f"--detector {text!r} is not a class of the data; give one of "
                f"{short_repr(classes)}" + (" or its index" if names is not None else "")
            ) from error

    binary = [f"not-{label}", str(label)]
    if hasattr(data, "x_train"):
        train, test = (data.x_train, data.y_train), (data.x_test, data.y_test)
    elif isinstance(data[0], tuple):
        train, test = data
    else:
        return (data[0], detect(data[1])), binary
    # one call over both splits: a test split that lacks some class still maps like the training one
    both = detect(np.concatenate([np.asarray(train[1]), np.asarray(test[1])]))
    cut = len(train[1])
    return ((train[0], both[:cut]), (test[0], both[cut:])), binary


def check_unused_flags(args: Any) -> None:
    """Refuse the flags that the data source given would silently ignore."""
    source = args.source
    if args.label_column is not None and not str(source or "").lower().endswith(".csv"):
        raise ValueError(
            f"--label-column {args.label_column!r} names the label column of a .csv file, but "
            f"PATH is {source!r}; drop --label-column (a .npz holds x, y or x_train, y_train, "
            f"x_test, y_test)"
        )
    if source is not None:
        for flag, value in (("--ratio", args.ratio), ("--data-path", args.data_path)):
            if value is not None:
                raise ValueError(
                    f"{flag} {value} applies to a built-in --dataset, but PATH {source!r} was "
                    f"given; drop {flag} or PATH"
                )
    elif args.data_path is not None and args.dataset not in ("fashion-mnist-lt", "fashion-mnist"):
        raise ValueError(
            f"--data-path {args.data_path!r} is the folder of the Fashion-MNIST files; drop it, "
            f"or give --dataset fashion-mnist-lt (or fashion-mnist)"
        )


def run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ``compare`` keywords that the single- and the multi-label command take alike: how
    each run trains, the splits, the choice and the final model."""
    return {
        "epochs": args.epochs,
        "learning_rate": args.learning_rate,
        "seeds": args.seeds,
        "split_seed": args.split_seed,
        "cv": args.cv,
        "batch_size": args.batch_size,
        "metric": args.metric,
        "schedule": args.schedule,
        "keep": args.keep,
        "validation_size": args.validation_size,
        "test_size": args.test_size,
        "tune": not args.no_tune,
        "n_boot": args.n_boot,
        "weight_decay": args.weight_decay,
        "refit": args.refit,
    }
