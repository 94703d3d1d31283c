"""Where BM25 runs on the Milvus backend: Milvus's own BM25 function (its jieba analyzer) or sparse
vectors computed by us (bm25s term scores from our tokenizer, as indexer/milvus_backend.py stores them).

    python -m bench.milvus_bm25 [--index DIR]     # DIR: a local index of the seed corpus (built if missing)

Both rank the seed clauses for every in-scope question of eval/questions.jsonl, top 10, in Milvus Lite;
the table gives Recall@5 and MRR@10 against the gold clauses, and the BM25 lists' latency. Ours is the
engine's lexical stage (question tokens 1.0, synonym expansion 0.6); Milvus's gets the normalised
question text and tokenizes it with jieba's default dictionary (no domain terms, no stop words, no
synonyms), its IDF from its own statistics.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def run(index_dir: Path) -> dict:
    from eval.metrics import recall_at_k, reciprocal_rank
    from indexer.build import bm25_text, build_index
    from indexer.milvus_backend import connect
    from indexer.store import index_exists
    from qa.engine import open_knowledge_base
    from qa.retrieve import lexical_weights

    from .machine import load_average
    from .stats import summarize

    if not index_exists(index_dir):
        build_index(REPO / "corpus", index_dir)
    kb = open_knowledge_base(index_dir, REPO / "corpus", build_if_missing=False)
    clauses = kb.stored.clauses
    questions = [json.loads(line) for line in (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    questions = [q for q in questions if q.get("gold")]

    from pymilvus import DataType, Function, FunctionType

    folder = Path(tempfile.mkdtemp(prefix="milvus-bm25-"))
    client = connect(str(folder / "bm25.db"))
    schema = client.create_schema(auto_id=False)
    schema.add_field("pos", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=8192, enable_analyzer=True, analyzer_params={"tokenizer": "jieba"})
    schema.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["bm25"]))
    params = client.prepare_index_params()
    params.add_index("bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={"bm25_k1": 1.2, "bm25_b": 0.75})
    client.create_collection("bm25", schema=schema, index_params=params)
    client.insert("bm25", [{"pos": i, "text": bm25_text(c)} for i, c in enumerate(clauses)])
    client.flush("bm25")
    client.load_collection("bm25")

    ours_backend = kb.stored.backend  # local: the same scores as the Milvus backend's sparse vectors
    results = {"ours": {"r5": [], "mrr": [], "ms": []}, "milvus_bm25": {"r5": [], "mrr": [], "ms": []}}
    for q in questions:
        analysis = kb.analyze(q["question"])
        weights = lexical_weights(analysis.tokens, kb.retriever.tokenize_terms(analysis.expanded_terms))
        started = time.perf_counter()
        ours = [clauses[p].clause_id for p, _ in ours_backend.lexical(weights, 10)]
        results["ours"]["ms"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        hits = client.search("bm25", [analysis.normalized], anns_field="bm25", limit=10,
                             search_params={"metric_type": "BM25"})[0]
        results["milvus_bm25"]["ms"].append((time.perf_counter() - started) * 1000)
        theirs = [clauses[int(h["id"])].clause_id for h in hits]
        for name, ranked in (("ours", ours), ("milvus_bm25", theirs)):
            results[name]["r5"].append(recall_at_k(ranked, q["gold"], 5))
            results[name]["mrr"].append(reciprocal_rank(ranked, q["gold"], 10))
    client.close()
    import milvus_lite  # noqa: F401  (version below)
    from importlib.metadata import version

    return {"questions": len(questions), "clauses": len(clauses), "milvus_lite": version("milvus-lite"),
            "load": load_average(),
            **{name: {"recall@5": float(np.mean(r["r5"])), "mrr@10": float(np.mean(r["mrr"])), "ms": summarize(r["ms"])}
               for name, r in results.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.milvus_bm25", description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args(argv)
    index = args.index or Path(tempfile.mkdtemp(prefix="policykb-seed-")) / "index"
    print(json.dumps(run(index), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
