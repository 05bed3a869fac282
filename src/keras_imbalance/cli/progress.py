"""Progress of a long ``compare``: a bar with an ETA on a terminal, plain lines elsewhere.

``compare`` calls ``progress(done, total, run)``: ``done`` runs of ``total`` are finished, and
``run`` says what happens now (a run that starts training, or, with workers, the run that just
finished). The counter shows ``done``, the finished runs, so it never passes ``total``; with
workers a run is announced after it finished, and counting it again as ``done + 1`` made the
counter read ``[9/8]``.

Before the runs, an image folder decoded into its cache reports with ``run`` = ``"decoding images
into the cache"`` and ``done`` of ``total`` *images*; after them the refit's final model is
announced with the runs' last counter.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# image_cache.DECODING, spelled here so that the CLI starts without importing the comparison.
DECODING = "decoding images into the cache"

# Labels compare gives with workers, which already say what happened (no "training" before them).
_EVENT_WORDS = ("finished ", "runs in flight", DECODING)


def progress_line(done: int, total: int, run: str) -> str:
    """The plain progress line for one call of the progress callback.

    Example:
        >>> progress_line(2, 8, "focal (gamma=2.0), seed 0")
        '[2/8 done] training focal (gamma=2.0), seed 0'
        >>> progress_line(8, 8, "finished none, seed 3")
        '[8/8 done] finished none, seed 3'
        >>> progress_line(340, 1000, "decoding images into the cache")
        '[340/1000 done] decoding images into the cache'
    """
    verb = "" if any(word in run for word in _EVENT_WORDS) else "training "
    return f"[{done}/{total} done] {verb}{run}"


def finished_runs(folder: str | os.PathLike[str]) -> int:
    """How many finished runs the journal in ``folder`` holds; 0 when it has none or is unreadable.

    The journal is read through :class:`~keras_imbalance.comparison.journal.Journal` with the
    configuration of its own header, so a damaged journal counts as 0 here and ``compare``
    reports it.
    """
    from keras_imbalance.comparison.journal import JOURNAL_NAME, Journal

    path = Path(folder) / JOURNAL_NAME
    if not path.is_file():
        return 0
    try:
        with path.open(encoding="utf-8") as handle:
            config = json.loads(handle.readline())["config"]
        with Journal.open(folder, config) as journal:
            return len(journal)
    except (OSError, ValueError, TypeError, KeyError):
        return 0


def resume_line(folder: str | os.PathLike[str], finished: int, total: int) -> str:
    """``"resuming from DIR: 12 of 40 runs already finished"``.

    Example:
        >>> resume_line("results", 12, 40)
        'resuming from results: 12 of 40 runs already finished'

    The journal also holds what the first stage's count leaves out (successive halving's rung
    runs, cross-validation's final runs): then no total is claimed.

        >>> resume_line("results", 79, 24)
        'resuming from results: 79 journaled runs already finished'
    """
    if finished > total:
        return f"resuming from {folder}: {finished} journaled runs already finished"
    return f"resuming from {folder}: {finished} of {total} runs already finished"


def progress_reporter(resumed: int = 0, folder: str | os.PathLike[str] = "") -> tuple[Any, Any]:
    """A rich progress bar when rich is installed and stderr is a terminal, else a line per run.

    ``resumed`` runs were already finished in ``folder``'s journal: the first call (``compare``
    has then accepted the journal, before any training) says so in one line.
    """
    bar = _rich_bar() if sys.stderr.isatty() else None
    said = not resumed

    def say_resumed(total: int, run: str) -> None:
        nonlocal said
        if not said and run != DECODING:  # its total counts images, not runs
            said = True
            line = resume_line(folder, resumed, total)
            if bar is None:
                print(line, file=sys.stderr)
            else:
                bar.console.print(line)

    if bar is None:

        def plain(done: int, total: int, run: str) -> None:
            say_resumed(total, run)
            if run:
                print(progress_line(done, total, run), file=sys.stderr)

        return None, plain
    task = bar.add_task("training", total=None)

    def update(done: int, total: int, run: str) -> None:
        say_resumed(total, run)
        bar.update(task, completed=done, total=total, description=run or "done")

    return bar, update


def _rich_bar() -> Any:
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
    except ImportError:
        return None
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
