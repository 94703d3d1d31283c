"""Checks the policy question sets (eval/questions_policies.jsonl, eval/questions_oos.jsonl).

Run from the repository root:  python -m eval.check_question_sets
Every anchor must be a verbatim substring (8–40 characters) occurring exactly once in its document
(the plan: corpus/lnfp13.txt; a policy: ../shared/policies/<doc id>.md), every fact must occur in one
of the question's anchored documents, ids must be unique, and the fields must be present and valid.
Exit status 1 when a problem is found (each problem is printed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the checkout (CI); a worktree one level deeper finds it one level further up
POLICIES = next((base / "shared" / "policies" for base in REPO.parents
                 if (base / "shared" / "policies").is_dir()), REPO.parent / "shared" / "policies")
PLAN_FILE = REPO / "corpus" / "lnfp13.txt"

PERSONAS = ("cadre", "trainer", "resident", "evaluator")
TYPES = ("fact", "number", "list", "yesno", "edition", "region", "cross_document", "colloquial",
         "multi_aspect", "out_of_scope")
SPLITS = ("calibration", "test")
POLICY_FIELDS = ("id", "question", "persona", "type", "region", "anchors", "facts", "expect_doc", "split")
OOS_FIELDS = ("id", "question", "persona", "type", "near", "split", "anchors", "facts")


def document_text(doc_id: str) -> str | None:
    path = PLAN_FILE if doc_id == "lnfp13" else POLICIES / f"{doc_id}.md"
    return path.read_text(encoding="utf-8") if path.exists() else None


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check_record(rec: dict, fields: tuple[str, ...], texts: dict[str, str | None]) -> list[str]:
    qid = rec.get("id", "?")
    problems = [f"{qid}: missing field {f}" for f in fields if f not in rec]
    if rec.get("persona") not in PERSONAS:
        problems.append(f"{qid}: persona {rec.get('persona')!r}")
    if rec.get("type") not in TYPES:
        problems.append(f"{qid}: type {rec.get('type')!r}")
    if rec.get("split") not in SPLITS:
        problems.append(f"{qid}: split {rec.get('split')!r}")
    anchors, facts = rec.get("anchors", []), rec.get("facts", [])
    if rec.get("type") == "out_of_scope":
        if anchors or facts or rec.get("expect_doc"):
            problems.append(f"{qid}: out_of_scope with anchors/facts/expect_doc")
        return problems
    if not anchors:
        problems.append(f"{qid}: no anchors")
    anchored = []
    for a in anchors:
        text = texts.setdefault(a["doc"], document_text(a["doc"]))
        if text is None:
            problems.append(f"{qid}: unknown document {a['doc']}")
            continue
        anchored.append(text)
        if not 8 <= len(a["text"]) <= 40:
            problems.append(f"{qid}: anchor length {len(a['text'])}: {a['text']}")
        count = text.count(a["text"])
        if count != 1:
            problems.append(f"{qid}: anchor occurs {count}× in {a['doc']}: {a['text']}")
    for fact in facts:
        if not any(fact in t for t in anchored):
            problems.append(f"{qid}: fact not in anchored documents: {fact}")
    if rec.get("type") in ("edition", "region"):
        expect = rec.get("expect_doc")
        if not expect:
            problems.append(f"{qid}: {rec['type']} question without expect_doc")
        elif anchors and anchors[0]["doc"] != expect:
            problems.append(f"{qid}: first anchor is not in expect_doc {expect}")
    elif rec.get("expect_doc"):
        problems.append(f"{qid}: expect_doc set on a {rec['type']} question")
    return problems


def main() -> int:
    texts: dict[str, str | None] = {}
    problems: list[str] = []
    seen_ids: set[str] = set()
    seen_questions: set[str] = set()
    for name, fields in (("questions_policies.jsonl", POLICY_FIELDS), ("questions_oos.jsonl", OOS_FIELDS)):
        path = REPO / "eval" / name
        if not path.exists():
            problems.append(f"missing {path}")
            continue
        for rec in read_jsonl(path):
            problems += check_record(rec, fields, texts)
            if rec.get("id") in seen_ids:
                problems.append(f"duplicate id {rec.get('id')}")
            if rec.get("question") in seen_questions:
                problems.append(f"duplicate question {rec.get('question')}")
            seen_ids.add(rec.get("id"))
            seen_questions.add(rec.get("question"))
    for p in problems:
        print(p)
    print(f"{len(seen_ids)} questions checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
