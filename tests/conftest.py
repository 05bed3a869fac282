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


@pytest.fixture(autouse=True, scope="session")
def _holdout_by_default() -> object:
    """Keep ``compare``'s ``cv="auto"`` on the holdout split in the tests written for it.

    On the small data of the tests, ``cv="auto"`` would choose cross-validation and train every
    run once per fold. Session-wide, so that module fixtures see it too. The tests of
    cross-validation pass ``cv=`` explicitly; the tests of the rule itself (marked
    ``real_cv_rule``) and ``tests/test_docs.py`` (the documentation shows what users get) have
    the real rule back (:func:`_real_rule_when_asked`).
    """
    from keras_imbalance.comparison.data import folds

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(folds, "MIN_VALIDATION", 0)
        yield


@pytest.fixture(autouse=True)
def _real_rule_when_asked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_cv_rule") or request.node.path.name == "test_docs.py":
        from keras_imbalance.comparison.data import folds

        monkeypatch.setattr(folds, "MIN_VALIDATION", REAL_MIN_VALIDATION)


def _real_min_validation() -> int:
    from keras_imbalance.comparison.data import folds

    return int(folds.MIN_VALIDATION)


REAL_MIN_VALIDATION = _real_min_validation()
