"""Compound remedies by composition, like ``optax.chain``: each part changes the setup in turn.

``chain(LogitAdjusted(), DRW(), name="la_drw")`` is the logit-adjusted loss with deferred
re-weighting: the first part sets the loss, the second adds the re-weighting callback. The knobs
are the parts' knobs (their names must differ); ``grids`` changes which of them are tuned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from keras_imbalance.remedies.base import Context, Knob, RecipeText, Remedy, Setup


class Chain(Remedy):
    """The parts applied in order, under one name; see :func:`chain`."""

    def __init__(
        self,
        parts: Sequence[Remedy],
        *,
        name: str,
        summary: str,
        grids: Mapping[str, Sequence[Any]] | None = None,
    ) -> None:
        if not parts or not all(isinstance(part, Remedy) for part in parts):
            raise TypeError(f"parts={list(parts)!r} must be a non-empty list of Remedy objects")
        if any(part.kind != "trained" for part in parts):
            raise ValueError(f"parts={list(parts)!r}: only trained remedies can be chained")
        knobs: list[Knob] = [knob for part in parts for knob in part.knobs]
        names = [knob.name for knob in knobs]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(
                f"parts={list(parts)!r} share the knob {repeated[0]!r}; chain parts whose knobs "
                f"have different names"
            )
        grids = dict(grids or {})
        for knob_name in grids:
            if knob_name not in names:
                raise ValueError(
                    f"grids names knob {knob_name!r}, which no part takes; knobs: {names}"
                )
        self.parts = tuple(parts)
        self.name = name
        self.summary = summary
        self.reweights = any(part.reweights for part in parts)
        self.knobs = tuple(
            replace(k, grid=tuple(grids[k.name])) if k.name in grids else k for k in knobs
        )

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        for part in self.parts:
            own = {knob.name: params[knob.name] for knob in part.knobs}
            setup = part.apply(setup, own, context)
        return setup

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        for part in self.parts:
            text = part.apply_recipe(text, values, context)
        return text


def chain(
    *parts: Remedy,
    name: str,
    summary: str,
    grids: Mapping[str, Sequence[Any]] | None = None,
) -> Chain:
    """One remedy that applies ``parts`` in order; ``grids`` replaces their default grids.

    Example:
        >>> from keras_imbalance.remedies.drw import DRW
        >>> from keras_imbalance.remedies.logit_adjusted import LogitAdjusted
        >>> la_drw = chain(LogitAdjusted(), DRW(), name="la_drw", summary="LA + DRW",
        ...                grids={"tau": ()})
        >>> la_drw.defaults(), la_drw.default_grid()
        ({'tau': 1.0, 'start': 0.8}, {'start': [0.6, 0.8]})
    """
    return Chain(parts, name=name, summary=summary, grids=grids)
