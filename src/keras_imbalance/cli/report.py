"""``keras-imbalance report RESULTS_JSON``: report.html and the figures again, from results.json."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HELP = "rebuild report.html and the figures from a saved results.json"
DESCRIPTION = (
    "Read the results.json that 'keras-imbalance compare' wrote and write report.html (one "
    "self-contained page) and the four figures again, without training."
)


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("report", help=HELP, description=DESCRIPTION)
    parser.add_argument("results", metavar="RESULTS_JSON", help="a results.json from compare")
    parser.add_argument(
        "--output",
        metavar="DIR",
        default=None,
        help="folder to write into (default: the folder that holds RESULTS_JSON)",
    )
    parser.add_argument("--no-plots", action="store_true", help="write report.html without figures")
    parser.set_defaults(run=run)


def load_results(path: str | Path) -> Any:
    """The :class:`~keras_imbalance.comparison.Comparison` saved in ``path`` (a results.json).

    Raises:
        FileNotFoundError: ``path`` does not exist or is a folder.
        ValueError: the file is not JSON, or not results of ``compare`` this version reads.
    """
    from keras_imbalance.comparison import Comparison

    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(
            f"RESULTS_JSON {str(path)!r} does not exist; give the results.json that "
            f"'keras-imbalance compare --output DIR' wrote"
        )
    if file.is_dir():
        hint = " (it holds results.json)" if (file / "results.json").is_file() else ""
        raise FileNotFoundError(
            f"RESULTS_JSON {str(path)!r} is a folder{hint}; give the results.json file in it"
        )
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(
            f"RESULTS_JSON {str(path)!r} is not a text file; give a results.json"
        ) from error
    except json.JSONDecodeError as error:
        raise ValueError(
            f"RESULTS_JSON {str(path)!r} is not valid JSON (line {error.lineno}, column "
            f"{error.colno}: {error.msg}); give the results.json that compare wrote"
        ) from error
    if not isinstance(data, dict) or "summary" not in data or "runs" not in data:
        raise ValueError(
            f"RESULTS_JSON {str(path)!r} is JSON but not the results of compare (no 'summary' "
            f"and 'runs'); give the results.json that 'keras-imbalance compare' wrote"
        )
    try:
        return Comparison.from_dict(data)
    except ValueError as error:  # another schema_version
        raise ValueError(f"RESULTS_JSON {str(path)!r}: {error}") from error
    except (KeyError, TypeError) as error:
        raise ValueError(
            f"RESULTS_JSON {str(path)!r} lacks a field of the results schema ({error}); give an "
            f"unedited results.json, or rerun compare"
        ) from error


def run(args: argparse.Namespace) -> int:
    from keras_imbalance.comparison.journal import check_output_folder
    from keras_imbalance.comparison.report.html import write_report

    result = load_results(args.results)
    folder = check_output_folder(
        args.output if args.output is not None else Path(args.results).resolve().parent
    )
    written = write_report(result, folder, plots=not args.no_plots)
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0
