"""Knobs and their checks: ranges, grids (no value twice), params with defaults, candidates."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from keras_imbalance.remedies import REMEDIES, Knob, Remedy, get_remedy
from keras_imbalance.remedies.registry import check_remedy, ordered_params


class Doubled(Remedy):
    name = "doubled"
    knobs = (Knob("a", 1.0, grid=(1.0, 2.0), low=0.0), Knob("b", 0.5, high=1.0))


@pytest.mark.parametrize(
    ("knob", "value", "expected"),
    [
        (Knob("t", 1.0, low=0.0), 0, 0.0),
        (Knob("t", 1.0, low=0.0, high=1.0, high_inclusive=False), 0.5, 0.5),
        (Knob("mu", 0.15, low=0.0, low_inclusive=False, also=("auto",)), "auto", "auto"),
    ],
)
def test_knob_accepts_values_in_range(knob: Knob, value: Any, expected: Any) -> None:
    assert knob.check(value, "x") == expected


@pytest.mark.parametrize(
    ("knob", "value", "error", "match"),
    [
        (Knob("t", 1.0, low=0.0), -0.1, ValueError, r"x=-0.1 is out of range.*\[0, inf\]"),
        (Knob("t", 1.0, low=0.0, low_inclusive=False), 0, ValueError, r"\(0, inf\]"),
        (Knob("b", 0.9, low=0.0, high=1.0, high_inclusive=False), 1.0, ValueError, r"1\)"),
        (Knob("t", 1.0), "big", TypeError, "x must be a number"),
        (Knob("t", 1.0), float("nan"), ValueError, "finite"),
    ],
)
def test_knob_refuses_values_out_of_range(knob: Knob, value: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        knob.check(value, "x")


def test_check_grid_refuses_a_repeated_value_before_any_training() -> None:
    with pytest.raises(ValueError, match=r"grids\['focal'\]\['gamma'\]=\[1, 1\] lists 1 twice"):
        get_remedy("focal").check_grid({"gamma": [1, 1]}, "grids['focal']")
    # 1 and 1.0 are the same value once checked.
    with pytest.raises(ValueError, match=r"lists 1\.0 twice"):
        get_remedy("focal").check_grid({"gamma": [1, 1.0]}, "grids['focal']")


@pytest.mark.parametrize(
    ("grid", "error", "match"),
    [
        (
            {"tau": [1]},
            ValueError,
            r"has knob 'tau', which focal does not take; its knobs: 'gamma'",
        ),
        ({"gamma": []}, ValueError, "non-empty list"),
        ({"gamma": "1,2"}, ValueError, "non-empty list"),
        ({"gamma": [-1]}, ValueError, r"\['gamma'\]=-1 is out of range"),
        ([1, 2], TypeError, "must be a dict"),
    ],
)
def test_check_grid_errors_name_the_place(grid: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        get_remedy("focal").check_grid(grid, "grids['focal']")


def test_check_params_fills_defaults_and_refuses_unknown_keys() -> None:
    assert Doubled().check_params({"a": 3}) == {"a": 3.0, "b": 0.5}
    with pytest.raises(ValueError, match=r"has key 'c'.*allowed keys: 'a', 'b'"):
        Doubled().check_params({"c": 1})
    with pytest.raises(TypeError, match="must be a dict"):
        Doubled().check_params([1])


def test_candidates_are_the_grid_product_over_the_defaults() -> None:
    assert Doubled().candidates({"a": [1.0, 2.0], "b": [0.1, 0.2]}) == [
        {"a": 1.0, "b": 0.1},
        {"a": 1.0, "b": 0.2},
        {"a": 2.0, "b": 0.1},
        {"a": 2.0, "b": 0.2},
    ]
    assert Doubled().candidates() == [{"a": 1.0, "b": 0.5}, {"a": 2.0, "b": 0.5}]
    assert Doubled().candidates(tune=False) == [{"a": 1.0, "b": 0.5}]


def test_every_default_is_valid_and_every_default_grid_lists_each_value_once() -> None:
    for name, remedy in REMEDIES.items():
        assert remedy.check_params({}) == remedy.defaults(), name
        grid = remedy.default_grid()
        assert remedy.check_grid(grid, name) == grid
        assert set(grid) <= set(remedy.defaults())


def test_get_remedy_resolves_names_and_checks_objects() -> None:
    assert get_remedy("focal") is REMEDIES["focal"]
    mine = Doubled()
    assert get_remedy(mine) is mine
    with pytest.raises(ValueError, match=r"strategies='smote' is not supported"):
        get_remedy("smote")
    with pytest.raises(TypeError, match="Remedy objects"):
        get_remedy(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("attributes", "match"),
    [
        ({"name": "focal"}, "the name of a built-in remedy"),
        ({"name": "two words"}, "letters, digits and _"),
        ({"knobs": (Knob("a", 1.0), Knob("a", 2.0))}, "repeats a name"),
    ],
)
def test_a_users_remedy_is_checked_once(attributes: dict[str, Any], match: str) -> None:
    remedy = Doubled()
    for key, value in attributes.items():
        setattr(remedy, key, value)
    with pytest.raises(ValueError, match=match):
        check_remedy(remedy, "strategies")


def test_remedies_pickle_and_compare_by_value() -> None:
    for remedy in [*REMEDIES.values(), Doubled()]:
        copy = pickle.loads(pickle.dumps(remedy))
        assert copy == remedy and copy.defaults() == remedy.defaults()
    assert get_remedy("balanced") != get_remedy("inverse")


def test_ordered_params_follow_the_knob_order() -> None:
    assert list(ordered_params("la_drw", {"start": 0.6, "tau": 1.0})) == ["tau", "start"]
    assert list(ordered_params("mine", {"b": 0.12, "a": "auto"})) == ["b", "a"]
