"""The evaluation sets over the plan plus ../shared/policies (eval/sets.json "policies" and "policies_oos"),
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
SETS = ("policies", "policies_oos")


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
