"""Per-class weights: :func:`class_weights`, :class:`ClassWeights` and :func:`check_class_weight`.

Strategies, for class ``c`` with ``n_c`` labelled elements out of ``N``, over ``C`` classes:

=====================  =====================================================================
``"balanced"``          ``N / (C * n_c)``, scikit-learn's ``compute_class_weight("balanced")``
``"inverse"``           ``1 / n_c``
``"sqrt_inverse"``      ``1 / sqrt(n_c)``
``"max_ratio"``         ``max(n) / n_c``: the largest class gets 1
``"log"``               ``max(1, ln(mu * N / n_c))``; ``mu="auto"`` uses ``max(n) / N``
``"effective_number"``  ``(1 - beta) / (1 - beta ** n_c)``, scaled to sum to ``C``
                        (Cui et al., "Class-Balanced Loss Based on Effective Number of
                        Samples", CVPR 2019)
=====================  =====================================================================
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.counting import ClassCounts, count_labels
from keras_imbalance.labels import MAX_CLASSES, ClassesLike, LabelMode

Strategy = Literal["balanced", "inverse", "sqrt_inverse", "max_ratio", "log", "effective_number"]


STRATEGIES: tuple[str, ...] = get_args(Strategy)


Normalize = Literal["mean", "sum", "max"]


NORMALIZE_OPTIONS: tuple[str | None, ...] = (None, *get_args(Normalize))


ClassWeightLike = Mapping[Any, float] | Sequence[float] | np.ndarray


class ClassWeights(dict):  # type: ignore[type-arg]
    """A ``dict`` of ``{class index: weight}`` that ``model.fit(class_weight=...)`` takes as is.

    Keys are plain ``int`` ``0..C-1`` and values plain ``float``. It also carries
    ``class_names`` and the ``strategy`` that made it.

    Example:
        >>> w = ClassWeights([0.5, 5.0], class_names=["not-dog", "dog"], strategy="manual")
        >>> w
        ClassWeights({0: 0.5, 1: 5.0}, strategy='manual', class_names=['not-dog', 'dog'])
        >>> w.to_array()
        array([0.5, 5. ])
    """

    def __init__(
        self,
        weights: ClassWeightLike,
        *,
        class_names: Sequence[Any] | None = None,
        strategy: str = "manual",
    ) -> None:
        if isinstance(weights, Mapping):
            num_classes = len(weights)
        else:
            num_classes = len(np.atleast_1d(np.asarray(weights, dtype=object)))
        if not isinstance(strategy, str) or not strategy:
            raise TypeError(
                f"strategy={short_repr(strategy)} must name what made the weights (a string, "
                f"for example 'manual')"
            )
        if class_names is not None:
            num_classes = len(class_names)
        checked = check_class_weight(weights, num_classes, class_names=class_names)
        super().__init__(checked)
        self.class_names = (
            [str(c) for c in class_names]
            if class_names is not None
            else [str(c) for c in range(num_classes)]
        )
        self.strategy = strategy

    def to_array(self) -> np.ndarray:
        """The weights as a ``float64`` array in class-index order."""
        return np.asarray([self[i] for i in range(len(self))], dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "class_names": list(self.class_names),
            "weights": {str(k): v for k, v in self.items()},
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the weights as JSON, atomically: a crash never leaves a half-written file.

        The text goes to a temporary file beside ``path``, is flushed to disk (``fsync``) and
        renamed over ``path``. The file gets the mode a new file gets under the umask (or keeps
        the mode of the file it replaces). In a folder you cannot write to, a rename is
        impossible, so an existing writable ``path`` is overwritten in place (flushed, but not
        atomic). Errors name ``path``, never the temporary file.
        """
        target = Path(path)
        if target.is_dir():
            raise IsADirectoryError(
                f"{target} is a directory; give a file path for the weights, for example "
                f"{target / 'class_weights.json'}"
            )
        text = json.dumps(self.to_dict(), indent=2) + "\n"
        folder = target.parent
        try:
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.")
        except FileNotFoundError:
            raise FileNotFoundError(
                f"cannot save class weights to {target}: the folder {folder} does not exist"
            ) from None
        except PermissionError:
            if target.is_file() and os.access(target, os.W_OK):
                _write_in_place(target, text)
                return
            raise PermissionError(
                f"cannot save class weights to {target}: the folder {folder} is not writable "
                f"(and {target} is not an existing writable file)"
            ) from None
        try:
            os.fchmod(handle, _new_file_mode(target))
            with os.fdopen(handle, "w") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException as error:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(error, OSError):
                reason = error.strerror or str(error)
                message = f"cannot save class weights to {target}: {reason}"
                if error.errno is None:
                    raise type(error)(message) from None
                raise type(error)(error.errno, message) from None
            raise
        _fsync_folder(folder)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ClassWeights:
        """Read weights written by :meth:`save`, or a plain ``{"0": w0, "1": w1}`` JSON dict.

        JSON keys are strings; they come back as ``int`` class indices, which Keras needs (it
        silently ignores string keys).
        """
        if not isinstance(path, str | os.PathLike):
            raise TypeError(
                f"path={short_repr(path)} must be the path of a JSON file as a str or "
                f"pathlib.Path (decode a bytes path with os.fsdecode); for JSON text itself, "
                f"use ClassWeights(json.loads(text))"
            )
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{path} is not a text file ({error.reason}); give the JSON file "
                f"ClassWeights.save wrote"
            ) from error
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{path} is not valid JSON ({error}); save weights with ClassWeights.save"
            ) from error
        if isinstance(data, Mapping) and "weights" in data:
            return cls(**_saved_fields(data, path))
        if isinstance(data, Mapping | list):
            return cls(data)
        raise ValueError(f"{path} holds {type(data).__name__}; expected a dict or list of weights")

    def __repr__(self) -> str:
        # .6g alone prints 5.0 as "5", which reads like an int; float(...) keeps the ".0".
        shown = ", ".join(f"{k}: {float(f'{v:.6g}')!r}" for k, v in list(self.items())[:10])
        more = f", ... ({len(self)} classes)" if len(self) > 10 else ""
        names = (
            f", class_names={self.class_names!r}"
            if self.class_names != [str(i) for i in range(len(self))]
            else ""
        )
        return f"ClassWeights({{{shown}{more}}}, strategy={self.strategy!r}{names})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.to_array().tolist(), self.class_names, self.strategy))


def _new_file_mode(target: Path) -> int:
    """The mode of the file being replaced, or that of a new file under the current umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _write_in_place(target: Path, text: str) -> None:
    with open(target, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; some systems cannot open a folder, and that is fine."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _saved_fields(data: Mapping[str, Any], path: Any) -> dict[str, Any]:
    """The fields of a file :meth:`ClassWeights.save` wrote, each checked, as constructor
    keywords."""
    unknown = sorted(set(data) - {"weights", "class_names", "strategy"})
    if unknown:
        raise ValueError(
            f"{path} has the unknown field(s) {unknown}; a weights file holds weights, "
            f"class_names and strategy (remove the others)"
        )
    weights = data["weights"]
    if not isinstance(weights, Mapping | list):
        raise ValueError(
            f"{path} has weights={short_repr(weights)}; give a {{class index: weight}} dict or "
            f"a list of weights"
        )
    names = data.get("class_names")
    if names is not None and (
        not isinstance(names, list)
        or not all(isinstance(n, str | int) and not isinstance(n, bool) for n in names)
    ):
        raise ValueError(
            f"{path} has class_names={short_repr(names)}; give a list of class names (strings)"
        )
    strategy = data.get("strategy", "manual")
    if not isinstance(strategy, str) or not strategy:
        raise ValueError(
            f"{path} has strategy={short_repr(strategy)}; give the name of the strategy that "
            f"made the weights (one of {', '.join(map(repr, STRATEGIES))}, or 'manual')"
        )
    return {"weights": weights, "class_names": names, "strategy": strategy}


def _rebuild(weights: list[float], class_names: list[str], strategy: str) -> ClassWeights:
    return ClassWeights(weights, class_names=class_names, strategy=strategy)


def _key_to_index(key: Any, num_classes: int, names: dict[str, int]) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int | np.integer):
        return int(key)
    if isinstance(key, float | np.floating) and float(key).is_integer():
        return int(key)
    if isinstance(key, str):
        text = key.strip()
        if text in names:
            return names[text]
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def check_class_weight(
    class_weight: ClassWeightLike,
    num_classes: int,
    *,
    class_names: Sequence[Any] | None = None,
) -> dict[int, float]:
    """Return ``class_weight`` as a plain ``dict[int, float]`` that Keras will use as meant.

    Call it before ``model.fit(class_weight=...)``: Keras 3 silently ignores keys that are not
    ints (so weights loaded from JSON do nothing) and gives missing classes a weight of 1.0.

    Accepts a dict keyed by class index (``int``, or ``"0"``-style strings as JSON gives), by
    class name when ``class_names`` is given, or a list/array of ``num_classes`` weights.
    Raises on a missing class, an unknown key, a negative or non-finite weight, or a list of
    the wrong length.

    Example:
        >>> check_class_weight({"0": 1, "1": 5.5}, 2)
        {0: 1.0, 1: 5.5}
        >>> check_class_weight({"daisy": 2.0, "roses": 1.0}, 2, class_names=["daisy", "roses"])
        {0: 2.0, 1: 1.0}
    """
    num_classes = check_number("num_classes", num_classes, low=1, integer=True)  # type: ignore[assignment]
    names = {str(n): i for i, n in enumerate(class_names)} if class_names is not None else {}
    if class_names is not None and len(class_names) != num_classes:
        raise ValueError(
            f"class_names has {len(class_names)} entries but num_classes={num_classes}; "
            f"give one name per class"
        )
    if isinstance(class_weight, Mapping):
        result: dict[int, float] = {}
        for key, value in class_weight.items():
            index = _key_to_index(key, num_classes, names)
            if index is None or not 0 <= index < num_classes:
                known = f"classes are 0..{num_classes - 1}"
                if names:
                    known += f" or the names {short_repr(list(names))}"
                raise ValueError(
                    f"class_weight has the key {key!r}, which is not a class ({known}); "
                    f"key the weights by class index"
                )
            if index in result:
                raise ValueError(
                    f"class_weight gives class {index} twice (key {key!r}); give it once"
                )
            result[index] = _check_weight(value, index)
        missing = num_classes - len(result)
        if missing:
            # The first gap, found without listing every missing class (num_classes may be huge).
            first = next(i for i in range(num_classes) if i not in result)
            raise ValueError(
                f"class_weight has no weight for class {first}"
                f"{' (' + str(missing) + ' classes missing)' if missing > 1 else ''} "
                f"(classes are 0..{num_classes - 1}); give all {num_classes} classes, "
                f"for example with class_weights(...)"
            )
        return {i: result[i] for i in range(num_classes)}
    if isinstance(class_weight, str | bytes) or not isinstance(class_weight, Sequence | np.ndarray):
        raise TypeError(
            f"class_weight must be a dict {{class index: weight}} or a list of weights, got "
            f"{short_repr(class_weight)}"
        )
    values = np.asarray(class_weight, dtype=object)
    if values.ndim != 1:
        raise ValueError(
            f"class_weight must be 1-D, got shape {values.shape}; give one weight per class"
        )
    if values.size != num_classes:
        raise ValueError(
            f"class_weight has {values.size} weights but there are {num_classes} classes; "
            f"give one weight per class"
        )
    return {i: _check_weight(v, i) for i, v in enumerate(values.tolist())}


def _check_weight(value: Any, index: int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(
            f"class_weight for class {index} is {short_repr(value)}; weights must be numbers"
        )
    weight = float(value)
    if not math.isfinite(weight) or weight < 0:
        raise ValueError(
            f"class_weight for class {index} is {weight!r}; weights must be finite and >= 0"
        )
    return weight


def _raw_weights(counts: ClassCounts, strategy: str, mu: float | str, beta: float) -> np.ndarray:
    n = counts.counts.astype(np.float64)
    zero = np.flatnonzero(counts.counts == 0)
    if zero.size:
        label = counts.classes[int(zero[0])]
        raise ValueError(
            f"class {label!r} (index {int(zero[0])}) has no samples, so strategy={strategy!r} "
            f"cannot weigh it; give its weight yourself (strategy={{...}}), or drop the class"
        )
    total = float(counts.n_samples)
    if strategy == "balanced":
        return total / (counts.num_classes * n)
    if strategy == "inverse":
        return 1.0 / n
    if strategy == "sqrt_inverse":
        return 1.0 / np.sqrt(n)
    if strategy == "max_ratio":
        return n.max() / n
    if strategy == "log":
        # The seed answers compute mu * total / count in this order; keep it for exact results.
        factor = 1.0 / (total / n.max()) if mu == "auto" else float(mu)
        scores = np.asarray([math.log(factor * total / float(c)) for c in n])
        return np.where(scores > 1.0, scores, 1.0)
    # effective_number
    effective = (1.0 - beta) / (1.0 - np.power(beta, n))
    return effective * (counts.num_classes / effective.sum())


def _normalized(
    weights: np.ndarray, counts: ClassCounts | None, normalize: str | None
) -> np.ndarray:
    if normalize is None:
        return weights
    if normalize == "max":
        scale = weights.max()
    elif normalize == "sum":
        scale = weights.sum() / weights.size
    else:  # mean weight per labelled element is 1
        if counts is None or counts.counts.sum() == 0:
            scale = weights.mean()
        else:
            scale = float(np.dot(weights, counts.counts) / counts.counts.sum())
    if scale <= 0:
        raise ValueError(f"normalize={normalize!r} cannot rescale weights that are all 0")
    return weights / scale


def class_weights(
    source_or_counts: Any,
    strategy: Strategy | ClassWeightLike = "balanced",
    *,
    classes: ClassesLike = None,
    label_mode: LabelMode | None = None,
    mu: float | Literal["auto"] = 0.15,
    beta: float = 0.999,
    normalize: Normalize | None = None,
    clip: tuple[float, float] | None = None,
    max_classes: int = MAX_CLASSES,
) -> ClassWeights:
    """Per-class weights for ``model.fit(class_weight=...)``.

    Args:
        source_or_counts: labels in any form :func:`count_labels` reads, or a ``ClassCounts``.
        strategy: a name from the table in this module's docstring, or the weights themselves
            (a dict or list), which are validated against the classes of the source.
        classes: an int ``C`` or a list of classes, to declare classes that may be absent.
        label_mode: passed to :func:`count_labels`.
        mu: the ``"log"`` strategy's smoothing factor, or ``"auto"`` for ``max(n) / N``.
        beta: the ``"effective_number"`` strategy's ``beta`` in ``[0, 1)``.
        normalize: ``None``; ``"mean"`` (the mean weight over the labelled elements is 1, so the
            loss keeps its scale); ``"sum"`` (weights sum to ``C``); ``"max"`` (largest is 1).
        clip: ``(low, high)`` bounds applied after ``normalize``.
        max_classes: the most integer classes the labels may make (see :func:`count_labels`).

    A ``{class: count}`` dict keeps its integer keys as class indices, as ``fit`` reads them:
    ``{1: 10, 2: 20}`` is class 0 with no samples, which a count-based strategy refuses to
    weigh (the error names class 0); ``classes=`` and ``label_mode=`` apply to dicts too.

    Example:
        >>> class_weights([0, 0, 0, 1]).to_array()
        array([0.66666667, 2.        ])
        >>> counts = {0: 2813, 1: 78, 2: 2814, 3: 78, 4: 7914, 5: 248, 6: 7914, 7: 248}
        >>> class_weights(counts, "log", mu=0.15)[1]
        3.749820767859636
    """
    counts = count_labels(
        source_or_counts, label_mode=label_mode, classes=classes, max_classes=max_classes
    )
    if normalize is not None:
        check_option("normalize", normalize, NORMALIZE_OPTIONS)
    low_high = _check_clip(clip)
    if isinstance(strategy, str):
        check_option("strategy", strategy, STRATEGIES)
        if strategy == "log" and mu != "auto":
            check_number("mu", mu, low=0, low_inclusive=False)
        if strategy == "effective_number":
            check_number("beta", beta, low=0, high=1, high_inclusive=False)
        weights = _raw_weights(counts, strategy, mu, beta)
        name: str = strategy
    else:
        given = check_class_weight(strategy, counts.num_classes, class_names=counts.class_names)
        weights = np.asarray([given[i] for i in range(counts.num_classes)], dtype=np.float64)
        name = "manual"
    weights = _normalized(weights, counts, normalize)
    if low_high is not None:
        weights = np.clip(weights, *low_high)
    return ClassWeights(weights.tolist(), class_names=counts.class_names, strategy=name)


def _check_clip(clip: Any) -> tuple[float, float] | None:
    if clip is None:
        return None
    if not isinstance(clip, Sequence) or isinstance(clip, str) or len(clip) != 2:
        raise ValueError(f"clip={short_repr(clip)} must be a pair (low, high)")
    low = check_number("clip[0]", clip[0], low=0)
    high = check_number("clip[1]", clip[1], low=0)
    if low > high:
        raise ValueError(f"clip={tuple(clip)!r} has low > high; give (low, high) with low <= high")
    return low, high
