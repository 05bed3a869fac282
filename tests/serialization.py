"""One helper that checks a Keras object survives get_config/from_config and a .keras file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np


def check_config_round_trip(obj: Any) -> Any:
    """``from_config(get_config())`` rebuilds an object with the same config; return it."""
    config = obj.get_config()
    rebuilt = type(obj).from_config(config)
    assert rebuilt.get_config() == config
    serialized = keras.saving.serialize_keras_object(obj)
    again = keras.saving.deserialize_keras_object(serialized)
    assert type(again) is type(obj)
    assert again.get_config() == config
    return rebuilt


def check_keras_file_round_trip(
    model: keras.Model, directory: Path, x: np.ndarray, y: np.ndarray
) -> keras.Model:
    """Save a compiled model to .keras, load it, and check loss and metrics come out the same."""
    path = Path(directory) / "model.keras"
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    model.save(path)
    loaded = keras.saving.load_model(path)
    after = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert before.keys() == after.keys()
    for key in before:
        np.testing.assert_allclose(after[key], before[key], rtol=1e-5, atol=1e-6, err_msg=key)
    return loaded
