"""Combining ranked lists: reciprocal-rank fusion and normalised weighted-score fusion (pure functions)."""
from __future__ import annotations

import numpy as np

RRF_K = 60


def fuse_rrf(rankings: dict[str, list[int]], weights: dict[str, float] | None = None, k: int = RRF_K) -> dict[int, float]:
    """Σ weight / (k + rank) over the lists a document appears in (rank counted from 1)."""
    fused: dict[int, float] = {}
    for name, ranking in rankings.items():
        w = (weights or {}).get(name, 1.0)
        for rank, doc in enumerate(ranking, 1):
            fused[doc] = fused.get(doc, 0.0) + w / (k + rank)
    return fused


def minmax(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    if scores.size == 0:
        return scores
    lo, hi = float(scores.min()), float(scores.max())
    return np.zeros_like(scores) if hi - lo < 1e-12 else (scores - lo) / (hi - lo)


def fuse_weighted(scores: dict[str, dict[int, float]], weights: dict[str, float]) -> dict[int, float]:
    """Σ weight · minmax(score) over the lists; a document missing from a list scores 0 there."""
    fused: dict[int, float] = {}
    for name, by_doc in scores.items():
        if not by_doc:
            continue
        docs = list(by_doc)
        normed = minmax(np.array([by_doc[d] for d in docs]))
        w = weights.get(name, 1.0)
        for d, s in zip(docs, normed):
            fused[d] = fused.get(d, 0.0) + w * float(s)
    return fused


def top(fused: dict[int, float], k: int) -> list[tuple[int, float]]:
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
