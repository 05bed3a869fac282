"""A class-balanced epoch cut to the length of the others: the first batches of a fresh draw."""

from __future__ import annotations

from typing import Any

__all__ = ["first_steps"]


def first_steps(batches: Any, steps: int) -> Any:
    """A PyDataset of the first ``steps`` batches of ``batches``, redrawn every epoch.

    Example:
        >>> class Draw(list):
        ...     def on_epoch_end(self) -> None:
        ...         pass
        >>> epoch = first_steps(Draw(["a", "b"]), 3)
        >>> len(epoch), epoch[2]
        (3, 'a')
    """
    import keras

    class FirstSteps(keras.utils.PyDataset):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()

        def __len__(self) -> int:
            return steps

        def __getitem__(self, index: int) -> Any:
            return batches[index % len(batches)]

        def on_epoch_end(self) -> None:
            batches.on_epoch_end()

    return FirstSteps()
