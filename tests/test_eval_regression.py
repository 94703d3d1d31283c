"""The regression guard: the full pipeline on the evaluation set stays above the floors in eval/floors.json.

The report of the run (with a per-question diff against the previous local run) is left in
tests/artifacts/eval-report/ so a failure shows which questions broke.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.runner import run_evaluation

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
FLOORS = ROOT / "eval" / "floors.json"
REPORT = ROOT / "tests" / "artifacts" / "eval-report"


def floors() -> dict:
    return json.loads(FLOORS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def measured(kb):
    spec = floors()
    return run_evaluation(kb, QUESTIONS, REPORT, systems=[spec["system"]], variants=None)


def test_floors_file_is_well_formed():
    spec = floors()
    assert spec["system"] == "full"
    assert {"recall@5", "mrr@10", "fact_accuracy", "abstain_precision", "abstain_recall"} <= set(spec["floors"])
    assert all(0.0 < v <= 1.0 for v in spec["floors"].values())


@pytest.mark.parametrize("metric", sorted(floors()["floors"]))
def test_full_pipeline_stays_above_its_floor(measured, metric):
    spec = floors()
    value = measured["systems"][spec["system"]][metric]
    assert value is not None and value >= spec["floors"][metric], (
        f"{spec['system']} {metric} fell to {value} (floor {spec['floors'][metric]}); "
        f"see {REPORT / 'report.md'} for the questions that broke")
