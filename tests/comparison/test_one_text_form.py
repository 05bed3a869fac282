"""Knobs are written as text, and keys as canonical JSON, by one function each."""

from __future__ import annotations

import json

import pytest

from keras_imbalance.comparison import session, verdict
from keras_imbalance.comparison.config_json import canonical
from keras_imbalance.comparison.report.formatting import format_params


@pytest.mark.parametrize("key", [{"b": 1, "a": [1.5, "x"]}, {}, {"tau": 0.1 + 0.2, "é": None}])
def test_every_canonical_json_key_is_the_one_canonical_form(key):
    reordered = dict(reversed(list(key.items())))
    expected = json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical(key) == canonical(reordered) == expected
    assert verdict._key(reordered) == expected
    assert session.canonical is canonical


def test_knobs_as_text_in_labels_folders_and_tables(tmp_path):
    params = {"tau": 1.0, "start": 0.8}
    assert format_params(params) == "tau=1.0, start=0.8"
    assert format_params({}) == "" and format_params({}, empty="-") == "-"
    assert format_params({"tau": 0.1 + 0.2}) == f"tau={0.1 + 0.2}"
    assert format_params({"tau": 0.1 + 0.2, "n": 3}, significant=6) == "tau=0.3, n=3"
    assert session.run_label("la", params, 2) == "la (tau=1.0, start=0.8), seed 2"
    assert session.run_label("none", {}, 0) == "none, seed 0"
    assert session.log_dir(tmp_path, "la", params, 2) == str(
        tmp_path / "la-tau=1.0-start=0.8-seed2"
    )
    assert session.log_dir(tmp_path, "none", {}, 0) == str(tmp_path / "none-seed0")
    assert session.log_dir(None, "none", {}, 0) is None
