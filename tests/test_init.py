"""The public API in one place: every exported name resolves, and the import stays light."""

from __future__ import annotations

import importlib
import subprocess
import sys

import keras_imbalance


def test_every_exported_name_resolves_to_its_module() -> None:
    for name in keras_imbalance.__all__:
        value = getattr(keras_imbalance, name)
        if name in keras_imbalance._LAZY:
            module = importlib.import_module(f"keras_imbalance.{keras_imbalance._LAZY[name]}")
            assert value is getattr(module, name)
    assert len(set(keras_imbalance.__all__)) == len(keras_imbalance.__all__)


def test_import_does_not_load_keras_or_the_extras() -> None:
    code = (
        "import sys, keras_imbalance; "
        "print(sorted(m for m in ('keras', 'tensorflow', 'sklearn', 'matplotlib') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
