"""The second evaluation set: the plan plus ../shared/policies (eval/sets.json "policies"), over an index
built as a user builds it, with its floors in eval/floors.json ("sets" → "policies").

The index is the session's `library_kb` (built once); the run's report is left in
tests/artifacts/eval-policies/ so a failure shows which questions broke."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.runner import run_evaluation
from eval.sets import find_set

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ROOT / "eval" / "floors.json"
REPORT = ROOT / "tests" / "artifacts" / "eval-policies"


def set_floors() -> dict:
    return json.loads(FLOORS.read_text(encoding="utf-8")).get("sets", {}).get("policies", {"system": "full", "floors": {}})


@pytest.fixture(scope="module")
def measured(library_kb):
    questions = find_set("policies").questions
    if not questions.is_file():
        pytest.skip(f"{questions} is not in this checkout")
    return run_evaluation(library_kb, questions, REPORT, systems=[set_floors()["system"]], variants=None)


def test_policies_floors_are_declared():
    spec = set_floors()
    assert spec["system"] == "full"
    assert {"recall@5", "mrr@10", "fact_accuracy", "edition_accuracy", "region_accuracy"} <= set(spec["floors"])
    assert all(0.0 < v <= 1.0 for v in spec["floors"].values())


@pytest.mark.parametrize("metric", sorted(set_floors()["floors"]))
def test_policies_set_stays_above_its_floor(measured, metric):
    spec = set_floors()
    value = measured["systems"][spec["system"]][metric]
    assert value is not None and value >= spec["floors"][metric], (
        f"policies set: {spec['system']} {metric} fell to {value} (floor {spec['floors'][metric]}); "
        f"see {REPORT / 'report.md'}")


def test_every_anchor_of_the_policies_set_finds_its_clause(measured):
    assert not measured.get("unresolved_anchors")


def test_no_answer_cites_a_document_header(measured):
    assert measured["systems"][set_floors()["system"]]["header_citations"] == 0
