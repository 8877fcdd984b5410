"""Timing helpers shared by the benchmark scripts (run as `python bench/<script>.py`, which puts this folder on
sys.path)."""

from __future__ import annotations

import time
from collections.abc import Callable


def fastest(run: Callable[[], object], repeats: int) -> float:
    """Seconds of the fastest of `repeats` calls of `run`: on a shared machine the slower runs measure the
    neighbours."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)
