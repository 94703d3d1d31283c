"""eval/metrics.py: every metric on hand-made rankings and answers with known values."""
from __future__ import annotations

import math

import numpy as np
import pytest

from eval.metrics import (Outcome, abstention_precision_recall, breakdown, citation_precision, fact_correct,
                          facts_found, ndcg_at_k, percentile, recall_at_k, recall_curve, reciprocal_rank, summarize)

INTERFACE_KEYS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "fact_accuracy", "citation_precision",
                  "abstain_precision", "abstain_recall", "latency_p50_ms")


def test_recall_at_k_counts_gold_found_within_k():
    ranked = ["a", "b", "c", "d"]
    assert recall_at_k(ranked, ["b", "z"], 1) == 0.0
    assert recall_at_k(ranked, ["b", "z"], 2) == 0.5
    assert recall_at_k(ranked, ["b", "d"], 10) == 1.0
    assert recall_at_k([], ["a"], 5) == 0.0
    with pytest.raises(ValueError):
        recall_at_k(ranked, [], 5)


def test_reciprocal_rank_is_one_over_the_first_gold_rank_within_k():
    assert reciprocal_rank(["x", "y", "g"], ["g"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(["g", "x"], ["g", "x"]) == 1.0
    assert reciprocal_rank(["x", "y", "g"], ["g"], k=2) == 0.0
    assert reciprocal_rank([], ["g"]) == 0.0


def test_ndcg_binary_relevance():
    # gold at ranks 2 and 3 of 2 gold clauses: (1/log2 3 + 1/log2 4) / (1 + 1/log2 3)
    expected = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["x", "g1", "g2"], ["g1", "g2"]) == pytest.approx(expected)
    assert ndcg_at_k(["g1", "g2", "x"], ["g2", "g1"]) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], ["g"]) == 0.0
    # the ideal ranking is cut at k too: one gold found first of 12 gold clauses
    ideal = sum(1 / math.log2(r + 1) for r in range(1, 11))
    assert ndcg_at_k(["g0"], [f"g{i}" for i in range(12)], k=10) == pytest.approx(1 / ideal)
    # a repeated id is not counted twice
    assert ndcg_at_k(["g", "g"], ["g", "h"]) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_facts_are_matched_after_normalisation():
    answer = "到２０２０年，現行標準下農村貧困人口實現脫貧 [1]"  # full-width digits, traditional characters
    assert facts_found(answer, ["2020年", "农村贫困人口", "81万"]) == [True, True, False]
    assert fact_correct(answer, ["2020年", "贫困人口"])
    assert not fact_correct(answer, ["2020年", "81万"])
    assert fact_correct("ABC 先诊疗后付费", ["abc"])  # case folded
    long_answer = "说明。" * 100 + "贫困发生率降至3.5%"
    assert fact_correct(long_answer, ["3.5%"])


def test_citation_precision():
    assert citation_precision(["a", "b", "c", "d"], ["a", "c"]) == 0.5
    assert citation_precision(["a"], ["a", "b"]) == 1.0
    assert citation_precision([], ["a"]) == 0.0


def test_abstention_precision_and_recall_with_out_of_scope_as_positive():
    abstained = [True, True, False, False]
    should = [True, False, True, False]
    assert abstention_precision_recall(abstained, should) == (0.5, 0.5)
    assert abstention_precision_recall([False, False], [True, False]) == (None, 0.0)
    assert abstention_precision_recall([True, False], [False, False]) == (0.0, None)
    with pytest.raises(ValueError):
        abstention_precision_recall([True], [True, False])


@pytest.mark.parametrize("q", [0, 25, 50, 90, 95, 100])
def test_percentile_matches_numpy(q):
    values = [12.0, 3.5, 7.25, 100.0, 1.0, 9.0, 44.0]
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_edge_cases():
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile(list(range(1, 11)), 50) == 5.5


def _outcomes() -> list[Outcome]:
    return [
        # ranked gold first, answered correctly, cites one gold and one other clause
        Outcome("q1", "number", "evaluator", ["g1"], ["81万"], ["g1", "x", "y"], "还有81万贫困人口 [1]", False,
                ["g1", "x"], latency_ms=10.0),
        # gold at rank 2 of 2 gold clauses (one missing), answer misses a fact
        Outcome("q2", "list", "trainer", ["g2", "g3"], ["甲", "乙"], ["x", "g2"], "甲 [1]", False, ["g2"],
                latency_ms=20.0),
        # in scope but abstained: a false abstention, no fact
        Outcome("q3", "colloquial", "resident", ["g4"], ["丙"], ["g4"], "没有找到", True, ["g4"], latency_ms=30.0),
        # out of scope, correctly abstained
        Outcome("q4", "out_of_scope", "resident", [], [], ["x"], "没有找到", True, ["x"], latency_ms=40.0),
        # out of scope, wrongly answered
        Outcome("q5", "out_of_scope", "cadre", [], [], ["x"], "答案", False, ["x"], latency_ms=50.0),
    ]


def test_summarize_one_system():
    s = summarize(_outcomes())
    for key in INTERFACE_KEYS:
        assert key in s
    assert (s["n"], s["n_in_scope"], s["n_out_of_scope"]) == (5, 3, 2)
    assert s["recall@1"] == pytest.approx((1 + 0 + 1) / 3)
    assert s["recall@5"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert s["mrr@10"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert s["fact_accuracy"] == pytest.approx(1 / 3)
    assert s["fact_recall"] == pytest.approx(2 / 4)  # 81万 ✓, 甲 ✓, 乙 ✗, 丙 ✗
    assert s["citation_precision"] == pytest.approx((0.5 + 1.0) / 2)  # q3 abstained: not counted
    assert s["abstain_precision"] == pytest.approx(1 / 2)  # abstained on q3 (wrong) and q4 (right)
    assert s["abstain_recall"] == pytest.approx(1 / 2)     # q4 of q4, q5
    assert s["false_abstentions"] == 1
    assert s["latency_p50_ms"] == 30.0
    assert s["latency_p95_ms"] == pytest.approx(48.0)


def test_summarize_without_in_scope_or_out_of_scope_questions_gives_none():
    only_oos = [o for o in _outcomes() if o.type == "out_of_scope"]
    s = summarize(only_oos)
    assert s["recall@5"] is None and s["fact_accuracy"] is None and s["citation_precision"] is None
    assert s["abstain_recall"] == 0.5
    s = summarize([o for o in _outcomes() if o.type != "out_of_scope"])
    assert s["abstain_recall"] is None and s["abstain_precision"] == 0.0


def test_breakdown_groups_by_key():
    groups = breakdown(_outcomes(), lambda o: o.persona)
    assert list(groups) == ["evaluator", "trainer", "resident", "cadre"]
    assert groups["resident"]["n"] == 2
    assert groups["resident"]["abstain_recall"] == 1.0
    assert groups["trainer"]["recall@5"] == 0.5


def test_recall_curve_is_monotonic_and_ends_at_recall_at_k():
    curve = recall_curve(_outcomes(), max_k=3)
    assert curve == pytest.approx([2 / 3, 2.5 / 3, 2.5 / 3])
    assert recall_curve([o for o in _outcomes() if o.type == "out_of_scope"]) == []


def test_coverage_curve_sweeps_the_threshold():
    from eval.metrics import Outcome, coverage_curve, outcome_counts

    def o(oos, p, unmet=None, outcome="answered"):
        return Outcome("q", "out_of_scope" if oos else "number", "cadre", [], [], [], coverage=p, unmet=unmet,
                       outcome=outcome)

    outcomes = [o(True, 0.2, outcome="not_covered"), o(True, 0.9, unmet="money", outcome="partial"),
                o(False, 0.6), o(False, 0.95)]
    low, mid, high = coverage_curve(outcomes, [0.0, 0.5, 0.99])
    assert low["abstain_recall"] == 0.5 and low["false_abstention_rate"] == 0.0   # only the unmet kind abstains
    assert mid["abstain_recall"] == 1.0 and mid["abstain_precision"] == 1.0
    assert high["false_abstention_rate"] == 1.0
    counts = outcome_counts(outcomes)
    assert counts["out_of_scope"] == {"answered": 0, "partial": 1, "not_covered": 1}
