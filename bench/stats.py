"""Summaries of timing samples (pure functions)."""
from __future__ import annotations

import time
from typing import Callable


def clock_ms(fn: Callable, *args, **kwargs) -> tuple[object, float]:
    """(fn's result, wall milliseconds it took)."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, (time.perf_counter() - started) * 1000


def summarize(samples_ms: list[float]) -> dict:
    """n, p50, p95, mean, min and max of latency samples in milliseconds (linear-interpolated percentiles)."""
    if not samples_ms:
        return {"n": 0, "p50": None, "p95": None, "mean": None, "min": None, "max": None}
    import numpy as np  # imported here so that timing a cold import elsewhere is not skewed

    a = np.asarray(samples_ms, dtype=np.float64)
    return {"n": int(a.size), "p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)),
            "mean": float(a.mean()), "min": float(a.min()), "max": float(a.max())}


def speedup(baseline: float | None, measured: float | None) -> float | None:
    """How many times faster `measured` is than `baseline` (both durations)."""
    if not baseline or not measured:
        return None
    return baseline / measured
