"""The options of :func:`~keras_imbalance.comparison.compare`, grouped by what travels together.

Each group is a frozen dataclass whose :meth:`checked` validates it once, at the boundary, and
returns the normalised value the later steps use:

* :class:`TrainingOptions`: how every run trains (epochs, batch size, rate, schedule, epoch kept,
  metric, and the user's ``compile``/``fit`` keywords);
* :class:`PlanOptions`: which runs there are (strategies, seeds, grids, tuning, tail classes);
* :class:`DataOptions`: how the data is split (shares, given splits, split seed, image options);
* :class:`OutputOptions`: where the runs are journaled and logged, and how they are reported;
* :class:`ExecutionOptions`: where the runs are trained (an executor or a distribution).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.comparison.data.augment import check_augment
from keras_imbalance.comparison.data.folds import check_cv
from keras_imbalance.comparison.data.image_cache import check_cache_dir
from keras_imbalance.comparison.halving import check_halving
from keras_imbalance.comparison.journal import check_output_folder
from keras_imbalance.comparison.progress_count import counted
from keras_imbalance.comparison.run.distribution import check_distribution
from keras_imbalance.comparison.run.training import (
    KEEP_OPTIONS,
    SCHEDULES,
    Recipe,
    check_training_kwargs,
)
from keras_imbalance.comparison.run.weight_decay import resolve_weight_decay
from keras_imbalance.comparison.scoring.scores import SELECTION_METRICS
from keras_imbalance.comparison.strategies import check_grids
from keras_imbalance.remedies import Remedy

ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class TrainingOptions:
    """How every run of a comparison trains; see :func:`~keras_imbalance.comparison.compare`.

    Example:
        >>> TrainingOptions(epochs=2).checked().recipe(tail=[2]).epochs
        2
    """

    epochs: int = 30
    batch_size: int = 32
    learning_rate: float = 3e-3
    schedule: str = "cosine"
    keep: str = "best"
    metric: str = "balanced_accuracy"
    compile_kwargs: Mapping[str, Any] | None = None
    fit_kwargs: Mapping[str, Any] | None = None
    # Decoupled weight decay of the runs that do not tune it; None: 0, or the optimizer's own.
    weight_decay: float | None = None
    augment: Sequence[str] | str | None = None

    def checked(self) -> TrainingOptions:
        """The options validated: numbers as ``int``/``float``, the keywords as dicts."""
        check_option("metric", self.metric, SELECTION_METRICS)
        check_option("schedule", self.schedule, SCHEDULES)
        check_option("keep", self.keep, KEEP_OPTIONS)
        epochs = int(check_number("epochs", self.epochs, low=1, integer=True))
        batch_size = int(check_number("batch_size", self.batch_size, low=1, integer=True))
        check_number("learning_rate", self.learning_rate, low=0, low_inclusive=False)
        compile_options, fit_options = check_training_kwargs(self.compile_kwargs, self.fit_kwargs)
        return replace(
            self,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=float(self.learning_rate),
            compile_kwargs=compile_options,
            fit_kwargs=fit_options,
            weight_decay=resolve_weight_decay(self.weight_decay, compile_options.get("optimizer")),
            augment=check_augment(self.augment),
        )

    def recipe(self, tail: Sequence[int]) -> Recipe:
        """The :class:`~keras_imbalance.comparison.run.training.Recipe` every run shares."""
        return Recipe(
            self.epochs,
            self.batch_size,
            self.learning_rate,
            self.schedule,
            self.keep,
            self.metric,
            list(tail),
            dict(self.compile_kwargs or {}),
            dict(self.fit_kwargs or {}),
            weight_decay=float(self.weight_decay or 0.0),
        )

    def settings(self, build: Any, head_epochs: int) -> dict[str, Any]:
        """What every run shares, as JSON: part of the journal's configuration and the settings."""
        compile_options = dict(self.compile_kwargs or {})
        # Only when on, so the journals of comparisons without augmentation still resume.
        augment = {"augment": list(self.augment)} if self.augment else {}
        return {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "optimizer": repr(compile_options.get("optimizer", "adam")),
            "schedule": self.schedule,
            "keep": self.keep,
            "metric": self.metric,
            "head_epochs": head_epochs,
            "model": getattr(build, "__qualname__", repr(build)),
            "compile_kwargs": {k: repr(v) for k, v in compile_options.items()},
            "fit_kwargs": {k: repr(v) for k, v in (self.fit_kwargs or {}).items()},
            **self._decay_setting(),
            **augment,
        }

    def _decay_setting(self) -> dict[str, float]:
        """``weight_decay`` when it matters: not 0, or with your optimizer (whose own default
        it replaces). Left out at 0 with Adam, so earlier journals still resume."""
        decay = float(self.weight_decay or 0.0)
        given = dict(self.compile_kwargs or {}).get("optimizer") is not None
        return {"weight_decay": decay} if decay or given else {}


def check_seeds(seeds: Any) -> tuple[int, ...]:
    """The training seeds: a non-empty list of distinct non-negative integers.

    Example:
        >>> check_seeds([0, 1])
        (0, 1)
    """
    if isinstance(seeds, int | str) or not isinstance(seeds, Sequence) or not list(seeds):
        raise ValueError(
            f"seeds={short_repr(seeds)} must be a non-empty list of seeds, e.g. [0, 1, 2]"
        )
    checked = tuple(int(check_number("seeds", s, low=0, integer=True)) for s in seeds)
    if len(set(checked)) != len(checked):
        raise ValueError(f"seeds={list(checked)!r} lists a seed twice; list each once")
    return checked


@dataclass(frozen=True)
class PlanOptions:
    """Which runs a comparison trains: the strategies (checked), seeds, grids and tuning."""

    remedies: Sequence[Remedy]
    seeds: Sequence[int] = (0, 1, 2)
    grids: Mapping[str, Mapping[str, Sequence[Any]]] | None = None
    tune: bool = True
    tail_classes: int | None = None
    merged_grids: Mapping[str, Mapping[str, list[Any]]] = field(default_factory=dict)
    halving: Any = False  # successive halving: checked into its eta, or None (off)

    def checked(self) -> PlanOptions:
        """Validated: ``tune`` a bool, ``grids`` only with tuning, the seeds distinct, ``halving``
        as its reduction factor (:func:`~keras_imbalance.comparison.halving.check_halving`)."""
        if not isinstance(self.tune, bool):
            raise TypeError(f"tune={short_repr(self.tune)} must be True or False")
        if not self.tune and self.grids:
            raise ValueError(
                "grids was given with tune=False, so it would be ignored; drop grids or set "
                "tune=True"
            )
        merged = check_grids(list(self.remedies), self.grids)
        return replace(
            self,
            remedies=list(self.remedies),
            seeds=check_seeds(self.seeds),
            merged_grids=merged,
            halving=check_halving(self.halving),
        )

    @property
    def names(self) -> list[str]:
        return [remedy.name for remedy in self.remedies]


@dataclass(frozen=True)
class DataOptions:
    """How ``compare`` splits the data (see :func:`~keras_imbalance.comparison.make_splits`).

    ``split_seed`` seeds the stratified draws of the validation and test splits, independently
    of the training seeds: ``seeds=[1, 2, 3]`` trains on the split ``seeds=[0]`` trains on.
    """

    validation_data: Any = None
    test_data: Any = None
    validation_size: float = 0.2
    test_size: float = 0.2
    class_names: Sequence[str] | None = None
    image_size: int | tuple[int, int] = 32
    skip_corrupt: bool = False
    split_seed: int = 0
    cv: int | str | None = "auto"
    cache_dir: str | Path | None = None

    def checked(self) -> DataOptions:
        """Validated ``split_seed`` (a non-negative integer), ``cv`` and ``cache_dir`` (a
        folder, created if missing); the rest is checked by the split."""
        seed = int(check_number("split_seed", self.split_seed, low=0, integer=True))
        cache_dir = check_cache_dir(self.cache_dir)
        return replace(self, split_seed=seed, cv=check_cv(self.cv), cache_dir=cache_dir)


@dataclass(frozen=True)
class OutputOptions:
    """Where the runs are journaled and logged, who hears of them, and the bootstrap's size."""

    folder: Path | None = None
    tensorboard_dir: str | Path | None = None
    progress: ProgressCallback | None = None
    n_boot: int = 1000

    @classmethod
    def checked(
        cls,
        output: str | Path | None,
        tensorboard_dir: str | Path | None,
        progress: ProgressCallback | None,
        n_boot: int,
    ) -> OutputOptions:
        """The output folder checked first (a writable folder, not a file), then ``n_boot``."""
        folder = check_output_folder(output) if output is not None else None
        boot = int(check_number("n_boot", n_boot, low=1, integer=True))
        return cls(folder, tensorboard_dir, counted(progress), boot)  # refit: announce


@dataclass(frozen=True)
class ExecutionOptions:
    """Where the runs train: an executor (parallel runs) or a distribution (one run, many
    devices); not both."""

    executor: Executor | None = None
    distribution: Any = None

    def checked(self) -> ExecutionOptions:
        check_distribution(self.distribution, executor=self.executor)
        return self
