"""The Milvus backend: clause rows, dense vectors and BM25 sparse vectors in a Milvus collection.

The same code talks to Milvus Lite (a local file, `--milvus-uri ./index.milvus.db`; milvus-lite from
PyPI, pinned in pyproject) and to a Milvus server or cluster (`--milvus-uri http://host:19530`, with a
token from `--milvus-token` or the environment variable POLICYKB_MILVUS_TOKEN).

One row per clause: `pos` (the clause's row in clauses.jsonl, primary key), clause_id, doc_id, the
document record's region/kind/status, `dense` (the clause embedding) and `sparse`, the clause's BM25
term scores as bm25s precomputes them (token id → idf·tf-saturation, from our own tokenizer). A
lexical query is the sparse vector of its token weights, so Milvus's inner product is exactly
Σ weight·bm25(token, clause) — the local backend's score. (Milvus's own BM25 function would tokenize
with its jieba analyzer, without our domain dictionary or stop words; see bench/RESULTS.md.)

Filters are pushed down as a boolean `expr` on every search request. Fusion stays in qa/ (weighted
RRF, with each list's ranks and scores kept for the answer's explanation), so the two lists are two
searches; `hybrid()` is Milvus's own RRF over both, for comparison in bench/.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from .backend import Filters, document_facets
from .clause import Clause
from .errors import BadInput, IndexUnusable
from .milvus_compat import ensure_pkg_resources

TOKEN_ENV = "POLICYKB_MILVUS_TOKEN"
TIMEOUT_S = 60.0               # every call to Milvus; nothing waits forever on a dead server
INSERT_BATCH = 2000
MAX_TOPK = 16384               # Milvus's limit on one search's `limit`
FACET_FIELDS = ("region", "kind", "status")
# Milvus Lite 2.5 serves FLAT, IVF_FLAT and AUTOINDEX only; FLAT is exact, like faiss below 20,000.
# A server gets HNSW with the local backend's parameters (indexer/dense.py).
LITE_DENSE_INDEX = {"index_type": "FLAT", "metric_type": "IP", "params": {}}
SERVER_DENSE_INDEX = {"index_type": "HNSW", "metric_type": "IP", "params": {"M": 32, "efConstruction": 200}}
SERVER_DENSE_SEARCH = {"metric_type": "IP", "params": {"ef": 512}}
SPARSE_INDEX = {"index_type": "SPARSE_INVERTED_INDEX", "metric_type": "IP", "params": {"drop_ratio_build": 0.0}}
SPARSE_SEARCH = {"metric_type": "IP", "params": {"drop_ratio_search": 0.0}}


def is_server_uri(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "grpc://"))


def normalize_uri(uri: str) -> str:
    """A server URI as given; a Milvus Lite file as an absolute path ending in .db (Lite's rule)."""
    if is_server_uri(uri):
        return uri
    path = Path(uri.removeprefix("file://")).expanduser().absolute()
    if path.suffix != ".db":
        raise BadInput(f"--milvus-uri {uri}: a Milvus Lite file must end in .db (or give an http:// server URI)")
    return str(path)


def connect(uri: str, token: str | None = None):
    """A MilvusClient for `uri` (Milvus Lite file or server); BadInput when it cannot be reached."""
    ensure_pkg_resources()
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise BadInput("--backend milvus needs pymilvus and milvus-lite (pip install -e .)") from None
    uri = normalize_uri(uri)
    if not is_server_uri(uri):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    token = token if token is not None else os.environ.get(TOKEN_ENV, "")
    try:
        return MilvusClient(uri=uri, token=token or "", timeout=TIMEOUT_S)
    except Exception as exc:
        raise BadInput(f"cannot connect to Milvus at {uri}: {_one_line(exc)}") from None


def _one_line(exc: Exception) -> str:
    return re.sub(r"\s+", " ", str(exc))[:200]


def quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def filter_expr(filters: Filters | None) -> str:
    """The Milvus boolean expression for `filters` ("" = no restriction)."""
    if filters is None or filters.unrestricted:
        return ""
    parts = []
    for field, values in (("doc_id", filters.doc_ids), ("region", filters.regions), ("kind", filters.kinds),
                          ("status", filters.statuses)):
        if values is not None:
            parts.append(f"{field} in [{', '.join(quote(v) for v in sorted(values))}]")
    return " and ".join(parts)


def sparse_rows(bm25) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bm25s score matrix (token-major, CSC) turned clause-major: (row pointers, token ids, scores)."""
    data = np.asarray(bm25.scores["data"], dtype=np.float32)
    docs = np.asarray(bm25.scores["indices"])
    indptr = np.asarray(bm25.scores["indptr"])
    tokens = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))
    order = np.argsort(docs, kind="stable")
    row_ptr = np.searchsorted(docs[order], np.arange(int(bm25.scores["num_docs"]) + 1))
    return row_ptr, tokens[order], data[order]


def _schema(client, dim: int):
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pos", DataType.INT64, is_primary=True)
    schema.add_field("clause_id", DataType.VARCHAR, max_length=512)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=256)
    for field in FACET_FIELDS:
        schema.add_field(field, DataType.VARCHAR, max_length=64)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    return schema


def write_collection(uri: str, token: str | None, collection: str, clauses: list[Clause], documents: dict[str, dict],
                     bm25, vectors: np.ndarray, progress=None) -> None:
    """Create `collection` (replacing one of that name) and insert one row per clause."""
    say = progress or (lambda stage, done, total: None)
    client = connect(uri, token)
    try:
        if client.has_collection(collection, timeout=TIMEOUT_S):
            client.drop_collection(collection, timeout=TIMEOUT_S)
        index_params = client.prepare_index_params()
        dense = SERVER_DENSE_INDEX if is_server_uri(uri) else LITE_DENSE_INDEX
        index_params.add_index("dense", **dense)
        index_params.add_index("sparse", **SPARSE_INDEX)
        client.create_collection(collection, schema=_schema(client, int(vectors.shape[1])), index_params=index_params,
                                 timeout=TIMEOUT_S)
        row_ptr, token_ids, scores = sparse_rows(bm25)
        facets = {d: document_facets(documents, d) for d in dict.fromkeys(c.doc_id for c in clauses)}
        for start in range(0, len(clauses), INSERT_BATCH):
            say("milvus", start, len(clauses))
            rows = []
            for pos in range(start, min(start + INSERT_BATCH, len(clauses))):
                clause = clauses[pos]
                lo, hi = row_ptr[pos], row_ptr[pos + 1]
                rows.append({"pos": pos, "clause_id": clause.clause_id, "doc_id": clause.doc_id, **facets[clause.doc_id],
                             "dense": vectors[pos].tolist(),
                             "sparse": dict(zip(token_ids[lo:hi].tolist(), scores[lo:hi].tolist()))})
            client.insert(collection, rows, timeout=TIMEOUT_S)
        client.flush(collection, timeout=TIMEOUT_S)
        say("milvus", len(clauses), len(clauses))
    except BadInput:
        raise
    except Exception as exc:
        raise BadInput(f"writing the Milvus collection {collection} at {uri} failed: {_one_line(exc)}") from None
    finally:
        client.close()


def drop_collection(uri: str, token: str | None, collection: str) -> None:
    """Drop a collection no index points at any more (best effort: a failure leaves only garbage)."""
    try:
        client = connect(uri, token)
    except BadInput:
        return
    try:
        if client.has_collection(collection, timeout=TIMEOUT_S):
            client.drop_collection(collection, timeout=TIMEOUT_S)
    except Exception:
        pass
    finally:
        client.close()


class MilvusBackend:
    name = "milvus"

    def __init__(self, client, collection: str, clauses: list[Clause], token_ids: dict[str, int], server: bool) -> None:
        self.client = client
        self.collection = collection
        self.clauses = clauses
        self.token_ids = token_ids
        self.dense_search = SERVER_DENSE_SEARCH if server else {"metric_type": "IP"}

    @classmethod
    def open(cls, index_dir: Path, manifest: dict, clauses: list[Clause]) -> "MilvusBackend":
        from .termstats import read_term_stats

        spec = manifest.get("milvus") or {}
        uri, collection = spec.get("uri"), spec.get("collection")
        hint = f"rebuild with: policykb build --index {index_dir} --backend milvus --milvus-uri URI"
        if not uri or not collection:
            raise IndexUnusable(f"index at {index_dir} names no Milvus collection; {hint}")
        try:
            client = connect(uri)
        except BadInput as exc:
            raise IndexUnusable(f"{exc}; {hint}") from None
        try:
            if not client.has_collection(collection, timeout=TIMEOUT_S):
                raise IndexUnusable(f"the Milvus collection {collection} at {uri} is missing; {hint}")
            client.load_collection(collection, timeout=TIMEOUT_S)
            rows = client.get_collection_stats(collection, timeout=TIMEOUT_S).get("row_count")
            if rows is not None and int(rows) != len(clauses):
                raise IndexUnusable(f"the Milvus collection {collection} holds {rows} rows for {len(clauses)} clauses; {hint}")
            stats = read_term_stats(index_dir)
        except IndexUnusable:
            client.close()
            raise
        except Exception as exc:
            client.close()
            raise IndexUnusable(f"the Milvus collection {collection} at {uri} cannot be read ({_one_line(exc)}); {hint}") from None
        return cls(client, collection, clauses, stats.ids, is_server_uri(uri))

    def _search(self, data, field: str, params: dict, k: int, filters: Filters | None) -> list[tuple[int, float]]:
        hits = self.client.search(self.collection, data=[data], anns_field=field, limit=max(1, min(k, MAX_TOPK)),
                                  filter=filter_expr(filters), search_params=params, output_fields=[],
                                  timeout=TIMEOUT_S)[0]
        return sorted(((int(h["id"]), float(h["distance"])) for h in hits), key=lambda x: (-x[1], x[0]))

    def lexical(self, weights: dict[str, float], k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        query = self.sparse_query(weights)
        if not query:
            return []
        return [(p, s) for p, s in self._search(query, "sparse", SPARSE_SEARCH, k, filters) if s > 0]

    def sparse_query(self, weights: dict[str, float]) -> dict[int, float]:
        query: dict[int, float] = {}
        for token, weight in weights.items():
            i = self.token_ids.get(token)
            if i is not None and weight:
                query[i] = query.get(i, 0.0) + float(weight)
        return query

    def dense(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        return self._search(np.asarray(vector, np.float32).tolist(), "dense", self.dense_search, k, filters)

    def hybrid(self, weights: dict[str, float], vector: np.ndarray, k: int, filters: Filters | None = None,
               rrf_k: int = 60) -> list[tuple[int, float]]:
        """Milvus's own hybrid search (RRF over the sparse and the dense list), filters in each request."""
        from pymilvus import AnnSearchRequest, RRFRanker

        expr = filter_expr(filters)  # per request: a top-level filter= in hybrid_search is ignored (Lite 2.5.1)
        requests = [AnnSearchRequest([np.asarray(vector, np.float32).tolist()], "dense", self.dense_search, k, expr=expr)]
        query = self.sparse_query(weights)
        if query:
            requests.append(AnnSearchRequest([query], "sparse", SPARSE_SEARCH, k, expr=expr))
        hits = self.client.hybrid_search(self.collection, requests, RRFRanker(rrf_k), limit=k, output_fields=[],
                                         timeout=TIMEOUT_S)[0]
        return [(int(h["id"]), float(h["distance"])) for h in hits]

    def fetch(self, positions: list[int]) -> list[Clause]:
        return [self.clauses[p] for p in positions]

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

