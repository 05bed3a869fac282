"""The ``keras-imbalance`` command line: parses arguments, calls the library, renders the result.

It holds no logic of its own. User errors exit with code 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from keras_imbalance.counting import ClassCounts, count_labels
from keras_imbalance.weighting import STRATEGIES, Strategy, class_weights

USER_ERRORS = (
    ValueError,
    TypeError,
    FileNotFoundError,
    NotADirectoryError,
    PermissionError,
    ImportError,
    KeyError,
)


class UserError(Exception):
    """An error in what the user asked for: reported in one line with exit code 2."""


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _load_counts(args: argparse.Namespace) -> ClassCounts:
    source = args.source
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(
            f"SOURCE {source!r} does not exist; give a class folder, a .npy or a .csv file"
        )
    kwargs: dict[str, Any] = {"label_mode": args.label_mode}
    if getattr(args, "column", None):
        kwargs["column"] = args.column
    return count_labels(path, **kwargs)


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


def _command_inspect(args: argparse.Namespace) -> int:
    counts = _load_counts(args)
    summary = inspect_summary(counts)
    if args.plot:
        from keras_imbalance.plotting import plot_class_distribution

        figure = plot_class_distribution(counts)
        figure.savefig(args.plot, dpi=120, bbox_inches="tight")
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_inspect(summary, print)
        if args.plot:
            print(f"plot written to {args.plot}")
    return 0


def _command_weights(args: argparse.Namespace) -> int:
    counts = _load_counts(args)
    mu: Any = args.mu if args.mu == "auto" else float(args.mu)
    clip = tuple(args.clip) if args.clip else None
    weights = class_weights(
        counts, args.strategy, mu=mu, beta=args.beta, normalize=args.normalize, clip=clip
    )
    if args.output:
        weights.save(args.output)
    if args.json:
        print(json.dumps(weights.to_dict(), indent=2))
    else:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-imbalance",
        description=(
            "Inspect class imbalance, compute class weights, and compare remedies for Keras 3."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_source(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "source",
            metavar="SOURCE",
            help="a folder with one sub-folder per class, a .npy or a .csv file",
        )
        sub.add_argument(
            "--label-mode", choices=["int", "categorical", "multi_label"], default=None
        )
        sub.add_argument("--column", default=None, help="the label column of a .csv file")
        sub.add_argument("--json", action="store_true", help="print machine-readable JSON")

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
    """Register ``compare`` when its module is present."""
    try:
        from keras_imbalance.cli import compare as compare_cli
    except ImportError:
        return
    compare_cli.add_parser(commands)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except USER_ERRORS as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if isinstance(error, KeyError):
            message = f"unknown key {message}"
        print(f"keras-imbalance: error: {message}", file=sys.stderr)
        return 2
    except UserError as error:
        print(f"keras-imbalance: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("keras-imbalance: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
