"""What every run of a comparison shares: :class:`RunPlan`, the output of ``plan_runs``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_imbalance.comparison.data.images import ImageFiles
from keras_imbalance.comparison.data.splits import Splits
from keras_imbalance.comparison.data.streams import Stream
from keras_imbalance.comparison.run.training import Recipe
from keras_imbalance.remedies import Remedy

ModelBuilder = Callable[[tuple[int, ...], int], Any]


@dataclass(frozen=True)
class RunPlan:
    """Every run of a comparison, and what they share: the output of :func:`plan_runs`."""

    splits: Splits
    arrays: Mapping[str, Any]
    build: ModelBuilder
    remedies: list[Remedy]
    candidates: Mapping[str, list[dict[str, Any]]]
    seeds: list[int]
    recipe: Recipe
    training: Mapping[str, Any]
    halving: int | None = None  # successive halving's eta (comparison.halving); None: off

    @property
    def names(self) -> list[str]:
        return [remedy.name for remedy in self.remedies]


def split_arrays(splits: Splits) -> dict[str, Any]:
    """Each split's ``x`` as float32 arrays; image files and streams as they are."""
    return {
        name: x if isinstance(x, ImageFiles | Stream) else np.asarray(x, dtype="float32")
        for name, x in (("train", splits.x_train), ("val", splits.x_val), ("test", splits.x_test))
    }


__all__ = ["ModelBuilder", "RunPlan", "split_arrays"]
