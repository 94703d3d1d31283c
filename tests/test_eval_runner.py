"""eval/runner.py end to end on a small question file: summary shape, files, diff, robustness, CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.baselines import PlainBM25
from eval.dataset import load_questions, write_questions
from eval.runner import SYSTEMS, run_evaluation
from eval.variants import make_variants
from indexer.errors import BadInput

ROOT = Path(__file__).resolve().parent.parent
INTERFACE_KEYS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "fact_accuracy", "citation_precision",
                  "abstain_precision", "abstain_recall", "latency_p50_ms")


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    """A few questions of each kind from the real set, and variants of two of them."""
    questions = load_questions(ROOT / "eval" / "questions.jsonl")
    picked, seen = [], {}
    for q in questions:
        if seen.get(q.type, 0) < (2 if q.type == "out_of_scope" else 1):
            picked.append(q)
            seen[q.type] = seen.get(q.type, 0) + 1
    folder = tmp_path_factory.mktemp("evalset")
    path = folder / "small.jsonl"
    write_questions(path, picked)
    in_scope = [q for q in picked if not q.out_of_scope][:2]
    write_questions(folder / "small_variants.jsonl", [v for q in in_scope for v in make_variants(q)])
    return path


@pytest.fixture(scope="module")
def first_run(kb, small_set, tmp_path_factory):
    report = tmp_path_factory.mktemp("report")
    stages = set()
    summary = run_evaluation(kb, small_set, report, progress=lambda stage, done, total: stages.add(stage))
    return summary, report, stages


def test_summary_has_the_interface_shape(first_run, small_set):
    summary, report, _ = first_run
    assert summary["questions"] == len(load_questions(small_set))
    assert list(summary["systems"]) == list(SYSTEMS)
    for metrics in summary["systems"].values():
        for key in INTERFACE_KEYS:
            assert key in metrics
            assert metrics[key] is None or isinstance(metrics[key], float)
    assert summary["report"] == str(report / "report.md")
    json.dumps(summary)  # printable as the --json last line
    assert set(summary["by_type"]["full"]) == {q.type for q in load_questions(small_set)}
    assert "resident" in summary["by_persona"]["full"] or "evaluator" in summary["by_persona"]["full"]


def test_report_results_and_plots_are_written(first_run, small_set):
    summary, report, stages = first_run
    assert {"evaluating", "report"} <= stages
    md = (report / "report.md").read_text(encoding="utf-8")
    assert "## Summary" in md and "## Robustness" in md and "No previous run" in md
    for png in ("recall_at_k.png", "by_type.png"):
        data = (report / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in results["questions"]] == [q.id for q in load_questions(small_set)]
    for r in results["questions"]:
        for system in SYSTEMS:
            res = r["systems"][system]
            assert {"ranked", "answer", "abstained", "cited", "fact_hits", "fact_ok", "abstain_ok", "latency_ms",
                    "search_ms"} <= set(res)
            assert not {"warm_ms", "embeddings"} & set(res)
            assert len(res["ranked"]) <= 10
            if "error" not in res:
                assert res["latency_ms"] > 0
    assert results["variants"] and all(v["variant_of"] for v in results["variants"])
    assert summary["robustness"]["kinds"]["all"]["n"] == len(results["variants"])


def test_latency_is_measured_not_estimated(first_run):
    summary, _, _ = first_run
    assert not {"encode_p50_ms"} & set(summary)
    for metrics in summary["systems"].values():
        assert metrics["latency_p50_ms"] > 0 and metrics["latency_p95_ms"] >= metrics["latency_p50_ms"]
        assert not {"warm_p50_ms", "warm_p95_ms", "embeddings_mean"} & set(metrics)


class RecordingKB:
    """The real knowledge base, recording the order of cache clears and asks."""

    def __init__(self, kb) -> None:
        self._kb, self.calls = kb, []

    def __getattr__(self, name):
        return getattr(self._kb, name)

    def clear_query_cache(self) -> None:
        self.calls.append("clear")
        self._kb.clear_query_cache()

    def ask(self, question, **kwargs):
        self.calls.append(("ask", kwargs.get("mode"), kwargs.get("qid")))
        return self._kb.ask(question, **kwargs)


def test_every_timed_ask_pays_for_its_own_embeddings(kb, small_set, tmp_path):
    spy = RecordingKB(kb)
    run_evaluation(spy, small_set, tmp_path / "r", systems=["dense", "full"], variants=None)
    timed = [i for i, c in enumerate(spy.calls) if c != "clear" and c[2] is not None]  # the warm-up has no qid
    assert len(timed) == 2 * len(load_questions(small_set))
    assert all(spy.calls[i - 1] == "clear" for i in timed)


def test_bm25_retrieval_is_the_plain_baseline(first_run, kb):
    _, report, _ = first_run
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    baseline = PlainBM25.from_clauses(kb.clauses())
    for r in results["questions"]:
        assert r["systems"]["bm25"]["ranked"] == baseline.rank(r["question"], 10)


def test_a_second_run_diffs_against_the_first(kb, small_set, tmp_path):
    report = tmp_path / "report"
    run_evaluation(kb, small_set, report, systems=["full"], variants=None)
    # pretend the first run did better on the first question, worse on none
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    first = results["questions"][0]
    first["systems"]["full"]["recall@5"] = 2.0  # anything now is a drop
    (report / "results.json").write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    run_evaluation(kb, small_set, report, systems=["full"], variants=None)
    md = (report / "report.md").read_text(encoding="utf-8")
    assert "Compared with" in md and "question(s) broke" in md and first["id"] in md


def test_explicit_previous_and_bad_arguments(kb, small_set, tmp_path):
    with pytest.raises(BadInput):
        run_evaluation(kb, small_set, tmp_path / "r", previous=tmp_path / "missing.json")
    with pytest.raises(BadInput):
        run_evaluation(kb, small_set, tmp_path / "r", systems=["bm25", "gpt"])
    with pytest.raises(BadInput):
        run_evaluation(kb, tmp_path / "nope.jsonl", tmp_path / "r")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "?"}\n', encoding="utf-8")
    with pytest.raises(BadInput, match="missing field"):
        run_evaluation(kb, bad, tmp_path / "r")


def test_subset_of_systems(kb, small_set, tmp_path):
    summary = run_evaluation(kb, small_set, tmp_path / "r", systems=["dense", "bm25"], variants=None)
    assert list(summary["systems"]) == ["bm25", "dense"] and "robustness" not in summary


def test_cli_eval_prints_the_summary_json_last(run_cli, index_dir, small_set, tmp_path):
    code, out, _ = run_cli("--index", index_dir, "--corpus", ROOT / "corpus", "eval", "--questions", small_set,
                           "--report", tmp_path / "cli", "--systems", "bm25,full", "--json")
    assert code == 0
    summary = json.loads(out.strip().splitlines()[-1])
    assert set(summary["systems"]) == {"bm25", "full"} and summary["report"].endswith("report.md")
    code, _, err = run_cli("--index", index_dir, "--corpus", ROOT / "corpus", "eval", "--questions", small_set,
                           "--report", tmp_path / "cli", "--systems", "full,gpt")
    assert code == 2 and "--systems" in err and "Traceback" not in err
