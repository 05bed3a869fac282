"""The progress callback's last counter, so that steps after the runs can be announced with it.

``compare(progress=...)`` is called as ``progress(done, total, run)``. The runs announce
themselves; what follows them (the final model of ``refit=True``) is no run of the count, and
is announced with the counter the runs left: ``progress(total, total, "final model: ...")``.
:func:`counted` wraps the user's callback once, in
:class:`~keras_imbalance.comparison.options.OutputOptions`, to remember that counter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keras_imbalance.comparison.report.formatting import plural

__all__ = ["CountedProgress", "announce", "counted", "final_model_label"]

ProgressCallback = Callable[[int, int, str], None]


class CountedProgress:
    """``callback`` that remembers the ``(done, total)`` it was last called with.

    Example:
        >>> heard = []
        >>> progress = CountedProgress(lambda *call: heard.append(call))
        >>> progress(3, 4, "none, seed 0")
        >>> progress.done, progress.total, heard
        (3, 4, [(3, 4, 'none, seed 0')])
    """

    def __init__(self, callback: ProgressCallback) -> None:
        self.callback = callback
        self.done = 0
        self.total = 0

    def __call__(self, done: int, total: int, run: str) -> None:
        self.done, self.total = int(done), int(total)
        self.callback(done, total, run)


def counted(progress: ProgressCallback | None) -> CountedProgress | None:
    """``progress`` wrapped in :class:`CountedProgress` (once); ``None`` stays ``None``.

    Example:
        >>> counted(None) is None
        True
        >>> once = counted(print)
        >>> counted(once) is once
        True
    """
    if progress is None or isinstance(progress, CountedProgress):
        return progress
    if not callable(progress):
        raise TypeError(
            f"progress={progress!r} must be a callable progress(done, total, run), or None"
        )
    return CountedProgress(progress)


def announce(progress: Any, run: str) -> None:
    """Call ``progress`` with its last counter (``(0, 0)`` before any run) and ``run``; nothing
    without a callback.

    Example:
        >>> progress = counted(lambda done, total, run: print(done, total, run))
        >>> progress(4, 4, "")
        4 4
        >>> announce(progress, "final model: none, 3 epochs")
        4 4 final model: none, 3 epochs
    """
    if progress is None:
        return
    done, total = getattr(progress, "done", 0), getattr(progress, "total", 0)
    progress(done, total, run)


def final_model_label(strategy: str, epochs: int, samples: int) -> str:
    """What the progress says while the final model trains.

    Example:
        >>> final_model_label("balanced", 3, 97)
        'final model: balanced, 3 epochs on all 97 training samples'
    """
    return f"final model: {strategy}, {plural(epochs, 'epoch')} on all {samples} training samples"
