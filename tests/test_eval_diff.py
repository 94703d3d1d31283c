"""eval/diff.py: which questions broke and which got fixed between two runs."""
from __future__ import annotations

from eval.diff import compare_outcome, diff_results


def _res(r5=1.0, fact_ok=True, abstained=False, oos=False):
    return {"recall@5": None if oos else r5, "fact_ok": None if oos else fact_ok, "abstained": abstained,
            "abstain_ok": abstained == oos, "answer": "…", "ranked": ["a", "b"]}


def _run(per_question: dict, summary_r5: float = 0.9) -> dict:
    return {"systems": ["full"], "summary": {"systems": {"full": {"recall@5": summary_r5, "mrr@10": 0.8}}},
            "questions": [{"id": qid, "question": f"问题{qid}", "type": "number", "systems": {"full": res}}
                          for qid, res in per_question.items()]}


def test_compare_outcome():
    assert compare_outcome(_res(), _res()) == ([], [])
    worse, better = compare_outcome(_res(r5=1.0), _res(r5=0.5))
    assert worse == ["R@5 1.00→0.50"] and better == []
    worse, better = compare_outcome(_res(fact_ok=False), _res(fact_ok=True))
    assert worse == [] and better == ["facts ✗→✓"]
    worse, better = compare_outcome(_res(oos=True, abstained=True), _res(oos=True, abstained=False))
    assert worse == ["abstained→answered"]


def test_diff_lists_broken_and_fixed_questions_and_metric_changes():
    old = _run({"q1": _res(), "q2": _res(fact_ok=False), "q3": _res(), "q4": _res(), "gone": _res()}, 0.9)
    new = _run({"q1": _res(r5=0.0), "q2": _res(), "q3": _res(), "q4": _res(r5=0.5, fact_ok=False), "q5": _res()}, 0.8)
    new["questions"][2]["question"] = "改写过的问题"
    d = diff_results(old, new)
    full = d["systems"]["full"]
    assert [e["id"] for e in full["broke"]] == ["q1", "q4"]
    assert full["broke"][1]["changes"] == ["R@5 1.00→0.50", "facts ✓→✗"]
    assert [e["id"] for e in full["fixed"]] == ["q2"]
    assert d["added"] == ["q5"] and d["removed"] == ["gone"] and d["reworded"] == ["q3"]
    assert d["metrics"]["full"]["recall@5"] == (0.9, 0.8)


def test_mixed_changes_count_as_broken_and_systems_missing_before_are_skipped():
    old = _run({"q1": _res(r5=0.5, fact_ok=True)})
    new = _run({"q1": _res(r5=1.0, fact_ok=False)})
    assert [e["id"] for e in diff_results(old, new)["systems"]["full"]["broke"]] == ["q1"]
    old["systems"] = ["bm25"]
    assert diff_results(old, new)["systems"] == {}
