"""Per-question comparison of two runs' results.json: which questions broke, which got fixed.

A question's verdicts for one system are Recall@5, whether the answer states every fact, and whether
it abstained exactly when it should. It *broke* when any verdict got worse, and was *fixed* when one
got better and none got worse. Rank moves that leave those verdicts alone are not listed.
"""
from __future__ import annotations

DIFF_METRICS = ("recall@5", "mrr@10", "ndcg@10", "fact_accuracy", "citation_precision", "abstain_precision",
                "abstain_recall")


def _mark(ok) -> str:
    return "—" if ok is None else ("✓" if ok else "✗")


def compare_outcome(old: dict, new: dict) -> tuple[list[str], list[str]]:
    """(what got worse, what got better) between one system's two results for one question."""
    worse, better = [], []
    r_old, r_new = old.get("recall@5"), new.get("recall@5")
    if r_old is not None and r_new is not None and r_old != r_new:
        (worse if r_new < r_old else better).append(f"R@5 {r_old:.2f}→{r_new:.2f}")
    f_old, f_new = old.get("fact_ok"), new.get("fact_ok")
    if f_old is not None and f_new is not None and f_old != f_new:
        (worse if f_old else better).append(f"facts {_mark(f_old)}→{_mark(f_new)}")
    a_old, a_new = old.get("abstain_ok"), new.get("abstain_ok")
    if a_old is not None and a_new is not None and a_old != a_new:
        was, now = ("abstained" if old.get("abstained") else "answered"), ("abstained" if new.get("abstained") else "answered")
        (worse if a_old else better).append(f"{was}→{now}")
    return worse, better


def diff_results(previous: dict, current: dict) -> dict:
    """{"systems": {system: {"broke": [...], "fixed": [...]}}, "metrics": {...}, "added": [...], "removed": [...]}."""
    old_q = {q["id"]: q for q in previous.get("questions", [])}
    new_q = {q["id"]: q for q in current.get("questions", [])}
    out: dict = {"added": [i for i in new_q if i not in old_q], "removed": [i for i in old_q if i not in new_q],
                 "reworded": [], "systems": {}, "metrics": {}}
    systems = [s for s in current.get("systems", []) if s in previous.get("systems", [])]
    for qid, q in new_q.items():
        if qid in old_q and old_q[qid].get("question") != q.get("question"):
            out["reworded"].append(qid)
    for system in systems:
        broke, fixed = [], []
        for qid, q in new_q.items():
            old = old_q.get(qid, {}).get("systems", {}).get(system)
            new = q.get("systems", {}).get(system)
            if old is None or new is None:
                continue
            worse, better = compare_outcome(old, new)
            entry = {"id": qid, "type": q.get("type"), "question": q.get("question"),
                     "changes": worse + better, "answer": new.get("answer", ""), "ranked": new.get("ranked", [])[:5]}
            if worse:
                broke.append(entry)
            elif better:
                fixed.append(entry)
        out["systems"][system] = {"broke": broke, "fixed": fixed}
        old_m = previous.get("summary", {}).get("systems", {}).get(system, {})
        new_m = current.get("summary", {}).get("systems", {}).get(system, {})
        out["metrics"][system] = {m: (old_m.get(m), new_m.get(m)) for m in DIFF_METRICS if m in old_m or m in new_m}
    return out
