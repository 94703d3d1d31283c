"""The search-backend seam: what retrieval asks of an index, whichever engine holds it.

`qa/` talks to an index only through `SearchBackend` (lexical search, dense search, both with
metadata filters, and fetch by position). Two backends implement it: `local` (bm25s + faiss, files in
the index folder, `indexer.local_backend`) and `milvus` (a Milvus Lite file or a Milvus server,
`indexer.milvus_backend`). The manifest's `backend` names which one an index folder was built for.

Clause positions are row numbers of `clauses.jsonl`, the same in every backend.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .clause import Clause
from .errors import IndexUnusable

BACKENDS = ("local", "milvus")


@dataclass(frozen=True)
class Filters:
    """Restrictions on which clauses a search may return; None = no restriction on that field.

    `regions` match the document record's `region` exactly ("辽宁省", "全国"…): a caller who wants a
    province's own documents and the national ones passes both (qa/scope.py decides that). Documents whose
    record lacks a field (no `record` yet, or no `region` in it) match no restriction on that field.
    """

    doc_ids: frozenset[str] | None = None
    regions: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    statuses: frozenset[str] | None = None

    @classmethod
    def of(cls, doc_ids=None, regions=None, kinds=None, statuses=None) -> "Filters | None":
        """Filters from plain iterables (None or empty → no restriction); None when nothing is restricted."""
        def frozen(values):
            return frozenset(values) if values else None
        filters = cls(frozen(doc_ids), frozen(regions), frozen(kinds), frozen(statuses))
        return None if filters.unrestricted else filters

    @property
    def unrestricted(self) -> bool:
        return self.doc_ids is None and self.regions is None and self.kinds is None and self.statuses is None

    def admits(self, doc_id: str, record: dict | None) -> bool:
        """Whether a clause of document `doc_id`, whose record is `record`, may be returned."""
        record = record or {}
        return ((self.doc_ids is None or doc_id in self.doc_ids)
                and (self.regions is None or record.get("region") in self.regions)
                and (self.kinds is None or record.get("kind") in self.kinds)
                and (self.statuses is None or record.get("status") in self.statuses))


class SearchBackend(Protocol):
    name: str

    def lexical(self, weights: dict[str, float], k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """score = Σ weight·bm25(token, clause); (clause position, score), best first, score > 0 only."""

    def dense(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """(clause position, inner product with `vector`), best first."""

    def fetch(self, positions: list[int]) -> list[Clause]:
        """The clauses at these positions, in the order asked."""

    def close(self) -> None:
        """Release connections and files (a no-op for the local backend)."""


def document_record(documents: dict[str, dict], doc_id: str) -> dict:
    """The document's record (region, kind, status…) from the manifest, {} until records exist."""
    return (documents.get(doc_id) or {}).get("record") or {}


def document_facets(documents: dict[str, dict], doc_id: str) -> dict[str, str]:
    """region/kind/status of a document as stored beside each clause in a backend ("" when unknown)."""
    record = document_record(documents, doc_id)
    return {field: str(record.get(field) or "") for field in ("region", "kind", "status")}


class ClauseDocuments:
    """Which document each clause position belongs to, for turning filters into a position mask."""

    def __init__(self, clauses: list[Clause], documents: dict[str, dict]) -> None:
        self.documents = documents
        self.doc_ids = list(dict.fromkeys(c.doc_id for c in clauses))
        number = {doc_id: i for i, doc_id in enumerate(self.doc_ids)}
        self.doc_index = np.fromiter((number[c.doc_id] for c in clauses), dtype=np.int32, count=len(clauses))

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """A boolean mask over clause positions (None when nothing is restricted)."""
        if filters is None or filters.unrestricted:
            return None
        admitted = np.fromiter((filters.admits(d, document_record(self.documents, d)) for d in self.doc_ids),
                               dtype=bool, count=len(self.doc_ids))
        return admitted[self.doc_index]


def open_backend(index_dir: Path, manifest: dict, clauses: list[Clause]) -> SearchBackend:
    """The backend the manifest names, opened over the index folder `index_dir`."""
    name = manifest.get("backend", "local")
    if name == "local":
        from .local_backend import LocalBackend
        return LocalBackend.open(index_dir, manifest, clauses)
    if name == "milvus":
        from .milvus_backend import MilvusBackend
        return MilvusBackend.open(index_dir, manifest, clauses)
    raise IndexUnusable(f"index at {index_dir} names an unknown backend {name!r}; "
                        f"rebuild with: policykb build --index {index_dir}")
