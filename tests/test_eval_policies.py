"""The evaluation sets over the plan plus ../shared/policies (eval/sets.json "policies", "policies_oos", "fresh"…"fresh20"),
on an index built as a user builds it, with their floors in eval/floors.json ("sets" → name).

The index is the session's `library_kb` (built once); each run's report is left in
tests/artifacts/eval-<set>/ so a failure shows which questions broke."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.runner import run_evaluation
from eval.sets import find_set

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ROOT / "eval" / "floors.json"
FRESH = ("fresh",) + tuple(f"fresh{n}" for n in range(2, 21))   # written by writers who never ran PolicyKB
SETS = ("policies", "policies_oos") + FRESH


def set_floors(name: str) -> dict:
    return json.loads(FLOORS.read_text(encoding="utf-8")).get("sets", {}).get(name, {"system": "full", "floors": {}})


def report_dir(name: str) -> Path:
    return ROOT / "tests" / "artifacts" / f"eval-{name}"


@pytest.fixture(scope="module")
def measured(library_kb):
    runs = {}
    for name in SETS:
        questions = find_set(name).questions
        if not questions.is_file():
            pytest.skip(f"{questions} is not in this checkout")
        runs[name] = run_evaluation(library_kb, questions, report_dir(name), systems=[set_floors(name)["system"]],
                                    variants=None)
    return runs


def test_floors_are_declared_for_both_sets():
    assert {"recall@5", "mrr@10", "fact_accuracy", "edition_accuracy", "region_accuracy"} <= set(set_floors("policies")["floors"])
    assert "abstain_recall" in set_floors("policies_oos")["floors"]
    for name in FRESH:
        assert {"recall@5", "fact_accuracy", "abstain_recall", "abstain_precision"} <= set(set_floors(name)["floors"])
    for name in SETS:
        assert set_floors(name)["system"] == "full"
        assert all(0.0 < v <= 1.0 for v in set_floors(name)["floors"].values())


@pytest.mark.parametrize("name, metric", [(n, m) for n in SETS for m in sorted(set_floors(n)["floors"])])
def test_each_set_stays_above_its_floor(measured, name, metric):
    spec = set_floors(name)
    value = measured[name]["systems"][spec["system"]][metric]
    assert value is not None and value >= spec["floors"][metric], (
        f"{name}: {spec['system']} {metric} fell to {value} (floor {spec['floors'][metric]}); "
        f"see {report_dir(name) / 'report.md'}")


def test_every_answered_edition_and_region_question_leads_with_the_right_document(measured):
    """The current edition (or the older one asked for) first on every edition question; the asker's
    region's document first on every region question, and never another province's."""
    results = json.loads((report_dir("policies") / "results.json").read_text(encoding="utf-8"))
    wrong = [(r["id"], r["question"], r["systems"]["full"].get("cited_docs", [None])[0]) for r in results["questions"]
             if not r["systems"]["full"]["abstained"]
             and False in (r["systems"]["full"].get("edition_ok"), r["systems"]["full"].get("region_ok"))]
    assert not wrong
    assert measured["policies"]["systems"]["full"]["region_foreign_leads"] == 0


def test_every_anchor_finds_its_clause(measured):
    assert not measured["policies"].get("unresolved_anchors")


def test_policykb_eval_runs_every_set_beside_the_first(kb, library_index, tmp_path):
    """run_sets: the first set on the given index, a set with documents on its own (here the session's
    library index, found by its content key), a set whose documents are absent skipped with a note."""
    from eval.dataset import load_questions, write_questions
    from eval.report import summary_table
    from eval.runner import run_sets
    from eval.sets import EvalSet

    plan = load_questions(ROOT / "eval" / "questions.jsonl")[:3]
    write_questions(tmp_path / "plan.jsonl", plan)
    policies = find_set("policies")
    if not policies.questions.is_file():
        pytest.skip(f"{policies.questions} is not in this checkout")
    picked = [q for q in load_questions(policies.questions) if q.type in ("edition", "region", "out_of_scope")][::6]
    write_questions(tmp_path / "lib.jsonl", picked)
    sets = [EvalSet("plan", tmp_path / "plan.jsonl", policies.corpus),
            EvalSet("lib", tmp_path / "lib.jsonl", policies.corpus, policies.documents),
            EvalSet("gone", tmp_path / "none.jsonl", policies.corpus, (), "its documents are not present")]
    work = library_index[0].parent.parent
    summary = run_sets(kb, tmp_path / "report", sets=sets, systems=["full"], work_dir=work, variants=None)
    assert summary["questions"] == 3 and list(summary["sets"]) == ["plan", "lib", "gone"]
    lib = summary["sets"]["lib"]
    assert lib["questions"] == len(picked) and lib["report"] == str(tmp_path / "report" / "lib" / "report.md")
    assert lib["systems"]["full"]["edition_accuracy"] is not None and lib["systems"]["full"]["region_accuracy"] is not None
    assert summary["sets"]["gone"] == {"skipped": "its documents are not present"}
    main_report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Other evaluation sets" in main_report and "Edition acc" in main_report
    assert "Editions, regions and headers" in (tmp_path / "report" / "lib" / "report.md").read_text(encoding="utf-8")
    assert "set lib:" in summary_table(summary) and "skipped" in summary_table(summary)
    assert sorted(p.name for p in work.iterdir() if p.name.startswith("index-")) == [library_index[0].parent.name]


def test_no_answer_cites_a_document_header(measured, library_kb):
    """A document's header (title, history lines) is metadata, not a clause, once documents have records."""
    if not any("record" in rec for rec in library_kb.stored.documents.values()):
        pytest.skip("this index has no document records yet: headers are still clauses")
    assert measured["policies"]["systems"]["full"]["header_citations"] == 0
