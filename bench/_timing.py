"""The timing harness the speed benchmarks share: ours and a peer, interleaved, medians."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """``(seconds, result)`` of one call."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def compare(
    name: str,
    ours: Callable[[], Any],
    peer: Callable[[], Any],
    *,
    repeats: int,
    target: float,
    check: Callable[[Any, Any], None],
    extra: dict[str, Callable[[], Any]] | None = None,
) -> dict[str, Any]:
    """Run ours, then the peer, then each ``extra`` (a floor, say), ``repeats`` times in turn.

    ``check(ours_result, peer_result)`` runs on every repeat, so the two must agree. Returns a
    row with the medians (``ours_s``, ``peer_s``, ``<extra>_s``), ``speedup`` = peer / ours,
    whether it meets ``target``, and every repeat's time (``all_s``).
    """
    extra = extra or {}
    times: dict[str, list[float]] = {"ours": [], "peer": [], **{key: [] for key in extra}}
    for _ in range(repeats):
        elapsed, ours_result = timed(ours)
        times["ours"].append(elapsed)
        elapsed, peer_result = timed(peer)
        times["peer"].append(elapsed)
        check(ours_result, peer_result)
        for key, function in extra.items():
            times[key].append(timed(function)[0])
    medians = {key: statistics.median(values) for key, values in times.items()}
    speedup = medians["peer"] / medians["ours"]
    return {
        "benchmark": name,
        "repeats": repeats,
        "ours_s": medians["ours"],
        "peer_s": medians["peer"],
        **{f"{key}_s": medians[key] for key in extra},
        "speedup": speedup,
        "target": target,
        "met": speedup >= target,
        "all_s": times,
    }


def add_torch_threads_option(parser: argparse.ArgumentParser) -> None:
    """``--torch-threads N``: PyTorch's intra-op threads, for a CPU that other jobs share."""
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=None,
        help="PyTorch intra-op threads (default: PyTorch's choice). On a CPU shared with other "
        "jobs, 1 keeps eager kernels from waiting on each other; ours and the peer get the same",
    )


def apply_torch_threads(threads: int | None) -> None:
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
