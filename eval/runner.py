"""Running the evaluation: every question through every system, then metrics, plots, diff and report.

Systems (what each row of the report measures):
- bm25:   retrieval metrics from the plain rank-bm25 baseline (eval/baselines.py); answer metrics from
          `kb.ask(mode="bm25")`, i.e. the engine's answer composer and abstention fed by the engine's
          own BM25 (domain dictionary, synonyms) — a composer cannot run on the plain baseline's list.
- dense:  `kb.search` / `kb.ask` with mode "dense" (the default encoder only).
- hybrid: mode "hybrid" (BM25 + dense, fused).
- full:   mode "full" (hybrid + question analysis + multi-aspect retrieval).
Every system answers with top_k=5 and ranks 10 clauses.

Latency is measured, not estimated: before each timed `kb.ask` the runner calls the public
`kb.clear_query_cache()`, so every system pays for its own question embedding(s) (one, or one more per
aspect for the full pipeline), and `latency_ms` is the answer's own `latency_ms` (the engine times
`kb.ask` from analysis to composed answer). One untimed question first loads the lazy parts (tokenizer,
encoder). `search_ms` times the ranking call that follows the ask, whose embedding is then cached.
The run uses one BLAS/OpenMP thread, like the UI server.
"""
from __future__ import annotations

import contextlib
import json
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from indexer.errors import BadInput
from indexer.regions import NATIONAL, Regions, default_regions

from . import metrics
from .baselines import PlainBM25
from .dataset import EDITION, Question, load_questions
from .diff import diff_results
from .metrics import Outcome, breakdown, facts_found, reciprocal_rank, recall_at_k, summarize
from .plots import plot_by_type, plot_coverage_curve, plot_recall_curves
from .report import render_report
from .sets import WORK_DIR, EvalSet, load_sets, prepare_index, resolve_questions, set_key

DEFAULT_QUESTIONS = Path("eval/questions.jsonl")
DEFAULT_REPORT = Path("eval/report")
SYSTEMS = ("bm25", "dense", "hybrid", "full")
RANK_DEPTH = 10
ANSWER_TOP_K = 5
ROBUSTNESS_SYSTEM = "full"
AUTO = "auto"


def variants_path_for(questions_path: Path) -> Path:
    """eval/questions.jsonl → eval/questions_variants.jsonl."""
    return questions_path.with_name(questions_path.stem + "_variants.jsonl")


def run_evaluation(kb, questions_path: Path, report_dir: Path, previous: Path | None = None,
                   systems: list[str] | None = None, progress=None, variants=AUTO, other_sets: dict | None = None) -> dict:
    """Evaluate, write report.md, results.json and plots into report_dir; return the summary.

    previous: a results.json to diff against (default: report_dir/results.json left by the last run).
    variants: "auto" (the questions file's `<stem>_variants.jsonl` when it exists), a path, or None.
    other_sets: summaries of other evaluation sets, shown in the report (see run_sets).
    """
    with one_native_thread():
        return _run_evaluation(kb, questions_path, report_dir, previous, systems, progress, variants, other_sets)


def one_native_thread():
    """One BLAS/OpenMP thread while evaluating, as the UI server runs (see ui.state.limit_native_threads).

    The encoder already limits itself while embedding a question; this covers the rest of the engine's
    native work (dense scoring), so the measured latencies are the server's, not a many-threaded process's."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def _run_evaluation(kb, questions_path, report_dir, previous, systems, progress, variants, other_sets=None) -> dict:
    started = time.perf_counter()
    questions_path, report_dir = Path(questions_path), Path(report_dir)
    questions, unresolved = resolve_questions(load_questions(questions_path), kb.clauses())
    systems = check_systems(systems)
    variants_path = _variants_path(variants, questions_path) if ROBUSTNESS_SYSTEM in systems else None
    say = progress or (lambda stage, done, total: None)
    old_results = load_previous(previous, report_dir)
    library = Library.of(kb)

    baseline = PlainBM25.from_clauses(kb.clauses()) if "bm25" in systems else None
    warm_up(kb, questions)
    outcomes, records, engine_bm25 = run_systems(kb, questions, systems, baseline, say, library)

    summary: dict = {"questions": len(questions), "systems": {s: summarize(outcomes[s]) for s in systems}}
    summary["by_type"] = {s: breakdown(outcomes[s], lambda o: o.type) for s in systems}
    summary["by_persona"] = {s: breakdown(outcomes[s], lambda o: o.persona) for s in systems}
    splits = {q.split for q in questions if q.split}
    if splits:
        by_id = {q.id: q.split or "none" for q in questions}
        summary["by_split"] = {s: breakdown(outcomes[s], lambda o: by_id[o.qid]) for s in systems}
    if unresolved:
        summary["unresolved_anchors"] = unresolved
    if engine_bm25:
        summary["diagnostics"] = {"bm25_engine_retrieval": _retrieval_only(summarize(engine_bm25))}

    variant_records: list[dict] = []
    if variants_path is not None:
        robustness, variant_records = run_robustness(kb, questions, variants_path, outcomes[ROBUSTNESS_SYSTEM], say)
        summary["robustness"] = robustness

    report_dir.mkdir(parents=True, exist_ok=True)
    report_md = report_dir / "report.md"
    summary["report"] = str(report_md)
    summary = rounded(summary)
    results = {"questions_file": str(questions_path), "systems": systems, "summary": summary,
               "questions": records, "variants": variant_records}
    (report_dir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")

    say("report", 0, 1)
    plots = {"recall": plot_recall_curves({s: metrics.recall_curve(outcomes[s], RANK_DEPTH) for s in systems},
                                          report_dir / "recall_at_k.png").name,
             "by_type": plot_by_type(summary["by_type"], ("recall@5", "mrr@10", "fact_accuracy"),
                                     report_dir / "by_type.png").name}
    coverage_system = "full" if "full" in systems else systems[-1]
    coverage = coverage_report(kb, outcomes[coverage_system], report_dir, coverage_system)
    if coverage:
        plots["coverage"] = coverage["plot"]
    diff = diff_results(old_results, results) if old_results else None
    context = {"questions_file": str(questions_path), "variants_file": str(variants_path) if variants_path else None,
               "clauses": len(kb.clauses()), "documents": [d.get("doc_id") for d in kb.documents()],
               "encoder": _encoder_name(kb), "plots": plots, "diff": diff,
               "previous": old_results.get("_path") if old_results else None,
               "failures": failures(records, ROBUSTNESS_SYSTEM if ROBUSTNESS_SYSTEM in systems else systems[-1]),
               "variant_failures": variant_failures(variant_records, records),
               "unresolved": unresolved, "sets": other_sets or {},
               "coverage": coverage, "elapsed_s": round(time.perf_counter() - started, 1)}
    report_md.write_text(render_report(summary, context), encoding="utf-8")
    say("report", 1, 1)
    return summary


# --- several sets ---------------------------------------------------------------------------
SET_SUMMARY_KEYS = ("questions", "systems", "by_split", "report", "unresolved_anchors")


def run_sets(kb, report_dir: Path, sets: list[EvalSet] | None = None, previous: Path | None = None,
             systems: list[str] | None = None, progress=None, work_dir: Path = WORK_DIR, variants=AUTO) -> dict:
    """Every evaluation set of eval/sets.json. The first set without documents of its own runs on `kb` and
    writes report_dir (its summary is the top level, in the INTERFACE.md shape); each other set runs on its
    own index (plan + its documents, built and cached by eval.sets.prepare_index) and writes
    report_dir/<set name>/. The summary gains "sets": {name: that set's headline summary, or why skipped}."""
    sets = list(sets) if sets is not None else load_sets()
    main = next((s for s in sets if not s.own_index), None)
    if main is None:
        raise BadInput("eval/sets.json: no set runs on the given index (every set names documents of its own)")
    others: dict[str, dict] = {}
    opened: dict = {}   # sets over the same documents share one index, opened once
    for s in sets:
        if s is main:
            continue
        if s.unavailable or not s.questions.is_file():
            others[s.name] = {"skipped": s.unavailable or f"no question file {s.questions}"}
            continue
        summary = run_set(kb, s, Path(report_dir) / s.name, systems=systems, progress=progress,
                          work_dir=work_dir, variants=variants, opened=opened)
        others[s.name] = {k: summary[k] for k in SET_SUMMARY_KEYS if k in summary}
    summary = run_evaluation(kb, main.questions, report_dir, previous, systems, progress, variants, other_sets=others)
    summary["sets"] = {main.name: {k: summary[k] for k in SET_SUMMARY_KEYS if k in summary}, **others}
    return summary


def run_set(kb, s: EvalSet, report_dir: Path, previous: Path | None = None, systems: list[str] | None = None,
            progress=None, work_dir: Path = WORK_DIR, variants=AUTO, opened: dict | None = None) -> dict:
    """One evaluation set: on its own index when it names documents (built or refreshed first), else on `kb`.
    `opened` (folder → knowledge base) lets sets over the same documents share one."""
    from qa.engine import open_knowledge_base

    if s.unavailable:
        raise BadInput(f"evaluation set {s.name}: {s.unavailable}")
    if not s.questions.is_file():
        raise BadInput(f"evaluation set {s.name}: no question file {s.questions}")
    set_kb = kb
    if s.own_index:
        opened = {} if opened is None else opened
        key = set_key(s)
        if key not in opened:
            index, corpus = prepare_index(s, work_dir, progress)
            opened[key] = open_knowledge_base(index, corpus, build_if_missing=False)
        set_kb = opened[key]
    return run_evaluation(set_kb, s.questions, report_dir, previous, systems, progress, variants)


# --- the coverage decision ------------------------------------------------------------------
def coverage_report(kb, outcomes: list[Outcome], report_dir: Path, system: str) -> dict | None:
    """The precision/recall curve of the coverage decision on this set, with the operating point (the
    threshold the engine uses, from qa/coverage_model.json), as a table and a PNG."""
    if not any(o.coverage is not None for o in outcomes) or not any(o.out_of_scope for o in outcomes):
        return None
    threshold = getattr(getattr(kb, "coverage_model", None), "threshold", None)
    points = metrics.coverage_curve(outcomes)
    operating = metrics.coverage_curve(outcomes, [threshold])[0] if threshold is not None else None
    plot = plot_coverage_curve(points, operating, report_dir / "coverage_curve.png").name
    return {"system": system, "threshold": threshold, "operating": operating, "plot": plot,
            "table": thin_curve(points), "outcomes": metrics.outcome_counts(outcomes)}


def thin_curve(points: list[dict], rows: int = 12) -> list[dict]:
    """A dozen points of the curve for the report's table, evenly spread over the thresholds."""
    if len(points) <= rows:
        return points
    step = (len(points) - 1) / (rows - 1)
    return [points[round(i * step)] for i in range(rows)]


# --- set-up ---------------------------------------------------------------------------------
def check_systems(systems) -> list[str]:
    if not systems:
        return list(SYSTEMS)
    chosen = [s.strip() for s in systems if s.strip()]
    unknown = [s for s in chosen if s not in SYSTEMS]
    if unknown or not chosen:
        raise BadInput(f"--systems {','.join(systems)}: use a comma-separated subset of {','.join(SYSTEMS)}")
    return [s for s in SYSTEMS if s in chosen]


def _variants_path(variants, questions_path: Path) -> Path | None:
    if variants is None or variants is False:
        return None
    if variants == AUTO:
        path = variants_path_for(questions_path)
        return path if path.is_file() else None
    path = Path(variants)
    if not path.is_file():
        raise BadInput(f"{path}: no such variants file")
    return path


def load_previous(previous: Path | None, report_dir: Path) -> dict | None:
    """The previous run's results, read before this run overwrites them."""
    path = Path(previous) if previous else report_dir / "results.json"
    if not path.is_file():
        if previous:
            raise BadInput(f"--previous {path}: no such file")
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        if previous:
            raise BadInput(f"--previous {path}: not a results.json ({exc})") from None
        return None  # a damaged leftover is simply not compared against
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        if previous:
            raise BadInput(f"--previous {path}: not a results.json (no per-question results)")
        return None
    data["_path"] = str(path)
    return data


def _encoder_name(kb) -> str:
    try:
        return kb.stored.manifest["encoder"]["name"]
    except (AttributeError, KeyError, TypeError):
        return "?"


# --- running --------------------------------------------------------------------------------
def warm_up(kb, questions: list[Question]) -> None:
    """Ask one question untimed, so that loading the tokenizer's and encoder's lazy parts is not timed."""
    for q in questions:
        try:
            kb.ask(q.question, top_k=ANSWER_TOP_K, mode="full")
            return
        except BadInput:
            continue


@dataclass
class Library:
    """What the runner knows of the indexed documents: each one's region, and which clauses are headers."""

    regions: Regions
    doc_region: dict[str, str] = field(default_factory=dict)     # doc_id → "全国" or a province's full name
    header_ids: frozenset[str] = frozenset()

    @classmethod
    def of(cls, kb) -> "Library":
        from qa.scope import document_region

        regions = default_regions()
        doc_region = {d["doc_id"]: document_region(d, regions) for d in kb.documents()}
        return cls(regions, doc_region, frozenset(c.clause_id for c in kb.clauses() if is_header(c)))

    def province(self, region: str | None) -> str | None:
        if region == NATIONAL:
            return NATIONAL
        return self.regions.province_of(region) or region

    def place(self, outcome: Outcome, question: Question, cited_docs: list[str], cited_ids: list[str]) -> None:
        """Fill the outcome's edition/region fields from the question and the citations."""
        outcome.expect_doc = question.expect_doc
        outcome.region = self.regions.canonical(question.region) or question.region if question.region else None
        outcome.region_province = self.province(outcome.region)
        outcome.region_in_library = outcome.region is None or any(
            self.province(r) == outcome.region_province for r in self.doc_region.values())
        outcome.cited_docs = cited_docs
        outcome.cited_regions = [self.doc_region.get(d, NATIONAL) for d in cited_docs]
        outcome.cited_provinces = [self.province(r) for r in outcome.cited_regions]
        outcome.cited_header = any(c in self.header_ids for c in cited_ids)


# a document's header as a clause: the Markdown end-of-header mark, or history lines (date + 通过/修正/施行 …)
_HEADER = re.compile(r"<!--\s*INFO END\s*-->|^\s*\d{4}年\d{1,2}月\d{1,2}日[^。；\n]{0,80}(通过|修正|修订|公布|发布|施行)[）)]?\s*$",
                     re.M)


def is_header(clause) -> bool:
    """A document's header cut as a clause (before its first heading: the title block and history lines)."""
    return clause.kind == "preamble" and bool(_HEADER.search(clause.text))


def evaluate(kb, question: Question, system: str, baseline: PlainBM25 | None,
             library: Library | None = None) -> tuple[Outcome, dict]:
    """Ask (timed, query embeddings not cached), then rank; returns the outcome and extras for
    results.json (an error, the engine's BM25 list)."""
    extra: dict = {}
    outcome = Outcome(question.id, question.type, question.persona, question.gold, question.facts, ranked=[])
    if library is not None:
        library.place(outcome, question, [], [])
    try:
        kb.clear_query_cache()  # this system pays for its own question embedding(s)
        answer = kb.ask(question.question, top_k=ANSWER_TOP_K, qid=question.id, mode=system)
        outcome.answer, outcome.abstained, outcome.outcome = answer.answer, answer.abstained, answer.outcome
        signals = answer.signals or {}
        outcome.coverage = signals.get("coverage_model", {}).get("probability")
        outcome.gated = bool(signals.get("unknown_years") or signals.get("unknown_places"))
        outcome.unmet = signals.get("unmet_answer_type")
        outcome.cited = [c.clause.clause_id for c in answer.citations]
        if library is not None and not answer.abstained:
            library.place(outcome, question, [c.clause.doc_id for c in answer.citations], outcome.cited)
        outcome.latency_ms = answer.latency_ms
        t0 = time.perf_counter()
        if system == "bm25":
            outcome.ranked = baseline.rank(question.question, RANK_DEPTH)
        else:
            outcome.ranked = [h.clause.clause_id for h in kb.search(question.question, RANK_DEPTH, system)]
        outcome.search_ms = (time.perf_counter() - t0) * 1000
        if system == "bm25":
            extra["engine_ranked"] = [h.clause.clause_id for h in kb.search(question.question, RANK_DEPTH, "bm25")]
    except BadInput as exc:  # the engine refused the question: it counts as an abstention with no ranking
        outcome.abstained = True
        extra["error"] = str(exc)
    return outcome, extra


def run_systems(kb, questions: list[Question], systems: list[str], baseline, say, library: Library | None = None):
    outcomes: dict[str, list[Outcome]] = {s: [] for s in systems}
    engine_bm25: list[Outcome] = []
    records = []
    for n, q in enumerate(questions):
        say("evaluating", n, len(questions))
        record = {"id": q.id, "question": q.question, "type": q.type, "persona": q.persona, "chapter": q.chapter,
                  "gold": q.gold, "facts": q.facts, "systems": {}}
        for key in ("region", "expect_doc", "split"):
            if getattr(q, key):
                record[key] = getattr(q, key)
        for system in systems:
            outcome, extra = evaluate(kb, q, system, baseline, library)
            outcomes[system].append(outcome)
            record["systems"][system] = outcome_record(outcome, extra)
            if "engine_ranked" in extra:
                engine_bm25.append(replace(outcome, ranked=extra["engine_ranked"]))
        records.append(record)
    say("evaluating", len(questions), len(questions))
    return outcomes, records, engine_bm25


def outcome_record(o: Outcome, extra: dict | None = None) -> dict:
    """One system's result on one question, with its verdicts, as stored in results.json."""
    hits = facts_found(o.answer, o.facts) if o.facts and not o.out_of_scope else []
    record = {"ranked": o.ranked, "answer": o.answer, "abstained": o.abstained, "outcome": o.outcome,
              "coverage": o.coverage, "cited": o.cited,
              "fact_hits": hits, "fact_ok": all(hits) if hits else None, "abstain_ok": o.abstained == o.out_of_scope,
              "recall@5": recall_at_k(o.ranked, o.gold, 5) if o.gold and not o.out_of_scope else None,
              "rr@10": reciprocal_rank(o.ranked, o.gold, 10) if o.gold and not o.out_of_scope else None,
              "latency_ms": round(o.latency_ms, 2), "search_ms": round(o.search_ms, 2)}
    if o.cited_docs:
        record["cited_docs"] = o.cited_docs
    if o.expect_doc and o.type == EDITION:
        record["edition_ok"] = metrics.edition_correct(o)
    if o.region and not o.out_of_scope:
        record["region_ok"] = metrics.region_correct(o)
    if o.cited_header:
        record["cited_header"] = True
    record.update(extra or {})
    return record


# --- robustness -----------------------------------------------------------------------------
def run_robustness(kb, questions: list[Question], variants_path: Path, originals: list[Outcome], say):
    """The full pipeline on every variant, against its own result on the original wording."""
    by_id = {q.id: q for q in questions}
    usable, stale = [], 0
    for v in load_questions(variants_path):
        base = by_id.get(v.variant_of)
        if base is None or base.out_of_scope or (v.original and v.original != base.question):
            stale += 1
            continue
        # gold, facts, type and persona always come from the current question file
        usable.append(replace(base, id=v.id, question=v.question, variant=v.variant, variant_of=base.id, edit=v.edit))
    original_by_id = {o.qid: o for o in originals}
    by_kind: dict[str, list[tuple[Outcome, Outcome]]] = {}
    records = []
    for n, v in enumerate(usable):
        say("robustness", n, len(usable))
        outcome, extra = evaluate(kb, v, ROBUSTNESS_SYSTEM, None)
        by_kind.setdefault(v.variant, []).append((original_by_id[v.variant_of], outcome))
        record = {"id": v.id, "variant_of": v.variant_of, "variant": v.variant, "edit": v.edit,
                  "question": v.question, "type": v.type, "persona": v.persona}
        record.update(outcome_record(outcome, extra))
        records.append(record)
    say("robustness", len(usable), len(usable))
    table = {kind: robustness_row(pairs) for kind, pairs in by_kind.items()}
    if by_kind:
        table["all"] = robustness_row([p for pairs in by_kind.values() for p in pairs])
    return {"system": ROBUSTNESS_SYSTEM, "file": str(variants_path), "stale_variants": stale, "kinds": table}, records


ROBUST_METRICS = ("recall@5", "mrr@10", "fact_accuracy")


def robustness_row(pairs: list[tuple[Outcome, Outcome]]) -> dict:
    original = summarize([o for o, _ in pairs])
    variant = summarize([v for _, v in pairs])
    row: dict = {"n": len(pairs)}
    for m in ROBUST_METRICS:
        row[f"{m}_original"], row[m] = original[m], variant[m]
        row[f"{m}_drop"] = (original[m] - variant[m]) if original[m] is not None and variant[m] is not None else None
    row["false_abstentions"] = variant["false_abstentions"]
    return row


# --- what the report lists ------------------------------------------------------------------
def failures(records: list[dict], system: str) -> list[dict]:
    """The questions this system gets wrong in some way, with what went wrong."""
    out = []
    for r in records:
        res = r["systems"].get(system)
        if res is None:
            continue
        problems = []
        if r["type"] == "out_of_scope":
            if not res["abstained"]:
                problems.append("answered (should abstain)")
        else:
            if res["abstained"]:
                problems.append("abstained")
            if res["recall@5"] is not None and res["recall@5"] < 1:
                problems.append(f"R@5 {res['recall@5']:.2f}")
            if res["fact_ok"] is False:
                missing = [f for f, hit in zip(r["facts"], res["fact_hits"]) if not hit]
                problems.append("missing facts: " + "、".join(missing))
            first = (res.get("cited_docs") or ["nothing"])[0]
            if res.get("edition_ok") is False:
                problems.append(f"edition: cited {first} first, not {r.get('expect_doc')}")
            if res.get("region_ok") is False:
                problems.append(f"region {r.get('region')}: cited {first} first")
        if res.get("cited_header"):
            problems.append("cited a document header")
        if problems:
            out.append({"id": r["id"], "type": r["type"], "persona": r["persona"], "question": r["question"],
                        "problems": problems, "gold": r["gold"], "ranked": res["ranked"][:5],
                        "error": res.get("error")})
    return out


def variant_failures(variant_records: list[dict], records: list[dict]) -> list[dict]:
    """Variants that do worse than their original wording (Recall@5, facts or a new abstention)."""
    originals = {r["id"]: r["systems"].get(ROBUSTNESS_SYSTEM) for r in records}
    out = []
    for v in variant_records:
        o = originals.get(v["variant_of"])
        if o is None:
            continue
        problems = []
        if (v["recall@5"] or 0) < (o["recall@5"] or 0):
            problems.append(f"R@5 {o['recall@5']:.2f}→{v['recall@5']:.2f}")
        if o["fact_ok"] and v["fact_ok"] is False:
            problems.append("facts ✓→✗")
        if v["abstained"] and not o["abstained"]:
            problems.append("abstained")
        if problems:
            out.append({"id": v["id"], "variant": v["variant"], "edit": v["edit"], "question": v["question"],
                        "problems": problems})
    return out


def _retrieval_only(summary: dict) -> dict:
    keep = [f"recall@{k}" for k in metrics.RECALL_KS] + [f"mrr@{metrics.MRR_K}", f"ndcg@{metrics.NDCG_K}"]
    return {k: summary[k] for k in keep}


def rounded(obj, digits: int = 4):
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, dict):
        return {k: rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [rounded(v, digits) for v in obj]
    return obj
