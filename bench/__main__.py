"""`python -m bench [--quick]`: every benchmark, each task in a fresh process, then one table and JSON.

Tasks run one after another (never two at once, so they do not compete for the 2 cores). For each
task the runner records how much CPU other processes used meanwhile, so a figure taken on a busy
machine is flagged rather than silently reported.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import http_report, report
from .machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SWEEP_SIZES = (1000, 5000, 10000, 20000, 50000, 100000)
TASK_TIMEOUT_S = 1200
QUIET_CORES = 0.3  # other processes' CPU use below which the machine counts as quiet


def _cpu_busy_seconds() -> float | None:
    """CPU-seconds all processes have spent busy since boot (from /proc/stat)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _others_cores(seconds: float = 1.0) -> float | None:
    """Cores' worth of CPU other processes use right now (this runner being idle)."""
    before = _cpu_busy_seconds()
    time.sleep(seconds)
    after = _cpu_busy_seconds()
    return None if before is None or after is None else (after - before) / seconds


def _wait_quiet(max_wait: float) -> tuple[float, float | None]:
    """Wait (up to max_wait seconds) until other processes leave the CPUs mostly idle."""
    started = time.monotonic()
    load = _others_cores()
    while load is not None and load > QUIET_CORES and time.monotonic() - started < max_wait:
        load = _others_cores()
    return time.monotonic() - started, load


def run_task(name: str, args: list[str], workdir: Path, wait_quiet: float, env: dict | None = None) -> dict:
    out = workdir / f"{name}.json"
    cmd = [sys.executable, "-m", "bench.worker", *args, "--out", str(out)]
    waited, quiet_load = _wait_quiet(wait_quiet) if wait_quiet > 0 else (0.0, None)
    print(f"  {name} …", end="", flush=True, file=sys.stderr)
    busy0, cpu0, started = _cpu_busy_seconds(), _children_cpu(), time.perf_counter()
    record = {"cmd": " ".join(cmd[1:-2]), "waited_s": round(waited, 1), "others_cores_before": quiet_load,
              "env": env or {}}
    try:
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=TASK_TIMEOUT_S,
                              env={**os.environ, **(env or {})})
        error = None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]
    except subprocess.TimeoutExpired:
        error = f"timed out after {TASK_TIMEOUT_S} s"
    wall = time.perf_counter() - started
    busy1, cpu1 = _cpu_busy_seconds(), _children_cpu()
    if busy0 is not None and busy1 is not None:
        record["other_cpu_cores"] = round(max(0.0, (busy1 - busy0) - (cpu1 - cpu0)) / wall, 2)
    record.update({"wall_s": round(wall, 1), "error": error,
                   "result": json.loads(out.read_text(encoding="utf-8")) if error is None else None})
    busy = f", others used {record.get('other_cpu_cores', 0):.2f} cores" if record.get("other_cpu_cores") else ""
    print(f" {'ERROR: ' + error if error else 'done'} ({wall:.0f} s{busy})", file=sys.stderr)
    return record


def plan(index: Path, corpus: Path, quick: bool, opens: int) -> list[tuple[str, list[str], dict | None]]:
    seed = ["--index", str(index), "--corpus", str(corpus)]
    tasks = [("build", ["build", *seed], None), ("components", ["components", *seed], None)]
    tasks += [(f"open-{i}", ["open", *seed], None) for i in range(1, opens + 1)]
    tasks += [("queries", ["queries", *seed], None), ("batch", ["batch", *seed], None), ("embed", ["embed", *seed], None),
              ("embed-query-default", ["embed-query", *seed], None),
              ("embed-query-omp1", ["embed-query", *seed], {"OMP_NUM_THREADS": "1"}),
              ("embed-query-passive", ["embed-query", *seed], {"OMP_WAIT_POLICY": "passive"}),
              ("embed-passages-passive", ["embed-passages", *seed], {"OMP_WAIT_POLICY": "passive"})]
    sizes = [s for s in SWEEP_SIZES if not quick or s < 100000]
    tasks.append(("faiss-sweep", ["faiss-sweep", "--sizes", ",".join(map(str, sizes))], None))
    real_sizes = [s for s in sizes if s >= 10000]
    tasks.append(("faiss-real", ["faiss-real", "--sizes", ",".join(map(str, real_sizes)), *seed], None))
    tasks += [("http-50", ["http-load", *seed, "--clients", "50", "--seconds", "30"], None),
              ("http-slow", ["http-slow", *seed, "--clients", "50", "--seconds", "30"], None),
              ("http-change", ["http-change", *seed, "--clients", "50", "--seconds", "30"], None),
              ("http-200", ["http-load", *seed, "--clients", "200", "--seconds", "30"], None)]
    for size in (10000,) if quick else (10000, 100000):
        rounds = ["--rounds", "1"] if size >= 100000 else []
        tasks.append((f"scale-engine-{size}", ["scale-engine", "--size", str(size), *seed], None))
        tasks.append((f"scale-baseline-{size}", ["scale-baseline", "--size", str(size), *seed, *rounds], None))
    return tasks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100k-clause runs (about half the time)")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus", help="seed corpus folder (default ./corpus)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "latest.json", help="JSON results file")
    parser.add_argument("--markdown", type=Path, help="also write the results as Markdown (e.g. bench/RESULTS.md)")
    parser.add_argument("--append", type=Path, metavar="FILE",
                        help="append the HTTP load and fault figures to FILE (e.g. bench/RESULTS.md); "
                             "`--only http --append bench/RESULTS.md` measures and records just those")
    parser.add_argument("--only", default="", help="comma-separated task names to run (the seed build always runs)")
    parser.add_argument("--opens", type=int, default=3, help="fresh processes that time opening the knowledge base")
    parser.add_argument("--wait-quiet", type=float, default=10.0, metavar="S",
                        help="before each task, wait up to S seconds for other processes to leave the CPUs idle")
    parser.add_argument("--rounds", type=int, default=0, help="override passes over the question list (smoke tests)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (index, raw task JSON)")
    parser.add_argument("--from-json", type=Path, metavar="FILE",
                        help="measure nothing: re-render the table (and --markdown) from an earlier results file")
    parser.add_argument("--laws", type=Path, nargs="?", const=REPO.parent / "shared" / "laws", metavar="DIR",
                        help="instead: the real-corpus benchmark over DIR (default ../shared/laws), local and Milvus Lite, "
                             "appended to bench/RESULTS.md (see bench/laws.py)")
    parser.add_argument("--laws-sample", type=int, default=256, help="clauses embedded to time the encoder (--laws)")
    parser.add_argument("--laws-rounds", type=int, default=1, help="passes over the law questions (--laws)")
    parser.add_argument("--no-milvus", action="store_true", help="--laws without the Milvus Lite half")
    args = parser.parse_args(argv)
    if args.laws:
        from . import laws

        if not args.laws.is_dir():
            parser.error(f"--laws {args.laws}: no such folder")
        return laws.main(args.laws.resolve(), args.markdown or REPO / "bench" / "RESULTS.md", args.keep,
                         args.laws_sample, args.laws_rounds, not args.no_milvus)
    if args.from_json:
        results = summarize_run(json.loads(args.from_json.read_text(encoding="utf-8")))
        return publish(results, args, write_json=False)

    workdir = Path(tempfile.mkdtemp(prefix="policykb-bench-"))
    index = workdir / "index"
    machine = describe_machine(REPO)
    started, t0 = time.strftime("%Y-%m-%d %H:%M:%S %z"), time.perf_counter()
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    tasks: dict[str, dict] = {}
    print(f"PolicyKB benchmark ({'quick' if args.quick else 'full'}); scratch folder {workdir}", file=sys.stderr)
    try:
        for name, task_args, env in plan(index, args.corpus.resolve(), args.quick, args.opens):
            if only and name != "build" and name not in only and not any(name.startswith(o + "-") for o in only):
                continue
            if args.rounds and name not in ("build", "components", "faiss-sweep") and not name.startswith(("open-", "embed")):
                task_args = [*task_args, "--rounds", str(args.rounds)]
            tasks[name] = run_task(name, task_args, workdir, args.wait_quiet, env)
            _save_partial(args.out, {"schema": 1, "quick": args.quick, "started": started, "partial": True,
                                     "duration_s": time.perf_counter() - t0, "machine": machine, "tasks": tasks})
            if name == "build" and tasks[name]["error"]:
                print("the seed build failed; nothing else can run", file=sys.stderr)
                break
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    results = summarize_run({"schema": 1, "quick": args.quick, "started": started,
                             "duration_s": time.perf_counter() - t0, "machine": machine, "tasks": tasks})
    publish(results, args)
    return 0 if all(not t.get("error") for t in tasks.values()) else 1


APPENDED = "<!-- appended sections (python -m bench --laws, decisions): kept when the page above is re-rendered -->"


def appended_sections(markdown: Path) -> str:
    """What follows the APPENDED marker in an existing results page (with the marker), or ""."""
    try:
        text = markdown.read_text(encoding="utf-8")
    except OSError:
        return ""
    at = text.find(APPENDED)
    return "\n" + text[at:] if at >= 0 else ""


def _save_partial(path: Path, results: dict) -> None:
    """The raw results so far, so an interrupted run still leaves its measurements (see --from-json)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


def summarize_run(results: dict) -> dict:
    """Rows, targets, the EXACT_LIMIT advice and notes, all derived from the raw task results."""
    tasks = results["tasks"]
    sweep = (tasks.get("faiss-sweep") or {}).get("result") or {}
    return {**results, "rows": report.build_rows(tasks), "targets": report.build_targets(tasks, results["quick"]),
            "faiss_sweep": sweep, "exact_limit_advice": report.exact_limit_advice(sweep),
            "faiss_real": (tasks.get("faiss-real") or {}).get("result") or {},
            "notes": report.contention_notes(tasks)}


def publish(results: dict, args, write_json: bool = True) -> int:
    if write_json:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"JSON: {args.out}", file=sys.stderr)
    print(report.render_text(results))
    print(http_report.render_http_text(results))
    command = "python -m bench" + (" --quick" if results["quick"] else "")
    if args.markdown:
        kept = appended_sections(args.markdown)
        args.markdown.write_text(report.render_markdown(results, command) + http_report.render_http_markdown(results, command)
                                 + kept, encoding="utf-8")
        print(f"Markdown: {args.markdown}", file=sys.stderr)
    if args.append and http_report.render_http_markdown(results, command):
        with open(args.append, "a", encoding="utf-8") as fh:
            only = f" --only {args.only}" if getattr(args, "only", "") else ""
            fh.write(http_report.render_http_markdown(results, command + only + f" --append {args.append}"))
        print(f"appended the HTTP figures to {args.append}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
