"""compare(executor=...): a process pool and a Dask cluster give the sequential results."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import keras_imbalance.comparison.parallel as parallel
from keras_imbalance.comparison import compare
from keras_imbalance.comparison.parallel import process_pool
from tests.comparison.test_compare import mlp, tiny_data
from tests.comparison.test_resume import assert_same_runs
from tests.conftest import BACKEND
from tests.remedies.test_custom_remedy import PowerWeights

# The executor path is the same Python on every backend; each worker process imports the backend
# anew (10-20 s), so these run on one backend to keep CI short.
pytestmark = pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="executor plumbing is backend-independent; run on the tensorflow backend only",
)

# A remedy of the user's own travels to the workers too (pickled with its class's module).
STRATEGIES = ["none", "balanced", "logit_adjusted", "posthoc", PowerWeights()]
KWARGS = {
    "model": mlp,
    "epochs": 2,
    "seeds": [0, 1],
    "n_boot": 50,
    "grids": {
        "logit_adjusted": {"tau": [1.0, 2.0]},
        "posthoc": {"tau": [0.0, 1.0]},
        "power_weights": {"power": [1.0]},
    },
}


def test_parallel_imports_nothing_that_imports_it_even_inside_functions() -> None:
    """The workers' module and the session share records.py instead of importing each other."""
    tree = ast.parse(Path(parallel.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "keras_imbalance.comparison.session" not in imported
    assert "keras_imbalance.comparison.run_record" in imported


@pytest.fixture(scope="module")
def sequential() -> list[dict]:
    return compare(tiny_data(), STRATEGIES, **KWARGS).runs


def test_a_process_pool_gives_the_sequential_runs(sequential: list[dict], tmp_path: Path) -> None:
    with process_pool(2) as executor:
        result = compare(tiny_data(), STRATEGIES, executor=executor, output=tmp_path, **KWARGS)
    assert_same_runs(result.runs, sequential)
    assert result.settings["runs_trained"] == 10  # 5 trained runs x 2 seeds, posthoc is free
    lines = (tmp_path / "runs.jsonl").read_text().splitlines()
    assert len(lines) == 1 + len(sequential)  # written by this process alone


def test_a_dask_cluster_gives_the_sequential_runs(sequential: list[dict]) -> None:
    distributed = pytest.importorskip(
        "dask.distributed", reason='the Dask path needs pip install "keras-imbalance[dask]"'
    )
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        result = compare(tiny_data(), STRATEGIES, executor=client.get_executor(), **KWARGS)
    assert_same_runs(result.runs, sequential)


def test_a_builder_that_cannot_travel_is_refused_before_training() -> None:
    with process_pool(1) as executor, pytest.raises(TypeError, match="top level of an importable"):
        compare(
            tiny_data(),
            ["none"],
            **{**KWARGS, "grids": None, "model": lambda shape, c: mlp(shape, c)},
            executor=executor,
        )
