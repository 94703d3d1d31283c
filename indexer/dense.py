"""The dense index: clause vectors in faiss, exact below a size threshold, HNSW above it."""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

# Measured in bench/: below this many vectors exact inner-product search is both exact and fast
# enough (about 5 ms at 384 dimensions on 2 cores); above it HNSW keeps queries in milliseconds.
EXACT_LIMIT = 20000
HNSW_M = 32
HNSW_EF_SEARCH = 96


def build_faiss(vectors: np.ndarray, exact_limit: int = EXACT_LIMIT) -> faiss.Index:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if len(vectors) <= exact_limit:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, positions) for each query; positions are -1 where fewer than k exist."""
    k = max(1, min(k, index.ntotal))
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), k)


def save_faiss(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_faiss(path: Path) -> faiss.Index:
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index
