"""The ``keras-imbalance`` command line: parses arguments, calls the library, renders the result.

It holds no logic of its own. A user error (a file that cannot be read, a bad option value)
becomes a :class:`UserError` where the command calls the library; it exits with code 2 and one
line on stderr, which names the command-line flag (``--label-column``), not the Python keyword
(``label_column=``). Anything else is a bug and shows its traceback. ``--debug`` shows the
traceback of every error.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

from keras_imbalance.cli.flags import FLAG_NAMES as FLAG_NAMES  # where it was before
from keras_imbalance.cli.flags import as_flags
from keras_imbalance.counting import ClassCounts, count_labels
from keras_imbalance.labels import MAX_CLASSES
from keras_imbalance.weighting import STRATEGIES, Strategy, class_weights

# The errors a library call raises for bad input. Commands that convert them to UserError at
# their boundary (inspect, weights) let anything else through as a bug; for the others (compare,
# report) main() still reads these as user errors.
USER_ERRORS = (
    ValueError,
    TypeError,
    FileNotFoundError,
    NotADirectoryError,
    IsADirectoryError,
    PermissionError,
    ImportError,
    KeyError,
)

STRATEGY_FORMULAS = {
    "balanced": "w_c = N / (C * n_c)",
    "inverse": "w_c = 1 / n_c",
    "sqrt_inverse": "w_c = 1 / sqrt(n_c)",
    "max_ratio": "w_c = max(n) / n_c",
    "log": "w_c = max(1, log(mu * N / n_c))",
    "effective_number": "w_c proportional to (1 - beta) / (1 - beta**n_c)",
}


class UserError(Exception):
    """An error in what the user asked for: reported in one line with exit code 2."""


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors take one line, not the whole usage: exit code 2.

    Example:
        >>> parser = OneLineParser(prog="tool")
        >>> _ = parser.add_argument("--epochs", type=int)
        >>> try:
        ...     parser.parse_args(["--epochs", "x"])
        ... except SystemExit as stop:
        ...     print(stop.code)
        2
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def one_line(error: BaseException) -> str:
    text = str(error).strip()
    if isinstance(error, KeyError) and text:
        return f"unknown key {text.splitlines()[0]}"
    if isinstance(error, OSError) and error.filename and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return text.splitlines()[0] if text else type(error).__name__


def user_error(error: BaseException, context: str = "") -> UserError:
    """Wrap a library error raised by bad input as a :class:`UserError`, in flag terms."""
    message = as_flags(one_line(error))
    return UserError(f"{context}{message}")


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _load_counts(args: argparse.Namespace) -> ClassCounts:
    source = args.source
    path = Path(source)
    if not path.exists():
        raise UserError(
            f"SOURCE {source!r} does not exist; give a class folder, a .npy, .npz or .csv file"
        )
    kwargs: dict[str, Any] = {"label_mode": args.label_mode, "max_classes": args.max_classes}
    if getattr(args, "column", None):
        kwargs["column"] = args.column
    try:
        return count_labels(path, **kwargs)
    except (ValueError, TypeError, OSError, MemoryError) as error:
        raise user_error(error) from error


def _strategy_table(
    counts: ClassCounts, mu: Any = 0.15, beta: float = 0.999
) -> dict[str, list[float] | None]:
    """The weights every strategy gives, ``None`` where a strategy cannot weigh these counts."""
    table: dict[str, list[float] | None] = {}
    for strategy in STRATEGIES:
        try:
            table[strategy] = (
                class_weights(counts, cast(Strategy, strategy), mu=mu, beta=beta)
                .to_array()
                .tolist()
            )
        except ValueError:
            table[strategy] = None
    return table


def inspect_summary(counts: ClassCounts) -> dict[str, Any]:
    """The data ``inspect`` shows, as a JSON-ready dict."""
    return {
        "counts": counts.to_dict(),
        "proportions": counts.proportions.tolist(),
        "imbalance_ratio": _finite_or_none(counts.imbalance_ratio),
        "majority_baseline": counts.majority_baseline,
        "weights": _strategy_table(counts),
    }


def _distribution_rows(summary: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The inspect table as text cells: class, count, share, a bar, then one weight per strategy."""
    counts = ClassCounts.from_dict(summary["counts"])
    weights = summary["weights"]
    largest = max(int(counts.counts.max()), 1)
    strategies = [s for s in STRATEGIES if weights[s] is not None]
    header = ["class", "count", "share", "", *strategies]
    rows = []
    for index, name in enumerate(counts.class_names):
        n = int(counts.counts[index])
        rows.append(
            [
                name,
                str(n),
                f"{counts.proportions[index]:.1%}",
                "#" * round(20 * n / largest),
                *(f"{weights[s][index]:.4g}" for s in strategies),
            ]
        )
    return header, rows


def _print_distribution(summary: dict[str, Any]) -> None:
    header, rows = _distribution_rows(summary)
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # the plain-text table; rich comes with the "cli" extra
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        lines = [header, *rows]
        for line in lines:
            print(
                "  ".join(
                    c.ljust(w) if i in (0, 3) else c.rjust(w)
                    for i, (c, w) in enumerate(zip(line, widths, strict=True))
                )
            )
        return
    table = Table(title="class distribution and the weight each strategy gives")
    for index, name in enumerate(header):
        table.add_column(name, justify="left" if index in (0, 3) else "right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    (Console() if sys.stdout.isatty() else Console(width=160)).print(table)


def _print_inspect(summary: dict[str, Any], console: Callable[[str], None]) -> None:
    counts = ClassCounts.from_dict(summary["counts"])
    weights = summary["weights"]
    _print_distribution(summary)
    ratio = summary["imbalance_ratio"]
    console(
        f"samples: {counts.n_samples}   classes: {counts.num_classes}   "
        f"label mode: {counts.label_mode}"
    )
    console(
        "imbalance ratio (max/min): "
        + ("inf (a class has no samples)" if ratio is None else f"{ratio:.3g}")
    )
    console(
        "majority baseline: always predicting the largest class scores "
        f"{counts.majority_baseline:.1%} "
        f"accuracy; judge a model by balanced accuracy or per-class recall, not accuracy."
    )
    skipped = [s for s in STRATEGIES if weights[s] is None]
    if skipped:
        console(
            f"not shown: {', '.join(skipped)} (a class has no samples, so they cannot weigh it)"
        )


def _corrupt_images(source: str) -> list[dict[str, str]] | None:
    """The empty or corrupt images of a class folder (PIL's verify pass), as JSON-ready rows.

    ``None`` when they cannot be checked (no Pillow).
    """
    from keras_imbalance.comparison.data.images import corrupt_images, list_image_folder

    try:
        root, paths, _, _ = list_image_folder(source)
    except ValueError:  # a folder of other files (text, audio): nothing to verify
        return []
    try:
        found = corrupt_images(root, paths)
    except ImportError:
        return None
    return [{"path": os.path.join(root, path), "reason": reason} for path, reason in found]


def _print_corrupt(corrupt: list[dict[str, str]] | None, shown: int = 20) -> None:
    if corrupt is None:
        print("images not checked for corruption: that needs Pillow (pip install pillow)")
    if not corrupt:
        return
    print(
        f"corrupt or empty images: {len(corrupt)} (compare stops on them; --skip-corrupt skips "
        f"them)"
    )
    for row in corrupt[:shown]:
        print(f"  {row['path']}: {row['reason']}")
    if len(corrupt) > shown:
        print(f"  ... and {len(corrupt) - shown} more (--json lists them all)")


def _command_inspect(args: argparse.Namespace) -> int:
    counts = _load_counts(args)
    summary = inspect_summary(counts)
    if os.path.isdir(args.source):
        summary["corrupt"] = _corrupt_images(args.source)
    if args.plot:
        try:
            from keras_imbalance.plotting import plot_class_distribution
        except ImportError as error:
            raise user_error(error, "--plot: ") from error
        figure = plot_class_distribution(counts)
        try:
            figure.savefig(args.plot, dpi=120, bbox_inches="tight")
        except (OSError, ValueError) as error:
            raise user_error(error, "--plot: ") from error
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_inspect(summary, print)
        _print_corrupt(summary.get("corrupt", []))
        if args.plot:
            print(f"plot written to {args.plot}")
    return 0


def _command_weights(args: argparse.Namespace) -> int:
    counts = _load_counts(args)
    mu: Any = args.mu if args.mu == "auto" else float(args.mu)
    clip = tuple(args.clip) if args.clip else None
    try:
        weights = class_weights(
            counts, args.strategy, mu=mu, beta=args.beta, normalize=args.normalize, clip=clip
        )
    except (ValueError, TypeError) as error:
        raise user_error(error, f"--strategy {args.strategy}: ") from error
    if args.output:
        try:
            weights.save(args.output)
        except OSError as error:
            raise user_error(error, "--output: ") from error
    if args.json:
        print(json.dumps(weights.to_dict(), indent=2))
    else:
        formula = STRATEGY_FORMULAS.get(weights.strategy, "")
        print(f"strategy: {weights.strategy}" + (f"  ({formula})" if formula else ""))
        width = max(5, *(len(n) for n in weights.class_names))
        print(f"{'index':>5}  {'class':<{width}}  {'weight':>12}")
        for index, value in weights.items():
            print(f"{index:>5}  {weights.class_names[index]:<{width}}  {value:>12.6g}")
        if args.output:
            print(f"weights written to {args.output}; load them with ClassWeights.load(path)")
    return 0


def _mu(text: str) -> str | float:
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"--mu must be a number or 'auto', got {text!r}"
        ) from error


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="keras-imbalance",
        description=(
            "Inspect class imbalance, compute class weights, and compare remedies for Keras 3."
        ),
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback of any error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_source(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "source",
            metavar="SOURCE",
            help="a folder with one sub-folder per class, a .npy, .npz or .csv file",
        )
        sub.add_argument(
            "--label-mode", choices=["int", "categorical", "multi_label"], default=None
        )
        sub.add_argument(
            "--column", default=None, help="the label column of a .csv file (array of a .npz)"
        )
        sub.add_argument(
            "--max-classes",
            type=_positive_int,
            default=MAX_CLASSES,
            help=f"refuse integer labels that make more classes (default {MAX_CLASSES})",
        )
        sub.add_argument("--json", action="store_true", help="print machine-readable JSON")
        sub.set_defaults(boundary=True)

    inspect = commands.add_parser(
        "inspect", help="show the class distribution and what each weighting gives"
    )
    add_source(inspect)
    inspect.add_argument(
        "--plot", metavar="FILE.png", default=None, help="also draw a bar chart (needs matplotlib)"
    )
    inspect.set_defaults(run=_command_inspect)

    weights = commands.add_parser(
        "weights", help="compute class weights for model.fit(class_weight=...)"
    )
    add_source(weights)
    weights.add_argument("--strategy", choices=STRATEGIES, default="balanced")
    weights.add_argument("--mu", type=_mu, default=0.15, help="'log' strategy smoothing, or 'auto'")
    weights.add_argument(
        "--beta", type=float, default=0.999, help="'effective_number' strategy beta"
    )
    weights.add_argument("--normalize", choices=["mean", "sum", "max"], default=None)
    weights.add_argument("--clip", type=float, nargs=2, metavar=("LOW", "HIGH"), default=None)
    weights.add_argument(
        "--output", metavar="FILE.json", default=None, help="save the weights as JSON"
    )
    weights.set_defaults(run=_command_weights)

    _add_compare(commands)
    return parser


def _add_compare(commands: Any) -> None:
    """Register ``compare`` and ``report`` when their modules are present."""
    for name in ("compare", "report"):
        try:
            module = __import__(f"keras_imbalance.cli.{name}", fromlist=["add_parser"])
        except ImportError:
            continue
        module.add_parser(commands)


def main(argv: Sequence[str] | None = None) -> int:
    # TensorFlow's C++ log lines would break the one-line error on stderr.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UserError as error:
        if args.debug:
            raise
        print(f"keras-imbalance: error: {error}", file=sys.stderr)
        return 2
    except USER_ERRORS as error:
        # inspect and weights convert bad input to UserError where they call the library, so
        # anything else they raise is a bug: show it. compare and report rely on this net.
        if args.debug or getattr(args, "boundary", False):
            raise
        print(f"keras-imbalance: error: {as_flags(one_line(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("keras-imbalance: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
