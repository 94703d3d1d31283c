"""eval/baselines.py: the plain rank-bm25 baseline over jieba tokens."""
from __future__ import annotations

import pytest
from rank_bm25 import BM25Okapi

from eval.baselines import PlainBM25, is_noise

TEXTS = ["农村低保对象看病实行先诊疗后付费。",
         "危房改造优先支持特困人员和低保户。",
         "发展特色产业，带动贫困户增收。"]
IDS = ["c1", "c2", "c3"]


def test_punctuation_and_whitespace_tokens_are_dropped_and_nothing_else():
    bm25 = PlainBM25(IDS, TEXTS)
    tokens = bm25.tokenize("低保户，看病 怎么办？（2020年）")
    assert all(not is_noise(t) for t in tokens)
    assert "，" not in tokens and " " not in tokens and "？" not in tokens
    assert "怎么办" in tokens or "怎么" in tokens  # no stop words are removed
    assert is_noise("，。") and is_noise(" \u3000") and not is_noise("2020") and not is_noise("低保")


def test_ranking_is_by_bm25okapi_score_and_leaves_out_unrelated_clauses():
    bm25 = PlainBM25(IDS, TEXTS)
    ranked = bm25.rank("低保对象看病", k=10)
    assert ranked[0] == "c1"
    assert "c3" not in ranked  # shares no word with the question
    reference = BM25Okapi([bm25.tokenize(t) for t in TEXTS])
    scores = reference.get_scores(bm25.tokenize("低保对象看病"))
    assert ranked == [IDS[i] for i in sorted(range(3), key=lambda i: -scores[i]) if scores[i] > 0]


def test_k_limits_the_ranking_and_empty_questions_rank_nothing():
    bm25 = PlainBM25(IDS, TEXTS)
    assert len(bm25.rank("低保 贫困户 先诊疗", k=1)) == 1
    assert bm25.rank("？？", k=5) == []


def test_no_domain_dictionary_reaches_the_baseline():
    import jieba

    jieba.add_word("先诊疗后付费")  # a domain term added to jieba's global dictionary elsewhere …
    try:
        assert "先诊疗后付费" not in PlainBM25(IDS, TEXTS).tokenize("先诊疗后付费")  # … is not used here
    finally:
        jieba.del_word("先诊疗后付费")


def test_mismatched_or_empty_input_is_refused():
    with pytest.raises(ValueError):
        PlainBM25(["a"], [])
    with pytest.raises(ValueError):
        PlainBM25([], [])


def test_from_clauses_ranks_clause_ids_of_the_seed(kb):
    bm25 = PlainBM25.from_clauses(kb.clauses())
    ids = {c.clause_id for c in kb.clauses()}
    ranked = bm25.rank("建档立卡贫困人口", k=10)
    assert 0 < len(ranked) <= 10 and set(ranked) <= ids
