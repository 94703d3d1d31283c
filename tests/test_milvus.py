"""The Milvus backend on Milvus Lite: same scores and rankings as the local backend, filters pushed down,
the evaluation within 0.01, rebuilds that swap collections safely."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexer.backend import Filters
from indexer.build import build_index, make_bm25
from indexer.errors import IndexUnusable
from indexer.milvus_backend import MilvusBackend, connect, filter_expr, write_collection
from indexer.store import load_index, read_manifest
from qa.retrieve import lexical_weights

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["看病要先交钱吗", "低保户危房改造有什么政策", "孩子上中专有补助吗", "住院报销比例能提高吗"]


def test_milvus_index_folder_names_its_collection(milvus_index_dir):
    manifest = read_manifest(milvus_index_dir)
    assert manifest["backend"] == "milvus"
    assert manifest["milvus"]["uri"].endswith("kb.db") and manifest["milvus"]["collection"].startswith("policykb_")
    assert {"clauses.jsonl", "term_stats.json", "vectors.npy"} <= set(manifest["files"])
    assert "dense.faiss" not in manifest["files"] and not (milvus_index_dir / "bm25").exists()


def test_milvus_lexical_is_the_local_bm25_score(kb, milvus_kb):
    """The clause's sparse vector holds bm25s's term scores, the query its token weights: same scores."""
    for question in QUESTIONS:
        analysis = kb.analyze(question)
        weights = lexical_weights(analysis.tokens, kb.retriever.tokenize_terms(analysis.expanded_terms))
        local = kb.stored.backend.lexical(weights, 50)
        remote = milvus_kb.stored.backend.lexical(weights, 50)
        assert [p for p, _ in remote] == [p for p, _ in local], question
        assert np.allclose([s for _, s in remote], [s for _, s in local], rtol=1e-5)


def test_milvus_dense_is_exact_inner_product(kb, milvus_kb):
    vector = kb.retriever.embed_query("残疾人有什么补贴")
    local = kb.stored.backend.dense(vector, 20)
    remote = milvus_kb.stored.backend.dense(vector, 20)
    assert [p for p, _ in remote] == [p for p, _ in local]
    assert np.allclose([s for _, s in remote], [s for _, s in local], atol=1e-5)


def test_filter_expression_quotes_every_value():
    assert filter_expr(None) == "" and filter_expr(Filters()) == ""
    expr = filter_expr(Filters.of(doc_ids=["b", "a"], regions=["辽宁省"]))
    assert expr == 'doc_id in ["a", "b"] and region in ["辽宁省"]'
    assert filter_expr(Filters.of(kinds=['x"y'])) == 'kind in ["x\\"y"]'


@pytest.fixture(scope="module")
def records_collection(tmp_path_factory):
    """Four clauses of two documents whose records have region, kind and status, in a Milvus Lite file."""
    from indexer.clause import Clause

    texts = [("liaoning", "辽宁省 低保 对象 看病 付费"), ("liaoning", "危房 改造 特困 人员"),
             ("national", "全国 低保 对象 住院 报销"), ("national", "残疾人 护理 补贴")]
    clauses = [Clause(f"{d}/p{i}", d, d, [], "paragraph", t, 0, len(t)) for i, (d, t) in enumerate(texts)]
    documents = {"liaoning": {"record": {"region": "辽宁省", "kind": "地方性法规", "status": "现行有效"}},
                 "national": {"record": {"region": "全国", "kind": "行政法规", "status": "已被修订"}}}
    bm25 = make_bm25([t.split() for _, t in texts])
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((4, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    uri = str(tmp_path_factory.mktemp("records") / "records.db")
    write_collection(uri, None, "records", clauses, documents, bm25, vectors)
    from indexer.termstats import term_stats_of

    backend = MilvusBackend(connect(uri), "records", clauses, term_stats_of(bm25).ids, server=False)
    yield backend, vectors
    backend.close()


def test_milvus_filters_by_document_record_pushed_down(records_collection):
    backend, vectors = records_collection

    def docs(filters, dense=False):
        hits = backend.dense(vectors[0], 10, filters) if dense else backend.lexical({"低保": 1.0, "对象": 1.0}, 10, filters)
        return sorted({backend.clauses[p].doc_id for p, _ in hits})

    assert docs(None) == ["liaoning", "national"]
    assert docs(Filters.of(doc_ids=["national"])) == ["national"]
    assert docs(Filters.of(regions=["辽宁省"])) == ["liaoning"]
    assert docs(Filters.of(regions=["浙江省", "全国"])) == ["national"]
    assert docs(Filters.of(kinds=["行政法规"]), dense=True) == ["national"]
    assert docs(Filters.of(statuses=["现行有效"]), dense=True) == ["liaoning"]
    assert docs(Filters.of(regions=["辽宁省"], statuses=["已被修订"])) == []


def test_milvus_hybrid_search_applies_filters_per_request(records_collection):
    """Milvus's own RRF over both lists; the filter goes into each request (a top-level one is ignored)."""
    backend, vectors = records_collection
    hits = backend.hybrid({"低保": 1.0}, vectors[3], 4, Filters.of(doc_ids=["liaoning"]))
    assert hits and {backend.clauses[p].doc_id for p, _ in hits} == {"liaoning"}


def test_evaluation_on_milvus_is_within_001_of_local(kb, milvus_kb, tmp_path):
    from eval.runner import run_evaluation

    questions = ROOT / "eval" / "questions.jsonl"
    local = run_evaluation(kb, questions, tmp_path / "local", systems=["full"], variants=None)["systems"]["full"]
    remote = run_evaluation(milvus_kb, questions, tmp_path / "milvus", systems=["full"], variants=None)["systems"]["full"]
    for metric in ("recall@5", "mrr@10"):
        assert abs(remote[metric] - local[metric]) <= 0.01, (metric, local[metric], remote[metric])


def _small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(2):
        (corpus / f"doc{i}.txt").write_text(f"第一条 第{i}号文件:农村低保对象看病实行先诊疗后付费。\n\n第二条 危房改造优先支持特困人员。\n",
                                            encoding="utf-8")
    return corpus


def test_cli_builds_on_milvus_and_answers_from_it(tmp_path, run_cli):
    corpus, index, db = _small_corpus(tmp_path), tmp_path / "index", tmp_path / "kb.db"
    code, _, err = run_cli("build", "--corpus", corpus, "--index", index, "--backend", "milvus", "--milvus-uri", db)
    assert code == 0, err
    code, out, err = run_cli("ask", "看病要先交钱吗", "--json", "--corpus", corpus, "--index", index)
    assert code == 0, err
    assert json.loads(out)["citations"][0]["text"].endswith("先诊疗后付费。")
    code, _, err = run_cli("build", "--corpus", corpus, "--index", index, "--milvus-uri", tmp_path / "kb.txt")
    assert code == 2 and ".db" in err


def test_rebuild_keeps_the_previous_collection_and_drops_the_one_before(tmp_path):
    corpus, index, db = _small_corpus(tmp_path), tmp_path / "index", str(tmp_path / "kb.db")
    names = []
    for round_ in range(3):
        report = build_index(corpus, index, backend="milvus", milvus_uri=db)
        assert report.embedded == (4 if round_ == 0 else 0)  # vectors reused from the folder
        names.append(read_manifest(index)["milvus"]["collection"])
    client = connect(db)
    try:
        assert [client.has_collection(n) for n in names] == [False, True, True]
    finally:
        client.close()
    stored = load_index(index)  # the backend the manifest names, without being told
    assert stored.backend.name == "milvus" and [p for p, _ in stored.backend.lexical({"低保": 1.0}, 10)] == [0, 2]
    stored.backend.close()


def test_a_missing_collection_is_an_unusable_index(tmp_path):
    corpus, index, db = _small_corpus(tmp_path), tmp_path / "index", str(tmp_path / "kb.db")
    build_index(corpus, index, backend="milvus", milvus_uri=db)
    client = connect(db)
    client.drop_collection(read_manifest(index)["milvus"]["collection"])
    client.close()
    with pytest.raises(IndexUnusable, match="rebuild with"):
        load_index(index)
