"""The HTTP load and fault figures as a table (pure functions over the tasks' JSON)."""
from __future__ import annotations

HTTP_TASKS = ("http-50", "http-slow", "http-change", "http-200")


def _counts(d: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in d.items()) or "none"


def _load(result: dict) -> str:
    before = (result.get("machine_before") or {}).get("loadavg") or []
    after = (result.get("machine_after") or {}).get("loadavg") or []
    return f"{before[0] if before else '?'} → {after[0] if after else '?'}"


def http_lines(tasks: dict) -> list[tuple[str, ...]]:
    lines = []
    for name in HTTP_TASKS:
        task = tasks.get(name)
        if not task:
            continue
        r = task.get("result")
        if not r:
            lines.append((name, "—", "—", "—", "—", f"ERROR: {task.get('error')}", "—", "—"))
            continue
        lat = r["latency_ms"]
        notes = []
        if name == "http-slow":
            notes.append(f"meanwhile 20 slow bodies → {_counts(r['slow_bodies'])}; 20 slow heads → {_counts(r['slow_heads'])}; "
                         f"200 idle sockets → {_counts(r['idle_sockets'])}; server threads {r['server_threads_before']} → "
                         f"{r['server_threads_during']}")
        if name == "http-change":
            c = r.get("change") or {}
            notes.append(f"a document uploaded under load: {c.get('status') or c.get('error')} in {c.get('seconds')} s; "
                         f"{r['served_during_change']} requests answered meanwhile; documents afterwards "
                         f"{', '.join(r.get('documents_after') or [])}")
        if r.get("server_log_lines"):
            notes.append(f"{r['server_log_lines']} server log lines")
        ok = sum(v for k, v in r["statuses"].items() if k == "200")
        not_ok = {k: v for k, v in r["statuses"].items() if k != "200"}
        lines.append((name, f"{r['clients']} × {r['seconds']:.0f} s", f"{r['throughput_rps']:.1f}/s",
                      f"{lat['p50']:.0f} / {lat['p95']:.0f} / {lat['p99']:.0f} ms",
                      f"{ok} ok; other statuses: {_counts(not_ok)}", f"errors: {_counts(r['errors'])}",
                      f"{_load(r)} (other processes {task.get('other_cpu_cores', '?')} cores)", "; ".join(notes)))
    return lines


HEADER = ("task", "clients × time", "throughput", "p50 / p95 / p99", "answers", "failures", "load avg (1 min)", "notes")


def render_http_markdown(results: dict, command: str) -> str:
    lines = http_lines(results["tasks"])
    if not lines:
        return ""
    m = results["machine"]
    out = ["", f"## HTTP API under load and faults — {results['started']}, commit `{m['git']['commit']}`"
                f"{' (with uncommitted changes)' if m['git']['dirty'] else ''}", "",
           f"`{command}` — a real `policykb serve` process (FastAPI + uvicorn, one process) on a private copy of the seed "
           f"index; asyncio clients in another process, a fresh connection per request, the next request as soon as the "
           f"previous one is answered; requests are 80% `POST /ask` over the benchmark's 50 questions (their embeddings "
           f"are cached after the first pass), 10% `/health`, 10% a clause. Failures are requests that got no HTTP answer "
           f"(reset, refused, timeout after 120 s, closed). Machine: {m['cpu']}, {m['usable_cores']} cores shared with "
           f"other processes; load at start {m['load_average_at_start']}.", ""]
    out += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in line) + " |" for line in lines]
    return "\n".join(out) + "\n"


def render_http_text(results: dict) -> str:
    lines = http_lines(results["tasks"])
    if not lines:
        return ""
    return "\n".join(["", "HTTP API under load and faults"] + ["  " + " | ".join(line) for line in lines])
