"""The reference implementations every engine figure is measured against, in the same run.

- BM25: rank-bm25's BM25Okapi over the same tokens and parameters, scored per query with
  `get_scores` and ranked with a full argsort (what one writes without a sparse index).
- Dense: brute-force numpy — every vector dotted with the query, top k by argpartition.
"""
from __future__ import annotations

import numpy as np
from rank_bm25 import BM25Okapi

from indexer.build import BM25_PARAMS


def make_okapi(tokens: list[list[str]]) -> BM25Okapi:
    return BM25Okapi(tokens, k1=BM25_PARAMS["k1"], b=BM25_PARAMS["b"])


def okapi_top(okapi: BM25Okapi, tokens: list[str], k: int, expansion: list[str] = (), expansion_weight: float = 0.6
              ) -> list[tuple[int, float]]:
    """Top k (position, score) by BM25Okapi; expansion terms weighted as the engine weights them."""
    scores = okapi.get_scores(tokens)
    extra = [t for t in expansion if t not in tokens]
    if extra:
        scores = scores + expansion_weight * okapi.get_scores(extra)
    order = np.argsort(-scores, kind="stable")[:k]
    return [(int(i), float(scores[i])) for i in order if scores[i] > 0]


def numpy_top(vectors: np.ndarray, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Exact inner-product top k by brute force."""
    scores = vectors @ query
    k = min(k, len(scores))
    idx = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [(int(i), float(scores[i])) for i in idx]


def overlap_at(k: int, ranking: list[int], reference: list[int]) -> float:
    """Share of the reference's top k that the ranking's top k contains (recall@k against the reference)."""
    ref = set(reference[:k])
    return len(ref & set(ranking[:k])) / len(ref) if ref else 1.0
