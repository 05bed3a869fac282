"""Shared test set-up: the Keras backend under test, and seeded randomness."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest

BACKEND = keras.backend.backend()


def only_backend(*names: str) -> pytest.MarkDecorator:
    """Skip a test unless the Keras backend is one of ``names``, and say why."""
    return pytest.mark.skipif(
        BACKEND not in names, reason=f"needs the {' or '.join(names)} backend, running {BACKEND}"
    )


def has_module(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


needs_tensorflow = pytest.mark.skipif(
    not has_module("tensorflow"), reason="needs tensorflow installed"
)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seed_keras() -> None:
    keras.utils.set_random_seed(0)
