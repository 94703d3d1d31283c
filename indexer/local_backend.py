"""The local backend: bm25s and faiss over files in the index folder (`bm25/`, `vectors.npy`, `dense.faiss`)."""
from __future__ import annotations

from pathlib import Path

import bm25s
import faiss
import numpy as np

from .backend import ClauseDocuments, Filters
from .clause import Clause
from .dense import EXACT_LIMIT, load_faiss, search as faiss_search
from .errors import IndexUnusable
from .store import rebuild_hint


def weight_groups(weights: dict[str, float]) -> list[tuple[float, list[str]]]:
    """Tokens grouped by weight, groups in order of first appearance; a token of whole weight n is
    listed n times under 1.0 (bm25s sums a repeated token again).

    Scoring group by group, Σ w·bm25s.get_scores(tokens of w), adds the same float32 columns as
    scoring the question's words and then 0.6 × the expansion's (a repeated word is added next to its
    first occurrence, which may move a score by one float32 ulp)."""
    groups: dict[float, list[str]] = {}
    for token, weight in weights.items():
        weight = float(weight)
        if weight >= 1.0 and weight == round(weight):
            groups.setdefault(1.0, []).extend([token] * int(weight))
        else:
            groups.setdefault(weight, []).append(token)
    return list(groups.items())


def top_positions(scores: np.ndarray, k: int, positive_only: bool = True) -> list[tuple[int, float]]:
    """The k best positions (with a positive score unless told otherwise), best first, equal scores in
    clause order (as every backend breaks ties)."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    if k < len(scores):
        kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
        idx = np.flatnonzero(scores >= kth)  # every clause tied with the k-th competes for the last places
    else:
        idx = np.arange(len(scores))
    idx = idx[np.lexsort((idx, -scores[idx]))][:k]
    return [(int(i), float(scores[i])) for i in idx if scores[i] > 0 or not positive_only]


class LocalBackend:
    name = "local"

    def __init__(self, clauses: list[Clause], documents: dict[str, dict], bm25: bm25s.BM25,
                 vectors: np.ndarray, faiss_index) -> None:
        self.clauses = clauses
        self.bm25 = bm25
        self.vectors = vectors
        self.faiss_index = faiss_index
        self.positions = ClauseDocuments(clauses, documents)

    @classmethod
    def open(cls, index_dir: Path, manifest: dict, clauses: list[Clause]) -> "LocalBackend":
        try:
            bm25 = bm25s.BM25.load(str(index_dir / "bm25"), load_corpus=False, show_progress=False)
            vectors = np.load(index_dir / "vectors.npy", allow_pickle=False)
            faiss_index = load_faiss(index_dir / "dense.faiss")
        except Exception as exc:
            raise IndexUnusable(f"index at {index_dir} cannot be read ({type(exc).__name__}); {rebuild_hint(index_dir)}") from None
        if not (len(clauses) == len(vectors) == faiss_index.ntotal):
            raise IndexUnusable(f"index at {index_dir} is inconsistent ({len(clauses)} clauses, {len(vectors)} vectors); "
                                f"{rebuild_hint(index_dir)}")
        return cls(clauses, manifest.get("documents", {}), bm25, vectors, faiss_index)

    def lexical_scores(self, weights: dict[str, float]) -> np.ndarray:
        scores = None
        for weight, tokens in weight_groups(weights):
            column = self.bm25.get_scores(tokens)
            scores = (column if weight == 1.0 else weight * column) if scores is None else scores + weight * column
        if scores is None:
            scores = np.zeros(len(self.clauses), np.float32)
        return np.asarray(scores, dtype=np.float32)

    def lexical(self, weights: dict[str, float], k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        scores = self.lexical_scores(weights)
        mask = self.positions.mask(filters)
        if mask is not None:
            scores = np.where(mask, scores, np.float32(0))
        return top_positions(scores, k)

    def dense(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        mask = self.positions.mask(filters)
        if mask is None:
            scores, positions = faiss_search(self.faiss_index, np.asarray(vector, np.float32)[None, :], k)
            return [(int(p), float(s)) for p, s in zip(positions[0], scores[0]) if p >= 0]
        admitted = np.flatnonzero(mask)
        if not len(admitted):
            return []
        if len(admitted) > EXACT_LIMIT and not isinstance(self.faiss_index, faiss.IndexFlatIP):
            return self._dense_hnsw_filtered(vector, k, mask)
        scores = self.vectors[admitted] @ np.asarray(vector, np.float32)  # exact, as faiss is up to EXACT_LIMIT
        return [(int(admitted[i]), s) for i, s in top_positions(scores, k, positive_only=False)]

    def _dense_hnsw_filtered(self, vector: np.ndarray, k: int, mask: np.ndarray) -> list[tuple[int, float]]:
        bitmap = np.packbits(mask, bitorder="little")
        params = faiss.SearchParametersHNSW(sel=faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap)),
                                            efSearch=self.faiss_index.hnsw.efSearch)
        scores, positions = self.faiss_index.search(np.asarray(vector, np.float32)[None, :], k, params=params)
        return [(int(p), float(s)) for p, s in zip(positions[0], scores[0]) if p >= 0]

    def fetch(self, positions: list[int]) -> list[Clause]:
        return [self.clauses[p] for p in positions]

    def close(self) -> None:
        pass
