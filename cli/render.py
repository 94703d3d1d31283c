"""Human-readable output for the terminal: progress bars, trees, answers."""
from __future__ import annotations

import json
import sys
import time
from collections import Counter

from indexer.clause import Clause


def print_jsonl(objects) -> None:
    out = sys.stdout
    for obj in objects:
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()


_open_line: set[int] = set()   # ids of the streams a progress line was left unfinished on


def end_progress_line(stream=None) -> None:
    """Finish a progress line left open (a build stopped mid-stage), so that what follows starts its own line."""
    out = stream or sys.stderr
    if id(out) in _open_line:
        out.write("\n")
        _open_line.discard(id(out))


def progress_bar(stream=None, clock=time.monotonic):
    """A callback (stage, done, total) drawing one updating line on stderr: the stage, a bar, done/total,
    and once a stage has run a moment its rate and the time left (redrawn at most 5 times a second)."""
    state = {"stage": None, "started": 0.0, "drawn": 0.0}

    def update(stage: str, done: int, total: int) -> None:
        out = stream or sys.stderr
        now = clock()
        width = 30
        if state["stage"] != stage:
            if state["stage"]:
                out.write("\n")
            state.update(stage=stage, started=now, drawn=0.0)
        finished = done >= total
        if not finished and now - state["drawn"] < 0.2 and done:
            return
        state["drawn"] = now
        filled = int(width * done / total) if total else width
        line = f"\r{stage:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        elapsed = now - state["started"]
        if done and elapsed >= 1.0:
            rate = done / elapsed
            line += f"  {rate:,.1f}/s" + ("" if finished else f"  ETA {format_duration((total - done) / rate)}")
        out.write(line.ljust(79))  # spaces, not an escape code: stderr may be a log file
        _open_line.add(id(out))
        if finished:
            out.write("\n")
            _open_line.discard(id(out))
            state["stage"] = None
        out.flush()

    return update


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render_tree(title: str, text: str, clauses: list[Clause]) -> str:
    from indexer.clause import Document
    from indexer.segment import uncovered_lines

    lines = [title]
    counts = Counter(c.kind for c in clauses)
    chapters = {c.path[0] for c in clauses if c.path and c.path[0].startswith("第") and "章" in c.path[0][:5]}
    sections = {tuple(c.path[:2]) for c in clauses if len(c.path) > 1 and "节" in c.path[1][:5]}
    columns = {p for c in clauses for p in c.path if p.startswith("专栏")}
    lines.append(f"  {len(clauses)} clauses: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
                 + f"; {len(chapters)} chapters, {len(sections)} sections, {len(columns)} columns")
    previous: list[str] = []
    for c in clauses:
        for depth, heading in enumerate(c.path):
            if depth >= len(previous) or previous[depth] != heading:
                lines.append("  " * (depth + 1) + heading)
                previous = previous[:depth] + [heading]
        previous = list(c.path)
        preview = c.title or c.text[:30].replace("\n", " ")
        lines.append("  " * (len(c.path) + 1) + f"- [{c.kind}] {c.clause_id}  {preview}")
    doc = Document(clauses[0].doc_id if clauses else "", title, text)
    missing = uncovered_lines(doc, clauses)
    for offset, line in missing:
        lines.append(f"  warning: not placed in any clause (offset {offset}): {line[:50]}")
    if not missing:
        lines.append("  every line of the document is in a clause or a heading")
    return "\n".join(lines)


OUTCOME_LINES = {"answered": "【已回答】", "partial": "【部分覆盖】文件讲到了这件事，但没有写明所问的内容",
                 "not_covered": "【未覆盖】这些文件没有回答这个问题"}


def render_answer(answer: dict) -> str:
    outcome = answer.get("outcome") or ("not_covered" if answer["abstained"] else "answered")
    lines = [OUTCOME_LINES.get(outcome, outcome)]
    if outcome == "partial" and answer.get("missing"):
        lines[0] += f"：{answer['missing']}"
    lines += [answer["answer"], ""]
    if outcome == "not_covered" and answer["citations"]:
        lines.append("（以下为最接近的条款，供核对）")
    for c in answer["citations"]:
        where = c.get("label") or c["doc_title"]
        lines.append(f"[{c['rank']}] {where} › {' › '.join(c['path'])}  ({c['clause_id']})")
        text = c["text"]
        shown = "".join(text[s:e] for s, e in c["highlights"]) or text
        lines.append(f"    {shown[:200]}")
    a = answer["analysis"]
    found = [f"{k}: {'、'.join(a[k])}" for k in ("profile", "conditions", "topics", "expanded_terms") if a.get(k)]
    if found:
        lines.append("")
        lines.append("识别: " + "; ".join(found))
    return "\n".join(lines).rstrip()


def render_entitlements(result: dict) -> str:
    resolved = "、".join(f"{r['input']}→{r['label']}" for r in result["resolved"])
    lines = [f"家庭情况: {resolved}" + (f"; 领域: {result['topic']}" if result["topic"] else "")
             + (f"; 地区: {result['region']}" if result.get("region") else ""),
             f"共 {result['total']} 条相关规定", ""]
    for group in result["groups"]:
        lines.append(f"【{group['topic']}】 {group['count']} 条")
        for item in group["items"]:
            lines.append(f"  - {item['summary'][:160]}")
            source = item.get("label") or item["doc_title"]   # the label, computed by qa, when documents are labelled
            lines.append(f"    出处: {source} › {' › '.join(item['path'])} ({item['clause_id']})")
        lines.append("")
    if not result["groups"]:
        lines.append("这些文件中没有找到专门针对这种家庭情况的规定。")
    return "\n".join(lines).rstrip()
