"""The dense index: exact search up to the size limit, HNSW above it, both saved and loaded intact."""
from __future__ import annotations

import faiss
import numpy as np

from indexer.dense import HNSW_EF_SEARCH, build_faiss, load_faiss, save_faiss, search


def _clustered(n: int, dim: int = 64, seed: int = 1) -> np.ndarray:
    """Unit vectors crowded in a cone, like text embeddings: a shared mean plus mixtures of topic directions."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((40, dim)).astype(np.float32)
    mean = 4 * rng.standard_normal(dim).astype(np.float32)
    mix = rng.dirichlet(np.full(40, 0.1), size=n).astype(np.float32)
    vectors = mean + mix @ topics + 0.3 * rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _exact_top(vectors: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return list(np.argsort(-(vectors @ query), kind="stable")[:k])


def test_small_corpora_are_searched_exactly():
    vectors = _clustered(300)
    index = build_faiss(vectors)
    assert isinstance(index, faiss.IndexFlatIP) and index.ntotal == 300
    for query in _clustered(5, seed=2):
        scores, positions = search(index, query[None, :], 10)
        assert list(positions[0]) == _exact_top(vectors, query, 10)
        assert np.allclose(scores[0], np.sort(vectors @ query)[::-1][:10], atol=1e-5)


def test_exact_search_agrees_with_faiss_own_scan():
    vectors, queries = _clustered(2000), _clustered(8, seed=4)
    index = build_faiss(vectors)
    ours_scores, ours = search(index, queries, 25)
    faiss_scores, theirs = index.search(queries, 25)
    assert ours.shape == theirs.shape == (8, 25) and ours.dtype == theirs.dtype
    assert np.allclose(ours_scores, faiss_scores, atol=1e-5)
    for a, b, s in zip(ours, theirs, faiss_scores):
        tied = set(np.flatnonzero(np.isclose(s, s[-1], atol=1e-6)))  # the last places may tie
        assert [x for i, x in enumerate(a) if i not in tied] == [x for i, x in enumerate(b) if i not in tied]


def test_k_beyond_the_corpus_returns_every_vector_once():
    vectors = _clustered(7)
    _, positions = search(build_faiss(vectors), vectors[:1], 100)
    assert sorted(positions[0]) == list(range(7))


def test_large_corpora_use_hnsw_that_survives_save_and_load(tmp_path):
    vectors, queries = _clustered(3000), _clustered(50, seed=3)
    index = build_faiss(vectors, exact_limit=1000)
    assert isinstance(index, faiss.IndexHNSWFlat) and index.ntotal == 3000
    path = tmp_path / "dense.faiss"
    save_faiss(index, path)
    loaded = load_faiss(path)
    assert isinstance(loaded, faiss.IndexHNSWFlat) and loaded.hnsw.efSearch == HNSW_EF_SEARCH
    recall = []
    for query in queries:
        _, positions = search(loaded, query[None, :], 10)
        recall.append(len(set(positions[0]) & set(_exact_top(vectors, query, 10))) / 10)
    assert np.mean(recall) >= 0.97, np.mean(recall)
