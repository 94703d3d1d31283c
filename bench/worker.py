"""One benchmark task in this process: `python -m bench.worker TASK --out FILE [options]`.

`python -m bench` runs every task through here in a fresh interpreter, so that cold-start figures
are cold and each task's peak memory is its own. The result is written as JSON to --out (stdout is
left to the libraries' chatter).
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from .machine import load_average


def _seed(name):
    def run(*args):
        from . import seed  # imported per task, so a task's own import cost is its own
        return getattr(seed, name)(*args)
    return run


def _scale(name):
    def run(*args):
        from . import scale
        return getattr(scale, name)(*args)
    return run


def _http(name):
    def run(*args):
        from . import http_load
        return getattr(http_load, name)(*args)
    return run


TASKS = {
    "build": lambda a: _seed("task_build")(a.corpus, a.index),
    "open": lambda a: _seed("task_open")(a.corpus, a.index),
    "components": lambda a: _seed("task_components")(a.corpus, a.index),
    "queries": lambda a: _seed("task_queries")(a.corpus, a.index, a.rounds or 3),
    "batch": lambda a: _seed("task_batch")(a.corpus, a.index, a.rounds or 3),
    "embed": lambda a: _seed("task_embed")(a.corpus, a.index),
    "embed-passages": lambda a: _seed("task_embed")(a.corpus, a.index, False),
    "embed-query": lambda a: _seed("task_embed_query")(a.corpus, a.index),
    "scale-engine": lambda a: _scale("task_scale_engine")(a.index, a.size, a.rounds or 2),
    "scale-baseline": lambda a: _scale("task_scale_baseline")(a.index, a.size, a.rounds or 2),
    "faiss-sweep": lambda a: _scale("task_faiss_sweep")([int(s) for s in a.sizes.split(",")]),
    "faiss-real": lambda a: _scale("task_faiss_real")(a.index, [int(s) for s in a.sizes.split(",")]),
    "http-load": lambda a: _http("task_http_load")(a.index, a.corpus, a.out.parent, a.clients, a.seconds),
    "http-slow": lambda a: _http("task_http_slow")(a.index, a.corpus, a.out.parent, a.clients, a.seconds),
    "http-change": lambda a: _http("task_http_change")(a.index, a.corpus, a.out.parent, a.clients, a.seconds),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("task")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--index", type=Path)
    parser.add_argument("--size", type=int)
    parser.add_argument("--sizes", default="")
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    if args.task not in TASKS:
        parser.error(f"unknown task {args.task!r}; one of {', '.join(TASKS)}")
    load_before = load_average()
    started = time.perf_counter()
    result = TASKS[args.task](args)
    result["_task"] = {"name": args.task, "wall_s": time.perf_counter() - started, "load_before": load_before,
                       "load_after": load_average(),
                       "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
