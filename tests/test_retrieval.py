"""Hybrid retrieval finds the plan's clause for a resident's or a cadre's wording."""
from __future__ import annotations

import pytest

from qa.fusion import fuse_rrf, fuse_weighted, minmax


@pytest.fixture
def kb(kb_on_each_backend):
    """Every test here runs on the local backend and on Milvus Lite."""
    return kb_on_each_backend

# Written for this test (not taken from eval/): colloquial wording → the clause(s) that answer it.
COLLOQUIAL = {
    "看病要先交钱吗": {"lnfp13/ch06/s02/p02"},
    "房子快塌了政府给修吗": {"lnfp13/col06/p01", "lnfp13/col06/p02", "lnfp13/ch04/p01"},
    "孩子上中专有补助吗": {"lnfp13/ch05/s03/p03"},
    "想出去打工有没有免费培训": {"lnfp13/col05/i02", "lnfp13/ch03/s01/p01", "lnfp13/ch03/s01/p02", "lnfp13/col05/i03"},
    "家里老人没人照顾怎么办": {"lnfp13/ch08/s03/p01"},
    "残疾人有什么补贴": {"lnfp13/ch08/s03/p02"},
    "种地缺本钱能贷款吗": {"lnfp13/ch11/s02/p02"},
    "村里喝的水不干净咋办": {"lnfp13/ch10/s03/p02", "lnfp13/col12/i02"},
    "住院报销比例能提高吗": {"lnfp13/col08/i01"},
    "在家门口能找到活干吗": {"lnfp13/ch03/s02/p03"},
    "眼睛看不清能免费治吗": {"lnfp13/col08/i02"},
    "吃低保的人家能享受啥": {"lnfp13/ch08/s01/p01", "lnfp13/col10/i02", "lnfp13/col10/i01"},
}


def _found(kb, mode: str) -> int:
    return sum(any(h.clause.clause_id in gold for h in kb.search(q, k=5, mode=mode)) for q, gold in COLLOQUIAL.items())


@pytest.mark.parametrize("question", sorted(COLLOQUIAL))
def test_colloquial_question_finds_its_clause_in_hybrid_top5(kb, question):
    ids = [h.clause.clause_id for h in kb.search(question, k=5, mode="hybrid")]
    assert COLLOQUIAL[question] & set(ids), (question, ids)


def test_hybrid_at_least_as_good_as_each_ranker_alone(kb):
    hybrid = _found(kb, "hybrid")
    assert hybrid >= _found(kb, "bm25")
    assert hybrid >= _found(kb, "dense")


def test_hits_explain_themselves(kb):
    hits = kb.search("看病要先交钱吗", k=10, mode="hybrid")
    top = hits[0]
    assert top.bm25_rank is not None or top.dense_rank is not None
    assert all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    analysis = kb.analyze("看病要先交钱吗")
    assert any("付费" in t or "诊疗" in t or "就医" in t for t in analysis.expanded_terms)


def test_cadre_wording_maps_to_plan_wording(kb):
    analysis = kb.analyze("低保户危房改造有什么政策")
    assert "低保对象" in analysis.profile
    ids = [h.clause.clause_id for h in kb.search("低保户危房改造有什么政策", k=5)]
    assert {"lnfp13/col06/p01", "lnfp13/ch04/p01"} & set(ids)


def test_traditional_and_fullwidth_questions_retrieve_like_simplified(kb):
    plain = [h.clause.clause_id for h in kb.search("2020年贫困地区农村集中供水率要达到多少", k=5)]
    variant = [h.clause.clause_id for h in kb.search("２０２０年貧困地區農村集中供水率要達到多少？", k=5)]
    assert plain[:3] == variant[:3]


def test_question_citing_a_column_by_number_finds_it(kb):
    ids = [h.clause.clause_id for h in kb.search("专栏7包括哪些工程", k=5)]
    assert sum(i.startswith("lnfp13/col07/") for i in ids) >= 3


def test_rrf_fusion_is_rank_based():
    fused = fuse_rrf({"a": [1, 2, 3], "b": [3, 1]}, k=60)
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[2] == pytest.approx(1 / 62)
    assert max(fused, key=fused.get) == 1


def test_weighted_fusion_normalises_each_list():
    fused = fuse_weighted({"a": {1: 10.0, 2: 5.0, 3: 0.0}, "b": {1: 0.2, 3: 0.9}}, {"a": 1.0, "b": 1.0})
    assert fused[1] == pytest.approx(1.0 + 0.0)
    assert fused[3] == pytest.approx(0.0 + 1.0)
    assert fused[2] == pytest.approx(0.5)
    assert list(minmax([3.0, 3.0])) == [0.0, 0.0]
