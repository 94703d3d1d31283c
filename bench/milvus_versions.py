"""Which Milvus Lite to depend on: the same workload against whichever milvus-lite this Python has.

    python -m bench.milvus_versions [--rows 20000]      # run once per venv, e.g. one with milvus-lite==2.5.1
                                                        # and one with 3.2.x; each prints one JSON line

Needs only numpy and pymilvus (so a bare venv will do). The collection is shaped like ours: int64 pk,
a facet string, a 384-d unit dense vector and a sparse vector (Zipf-distributed token ids, ~40 per row,
like clause BM25 rows); queries are 8-token sparse vectors and unit dense vectors. It also checks the
behaviours the backend relies on: which dense index types are accepted, whether a top-level `filter=` in
hybrid_search is applied, whether `expr=` per request is, and whether sparse inner product is exact.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
import tempfile
import time

import numpy as np


def _p(values: list[float]) -> dict:
    a = np.asarray(values)
    return {"p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95))}


def _id(hit) -> int:
    try:
        return int(hit["id"])
    except (KeyError, TypeError):
        return int(hit["pos"])


def run(rows: int, queries: int = 50, dim: int = 384, vocab: int = 50000, seed: int = 0) -> dict:
    try:  # milvus-lite 2.5.1 imports pkg_resources, gone from setuptools >= 81
        import pkg_resources  # noqa: F401
    except ImportError:
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        from indexer.milvus_compat import ensure_pkg_resources
        ensure_pkg_resources()
    from pymilvus import AnnSearchRequest, DataType, MilvusClient, RRFRanker

    rng = np.random.default_rng(seed)
    dense = rng.standard_normal((rows, dim)).astype(np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    zipf = 1.0 / np.arange(1, vocab + 1)
    zipf /= zipf.sum()
    sparse = []
    for _ in range(rows):
        ids = np.unique(rng.choice(vocab, size=40, p=zipf))
        sparse.append({int(i): float(v) for i, v in zip(ids, rng.random(len(ids)) * 3)})
    out = {"milvus_lite": importlib.metadata.version("milvus-lite"), "pymilvus": importlib.metadata.version("pymilvus"),
           "rows": rows, "load": [round(x, 2) for x in os.getloadavg()]}
    folder = tempfile.mkdtemp(prefix="milvus-versions-")
    started = time.perf_counter()
    client = MilvusClient(os.path.join(folder, "v.db"))
    out["connect_s"] = time.perf_counter() - started

    accepted = []
    for index_type in ("FLAT", "IVF_FLAT", "AUTOINDEX", "HNSW"):
        schema = client.create_schema(auto_id=False)
        schema.add_field("pos", DataType.INT64, is_primary=True)
        schema.add_field("v", DataType.FLOAT_VECTOR, dim=8)
        params = client.prepare_index_params()
        params.add_index("v", index_type=index_type, metric_type="IP", params={"nlist": 4} if index_type == "IVF_FLAT" else {})
        try:
            client.create_collection(f"probe_{index_type.lower()}", schema=schema, index_params=params)
            accepted.append(index_type)
        except Exception:
            pass
    out["dense_index_types_accepted"] = accepted

    schema = client.create_schema(auto_id=False)
    schema.add_field("pos", DataType.INT64, is_primary=True)
    schema.add_field("doc", DataType.VARCHAR, max_length=16)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    params = client.prepare_index_params()
    params.add_index("dense", index_type="FLAT", metric_type="IP")
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP", params={"drop_ratio_build": 0.0})
    client.create_collection("c", schema=schema, index_params=params)
    started = time.perf_counter()
    for start in range(0, rows, 2000):
        client.insert("c", [{"pos": i, "doc": f"d{i % 10}", "dense": dense[i].tolist(), "sparse": sparse[i]}
                            for i in range(start, min(rows, start + 2000))])
    client.flush("c")
    out["insert_s"] = time.perf_counter() - started
    started = time.perf_counter()
    client.load_collection("c")
    out["load_collection_s"] = time.perf_counter() - started

    q_dense = rng.standard_normal((queries, dim)).astype(np.float32)
    q_dense /= np.linalg.norm(q_dense, axis=1, keepdims=True)
    q_sparse = [{int(i): 1.0 for i in rng.choice(2000, size=8, replace=False)} for _ in range(queries)]
    timings = {"dense": [], "sparse": [], "hybrid": [], "dense_filtered": []}
    exact_sparse = 0
    for qd, qs in zip(q_dense, q_sparse):
        t = time.perf_counter()
        client.search("c", [qd.tolist()], anns_field="dense", limit=100, search_params={"metric_type": "IP"})
        timings["dense"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        client.search("c", [qd.tolist()], anns_field="dense", limit=100, filter='doc in ["d3", "d4"]',
                      search_params={"metric_type": "IP"})
        timings["dense_filtered"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        hits = client.search("c", [qs], anns_field="sparse", limit=10, search_params={"metric_type": "IP"})[0]
        timings["sparse"].append((time.perf_counter() - t) * 1000)
        reference = np.array([sum(w * row.get(k, 0.0) for k, w in qs.items()) for row in sparse])
        top = np.argsort(-reference, kind="stable")[:len(hits)]
        exact_sparse += bool(np.allclose(sorted(h["distance"] for h in hits), sorted(reference[top]), rtol=1e-4))
        t = time.perf_counter()
        client.hybrid_search("c", [AnnSearchRequest([qd.tolist()], "dense", {"metric_type": "IP"}, 100),
                                   AnnSearchRequest([qs], "sparse", {"metric_type": "IP"}, 100)], RRFRanker(60), limit=100)
        timings["hybrid"].append((time.perf_counter() - t) * 1000)
    out["ms"] = {k: _p(v) for k, v in timings.items()}
    out["sparse_ip_exact_share"] = exact_sparse / queries

    requests = [AnnSearchRequest([q_dense[0].tolist()], "dense", {"metric_type": "IP"}, 20),
                AnnSearchRequest([q_sparse[0]], "sparse", {"metric_type": "IP"}, 20)]
    top_level = client.hybrid_search("c", requests, RRFRanker(60), limit=20, filter='doc == "d3"', output_fields=["doc"])[0]
    out["hybrid_top_level_filter_applied"] = all(h["entity"]["doc"] == "d3" for h in top_level)
    requests = [AnnSearchRequest([q_dense[0].tolist()], "dense", {"metric_type": "IP"}, 20, expr='doc == "d3"'),
                AnnSearchRequest([q_sparse[0]], "sparse", {"metric_type": "IP"}, 20, expr='doc == "d3"')]
    per_request = client.hybrid_search("c", requests, RRFRanker(60), limit=20, output_fields=["doc"])[0]
    out["hybrid_expr_per_request_applied"] = bool(per_request) and all(h["entity"]["doc"] == "d3" for h in per_request)
    client.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.milvus_versions", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rows, args.queries)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
