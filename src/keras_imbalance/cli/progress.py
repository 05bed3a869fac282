"""Progress of a long ``compare``: a bar with an ETA on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
from typing import Any


def progress_reporter() -> tuple[Any, Any]:
    """A rich progress bar when rich is installed and stderr is a terminal, else a line per run."""
    try:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
    except ImportError:
        bar = None
    else:
        bar = (
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                transient=True,
            )
            if sys.stderr.isatty()
            else None
        )
    if bar is None:

        def plain(done: int, total: int, run: str) -> None:
            if run:
                print(f"[{done + 1}/{total}] training {run}", file=sys.stderr)

        return None, plain
    task = bar.add_task("training", total=None)

    def update(done: int, total: int, run: str) -> None:
        bar.update(task, completed=done, total=total, description=run or "done")

    return bar, update
