"""Rendering an evaluation: the Markdown report and the terminal summary table."""
from __future__ import annotations

import datetime as _dt

# The targets for the full pipeline (issue 5); the CI floors are in eval/floors.json.
TARGETS = {"recall@5": 0.95, "mrr@10": 0.85, "fact_accuracy": 0.90, "abstain_precision": 0.95, "abstain_recall": 0.95}

COLUMNS = (("recall@1", "R@1"), ("recall@3", "R@3"), ("recall@5", "R@5"), ("recall@10", "R@10"),
           ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"), ("fact_accuracy", "Fact acc"),
           ("citation_precision", "Cite prec"), ("abstain_precision", "Abst P"), ("abstain_recall", "Abst R"),
           ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms"))
# shown when a set has questions for them (a set over many documents)
LIBRARY_COLUMNS = (("edition_accuracy", "Edition acc"), ("region_accuracy", "Region acc"))
GROUP_COLUMNS = (("recall@5", "R@5"), ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"), ("fact_accuracy", "Fact acc"),
                 ("citation_precision", "Cite prec"), ("abstain_precision", "Abst P"), ("abstain_recall", "Abst R"),
                 ("false_abstentions", "False abst"))


def fmt(value, ms: bool = False) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return f"{value:.1f}" if ms else f"{value:.3f}"


def _cell(key: str, value) -> str:
    return fmt(value, ms=key.endswith("_ms"))


def columns_for(systems: dict) -> tuple:
    """The headline columns, with edition and region accuracy when the set has questions for them."""
    extra = tuple((k, label) for k, label in LIBRARY_COLUMNS if any(m.get(k) is not None for m in systems.values()))
    return COLUMNS[:8] + extra + COLUMNS[8:]


def _text_table(systems: dict) -> list[str]:
    columns = columns_for(systems)
    header = ["system"] + [label for _, label in columns]
    rows = [[name] + [_cell(k, m.get(k)) for k, _ in columns] for name, m in systems.items()]
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def summary_table(summary: dict) -> str:
    """The headline numbers as a plain-text table, one row per system (and one table per further set)."""
    out = [f"{summary['questions']} questions"] + _text_table(summary["systems"])
    rob = summary.get("robustness", {}).get("kinds", {}).get("all")
    if rob:
        out.append(f"robustness ({summary['robustness']['system']}, {rob['n']} variants): "
                   f"R@5 drop {fmt(rob['recall@5_drop'])}, MRR@10 drop {fmt(rob['mrr@10_drop'])}, "
                   f"fact accuracy drop {fmt(rob['fact_accuracy_drop'])}")
    out.append(f"report: {summary['report']}")
    first = next(iter(summary.get("sets", {})), None)
    for name, sub in summary.get("sets", {}).items():
        if name == first:
            continue
        if "skipped" in sub:
            out.append(f"\nset {name}: skipped ({sub['skipped']})")
            continue
        out += [f"\nset {name}: {sub['questions']} questions"] + _text_table(sub["systems"]) + [f"report: {sub['report']}"]
    return "\n".join(out)


# --- Markdown -------------------------------------------------------------------------------
def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_report(summary: dict, context: dict) -> str:
    systems = list(summary["systems"])
    parts = [_header(summary, context), _headline(summary), _definitions(summary, context)]
    parts.append(f"## Recall@k and per-type results\n\n![Recall@k per system]({context['plots']['recall']})\n\n"
                 f"![Per-type results]({context['plots']['by_type']})")
    parts.append(_targets(summary))
    parts.append(_coverage(context.get("coverage")))
    for title, key, label in (("By question type", "by_type", "type"), ("By persona", "by_persona", "persona"),
                              ("By split", "by_split", "split")):
        parts.append(_groups(summary, key, title, label, systems))
    parts.append(_library(summary, context.get("unresolved", [])))
    parts.append(_other_sets(context.get("sets", {})))
    if "diagnostics" in summary:
        parts.append(_diagnostics(summary))
    if "robustness" in summary:
        parts.append(_robustness(summary["robustness"], context.get("variant_failures", [])))
    parts.append(_failures(context.get("failures", []), "full" if "full" in systems else systems[-1]))
    parts.append(_diff(context.get("diff"), context.get("previous")))
    return "\n\n".join(p for p in parts if p) + "\n"


def _header(summary: dict, context: dict) -> str:
    when = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (f"# PolicyKB evaluation report\n\n"
            f"- Run: {when}, {context.get('elapsed_s', '?')} s\n"
            f"- Questions: `{context['questions_file']}`, {summary['questions']} questions\n"
            f"- Index: {context['clauses']} clauses from {len(context['documents'])} document(s) "
            f"({', '.join(map(str, context['documents']))}), encoder `{context['encoder']}`\n"
            f"- Machine-readable: `results.json` (every system's ranking, answer, citations and verdicts per question)")


def _headline(summary: dict) -> str:
    columns = columns_for(summary["systems"])
    rows = [[f"**{name}**"] + [_cell(k, m.get(k)) for k, _ in columns] for name, m in summary["systems"].items()]
    any_m = next(iter(summary["systems"].values()))
    note = f"In-scope questions: {any_m['n_in_scope']}; out-of-scope: {any_m['n_out_of_scope']}."
    search = [f"{name} {_cell('search_p50_ms', m.get('search_p50_ms'))} ms" for name, m in summary["systems"].items()
              if m.get("search_p50_ms") is not None]
    if search:
        note += " Ranking alone (the retrieval columns' 10 clauses, any query embedding already cached), p50: " + ", ".join(search) + "."
    return "## Summary\n\n" + md_table(["system"] + [label for _, label in columns], rows) + "\n\n" + note


def _definitions(summary: dict, context: dict) -> str:
    return """## What the numbers mean

- **Systems.** `bm25` ranks with plain rank-bm25 (BM25Okapi over jieba's default cut, no dictionary, synonyms or
  stop words); `dense` ranks with the encoder alone; `hybrid` fuses the engine's BM25 and dense lists; `full` adds
  question analysis (situations, conditions, benefit areas) and one retrieval per aspect. Each ranks 10 clauses.
- **Answer metrics of the baselines.** A baseline has no answer composer of its own, so its answer columns (fact
  accuracy, citation precision, abstention) are the engine's composer and abstention (`kb.ask(mode=…)`, top 5) fed
  by that mode's ranking. For `bm25` that ranking is the engine's own BM25 (with its dictionary and synonyms), not
  the plain rank-bm25 list its retrieval columns measure: read the `bm25` answer columns as "composer on keyword
  retrieval". The `dense` and `hybrid` rows are consistent: the same ranking feeds both kinds of column.
- **Recall@k**: share of a question's gold clauses among the first k, averaged over in-scope questions (a question
  with 5 gold clauses scores at most 0.2 at k=1). **MRR@10**: 1/rank of the first gold clause. **nDCG@10**: binary
  relevance on gold ids.
- **Fact accuracy**: share of in-scope questions whose answer contains every one of its facts (after NFKC,
  traditional→simplified and lower-casing on both sides); an abstention states no fact. *Fact recall* (in
  results.json) is the share of single facts found.
- **Citation precision**: over in-scope questions the system answered, the mean share of cited clauses that are
  gold (an answer citing nothing scores 0).
- **Abstention precision / recall**: positive class = `out_of_scope`; a refused question (bad input) counts as an
  abstention. A "–" means the metric has nothing to average over.
- **Latency** (p50 / p95): measured, per question and system: the time `kb.ask` takes from question analysis to
  the composed answer (its `latency_ms`), with the engine's query-embedding cache cleared before each ask, so every
  system pays for its own question embedding(s) (one, or one more per aspect for the full pipeline). One untimed
  question first loads the lazy parts; the run uses one BLAS/OpenMP thread, as the UI server does."""


def _targets(summary: dict) -> str:
    full = summary["systems"].get("full")
    if full is None:
        return ""
    rows = []
    by_type = summary.get("by_type", {}).get("full", {})
    for metric, target in TARGETS.items():
        value = full.get(metric)
        met = value is not None and value >= target
        weak = [f"{t} ({fmt(m.get(metric))})" for t, m in by_type.items()
                if m.get(metric) is not None and m[metric] < target]
        rows.append([metric, fmt(value), f"≥ {target:.2f}", "met" if met else "**missed**",
                     ", ".join(weak) if not met else ""])
    ahead = []
    for metric in ("recall@5", "mrr@10"):
        for name, m in summary["systems"].items():
            if name != "full" and m.get(metric) is not None and full.get(metric) is not None:
                ahead.append(f"{metric} vs {name}: {'+' if full[metric] >= m[metric] else ''}"
                             f"{full[metric] - m[metric]:.3f}")
    return ("## Full pipeline against the targets\n\n"
            + md_table(["metric", "full", "target", "", "types below target"], rows)
            + ("\n\nFull pipeline minus each baseline: " + "; ".join(ahead) if ahead else ""))


def _groups(summary: dict, key: str, title: str, label: str, systems: list[str]) -> str:
    groups = summary.get(key, {})
    if not groups:
        return ""
    names = []
    for per in groups.values():
        names += [g for g in per if g not in names]
    out = [f"## {title}"]
    compare = [[g, str(groups[systems[0]][g]["n"])] + [fmt(groups[s].get(g, {}).get(m)) for m in ("recall@5", "mrr@10", "fact_accuracy") for s in systems]
               for g in names]
    header = [label, "n"] + [f"{short} {s}" for short in ("R@5", "MRR", "Fact") for s in systems]
    out.append(md_table(header, compare))
    main = "full" if "full" in systems else systems[-1]
    rows = [[g, str(groups[main][g]["n"])] + [_cell(k, groups[main][g].get(k)) for k, _ in GROUP_COLUMNS] for g in names]
    out.append(f"Every metric of `{main}` by {label}:\n\n" + md_table([label, "n"] + [l for _, l in GROUP_COLUMNS], rows))
    return "\n\n".join(out)


def _library(summary: dict, unresolved: list[dict]) -> str:
    """Editions, regions and headers, for a set over many documents."""
    systems = summary["systems"]
    if not any(m.get("edition_accuracy") is not None or m.get("region_accuracy") is not None or m.get("header_citations")
               for m in systems.values()) and not unresolved:
        return ""
    rows = [[name, fmt(m.get("edition_accuracy")), str(m.get("n_edition", 0)), fmt(m.get("region_accuracy")),
             str(m.get("n_region", 0)), str(m.get("region_foreign_leads", 0)), str(m.get("header_citations", 0))]
            for name, m in systems.items()]
    out = ["## Editions, regions and headers",
           "- **Edition accuracy**: on `edition` questions with an `expect_doc`, the share whose first citation is from "
           "that document (an abstention cites nothing and scores 0).\n"
           "- **Region accuracy**: on in-scope questions with a `region`, the share whose first citation is from "
           "`expect_doc` when given, else from a document of the asker's region (a national one when the library holds "
           "none of that region). *Foreign leads*: of those, how many led with another province's document.\n"
           "- **Header citations**: answers citing a document's header (title and history lines) as if it were a clause.",
           md_table(["system", "Edition acc", "n", "Region acc", "n", "foreign leads", "header citations"], rows)]
    if unresolved:
        out.append(f"**{len(unresolved)} anchor(s) matched no clause** (their questions are scored without that gold):\n\n"
                   + md_table(["id", "doc", "text"], [[u["id"], u["doc"], u["text"]] for u in unresolved]))
    return "\n\n".join(out)


def _other_sets(sets: dict) -> str:
    if not sets:
        return ""
    out = ["## Other evaluation sets"]
    for name, sub in sets.items():
        if "skipped" in sub:
            out.append(f"**{name}**: skipped — {sub['skipped']}.")
            continue
        columns = columns_for(sub["systems"])
        rows = [[f"**{s}**"] + [_cell(k, m.get(k)) for k, _ in columns] for s, m in sub["systems"].items()]
        out.append(f"**{name}** ({sub['questions']} questions; full report: `{sub['report']}`)\n\n"
                   + md_table(["system"] + [label for _, label in columns], rows))
    return "\n\n".join(out)


def _diagnostics(summary: dict) -> str:
    d = summary["diagnostics"].get("bm25_engine_retrieval")
    plain = summary["systems"].get("bm25")
    if not d or not plain:
        return ""
    keys = list(d)
    rows = [["plain rank-bm25 (the `bm25` row)"] + [fmt(plain.get(k)) for k in keys],
            ["engine BM25 (dictionary, stop words, synonyms; feeds the `bm25` answers)"] + [fmt(d[k]) for k in keys]]
    return "## Two BM25s\n\n" + md_table(["ranking"] + keys, rows)


def _robustness(rob: dict, variant_failures: list[dict]) -> str:
    kinds = rob.get("kinds", {})
    rows = []
    for kind, r in kinds.items():
        rows.append([kind, str(r["n"])] + [f"{fmt(r[m + '_original'])} → {fmt(r[m])} ({_signed(r[m + '_drop'])})"
                                           for m in ("recall@5", "mrr@10", "fact_accuracy")] + [str(r["false_abstentions"])])
    out = [f"## Robustness ({rob['system']} pipeline)",
           f"Variants from `{rob['file']}` (regenerate with `python -m eval.variants`); each variant is scored against "
           f"the same pipeline on its original wording. Drop = original − variant (positive is worse)."
           + (f" {rob['stale_variants']} stale variant(s) skipped (their question changed or is gone)." if rob.get("stale_variants") else ""),
           md_table(["variant", "n", "Recall@5 (drop)", "MRR@10 (drop)", "Fact acc (drop)", "false abstentions"], rows)]
    if variant_failures:
        listed = variant_failures[:40]
        out.append(f"Variants that do worse than their original ({len(variant_failures)}"
                   + (f", first {len(listed)} listed" if len(listed) < len(variant_failures) else "") + "):\n\n"
                   + md_table(["id", "edit", "question", "what changed"],
                              [[v["id"], v["edit"], v["question"], "; ".join(v["problems"])] for v in listed]))
    return "\n\n".join(out)


def _signed(value) -> str:
    if value is None:
        return "–"
    return f"{value:+.3f}"


def _failures(failures: list[dict], system: str) -> str:
    if not failures:
        return f"## Where `{system}` misses\n\nNothing: every question retrieved all its gold clauses in the top 5, stated every fact, and abstained exactly when it should."
    rows = [[f["id"], f["type"], f["question"], "; ".join(f["problems"]), " ".join(f["gold"]), " ".join(f["ranked"])]
            for f in failures]
    return (f"## Where `{system}` misses ({len(failures)} questions)\n\n"
            + md_table(["id", "type", "question", "problem", "gold", f"{system} top 5"], rows))


def _diff(diff: dict | None, previous: str | None) -> str:
    if diff is None:
        return "## Changes since the previous run\n\nNo previous run to compare with (pass `--previous results.json`, or run again into the same report folder)."
    out = [f"## Changes since the previous run\n\nCompared with `{previous}`."]
    notes = []
    for key, label in (("added", "new questions"), ("removed", "questions no longer in the set"), ("reworded", "reworded questions")):
        if diff.get(key):
            notes.append(f"{label}: {', '.join(diff[key])}")
    if notes:
        out.append("; ".join(notes) + ".")
    metric_rows = []
    for system, changes in diff.get("metrics", {}).items():
        for metric, (old, new) in changes.items():
            if old != new:
                delta = (new - old) if old is not None and new is not None else None
                metric_rows.append([system, metric, fmt(old), fmt(new), _signed(delta)])
    if metric_rows:
        out.append(md_table(["system", "metric", "before", "now", "change"], metric_rows))
    for system, lists in diff.get("systems", {}).items():
        broke, fixed = lists["broke"], lists["fixed"]
        if not broke and not fixed:
            out.append(f"**{system}**: no question changed verdict.")
            continue
        for title, items in (("broke", broke), ("got fixed", fixed)):
            if items:
                out.append(f"**{system}: {len(items)} question(s) {title}**\n\n"
                           + md_table(["id", "type", "question", "change", "answer now"],
                                      [[e["id"], e["type"], e["question"], "; ".join(e["changes"]), e["answer"][:80]] for e in items]))
    return "\n\n".join(out)


def _coverage(coverage: dict | None) -> str:
    """The coverage decision: its precision/recall curve, the operating point and the three outcomes."""
    if not coverage:
        return ""
    op = coverage["operating"] or {}
    rows = [[fmt(p["threshold"]), fmt(p["abstain_precision"]), fmt(p["abstain_recall"]), fmt(p["false_abstention_rate"])]
            for p in coverage["table"]]
    if op:
        rows.append([f"**{fmt(op['threshold'])} (operating point)**", fmt(op["abstain_precision"]),
                     fmt(op["abstain_recall"]), fmt(op["false_abstention_rate"])])
    counts = coverage["outcomes"]
    outcome_rows = [[scope.replace("_", " ")] + [str(counts[scope][k]) for k in ("answered", "partial", "not_covered")]
                    for scope in ("in_scope", "out_of_scope")]
    return (f"## Coverage decision (`{coverage['system']}`)\n\n"
            "Each answer is `answered`, `partial` (the documents speak of the subject but do not state the kind of fact "
            "asked for) or `not_covered`. A question is abstained on (partial or not covered) when it names a year, plan "
            "period or province no document mentions, when the coverage model's probability that the documents speak of "
            "it is under the threshold, or when the fact asked for is stated nowhere in the clauses about it. The curve "
            "sweeps the threshold over this set; the operating point is the threshold in `qa/coverage_model.json`, chosen "
            "on the calibration split (`python -m eval.calibrate`).\n\n"
            f"![Coverage precision/recall]({coverage['plot']})\n\n"
            + md_table(["threshold", "abstain P", "abstain R", "false-abstention rate"], rows) + "\n\n"
            + md_table(["questions", "answered", "partial", "not covered"], outcome_rows))
