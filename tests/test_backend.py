"""The search-backend seam: scores as bm25s computes them, filters by document record, fetch by position."""
from __future__ import annotations

import json

import bm25s
import numpy as np
import pytest

from indexer.backend import Filters
from indexer.build import build_index
from indexer.local_backend import LocalBackend
from indexer.store import load_index
from qa.retrieve import lexical_weights

QUESTIONS = ["看病要先交钱吗", "低保户危房改造有什么政策", "孩子上中专有补助吗", "专栏7包括哪些工程"]


def test_local_lexical_scores_are_bm25s_question_plus_weighted_expansion(kb, index_dir):
    """Σ weight·bm25 through the seam equals get_scores(question) + 0.6·get_scores(expansion), bit for bit."""
    bm25 = bm25s.BM25.load(str(index_dir / "bm25"), load_corpus=False, show_progress=False)
    backend = kb.stored.backend

    def get_scores(tokens):
        return bm25.get_scores(tokens) if tokens else np.zeros(len(kb.stored.clauses), np.float32)

    for question in QUESTIONS:
        analysis = kb.analyze(question)
        expansion = [t for t in kb.retriever.tokenize_terms(analysis.expanded_terms) if t not in analysis.tokens]
        reference = get_scores(analysis.tokens) + 0.6 * get_scores(expansion)
        ours = backend.lexical_scores(lexical_weights(analysis.tokens, expansion))
        assert np.array_equal(ours, reference.astype(np.float32)), question
        ranking = backend.lexical(lexical_weights(analysis.tokens, expansion), 10)
        assert [p for p, _ in ranking] == list(np.argsort(-reference, kind="stable")[:len(ranking)])
        assert all(s > 0 for _, s in ranking)


def test_term_stats_give_the_idf_of_the_bm25_matrix(kb):
    stats = kb.stored.term_stats
    assert stats.num_docs == len(kb.stored.clauses)
    idf = stats.idf_table()
    assert idf["低保"] < idf["白内障"]  # the rarer word weighs more
    assert kb.mentions("低保") and not kb.mentions("量子计算机")


def _two_documents(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "liaoning.txt").write_text("第一条 辽宁省农村低保对象看病实行先诊疗后付费。\n\n第二条 危房改造优先支持特困人员。\n",
                                         encoding="utf-8")
    (corpus / "national.txt").write_text("第一条 全国农村低保对象住院费用按比例报销。\n\n第二条 残疾人享受护理补贴。\n",
                                         encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def two_document_index(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("filters")
    index = tmp_path / "index"
    build_index(_two_documents(tmp_path), index)
    return index


def _backend_with_records(index, records: dict) -> LocalBackend:
    stored = load_index(index)
    documents = json.loads(json.dumps(stored.manifest["documents"]))
    for doc_id, record in records.items():
        documents[doc_id]["record"] = record
    return LocalBackend(stored.clauses, documents, stored.backend.bm25, stored.backend.vectors, stored.backend.faiss_index)


def test_filter_by_document_keeps_only_its_clauses(two_document_index):
    stored = load_index(two_document_index)
    backend = stored.backend
    weights = {"低保": 1.0, "对象": 1.0}
    assert {stored.clauses[p].doc_id for p, _ in backend.lexical(weights, 10)} == {"liaoning", "national"}
    only = Filters.of(doc_ids=["national"])
    assert {stored.clauses[p].doc_id for p, _ in backend.lexical(weights, 10, only)} == {"national"}
    vector = backend.vectors[0]
    dense = backend.dense(vector, 10, only)
    assert dense and {stored.clauses[p].doc_id for p, _ in dense} == {"national"}
    assert [s for _, s in dense] == sorted((s for _, s in dense), reverse=True)
    assert backend.lexical(weights, 10, Filters.of(doc_ids=["nosuchdoc"])) == []


def test_region_kind_and_status_filters_use_the_document_record(two_document_index):
    backend = _backend_with_records(two_document_index, {
        "liaoning": {"region": "辽宁省", "kind": "地方性法规", "status": "现行有效"},
        "national": {"region": "全国", "kind": "行政法规", "status": "已被修订"}})
    clauses = backend.clauses
    weights = {"低保": 1.0}

    def docs(filters):
        return sorted({clauses[p].doc_id for p, _ in backend.lexical(weights, 10, filters)})

    assert docs(Filters.of(regions=["辽宁省"])) == ["liaoning"]
    assert docs(Filters.of(regions=["辽宁省", "全国"])) == ["liaoning", "national"]  # national documents apply everywhere
    assert docs(Filters.of(regions=["浙江省", "全国"])) == ["national"]
    assert docs(Filters.of(kinds=["行政法规"])) == ["national"]
    assert docs(Filters.of(statuses=["现行有效"])) == ["liaoning"]
    assert docs(Filters.of(regions=["辽宁省"], statuses=["已被修订"])) == []


def test_documents_without_a_record_match_no_region_filter(two_document_index):
    backend = load_index(two_document_index).backend
    assert backend.lexical({"低保": 1.0}, 10, Filters.of(regions=["辽宁省"])) == []
    assert Filters.of() is None


def test_fetch_returns_clauses_by_position_in_order(two_document_index):
    stored = load_index(two_document_index)
    assert [c.clause_id for c in stored.backend.fetch([3, 0])] == [stored.clauses[3].clause_id, stored.clauses[0].clause_id]


def test_ask_with_a_document_filter_cites_only_that_document(two_document_index):
    from qa.engine import open_knowledge_base

    kb = open_knowledge_base(two_document_index, two_document_index.parent / "corpus", build_if_missing=False)
    answer = kb.ask("低保对象看病要先交钱吗", doc_ids=["national"])
    assert answer.citations and {c.clause.doc_id for c in answer.citations} == {"national"}
    kb.close()
