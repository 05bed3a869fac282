"""What every remedy declares: :class:`Remedy`, its :class:`Knob` s, and how it trains.

A remedy is one object that says, in one place:

* its ``name`` (the key in ``results.json`` and in ``compare(strategies=[...])``);
* its ``knobs``: each a :class:`Knob` with its range, its default value and its default grid,
  checked by :meth:`Knob.check` (like scikit-learn's ``_parameter_constraints``);
* how it trains, as a change to the plain cross-entropy :class:`Setup`
  (:meth:`Remedy.apply`), or, for a head remedy (:class:`HeadRemedy`), how it adjusts the
  frozen ``"none"`` model;
* its recipe text, as a change to the plain snippet's :class:`RecipeText`
  (:meth:`Remedy.apply_recipe`).

Every trained remedy also takes the shared knob :data:`WEIGHT_DECAY` (decoupled weight decay,
``w <- w - lr * weight_decay * w`` each step): it has no default grid, and when a grid does not
name it the run uses ``compare(weight_decay=...)``.

Compounds are compositions (:class:`~keras_imbalance.remedies.chain.Chain`): every part
changes the setup in turn, like ``optax.chain``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal

import numpy as np

from keras_imbalance._validation import check_number, short_repr

KINDS: tuple[str, ...] = ("trained", "head")
PLAIN_LOSS = "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
WEIGHTED_PLAIN_LOSS = (
    "ki.losses.WeightedSparseCategoricalCrossentropy([1.0] * {num_classes}, from_logits=True)"
)


@dataclass(frozen=True)
class Knob:
    """One tunable parameter of a remedy: its range, its default and its default grid.

    ``low``/``high`` bound the value (``None``: unbounded), each end inclusive or not;
    ``also`` lists non-numeric values it takes as they are (``"auto"``). ``grid`` is what
    ``compare`` tunes on validation by default (empty: the knob keeps its default).

    Example:
        >>> tau = Knob("tau", 1.0, grid=(1.0, 2.0), low=0.0)
        >>> tau.check(2, "grids['logit_adjusted']['tau']")
        2.0
        >>> tau.check(-1, "params['tau']")
        Traceback (most recent call last):
        ...
        ValueError: params['tau']=-1 is out of range; it must lie in [0, inf]
    """

    name: str
    default: Any
    grid: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    also: tuple[str, ...] = ()

    def check(self, value: Any, where: str) -> Any:
        """``value`` if the knob takes it (numbers as float), else a named error."""
        if isinstance(value, str) and value in self.also:
            return value
        return check_number(
            where,
            value,
            low=self.low,
            high=self.high,
            low_inclusive=self.low_inclusive,
            high_inclusive=self.high_inclusive,
        )


WEIGHT_DECAY = Knob("weight_decay", 0.0, low=0.0)
"""The knob every trained remedy shares: decoupled weight decay, tuned like any knob when a grid
names it (``grids={"none": {"weight_decay": [0.0, 0.05]}}``). Keras's optimizers apply it before
each step as ``w <- w - learning_rate * weight_decay * w``, so its scale is the learning rate's."""


@dataclass(frozen=True)
class Context:
    """What a remedy's setup and recipe may depend on: the training counts and epochs.

    ``reweighted`` says a part of the remedy changes the class weights during training
    (deferred re-weighting), so the loss must take class weights, uniform at first.
    """

    counts: tuple[int, ...]
    epochs: int
    reweighted: bool = False

    @property
    def num_classes(self) -> int:
        return len(self.counts)

    @property
    def uniform(self) -> list[float]:
        return [1.0] * self.num_classes

    @classmethod
    def of(cls, counts: Any, epochs: int, *, reweighted: bool = False) -> Context:
        return cls(tuple(int(n) for n in np.asarray(counts).ravel()), int(epochs), reweighted)


@dataclass
class Setup:
    """How one trained remedy trains: its loss, ``fit`` keywords, callbacks and batches.

    ``one_hot``: the loss takes one-hot targets; ``balanced_batches``: class-balanced batches
    (as many steps as plain epochs); ``mixup_alpha``: mixup batches, with the mixed samples'
    class weights ``fit_kwargs["late_weights"]`` from ``fit_kwargs["start_epoch"]`` on, mixed
    as ``mix_mode`` says (``"mixup"`` or ``"cutmix"``, :class:`~keras_imbalance.MixupBatches`).
    ``weight_decay``: the run's decoupled weight decay (``None``: ``compare``'s);
    ``classifier_stage``: a second stage that re-trains the classifier alone after the epochs.
    ``max_norm``: a re-trained head's ``keras.constraints.MaxNorm(max_norm, axis=0)`` on its
    class vectors (:class:`~.heads.Retrained`; ``compare`` builds the head with it).
    ``sharpness``: train through :class:`~keras_imbalance.SharpnessAwareModel` (SAM/ImbSAM).
    """

    loss: Any
    fit_kwargs: dict[str, Any] = field(default_factory=dict)
    callbacks: list[Any] = field(default_factory=list)
    one_hot: bool = False
    balanced_batches: bool = False
    mixup_alpha: float | None = None
    mix_mode: Literal["mixup", "cutmix"] = "mixup"
    weight_decay: float | None = None
    classifier_stage: ClassifierStage | None = None
    max_norm: float | None = None
    sharpness: SharpnessSettings | None = None


@dataclass(frozen=True)
class SharpnessSettings:
    """A run trained by :class:`~keras_imbalance.SharpnessAwareModel`: its ``rho`` and its
    ``tail_classes`` (``None``: plain SAM)."""

    rho: float
    tail_classes: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ClassifierStage:
    """A second stage inside a trained run: every layer frozen but the classifier (the last
    ``Dense``), which trains ``epochs`` more epochs with cross-entropy weighted by
    ``class_weight``, decoupled weight decay ``weight_decay`` and, with ``max_norm``,
    ``keras.constraints.MaxNorm(max_norm, axis=0)`` on its class vectors."""

    epochs: int
    class_weight: tuple[float, ...]
    weight_decay: float
    max_norm: float | None = None


@dataclass(frozen=True)
class HeadText:
    """The classifier re-training stage of a recipe: why, the head's loss, balanced batches,
    and its MaxNorm as a source literal (``""``: none)."""

    why: str
    loss: str
    balanced: bool = False
    max_norm: str = ""


@dataclass(frozen=True)
class StageText:
    """The classifier stage of a recipe (:class:`ClassifierStage`): its epochs, the source of
    its ``fit(class_weight=...)``, and its weight decay and MaxNorm as source literals."""

    epochs: int
    class_weight: str
    weight_decay: str
    max_norm: str


@dataclass(frozen=True)
class RecipeText:
    """The lines of the recipe snippet that differ per remedy; ``{knob}`` fields filled in.

    ``data``: how ``fit`` gets its batches (``"arrays"``, ``"one_hot"``, ``"balanced"`` or
    ``"mixup"``); ``class_weight``: the ``fit(class_weight=...)`` source; ``callbacks``: extra
    callback sources; ``after``: code run once the model is trained; ``head``: a classifier
    re-training stage; ``mixup_alpha``: the mixup batches' ``alpha`` (with ``data="mixup"``),
    ``mix_mode`` their ``mode``;
    ``stage``: a second stage that re-trains the classifier alone in the same model;
    ``sharpness``: the source of the wrapper that trains ``{model}`` (``""``: none).
    """

    summary: str
    loss: str = PLAIN_LOSS
    class_weight: str | None = None
    data: Literal["arrays", "one_hot", "balanced", "mixup"] = "arrays"
    callbacks: tuple[str, ...] = ()
    after: str = ""
    head: HeadText | None = None
    mixup_alpha: str = ""
    mix_mode: Literal["mixup", "cutmix"] = "mixup"
    stage: StageText | None = None
    sharpness: str = ""


@dataclass(frozen=True)
class FrozenClassifier:
    """The frozen ``"none"`` model of a seed: one split's features and its last layer."""

    features: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    counts: tuple[int, ...]

    @property
    def logits(self) -> np.ndarray:
        return self.features @ self.kernel + self.bias


class Remedy:
    """A remedy for class imbalance, as :func:`~keras_imbalance.comparison.compare` runs it.

    Subclass it with a ``name``, a ``summary``, ``knobs`` and :meth:`apply` (and
    :meth:`apply_recipe` for the snippet), at the top level of a module so that it pickles.
    ``compare(strategies=["none", MyRemedy()])`` then trains, tunes and records it like the
    built-in ones.

    Example:
        >>> from dataclasses import replace
        >>> class Smoothed(Remedy):
        ...     name = "smoothed"
        ...     summary = "label smoothing"
        ...     knobs = (Knob("smoothing", 0.1, grid=(0.05, 0.1), low=0.0, high=1.0),)
        ...     def apply(self, setup, params, context):
        ...         import keras
        ...         loss = keras.losses.CategoricalCrossentropy(
        ...             from_logits=True, label_smoothing=params["smoothing"])
        ...         return replace(setup, loss=loss, one_hot=True)
        >>> Smoothed().candidates(tune=True)
        [{'smoothing': 0.05}, {'smoothing': 0.1}]
    """

    name: str = ""
    summary: str = ""
    kind: ClassVar[str] = "trained"
    knobs: tuple[Knob, ...] = ()
    reweights: bool = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name))

    # --- knobs ---------------------------------------------------------------------------------

    def defaults(self) -> dict[str, Any]:
        """The value of every knob when it is not tuned."""
        return {knob.name: knob.default for knob in self.knobs}

    def default_grid(self) -> dict[str, list[Any]]:
        """The knobs ``compare`` tunes by default, with their values."""
        return {knob.name: list(knob.grid) for knob in self.knobs if knob.grid}

    def shared_knobs(self) -> tuple[Knob, ...]:
        """The knobs this remedy takes besides its own: :data:`WEIGHT_DECAY` when it trains
        and has no ``weight_decay`` knob of its own. They have no default value in
        :meth:`defaults`: a run without one uses ``compare``'s."""
        own = {knob.name for knob in self.knobs}
        return () if self.kind != "trained" or WEIGHT_DECAY.name in own else (WEIGHT_DECAY,)

    def knob(self, name: str, where: str) -> Knob:
        """The knob called ``name``, or an error that lists this remedy's knobs."""
        for knob in (*self.knobs, *self.shared_knobs()):
            if knob.name == name:
                return knob
        names = ", ".join(repr(k.name) for k in (*self.knobs, *self.shared_knobs())) or "none"
        raise ValueError(
            f"{where} has knob {name!r}, which {self.name} does not take; its knobs: {names}"
        )

    def check_grid(self, grid: Any, where: str) -> dict[str, list[Any]]:
        """A user grid ``{knob: [values]}`` checked: known knobs, valid values, none twice."""
        if not isinstance(grid, Mapping):
            raise TypeError(f"{where}={short_repr(grid)} must be a dict {{knob: [values]}}")
        checked: dict[str, list[Any]] = {}
        for name, values in grid.items():
            knob = self.knob(name, where)
            place = f"{where}[{name!r}]"
            if isinstance(values, str) or not isinstance(values, Sequence) or not values:
                raise ValueError(f"{place}={short_repr(values)} must be a non-empty list of values")
            checked[name] = [knob.check(value, place) for value in values]
            for index, value in enumerate(checked[name]):
                if value in checked[name][:index]:
                    raise ValueError(
                        f"{place}={short_repr(list(values))} lists {values[index]!r} twice; "
                        f"list each value once (each value is one training run per seed)"
                    )
        return checked

    def check_params(self, params: Any, where: str = "params") -> dict[str, Any]:
        """``params`` checked, every knob present (a missing one takes its default)."""
        if not isinstance(params, Mapping):
            raise TypeError(
                f"{where} must be a dict of knob values such as {{'tau': 1.0}}, got "
                f"{short_repr(params)}"
            )
        shared = self.shared_knobs()
        names = [knob.name for knob in (*self.knobs, *shared)]
        unknown = [key for key in params if key not in names]
        if unknown:
            allowed = ", ".join(repr(name) for name in names) or "none"
            raise ValueError(
                f"{where}={short_repr(dict(params))} has key {unknown[0]!r}, which strategy="
                f"{self.name!r} does not take; allowed keys: {allowed}"
            )
        checked = {
            knob.name: knob.check(params.get(knob.name, knob.default), f"{where}[{knob.name!r}]")
            for knob in self.knobs
        }
        for knob in shared:
            if knob.name in params:
                checked[knob.name] = knob.check(params[knob.name], f"{where}[{knob.name!r}]")
        return checked

    def candidates(
        self, grid: Mapping[str, Sequence[Any]] | None = None, *, tune: bool = True
    ) -> list[dict[str, Any]]:
        """Every parameter set to try: the product of ``grid`` (default: the default grid)."""
        import itertools

        defaults = self.defaults()
        grid = (self.default_grid() if grid is None else grid) if tune else {}
        if not grid:
            return [defaults]
        names = list(grid)
        return [
            {**defaults, **dict(zip(names, values, strict=True))}
            for values in itertools.product(*(grid[name] for name in names))
        ]

    # --- training ------------------------------------------------------------------------------

    def setup(self, params: Mapping[str, Any], context: Context) -> Setup:
        """How this remedy trains with ``params``: :meth:`apply` on the plain setup."""
        context = Context(context.counts, context.epochs, self.reweights)
        checked = self.check_params(params)
        own = {knob.name for knob in self.knobs}
        setup = self.apply(
            plain_setup(context), {k: v for k, v in checked.items() if k in own}, context
        )
        if WEIGHT_DECAY.name in checked:
            setup = replace(setup, weight_decay=float(checked[WEIGHT_DECAY.name]))
        return setup

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        """This remedy's change to ``setup``; the baseline changes nothing."""
        return setup

    # --- recipe --------------------------------------------------------------------------------

    def recipe_text(self, values: Mapping[str, str], context: Context) -> RecipeText:
        """The lines of the snippet that differ for this remedy; ``values`` are source literals."""
        context = Context(context.counts, context.epochs, self.reweights)
        return self.apply_recipe(plain_recipe(self.summary, context), values, context)

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        """This remedy's change to the snippet; the baseline changes nothing."""
        return text


class HeadRemedy(Remedy):
    """A remedy on the frozen ``"none"`` model of each seed (costs seconds, trains no backbone).

    Either it computes logits from the frozen features (:meth:`head_logits`), or it trains a
    fresh last layer on them with the setup :meth:`head_setup` returns.
    """

    kind: ClassVar[str] = "head"

    def head_setup(self, params: Mapping[str, Any], context: Context) -> Setup | None:
        """The setup of a head trained on the frozen features, or ``None`` (no training)."""
        return None

    def head_logits(self, params: Mapping[str, Any], frozen: FrozenClassifier) -> np.ndarray:
        """The adjusted logits of one split (when :meth:`head_setup` is ``None``)."""
        raise NotImplementedError(f"{self.name} neither trains a head nor adjusts logits")

    def head_weights(
        self, params: Mapping[str, Any], frozen: FrozenClassifier
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(kernel (d, C), bias (C,))`` of the affine head :meth:`head_logits` applies.

        Probed: the logits of the zero feature vector are the bias, those of each unit vector
        ``e_i`` minus the bias are row ``i`` of the kernel. Then checked on ``frozen.features``:
        ``features @ kernel + bias`` must equal :meth:`head_logits` (relative error at most
        ``1e-6``), else the head is not affine and cannot be one ``Dense`` layer. A subclass
        may return its closed form instead.

        Example:
            >>> class Shift(HeadRemedy):
            ...     name = "shift"
            ...     def head_logits(self, params, frozen):
            ...         return frozen.logits - 1.0
            >>> frozen = FrozenClassifier(np.eye(2), np.eye(2), np.zeros(2), (5, 5))
            >>> kernel, bias = Shift().head_weights({}, frozen)
            >>> kernel.tolist(), bias.tolist()
            ([[1.0, 0.0], [0.0, 1.0]], [-1.0, -1.0])
        """
        dims = int(frozen.kernel.shape[0])
        probe = np.vstack([np.zeros((1, dims)), np.eye(dims)])
        probed = np.asarray(self.head_logits(params, replace(frozen, features=probe)), "float64")
        bias = probed[0]
        kernel = probed[1:] - bias
        expected = np.asarray(self.head_logits(params, frozen), dtype="float64")
        got = np.asarray(frozen.features, dtype="float64") @ kernel + bias
        scale = 1.0 + float(np.max(np.abs(expected), initial=0.0))
        error = float(np.max(np.abs(got - expected), initial=0.0))
        if not error <= 1e-6 * scale:
            raise ValueError(
                f"the head of {self.name} is not affine in the features (its logits differ from "
                f"features @ kernel + bias by {error:.3g}), so it cannot be baked into the "
                f"model's last Dense layer; override head_weights with its closed form, or "
                f"refit=False"
            )
        return kernel, bias


def plain_setup(context: Context) -> Setup:
    """Cross-entropy on logits; with class weights (uniform at first) when ``reweighted``."""
    import keras

    from keras_imbalance import losses

    if context.reweighted:
        return Setup(
            losses.WeightedSparseCategoricalCrossentropy(context.uniform, from_logits=True)
        )
    return Setup(keras.losses.SparseCategoricalCrossentropy(from_logits=True))


def plain_recipe(summary: str, context: Context) -> RecipeText:
    """The snippet of plain cross-entropy (class-weighted, uniform at first, when reweighted)."""
    loss = WEIGHTED_PLAIN_LOSS if context.reweighted else PLAIN_LOSS
    return RecipeText(summary=summary, loss=loss.format(num_classes=context.num_classes))
