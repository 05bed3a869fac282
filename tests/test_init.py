"""The public API in one place: every exported name resolves, and the import stays light."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

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


def test_every_name_the_api_reference_table_lists_is_exported() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "reference" / "index.md").read_text(
        encoding="utf-8"
    )
    table = text.split("| subpackage | names |")[1].split("\n\n")[0]
    listed = set()
    for row in table.splitlines()[2:]:
        names = re.sub(r"\(.*?\)", "", row.split("|")[2])  # drop the parenthesised notes
        listed |= set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", names))
    assert len(listed) > 40
    missing = sorted(name for name in listed if not hasattr(keras_imbalance, name))
    assert missing == []
    assert set(listed) <= set(keras_imbalance.__all__)
